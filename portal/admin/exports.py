"""The admin's .xlsx exports: roster, training compliance, appraisals, deadlines, exit risks.

Headers follow the interface language (Chinese by default); portal.xlsx writes the cells
(text never as a formula, dates as dates, times in Asia/Shanghai wall time).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from portal import xlsx
from portal.absence.text import standing_text
from portal.admin import queries, team_queries
from portal.labels import label
from portal.people.models import WorkerProfile
from portal.policy.citations import cite
from portal.policy.model import AbsenceRule
from portal.policy.rules import CertLevel


class ExportKind(enum.StrEnum):
    """The exports on offer."""

    ROSTER = "roster"
    TRAINING = "training"
    APPRAISALS = "appraisals"
    CERTIFICATES = "certificates"
    EXIT_RISKS = "exit-risks"


EXPORT_LABELS = {
    ExportKind.ROSTER: _l("Roster"),
    ExportKind.TRAINING: _l("Training compliance this year"),
    ExportKind.APPRAISALS: _l("Appraisal results by year"),
    ExportKind.CERTIFICATES: _l("Certificate deadlines (within 180 days and overdue)"),
    ExportKind.EXIT_RISKS: _l("Exit-risk list"),
}


def download_name(kind: ExportKind, scope_name: str, today: date) -> str:
    """Return the offered file name, e.g. 花名册-湖南路街道-2025-03-01.xlsx."""
    stem = xlsx.file_stem(f"{EXPORT_LABELS[kind]}-{scope_name}")
    return f"{stem}-{today.isoformat()}.xlsx"


@dataclass(frozen=True)
class About:
    """What the "About" sheet of every export says: whose records, under which rules, when."""

    scope_name: str
    profile_name: str
    now: datetime


def _workbook(
    kind: ExportKind,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    widths: Sequence[int],
    about: About,
) -> bytes:
    """Return a workbook: one sheet of rows under bold headers, and a sheet about the export."""
    title = str(EXPORT_LABELS[kind])
    book = xlsx.simple_workbook(title, headers, rows, widths=widths)
    notes = xlsx.add_sheet(book, _("About"), (), widths=(16, 40), freeze=False)
    xlsx.append_rows(
        notes,
        [
            (_("Export"), title),
            (_("Scope"), about.scope_name),
            (_("Policy profile"), about.profile_name),
            (_("Exported at (Beijing time)"), about.now),
        ],
    )
    return xlsx.to_bytes(book)


_WHO_WIDTHS = (10, 12, 14, 14)


class _TeamRow(Protocol):
    """A row about one worker of the team, as the team queries return them."""

    @property
    def name(self) -> str: ...  # noqa: D102
    @property
    def staff_no(self) -> str | None: ...  # noqa: D102
    @property
    def community(self) -> str: ...  # noqa: D102
    @property
    def worker(self) -> WorkerProfile: ...  # noqa: D102


_Row = TypeVar("_Row", bound=_TeamRow)


def _who_headers() -> list[str]:
    """Return the headers of the columns that say who a row is about."""
    return [_("Name"), _("Staff number"), _("Community"), _("Post type")]


def _team_workbook(
    kind: ExportKind,
    headers: Sequence[str],
    rows: Iterable[_Row],
    cells: Callable[[_Row], Sequence[Any]],
    *,
    widths: Sequence[int],
    about: About,
) -> bytes:
    """Return one row per worker: who (name, staff number, community, post), then ``cells``."""
    return _workbook(
        kind,
        [*_who_headers(), *headers],
        ((r.name, r.staff_no, r.community, r.worker.post_type, *cells(r)) for r in rows),
        widths=(*_WHO_WIDTHS, *widths),
        about=about,
    )


def _cert_text(state) -> str:
    text = label(state.level)
    if state.days_left is not None and state.level is not CertLevel.OVERDUE:
        return ngettext(
            "%(state)s (%(days)d day left)",
            "%(state)s (%(days)d days left)",
            state.days_left,
            state=text,
            days=state.days_left,
        )
    if state.level is CertLevel.OVERDUE:
        return ngettext(
            "%(state)s (%(days)d day)",
            "%(state)s (%(days)d days)",
            -state.days_left,
            state=text,
            days=-state.days_left,
        )
    return text


def roster_workbook(rows: Sequence[queries.RosterRow], about: About) -> bytes:
    """Return the roster: every field of each worker's record, status and certificate state."""
    headers = [
        _("Name"),
        _("Phone"),
        _("Staff number"),
        _("Street"),
        _("Community"),
        _("Post type"),
        _("Grade"),
        _("Started community work on"),
        _("Joined this street on"),
        _("Education"),
        _("Party member"),
        _("Hiring route"),
        _("Eligible for the social-work exam on"),
        _("Certificate deadline"),
        _("Certificate state"),
        _("Status"),
        _("Status since"),
        _("Status until"),
        _("Status reason"),
        _("Account enabled"),
    ]
    body = (
        (
            r.name,
            r.phone,
            r.staff_no,
            r.street,
            r.community,
            r.worker.post_type,
            r.worker.grade,
            r.worker.community_work_started_on,
            r.worker.joined_on,
            r.worker.education,
            r.worker.party_member,
            r.worker.hiring_route,
            r.worker.exam_eligible_on,
            r.deadline,
            _cert_text(r.cert_state),
            r.worker.status,
            r.worker.status_since,
            r.worker.status_until,
            r.worker.status_reason,
            r.is_enabled,
        )
        for r in rows
    )
    widths = (10, 14, 12, 12, 14, 14, 6, 14, 14, 12, 8, 8, 14, 14, 22, 8, 12, 12, 20, 8)
    return _workbook(
        ExportKind.ROSTER,
        headers,
        body,
        widths=widths,
        about=about,
    )


