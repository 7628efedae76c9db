"""Human labels for the domain vocabularies, translated at render time."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l

from portal.enums import (
    AppraisalResult,
    AttendanceMethod,
    CareKind,
    CareStatus,
    CertificateKind,
    Education,
    HiringRoute,
    OrganiserLevel,
    PostType,
    Role,
    TrainingKind,
    WorkerStatus,
)
from portal.policy.rules import CertLevel

LABELS: dict[enum.Enum, object] = {
    PostType.HEAD: _l("Head (正职)"),
    PostType.DEPUTY: _l("Deputy (副职)"),
    PostType.STAFF: _l("General staff (一般工作人员)"),
    AppraisalResult.EXCELLENT: _l("Excellent"),
    AppraisalResult.QUALIFIED: _l("Qualified"),
    AppraisalResult.BASIC: _l("Basically qualified"),
    AppraisalResult.UNQUALIFIED: _l("Unqualified"),
    HiringRoute.ELECTED: _l("Elected"),
    HiringRoute.RECRUITED: _l("Recruited"),
    WorkerStatus.ACTIVE: _l("On post"),
    WorkerStatus.SECONDED: _l("Seconded"),
    WorkerStatus.EXITED: _l("Exited"),
    Education.HIGH_SCHOOL: _l("High school or below"),
    Education.COLLEGE: _l("College (大专)"),
    Education.BACHELOR: _l("Bachelor"),
    Education.MASTER: _l("Master or above"),
    Role.WORKER: _l("Worker"),
    Role.TRAINER: _l("Trainer"),
    Role.MENTOR: _l("Mentor"),
    Role.TALK_LEADER: _l("Talk leader"),
    Role.STREET_ADMIN: _l("Street admin"),
    Role.DISTRICT_ADMIN: _l("District admin"),
    CertificateKind.ASSISTANT_SOCIAL_WORKER: _l("Assistant social worker"),
    CertificateKind.SOCIAL_WORKER: _l("Social worker"),
    CertificateKind.SENIOR_SOCIAL_WORKER: _l("Senior social worker"),
    CertificateKind.GENERALIST: _l("All-round community worker"),
    CertificateKind.COUNSELLOR: _l("Psychological counsellor"),
    CertificateKind.OTHER: _l("Other certificate"),
    TrainingKind.INDUCTION: _l("Induction"),
    TrainingKind.IN_SERVICE: _l("In-service"),
    TrainingKind.SPECIAL: _l("Special topic"),
    TrainingKind.DEGREE: _l("Degree education"),
    TrainingKind.PRACTICE: _l("Practice"),
    TrainingKind.ONLINE: _l("Online"),
    OrganiserLevel.PROVINCE: _l("Province"),
    OrganiserLevel.CITY: _l("City"),
    OrganiserLevel.COUNTY: _l("County"),
    OrganiserLevel.STREET: _l("Street"),
    AttendanceMethod.SELF_SCAN: _l("Self scan"),
    AttendanceMethod.TRAINER_SCAN: _l("Scanned by trainer"),
    AttendanceMethod.MANUAL: _l("Marked by hand"),
    AttendanceMethod.IMPORTED: _l("Imported"),
    CareKind.ANNUAL_LEAVE: _l("Annual leave"),
    CareKind.HEALTH_CHECK: _l("Health check"),
    CareKind.RECUPERATION: _l("Recuperation leave"),
    CareKind.FESTIVAL_VISIT: _l("Festival visit"),
    CareKind.CARE_FUND: _l("Care fund"),
    CareKind.SUBSIDY: _l("Work subsidy"),
    CareKind.CERTIFICATE_ALLOWANCE: _l("Certificate allowance"),
    CareStatus.APPLIED: _l("Applied"),
    CareStatus.APPROVED: _l("Approved"),
    CareStatus.REJECTED: _l("Rejected"),
    CareStatus.DONE: _l("Done"),
    CertLevel.CERTIFIED: _l("Certified"),
    CertLevel.NOT_ELIGIBLE: _l("Not yet eligible for the exam"),
    CertLevel.OK: _l("In time"),
    CertLevel.AMBER: _l("Deadline approaching"),
    CertLevel.RED: _l("Deadline close"),
    CertLevel.OVERDUE: _l("Overdue"),
}


def label(value: enum.Enum | None) -> str:
    """Return the translated label of a vocabulary value."""
    if value is None:
        return ""
    return str(LABELS.get(value, value.value))
