"""What is due: the reminder kinds, their pure rules, and the queries that feed them.

A reminder kind is a registry entry: a code, a label for the settings page, the roles
it concerns, how often it is looked for, and a collector that turns the tables into
``Reminder`` items for a given moment. The rules themselves are pure functions of the
moment and a few values (table-tested with frozen time); collectors only load rows and
apply them. Every registered kind has a collector: a kind on the settings page fires.

Each reminder carries its exactly-once key: (user, kind, subject, period). The subject
names the thing (``training:12``, ``certificate:2027-03-01``) and the period the
calendar slot (``2026-11``, ``d-90``), so a moved training or a new deadline is a new
reminder, and a re-run is not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from notifications import timing
from portal.appraisal.models import Appraisal
from portal.care.models import CareRecord
from portal.certificates.models import Certificate
from portal.enums import CareKind, CareStatus, CertificateKind, Role, WorkerStatus
from portal.extensions import db
from portal.inbox import texts
from portal.org.models import Community, District, Street
from portal.people.models import User, WorkerProfile
from portal.policy import rules
from portal.policy.profiles import load_profile
from portal.timeutil import LOCAL_TZ
from portal.training import queries as training_queries
from portal.training.models import Attendance, Training

# -- what a reminder is -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reminder:
    """One reminder for one user, with its exactly-once key and its text."""

    user_id: int
    kind: str
    subject: str
    period: str
    title: str
    body: str
    url: str | None = None
    urgency: str = "normal"  # web push Urgency: very-low, low, normal, high

    @property
    def key(self) -> tuple[int, str, str, str]:
        """Return the unique key of the reminder log."""
        return (self.user_id, self.kind, self.subject, self.period)


Collector = Callable[[datetime], Iterable[Reminder]]

FREQUENT = "frequent"  # looked for every few minutes
DAILY = "daily"  # looked for once a day (and at start-up)


@dataclass
class ReminderKind:
    """A kind of reminder: what the user switches on or off in the settings."""

    code: str
    label: str  # a lazy_gettext string: translated where it is shown
    roles: frozenset[Role]
    cadence: str
    collect: Collector
    ttl: int | None = None  # seconds a push may wait for an offline phone (None: PUSH_TTL)
    urgency: str = "normal"
    order: int = field(default=0)


REGISTRY: dict[str, ReminderKind] = {}


def register(kind: ReminderKind) -> ReminderKind:
    """Add a kind to the registry (codes are unique)."""
    if kind.code in REGISTRY:
        raise ValueError(f"reminder kind {kind.code!r} registered twice")
    kind.order = len(REGISTRY)
    REGISTRY[kind.code] = kind
    return kind


def kinds_for_roles(roles: Iterable[Role]) -> list[ReminderKind]:
    """Return the kinds that concern someone holding these roles, in registry order."""
    held = set(roles)
    return [kind for kind in REGISTRY.values() if kind.roles & held]


def collect_due(now: datetime, *, cadence: str | None = None) -> list[Reminder]:
    """Return every reminder due at ``now`` (of one cadence, or all)."""
    due: list[Reminder] = []
    for kind in REGISTRY.values():
        if cadence is None or kind.cadence == cadence:
            due.extend(kind.collect(now))
    return due


# -- pure rules ---------------------------------------------------------------------------

TOMORROW_FROM = "18:00"  # the evening before a training
SOON_LEAD = timedelta(hours=1)
CERTIFICATE_MILESTONES = (180, 90, 30, 7)  # days before the deadline
APPRAISAL_FRESH = timedelta(days=30)  # older publications are not news any more


def training_tomorrow_period(starts_at: datetime, now: datetime) -> str | None:
    """Return the period key when it is the evening before the training's day, else None."""
    today = timing.local_day(now)
    if timing.local_day(starts_at) != today + timedelta(days=1):
        return None
    if now.astimezone(LOCAL_TZ).time() < timing.parse_hhmm(TOMORROW_FROM):
        return None
    return timing.day_key(today + timedelta(days=1))


def training_soon_period(starts_at: datetime, now: datetime) -> str | None:
    """Return the period key when the training starts within the hour, else None."""
    if not now < starts_at <= now + SOON_LEAD:
        return None
    return timing.minute_key(starts_at)


def certificate_period(days_left: int | None) -> str | None:
    """Return "overdue", or the nearest milestone reached ("d-30"), or None."""
    if days_left is None:
        return None
    if days_left < 0:
        return "overdue"
    reached = [m for m in CERTIFICATE_MILESTONES if days_left <= m]
    return f"d-{min(reached)}" if reached else None


