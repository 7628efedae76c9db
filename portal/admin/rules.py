"""Pure rules of the admin side: no database, no request; the policy numbers come in.

The secondment limit, the exam-eligibility date behind a certificate deadline and the
help to offer before an exit rule bites. Queries and views call these; tests drive them
with tables (tests/admin/test_rules.py).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from portal.enums import AppraisalResult
from portal.policy import rules
from portal.policy.profiles import PolicyProfile


def secondment_too_long(profile: PolicyProfile, since: date | None, until: date | None) -> bool:
    """Return whether a secondment runs past the months a street may second [003 §9].

    The limit is the profile's ``secondment.max_months``; the last allowed day is the same
    day that many months later (clamped to the month's end: 31 Aug + 6 months → 28/29 Feb).
    """
    if since is None or until is None:
        return False
    return until > since + relativedelta(months=profile.secondment.max_months)


def latest_eligibility_for_deadline(profile: PolicyProfile, target: date) -> date:
    """Return the last exam-eligibility date whose certificate deadline is on or before target.

    The deadline rule (eligibility + N years, Feb 29 → Feb 28) never decreases, so
    "deadline ≤ target" is "eligible ≤ this date": the roster filters in SQL with it.
    """
    years = profile.certificate.deadline_years
    try:
        candidate = target.replace(year=target.year - years)
    except ValueError:  # Feb 29 of a leap target, non-leap source year
        candidate = date(target.year - years, 2, 28)
    one_day = timedelta(days=1)
    while _deadline(profile, candidate + one_day) <= target:
        candidate += one_day
    while _deadline(profile, candidate) > target:
        candidate -= one_day
    return candidate


def _deadline(profile: PolicyProfile, eligible_on: date) -> date:
    """Return the certificate deadline of an eligibility date (the rules give one for any)."""
    deadline = rules.certificate_deadline(profile, eligible_on)
    if deadline is None:  # pragma: no cover - None answers only a missing date
        raise ValueError("an eligibility date without a certificate deadline")
    return deadline


class SuggestedAction(enum.StrEnum):
    """Help that comes before an exit rule bites [002 §3(3), 003 §6, 004 §6]."""

    TALK = "talk"  # 谈心谈话 (admonition talk after an unsatisfactory result)
    TRAINING = "training"  # 培训
    MENTOR = "mentor"  # 导师帮带


def suggested_actions(
    risks: Sequence[rules.ExitRisk], *, absent: bool = False
) -> list[SuggestedAction]:
    """Return the help to offer for a worker's exit risks, talk first.

    Unexcused absence near or past its limit [003 §11(5)] calls for a talk: the street
    asks why before the rule applies.

    A rule already triggered, or one 不合格 away, calls for a talk (诫勉谈话 after an
    unsatisfactory result [002 §3(3)]) and a mentor; a 基本合格 streak calls for training
    and a mentor, so that the next result improves.
    """
    wanted: set[SuggestedAction] = {SuggestedAction.TALK} if absent else set()
    for risk in risks:
        if risk.triggered or risk.result is not AppraisalResult.BASIC:
            wanted.add(SuggestedAction.TALK)
        if risk.result is AppraisalResult.BASIC:
            wanted.add(SuggestedAction.TRAINING)
        if risk.one_away:
            wanted.add(SuggestedAction.MENTOR)
    return [action for action in SuggestedAction if action in wanted]
