"""The street's mentoring and 谈心 coverage as an .xlsx workbook.

Talk notes stay out of the file: it lists who was talked with and when, which pairings
are quiet and which follow-ups are overdue (owner and due date), never what was said or
the follow-up's text — reading those is audited and happens in the portal.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from portal import xlsx
from portal.labels import label
from portal.mentoring.queries import StreetReport

XLSX_MIMETYPE = xlsx.MIMETYPE
_DATE_FORMAT = "yyyy-mm-dd"


def download_name(month: date) -> str:
    """Return the file name offered for download."""
    stem = _("mentoring-and-talks")
    return f"{stem}-{month:%Y-%m}.xlsx"


def _sheet(book: Workbook, title: str, headers: Sequence[str], widths: Sequence[int]) -> Worksheet:
    sheet = book.create_sheet(title[:31])
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    return sheet


def _append(sheet: Worksheet, values: Iterable) -> None:
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"  # never a formula, whatever a name starts with ("=", "+"…)
        elif isinstance(cell.value, date):
            cell.number_format = _DATE_FORMAT


def coverage_workbook(report: StreetReport, talks: Sequence[tuple[int, int, date, str]]) -> bytes:
    """Return the workbook: summary, this month's talks per worker, quiet pairings, overdue."""
    book = Workbook()
    summary = book.active
    summary.title = _("Summary")[:31]
    coverage = report.coverage
    rows = [
        (_("Month"), f"{report.month:%Y-%m}"),
        (_("Workers on the team"), coverage.total),
        (_("Talked with this month"), coverage.talked),
        (_("Talk coverage (%)"), coverage.percent if coverage.percent is not None else "—"),
        (_("Mentees without a session in 30 days"), len(report.quiet)),
        (_("Overdue follow-ups"), len(report.overdue)),
        (_("New entrants awaiting a mentor"), len(report.awaiting_mentor)),
        (_("As of"), report.today),
    ]
    for row in rows:
        _append(summary, row)
    for cell in summary["A"]:
        cell.font = Font(bold=True)
    summary.column_dimensions["A"].width = 34
    summary.column_dimensions["B"].width = 14

    by_worker: dict[int, list[tuple[date, str]]] = {}
    for _talk_id, worker_id, held_on, leader in talks:
        by_worker.setdefault(worker_id, []).append((held_on, leader))
    team = _sheet(
        book,
        _("Talks this month"),
        [_("Name"), _("Community"), _("Status"), _("Talks"), _("Dates"), _("Talk leader")],
        (12, 16, 10, 8, 24, 16),
    )
    for row in sorted(report.team, key=lambda r: (r.talked, r.community, r.name)):
        held = by_worker.get(row.worker_id, [])
        _append(
            team,
            (
                row.name,
                row.community,
                label(row.status),
                row.talks_this_month,
                "、".join(f"{day:%Y-%m-%d}" for day, _leader in held),
                "、".join(sorted({leader for _day, leader in held})),
            ),
        )

    quiet = _sheet(
        book,
        _("No session in 30 days"),
        [_("Mentor"), _("Mentee"), _("Community"), _("Paired since"), _("Last session"), _("Days")],
        (12, 12, 16, 14, 14, 8),
    )
    for row in report.quiet:
        _append(
            quiet,
            (
                row.mentor_name,
                row.mentee_name,
                row.community,
                row.pairing.starts_on,
                row.last_session_on,
                row.days_quiet,
            ),
        )

    overdue = _sheet(
        book,
        _("Overdue follow-ups"),
        [_("Worker"), _("Talk on"), _("Talk leader"), _("Owner"), _("Due by"), _("Days overdue")],
        (12, 14, 14, 16, 14, 10),
    )
    for row in report.overdue:
        _append(
            overdue,
            (
                row.worker_name,
                row.talk_on,
                row.leader_name,
                row.owner,
                row.due_on,
                row.days_overdue,
            ),
        )

    waiting = _sheet(
        book,
        _("Awaiting a mentor"),
        [_("Name"), _("Community"), _("Started community work on")],
        (12, 16, 18),
    )
    for row in report.awaiting_mentor:
        _append(waiting, (row.name, row.community, row.started_on))

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
