"""The attendance sheet of a training as an .xlsx workbook."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import datetime

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from portal.labels import label
from portal.timeutil import to_local
from portal.training.models import Training

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEET_TITLE_ILLEGAL = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_FILENAME_ILLEGAL = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_TIME_FORMAT = "yyyy-mm-dd hh:mm"
_WIDTHS = (12, 14, 16, 16, 18, 14, 6, 6, 18, 8, 30)


def sheet_title(title: str) -> str:
    """Return a title Excel accepts for a sheet: no []:*?/ or backslash, ≤ 31 characters."""
    cleaned = _SHEET_TITLE_ILLEGAL.sub("", title).strip().strip("'").strip()
    return cleaned[:31].strip() or "Sheet1"


def download_name(training: Training) -> str:
    """Return the file name offered for download (any Unicode; the header encodes it)."""
    stem = _FILENAME_ILLEGAL.sub("", training.title).strip() or f"training-{training.id}"
    suffix = _("attendance sheet")
    return f"{stem[:80]}-{suffix}.xlsx"


def _local(moment: datetime | None) -> datetime | None:
    # Excel has no time zones: write Shanghai wall time.
    return to_local(moment).replace(tzinfo=None) if moment else None


def _yes(flag: bool) -> str:
    return _("Yes") if flag else ""


def _text(cell: Cell, value: str | None) -> None:
    # Never a formula, whatever a name or reason starts with ("=", "+", "@"…).
    cell.value = value or ""
    cell.data_type = "s"


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
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title(training.title)
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, row in enumerate(rows, start=2):
        attendance = row.Attendance
        notes = [] if row.expected else [_("Not on the list")]
        if attendance is not None and attendance.reason:
            notes.append(attendance.reason)
        for column, value in enumerate((row.name, row.phone, row.community), start=1):
            _text(sheet.cell(number, column), value)
        _text(sheet.cell(number, 4), label(row.post_type))
        if attendance is None:
            _text(sheet.cell(number, 6), _("Not checked in"))
        else:
            arrived = sheet.cell(
                number, 5, _local(attendance.scanned_at or attendance.checked_in_at)
            )
            arrived.number_format = _TIME_FORMAT
            _text(sheet.cell(number, 6), label(attendance.method))
            _text(sheet.cell(number, 7), _yes(attendance.late))
            _text(sheet.cell(number, 8), _yes(attendance.left_early))
            if attendance.checked_out_at is not None:
                left = sheet.cell(number, 9, _local(attendance.checked_out_at))
                left.number_format = _TIME_FORMAT
            sheet.cell(number, 10, float(attendance.credited_hours)).number_format = "0.0"
        _text(sheet.cell(number, 11), "；".join(notes))
    for index, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
