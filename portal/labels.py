"""Human labels for the domain vocabularies, translated at render time.

The labels are plain English msgids (marked with ``N_`` for extraction); ``label`` looks
each one up in the request's catalog, which is found once per request (``translations``),
instead of building a lazy string that finds the locale and catalog again at every use.
"""

from __future__ import annotations

import enum
from types import SimpleNamespace
from typing import Any

from flask import g
from flask.globals import _cv_app
from flask_babel import get_translations

from portal.enums import (
    AppraisalResult,
    AttendanceMethod,
    CareKind,
    CareStatus,
    CertificateKind,
    ConcernArea,
    Education,
    FollowUpStatus,
    GrowthKind,
    HiringRoute,
    MentoringTopic,
    OrganiserLevel,
    PostType,
    Role,
    TrainingKind,
    WorkerStatus,
)
from portal.policy.rules import CertLevel, RotationReason, TitleLevel


def N_(msgid: str) -> str:  # noqa: N802 - the gettext convention for "mark, do not translate"
    """Mark a msgid for extraction; it is translated where it is shown."""
    return msgid


LABELS: dict[enum.Enum, str] = {
    PostType.HEAD: N_("Head (正职)"),
    PostType.DEPUTY: N_("Deputy (副职)"),
    PostType.STAFF: N_("General staff (一般工作人员)"),
    AppraisalResult.EXCELLENT: N_("Excellent"),
    AppraisalResult.QUALIFIED: N_("Qualified"),
    AppraisalResult.BASIC: N_("Basically qualified"),
    AppraisalResult.UNQUALIFIED: N_("Unqualified"),
    HiringRoute.ELECTED: N_("Elected"),
    HiringRoute.RECRUITED: N_("Recruited"),
    WorkerStatus.ACTIVE: N_("On post"),
    WorkerStatus.SECONDED: N_("Seconded"),
    WorkerStatus.EXITED: N_("Exited"),
    Education.HIGH_SCHOOL: N_("High school or below"),
    Education.COLLEGE: N_("College (大专)"),
    Education.BACHELOR: N_("Bachelor"),
    Education.MASTER: N_("Master or above"),
    Role.WORKER: N_("Worker"),
    Role.TRAINER: N_("Trainer"),
    Role.MENTOR: N_("Mentor"),
    Role.TALK_LEADER: N_("Talk leader"),
    Role.STREET_ADMIN: N_("Street admin"),
    Role.DISTRICT_ADMIN: N_("District admin"),
    Role.PLATFORM_ADMIN: N_("Platform admin"),
    CertificateKind.ASSISTANT_SOCIAL_WORKER: N_("Assistant social worker"),
    CertificateKind.SOCIAL_WORKER: N_("Social worker"),
    CertificateKind.SENIOR_SOCIAL_WORKER: N_("Senior social worker"),
    CertificateKind.GENERALIST: N_("All-round community worker"),
    CertificateKind.COUNSELLOR: N_("Psychological counsellor"),
    CertificateKind.OTHER: N_("Other certificate"),
    TrainingKind.INDUCTION: N_("Induction"),
    TrainingKind.IN_SERVICE: N_("In-service"),
    TrainingKind.SPECIAL: N_("Special topic"),
    TrainingKind.DEGREE: N_("Degree education"),
    TrainingKind.PRACTICE: N_("Practice"),
    TrainingKind.ONLINE: N_("Online"),
    OrganiserLevel.PROVINCE: N_("Province"),
    OrganiserLevel.CITY: N_("City"),
    OrganiserLevel.COUNTY: N_("County"),
    OrganiserLevel.STREET: N_("Street"),
    AttendanceMethod.SELF_SCAN: N_("Self scan"),
    AttendanceMethod.TRAINER_SCAN: N_("Scanned by trainer"),
    AttendanceMethod.MANUAL: N_("Marked by hand"),
    AttendanceMethod.IMPORTED: N_("Imported"),
    CareKind.ANNUAL_LEAVE: N_("Annual leave"),
    CareKind.HEALTH_CHECK: N_("Health check"),
    CareKind.RECUPERATION: N_("Recuperation leave"),
    CareKind.FESTIVAL_VISIT: N_("Festival visit"),
    CareKind.CARE_FUND: N_("Care fund"),
    CareKind.SUBSIDY: N_("Work subsidy"),
    CareKind.CERTIFICATE_ALLOWANCE: N_("Certificate allowance"),
    CareStatus.APPLIED: N_("Applied"),
    CareStatus.APPROVED: N_("Approved"),
    CareStatus.REJECTED: N_("Rejected"),
    CareStatus.DONE: N_("Done"),
    CertLevel.CERTIFIED: N_("Certified"),
    CertLevel.NOT_ELIGIBLE: N_("Not yet eligible for the exam"),
    CertLevel.OK: N_("In time"),
    CertLevel.AMBER: N_("Deadline approaching"),
    CertLevel.RED: N_("Deadline close"),
    CertLevel.OVERDUE: N_("Overdue"),
    MentoringTopic.MASS_WORK: N_("Working with residents"),
    MentoringTopic.MOBILISATION: N_("Organising and mobilising"),
    MentoringTopic.LAW: N_("Acting according to law"),
    MentoringTopic.MEDIATION: N_("Dispute mediation"),
    MentoringTopic.EMERGENCY: N_("Emergency response"),
    MentoringTopic.COORDINATION: N_("Coordination and communication"),
    MentoringTopic.IT: N_("Using information technology"),
    MentoringTopic.POLICY: N_("Policies and regulations"),
    MentoringTopic.OTHER: N_("Other topic"),
    ConcernArea.WORK: N_("Work"),
    ConcernArea.LIFE: N_("Daily life"),
    ConcernArea.HEALTH: N_("Health"),
    ConcernArea.FAMILY: N_("Family"),
    ConcernArea.CAREER: N_("Career development"),
    GrowthKind.VISIT: N_("One study visit to another province or city"),
    GrowthKind.SECONDMENT: N_("One secondment for practice"),
    GrowthKind.RESEARCH: N_("One research topic"),
    GrowthKind.INNOVATION: N_("One innovation project"),
    FollowUpStatus.OPEN: N_("In progress"),
    FollowUpStatus.DONE: N_("Completed"),
    FollowUpStatus.DROPPED: N_("Dropped"),
    TitleLevel.JUNIOR: N_("Junior (assistant social worker)"),
    TitleLevel.MIDDLE: N_("Middle (social worker)"),
    TitleLevel.SENIOR: N_("Senior (senior social worker)"),
    RotationReason.YEARLY_POST: N_("Every year for this post"),
    RotationReason.NEW_ENTRANT: N_("New entrant this year"),
    RotationReason.ROTATION: N_("Rotation due"),
}