def pace_period(progress: rules.TrainingProgress, today: date) -> str | None:
    """Return the month's key when the worker is behind pace (checked monthly, not in January)."""
    if today.month == 1 or progress.done or progress.on_pace:
        return None
    return timing.month_key(today)


def appraisal_key(year: int) -> str:
    """Return the period key of a year's appraisal notice (scheduler and publishing share it)."""
    return f"{year:04d}"


def appraisal_period(year: int, published_at: datetime | None, now: datetime) -> str | None:
    """Return the year's key for a result published in the last 30 days, else None."""
    if published_at is None or published_at > now or now - published_at > APPRAISAL_FRESH:
        return None
    return appraisal_key(year)


def health_check_period(today: date, due_on: date, *, done: bool) -> str | None:
    """Return the year's key once the due date is reached without a check this year."""
    if done or today < due_on:
        return None
    return timing.year_key(today)


# -- helpers for collectors ---------------------------------------------------------------


def path_for(endpoint: str, **values) -> str:
    """Build the path of an endpoint without a request (the scheduler has none)."""
    adapter = current_app.url_map.bind("localhost")
    return adapter.build(endpoint, values)


def locale_for(locale: str | None) -> str:
    """Return the user's language if the app offers it, else the app's default."""
    if locale is not None and locale in current_app.config.get("LANGUAGES", ()):
        return locale
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def _profile_code(code: str | None) -> str:
    return code or "national"


_ON_POST = (WorkerProfile.status != WorkerStatus.EXITED, User.is_enabled.is_(True))

