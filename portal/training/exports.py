"""The attendance sheet of a training as an .xlsx workbook (cells written by portal.xlsx)."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _

from portal import xlsx
from portal.labels import label
from portal.training.models import Training

_WIDTHS = (12, 14, 16, 16, 18, 14, 6, 6, 18, 8, 30)


def download_name(training: Training) -> str:
    """Return the file name offered for download (any Unicode; the header encodes it)."""
    stem = xlsx.file_stem(training.title) or f"training-{training.id}"
    suffix = _("attendance sheet")
    return f"{stem}-{suffix}.xlsx"


def _yes(flag: bool) -> str:
    return _("Yes") if flag else ""


def _row(row) -> tuple:
    attendance = row.Attendance
    notes = [] if row.expected else [_("Not on the list")]
    if attendance is not None and attendance.reason:
        notes.append(attendance.reason)
    who = (row.name or "", row.phone or "", row.community or "", label(row.post_type))
    if attendance is None:
        return (*who, None, _("Not checked in"), None, None, None, None, "；".join(notes))
    return (
        *who,
        attendance.scanned_at or attendance.checked_in_at,
        label(attendance.method),
        _yes(attendance.late),
        _yes(attendance.left_early),
        attendance.checked_out_at,
        attendance.credited_hours,
        "；".join(notes),
    )


def attendance_workbook(training: Training, rows: Sequence) -> bytes:
    """Return the attendance sheet: one row per worker on the roster, with Chinese headers."""
    headers = [
        _("Name"),
        _("Phone"),
        _("Community name"),
        _("Post"),
        _("Checked in at"),
        _("Method"),
        _("Late"),
        _("Left early"),
        _("Checked out at"),
        _("Hours"),
        _("Note / reason"),
    ]
    book = xlsx.simple_workbook(training.title, headers, map(_row, rows), widths=_WIDTHS)
    return xlsx.to_bytes(book)
