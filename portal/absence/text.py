"""How an absence standing reads on a page and in an export, the same words everywhere."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from portal.absence.rules import AbsenceStanding
from portal.policy.model import AbsenceRule


def counts_text(standing: AbsenceStanding) -> str:
    """Return e.g. "连续旷工 9 天 / 年内累计 12 天"."""
    return _(
        "%(run)d days absent in a row / %(total)d days in the year",
        run=standing.consecutive.count,
        total=standing.yearly.count,
    )


def limits_text(rule: AbsenceRule) -> str:
    """Return the rule, e.g. "连续旷工超过 10 个工作日或年内累计超过 20 个工作日即退出"."""
    return _(
        "exit after more than %(run)d working days in a row or more than %(total)d in a year",
        run=rule.consecutive_days,
        total=rule.days_per_year,
    )


def state_text(standing: AbsenceStanding) -> str:
    """Return "已达退出情形", or how many more days reach it."""
    if standing.triggered:
        return _("exit rule reached")
    return ngettext(
        "%(num)d more day reaches the exit rule",
        "%(num)d more days reach the exit rule",
        standing.days_to_exit,
    )


def standing_text(standing: AbsenceStanding, rule: AbsenceRule) -> str:
    """Return the whole line of the exit-risk list and its export."""
    return _(
        "%(counts)s (%(limits)s): %(state)s",
        counts=counts_text(standing),
        limits=limits_text(rule),
        state=state_text(standing),
    )