# Workers with what the daily rules need; one row per worker, no per-row queries.
_WORKERS = (
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

UNCERTIFIED_WORKERS = _WORKERS.where(
    WorkerProfile.exam_eligible_on.is_not(None),
    ~sa.exists().where(
        Certificate.worker_id == WorkerProfile.user_id, Certificate.kind.in_(_SOCIAL_WORK)
    ),
)

WORKERS_WITHOUT_HEALTH_CHECK = _WORKERS.where(
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


# -- collectors ---------------------------------------------------------------------------


_TICK = timedelta(microseconds=1)


def _expected(training: Training) -> Sequence[sa.Row[tuple[int, str | None]]]:
    return db.session.execute(EXPECTED, {"training_id": training.id}).all()


def collect_training_tomorrow(now: datetime) -> Iterator[Reminder]:
    """Remind expected workers the evening before a training."""
    tomorrow = timing.local_day(now) + timedelta(days=1)
    start = timing.local_at(tomorrow, "00:00")
    params = {"start": start, "end": timing.local_at(tomorrow + timedelta(days=1), "00:00")}
    for training in db.session.scalars(TRAININGS_STARTING, params).all():
        period = training_tomorrow_period(training.starts_at, now)
        if period is None:
            continue
        for user_id, locale in _expected(training):
            with force_locale(locale_for(locale)):
                title, body = texts.training_tomorrow(
                    training.title, training.starts_at, training.place
                )
                yield Reminder(
                    user_id=user_id,
                    kind="training_tomorrow",
                    subject=f"training:{training.id}",
                    period=period,
                    title=title,
                    body=body,
                    url=path_for("home.training", worker_id=user_id),
                    urgency="normal",
                )


def collect_training_soon(now: datetime) -> Iterator[Reminder]:
    """Remind expected workers an hour before a training starts."""
    # A training starting exactly an hour from now is due: the window is (now, now + 1 h].
    params = {"start": now + timedelta(microseconds=1), "end": now + SOON_LEAD + _TICK}
    for training in db.session.scalars(TRAININGS_STARTING, params).all():
        period = training_soon_period(training.starts_at, now)
        if period is None:
            continue
        for user_id, locale in _expected(training):
            with force_locale(locale_for(locale)):
                title, body = texts.training_soon(
                    training.title, training.starts_at, training.place
                )
                yield Reminder(
                    user_id=user_id,
                    kind="training_soon",
                    subject=f"training:{training.id}",
                    period=period,
                    title=title,
                    body=body,
                    url=path_for("scan.my_code"),
                    urgency="high",
                )


def collect_certificate(now: datetime) -> Iterator[Reminder]:
    """Remind uncertified workers 180/90/30/7 days before their deadline, and when overdue."""
    today = timing.local_day(now)
    for row in db.session.execute(UNCERTIFIED_WORKERS):
        profile = load_profile(_profile_code(row.policy_code))
        deadline = rules.certificate_deadline(profile, row.exam_eligible_on)
        if deadline is None:  # not selected: the query keeps workers with an eligibility date
            continue
        days_left = rules.certificate_state(profile, deadline, today, certified=False).days_left
        period = certificate_period(days_left)
        if period is None or days_left is None:
            continue
        with force_locale(locale_for(row.locale)):
            title, body = texts.certificate_deadline(deadline, days_left)
            yield Reminder(
                user_id=row.user_id,
                kind="certificate_deadline",
                subject=f"certificate:{deadline.isoformat()}",
                period=period,
                title=title,
                body=body,
                url=path_for("home.certificates", worker_id=row.user_id),
                urgency="high" if period in {"d-7", "overdue"} else "normal",
            )


def collect_training_pace(now: datetime) -> Iterator[Reminder]:
    """Remind workers whose training hours are behind pace, once a month."""
    today = timing.local_day(now)
    if today.month == 1:
        return
    first, last = date(today.year, 1, 1), date(today.year, 12, 31)
    params = {"first_day": first, "last_day": last}
    credited = dict(db.session.execute(CREDITED_BY_WORKER, params).tuples().all())
    for row in db.session.execute(_WORKERS):
        profile = load_profile(_profile_code(row.policy_code))
        new_entrant = row.community_work_started_on.year == today.year
        required = rules.annual_training_requirement(
            profile, row.post_type, new_entrant=new_entrant
        )
        hours = Decimal(credited.get(row.user_id) or 0)
        progress = rules.training_progress(required, hours, today=today)
        period = pace_period(progress, today)
        if period is None:
            continue
        with force_locale(locale_for(row.locale)):
            title, body = texts.training_pace(
                progress.credited, progress.required, progress.expected_by_now
            )
            yield Reminder(
                user_id=row.user_id,
                kind="training_pace",
                subject=f"training-hours:{today.year}",
                period=period,
                title=title,
                body=body,
                url=path_for("home.training", worker_id=row.user_id),
                urgency="low",
            )


def collect_appraisal(now: datetime) -> Iterator[Reminder]:
    """Tell workers that their appraisal result has been published."""
    rows = db.session.execute(FRESH_APPRAISALS, {"since": now - APPRAISAL_FRESH, "now": now})
    for row in rows:
        period = appraisal_period(row.year, row.published_at, now)
        if period is None:
            continue
        with force_locale(locale_for(row.locale)):
            title, body = texts.appraisal_published(row.year)
            yield Reminder(
                user_id=row.worker_id,
                kind="appraisal_published",
                subject=f"appraisal:{row.year}",
                period=period,
                title=title,
                body=body,
                url=path_for("home.appraisals", worker_id=row.worker_id),
                urgency="normal",
            )


def collect_health_check(now: datetime) -> Iterator[Reminder]:
    """Remind workers without this year's health check once its reminder date is reached."""
    today = timing.local_day(now)
    for row in db.session.execute(WORKERS_WITHOUT_HEALTH_CHECK, {"year": today.year}):
        profile = load_profile(_profile_code(row.policy_code))
        due_on = rules.health_check_due_on(profile, today.year)
        period = health_check_period(today, due_on, done=False)
        if period is None:
            continue
        with force_locale(locale_for(row.locale)):
            title, body = texts.health_check(due_on)
            yield Reminder(
                user_id=row.user_id,
                kind="health_check",
                subject=f"health-check:{today.year}",
                period=period,
                title=title,
                body=body,
                url=path_for("home.care", worker_id=row.user_id),
                urgency="low",
            )


# -- the registry ---------------------------------------------------------------------------

_WORKER = frozenset({Role.WORKER})

register(
    ReminderKind(
        "training_tomorrow",
        texts.KIND_LABELS["training_tomorrow"],
        _WORKER,
        FREQUENT,
        collect_training_tomorrow,
    )
)
register(
    ReminderKind(
        "training_soon",
        texts.KIND_LABELS["training_soon"],
        _WORKER,
        FREQUENT,
        collect_training_soon,
        ttl=int(SOON_LEAD.total_seconds()),
        urgency="high",
    )
)
register(
    ReminderKind(
        "certificate_deadline",
        texts.KIND_LABELS["certificate_deadline"],
        _WORKER,
        DAILY,
        collect_certificate,
    )
)
register(
    ReminderKind(
        "training_pace",
        texts.KIND_LABELS["training_pace"],
        _WORKER,
        DAILY,
        collect_training_pace,
        urgency="low",
    )
)
register(
    ReminderKind(
        "appraisal_published",
        texts.KIND_LABELS["appraisal_published"],
        _WORKER,
        FREQUENT,
        collect_appraisal,
    )
)
register(
    ReminderKind(
        "health_check",
        texts.KIND_LABELS["health_check"],
        _WORKER,
        DAILY,
        collect_health_check,
        urgency="low",
    )
)


def kind_of(code: str) -> ReminderKind | None:
    """Return the registered kind with this code, if any."""
    return REGISTRY.get(code)
