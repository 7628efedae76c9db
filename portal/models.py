"""Import every model so metadata (and Alembic autogenerate) sees all tables."""

from portal.absence.models import AbsenceDay
from portal.appraisal.models import Appraisal
from portal.audit.models import AuditEntry
from portal.auth.models import LoginFailureCounter, LoginSession
from portal.care.models import CareEntitlement, CareRecord
from portal.certificates.models import Certificate
from portal.checkin.models import PersonalCodeUse
from portal.inbox.models import (
    Delivery,
    Notification,
    NotificationSettings,
    PushSubscription,
    ReminderLog,
)
from portal.mentoring.models import GrowthItem, MentorPairing, MentorSession
from portal.org.models import Community, District, Street
from portal.outside.models import OutsideTraining
from portal.people.models import GradeChange, User, UserRole, WorkerProfile
from portal.talks.models import Talk, TalkFollowUp, TalkResponsibility
from portal.training.models import (
    Attendance,
    JoinRequest,
    Training,
    TrainingAudience,
    TrainingStaff,
)
from portal.uploads.models import Upload

__all__ = [
    "AbsenceDay",
    "Appraisal",
    "Attendance",
    "AuditEntry",
    "CareEntitlement",
    "CareRecord",
    "Certificate",
    "Community",
    "Delivery",
    "District",
    "GradeChange",
    "GrowthItem",
    "JoinRequest",
    "LoginSession",
    "LoginFailureCounter",
    "MentorPairing",
    "MentorSession",
    "Notification",
    "NotificationSettings",
    "OutsideTraining",
    "PersonalCodeUse",
    "PushSubscription",
    "ReminderLog",
    "Street",
    "Talk",
    "TalkFollowUp",
    "TalkResponsibility",
    "Training",
    "TrainingAudience",
    "TrainingStaff",
    "Upload",
    "User",
    "UserRole",
    "WorkerProfile",
]