def _pace(progress) -> str:
    if progress.done:
        return _("Done")
    return _("On pace") if progress.on_pace else _("Behind")


def training_workbook(
    rows: Sequence[team_queries.TrainingRow], about: About, *, year: int
) -> bytes:
    """Return this year's hours of each worker on post against their minimum."""
    headers = [
        _("Required hours %(year)d", year=year),
        _("Credited hours"),
        _("Hours missing"),
        _("Expected by today"),
        _("Percent done"),
        _("Progress"),
    ]

    def cells(r: team_queries.TrainingRow) -> tuple:
        progress = r.progress
        done = (progress.required, progress.credited, progress.missing)
        return (*done, progress.expected_by_now, progress.percent, _pace(progress))

    return _team_workbook(
        ExportKind.TRAINING, headers, rows, cells, widths=(12, 12, 12, 12, 10, 10), about=about
    )


def appraisals_workbook(grid: team_queries.AppraisalGrid, about: About) -> bytes:
    """Return each worker's results, one column per year; unpublished results are marked."""
    headers = [*_who_headers(), _("Status")]
    headers += [_("%(year)d result", year=year) for year in grid.years]
    widths = (*_WHO_WIDTHS, 8, *([14] * len(grid.years)))

    def result(appraisal) -> str | None:
        if appraisal is None:
            return None
        text = label(appraisal.result)
        if appraisal.score is not None:
            text = f"{text} {appraisal.score.normalize():f}"
        if appraisal.published_at is None:
            text = _("%(result)s (not published)", result=text)
        return text

    body = (
        (
            name,
            staff_no,
            community,
            worker.post_type,
            worker.status,
            *(result(by_year.get(year)) for year in grid.years),
        )
        for worker, name, staff_no, community, by_year in grid.rows
    )
    return _workbook(
        ExportKind.APPRAISALS,
        headers,
        body,
        widths=widths,
        about=about,
    )


def certificates_workbook(rows: Sequence[team_queries.DeadlineRow], about: About) -> bytes:
    """Return the uncertified workers whose deadline is within 180 days or past."""
    headers = [
        _("Eligible for the social-work exam on"),
        _("Certificate deadline"),
        _("Days left"),
        _("Certificate state"),
    ]

    def cells(r: team_queries.DeadlineRow) -> tuple:
        return (r.worker.exam_eligible_on, r.deadline, r.state.days_left, r.state.level)

    return _team_workbook(
        ExportKind.CERTIFICATES, headers, rows, cells, widths=(14, 14, 8, 12), about=about
    )


def risk_text(risk) -> str:
    """Return one exit risk as a line, e.g. "基本合格 连续 2 年（满 3 年退出）：差一次"."""
    where = _("triggered") if risk.triggered else _("one result away")
    return _(
        "%(result)s %(streak)d years running (exit at %(threshold)d): %(where)s",
        result=label(risk.result),
        streak=risk.streak,
        threshold=risk.threshold,
        where=where,
    )


def exit_risks_workbook(
    rows: Sequence[team_queries.ExitRiskRow],
    about: About,
    *,
    absence_rule: AbsenceRule | None = None,
) -> bytes:
    """Return the workers at risk under an exit rule, with the help to offer first.

    A worker near or past the absence limit [003 §11(5)] has the line "连续旷工 N 天 /
    年内累计 N 天" with the profile's limits among the risks.
    """

    def absence_cells(r: team_queries.ExitRiskRow) -> tuple[list[str], list[str]]:
        if r.absence is None or absence_rule is None:
            return [], []
        return [standing_text(r.absence, absence_rule)], [cite(r.absence.citation)]

    headers = [
        _("Hiring route"),
        _("Recent results"),
        _("Risk"),
        _("Suggested action"),
        _("Policy basis"),
    ]

    def cells(r: team_queries.ExitRiskRow) -> tuple:
        absence_risk, absence_basis = absence_cells(r)
        return (
            r.worker.hiring_route,
            "；".join(f"{year} {label(result)}" for year, result in sorted(r.history.items())),
            "；".join([*(risk_text(risk) for risk in r.risks), *absence_risk]),
            "、".join(str(team_queries.ACTION_LABELS[action]) for action in r.actions),
            cite("；".join(dict.fromkeys([*(risk.citation for risk in r.risks), *absence_basis]))),
        )

    return _team_workbook(
        ExportKind.EXIT_RISKS, headers, rows, cells, widths=(8, 36, 36, 20, 30), about=about
    )
