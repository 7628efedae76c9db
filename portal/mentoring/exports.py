"""The street's mentoring and 谈心 coverage as an .xlsx workbook.

Talk notes stay out of the file: it lists who was talked with and when, which pairings
are quiet and which follow-ups are overdue (owner and due date), never what was said or
the follow-up's text — reading those is audited and happens in the portal.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any, NamedTuple

from flask_babel import gettext as _

from portal import xlsx
from portal.mentoring.queries import StreetReport


class Sheet(NamedTuple):
    """One sheet of the workbook: its title, header row, column widths and rows."""

    title: str
    headers: Sequence[str]
    widths: Sequence[int]
    rows: Iterator[Sequence[Any]]


def download_name(month: date) -> str:
    """Return the file name offered for download."""
    stem = _("mentoring-and-talks")
    return f"{stem}-{month:%Y-%m}.xlsx"


def _summary(report: StreetReport) -> list[tuple[str, Any]]:
    coverage = report.coverage
    return [
        (_("Month"), f"{report.month:%Y-%m}"),
        (_("Workers on the team"), coverage.total),
        (_("Talked with this month"), coverage.talked),
        (_("Talk coverage (%)"), coverage.percent if coverage.percent is not None else "—"),
        (_("Mentees without a session in 30 days"), len(report.quiet)),
        (_("Overdue follow-ups"), len(report.overdue)),
        (_("New entrants awaiting a mentor"), len(report.awaiting_mentor)),
        (_("As of"), report.today),
    ]


def _team_rows(
    report: StreetReport, talks: Sequence[tuple[int, int, date, str]]
) -> Iterator[Sequence[Any]]:
    by_worker: dict[int, list[tuple[date, str]]] = {}
    for _talk_id, worker_id, held_on, leader in talks:
        by_worker.setdefault(worker_id, []).append((held_on, leader))
    for row in sorted(report.team, key=lambda r: (r.talked, r.community, r.name)):
        held = by_worker.get(row.worker_id, [])
        yield (
            row.name,
            row.community,
            row.status,
            row.talks_this_month,
            "、".join(f"{day:%Y-%m-%d}" for day, _leader in held),
            "、".join(sorted({leader for _day, leader in held})),
        )


def _sheets(report: StreetReport, talks: Sequence[tuple[int, int, date, str]]) -> list[Sheet]:
    return [
        Sheet(
            _("Talks this month"),
            [_("Name"), _("Community"), _("Status"), _("Talks"), _("Dates"), _("Talk leader")],
            (12, 16, 10, 8, 24, 16),
            _team_rows(report, talks),
        ),
        Sheet(
            _("No session in 30 days"),
            [
                _("Mentor"),
                _("Mentee"),
                _("Community"),
                _("Paired since"),
                _("Last session"),
                _("Days"),
            ],
            (12, 12, 16, 14, 14, 8),
            (
                (
                    r.mentor_name,
                    r.mentee_name,
                    r.community,
                    r.pairing.starts_on,
                    r.last_session_on,
                    r.days_quiet,
                )
                for r in report.quiet
            ),
        ),
        Sheet(
            _("Overdue follow-ups"),
            [
                _("Worker"),
                _("Talk on"),
                _("Talk leader"),
                _("Owner"),
                _("Due by"),
                _("Days overdue"),
            ],
            (12, 14, 14, 16, 14, 10),
            (
                (r.worker_name, r.talk_on, r.leader_name, r.owner, r.due_on, r.days_overdue)
                for r in report.overdue
            ),
        ),
        Sheet(
            _("Awaiting a mentor"),
            [_("Name"), _("Community"), _("Started community work on")],
            (12, 16, 18),
            ((r.name, r.community, r.started_on) for r in report.awaiting_mentor),
        ),
    ]


def coverage_workbook(report: StreetReport, talks: Sequence[tuple[int, int, date, str]]) -> bytes:
    """Return the workbook: summary, this month's talks per worker, quiet pairings, overdue."""
    book = xlsx.workbook()
    summary = xlsx.add_sheet(book, _("Summary"), (), widths=(34, 14), freeze=False)
    for name, value in _summary(report):
        summary.append([xlsx.cell(summary, name, font=xlsx.BOLD), xlsx.cell(summary, value)])
    for sheet in _sheets(report, talks):
        xlsx.append_rows(
            xlsx.add_sheet(book, sheet.title, sheet.headers, widths=sheet.widths), sheet.rows
        )
    return xlsx.to_bytes(book)