_CACHED = "portal_translations"


def translations() -> Any:
    """Return Flask-Babel's translations for this request, found once per request and locale.

    Kept in Flask-Babel's own per-request namespace beside the locale it was found for, so a
    ``force_locale`` block (which replaces that locale) finds its own catalog. Outside an
    app context: Flask-Babel's answer (no translation). A page asks dozens of times, so the
    app context is read from its context variable, not through the ``g`` proxy.
    """
    app_ctx = _cv_app.get(None)
    ctx: SimpleNamespace | None = None
    if app_ctx is not None:
        ctx = app_ctx.g.__dict__.get("_flask_babel")
        if ctx is not None:
            cached = ctx.__dict__.get(_CACHED)
            if cached is not None and cached[0] is ctx.__dict__.get("babel_locale"):
                return cached[1]
    found = get_translations()
    ctx = g.get("_flask_babel") if g else None
    if ctx is not None and ctx.__dict__.get("babel_locale") is not None:
        setattr(ctx, _CACHED, (ctx.babel_locale, found))
    return found


def label(value: enum.Enum | None) -> str:
    """Return the translated label of a vocabulary value (its value if it has none)."""
    if value is None:
        return ""
    msgid = LABELS.get(value)
    if msgid is None:
        return str(value.value)
    return translations().ugettext(msgid)
