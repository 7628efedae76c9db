"""What the reminder collectors read: statements built once, with bind parameters.

Each collector runs one of them (or two) per run, never a query per row.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal.appraisal.models import Appraisal
from portal.care.models import CareRecord
from portal.certificates.models import Certificate
from portal.enums import CareKind, CareStatus, CertificateKind, WorkerStatus
from portal.org.models import Community, District, Street
from portal.people.models import User, WorkerProfile
from portal.training import queries as training_queries
from portal.training.models import Attendance, Training

_ON_POST = (WorkerProfile.status != WorkerStatus.EXITED, User.is_enabled.is_(True))

# Workers with what the daily rules need; one row per worker, no per-row queries.
WORKERS = (
    sa.select(
        WorkerProfile.user_id,
        WorkerProfile.post_type,
        WorkerProfile.community_work_started_on,
        WorkerProfile.exam_eligible_on,
        District.policy_code,
        User.locale,
    )
    .join(User, User.id == WorkerProfile.user_id)
    .join(Community, Community.id == WorkerProfile.community_id)
    .join(Street, Street.id == Community.street_id)
    .join(District, District.id == Street.district_id)
    .where(*_ON_POST)
)

_SOCIAL_WORK = [k for k in CertificateKind if k.is_social_work_qualification]

UNCERTIFIED_WORKERS = WORKERS.where(
    WorkerProfile.exam_eligible_on.is_not(None),
    ~sa.exists().where(
        Certificate.worker_id == WorkerProfile.user_id, Certificate.kind.in_(_SOCIAL_WORK)
    ),
)

WORKERS_WITHOUT_HEALTH_CHECK = WORKERS.where(
    ~sa.exists().where(
        CareRecord.worker_id == WorkerProfile.user_id,
        CareRecord.kind == CareKind.HEALTH_CHECK,
        CareRecord.year == sa.bindparam("year"),
        CareRecord.status.in_([CareStatus.DONE, CareStatus.APPROVED]),
    )
)

CREDITED_BY_WORKER = (
    sa.select(Attendance.worker_id, sa.func.sum(Attendance.credited_hours))
    .where(Attendance.credited_on.between(sa.bindparam("first_day"), sa.bindparam("last_day")))
    .group_by(Attendance.worker_id)
)

# Trainings starting in [start, end).
TRAININGS_STARTING = (
    sa.select(Training)
    .where(Training.starts_at >= sa.bindparam("start"), Training.starts_at < sa.bindparam("end"))
    .order_by(Training.starts_at, Training.id)
)

# Who is expected at a training: the training module's audience rule, plus the locale.
EXPECTED = (
    training_queries.EXPECTED_WORKERS.join(User, User.id == WorkerProfile.user_id)
    .where(User.is_enabled.is_(True))
    .with_only_columns(WorkerProfile.user_id, User.locale)
)

FRESH_APPRAISALS = (
    sa.select(Appraisal.worker_id, Appraisal.year, Appraisal.published_at, User.locale)
    .join(User, User.id == Appraisal.worker_id)
    .where(
        User.is_enabled.is_(True),
        Appraisal.published_at.is_not(None),
        Appraisal.published_at > sa.bindparam("since"),
        Appraisal.published_at <= sa.bindparam("now"),
    )
)
