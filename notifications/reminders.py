"""What is due: the reminder kinds and the collectors that find them.

A reminder kind is a registry entry: a code, a label for the settings page, the roles
it concerns, how often it is looked for, and a collector that turns the tables into
``Reminder`` items for a given moment. The rules themselves are pure functions of the
moment and a few values (``notifications.rules``); collectors only load rows (with the
statements of ``notifications.queries``) and apply them. Every registered kind has a
collector: a kind on the settings page fires.

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
from functools import partial

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from notifications import queries, rules, timing
from portal.enums import Role
from portal.extensions import db
from portal.inbox import texts
from portal.policy import rules as policy
from portal.policy.profiles import load_profile
from portal.training.models import Training

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


def kind_of(code: str) -> ReminderKind | None:
    """Return the registered kind with this code, if any."""
    return REGISTRY.get(code)


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


def compose(
    words: Callable[[], tuple[str, str]],
    *,
    kind: str,
    user_id: int,
    locale: str | None,
    subject: str,
    period: str,
    url: str,
    urgency: str = "normal",
) -> Reminder:
    """Return a reminder whose title and body ``words()`` writes in the user's language."""
    with force_locale(locale_for(locale)):
        title, body = words()
    return Reminder(user_id, kind, subject, period, title, body, url, urgency)


def _profile_code(code: str | None) -> str:
    return code or "national"


# -- collectors ---------------------------------------------------------------------------


_TICK = timedelta(microseconds=1)


def _expected(training: Training) -> Sequence[sa.Row[tuple[int, str | None]]]:
    return db.session.execute(queries.EXPECTED, {"training_id": training.id}).all()


def _training_reminders(
    now: datetime,
    window: dict[str, datetime],
    *,
    kind: str,
    period_of: Callable[[datetime, datetime], str | None],
    words: Callable[[str, datetime, str | None], tuple[str, str]],
    url_of: Callable[[int], str],
    urgency: str,
) -> Iterator[Reminder]:
    """Remind the workers expected at each training starting in the window, when due."""
    for training in db.session.scalars(queries.TRAININGS_STARTING, window).all():
        period = period_of(training.starts_at, now)
        if period is None:
            continue
        for user_id, locale in _expected(training):
            yield compose(
                partial(words, training.title, training.starts_at, training.place),
                kind=kind,
                user_id=user_id,
                locale=locale,
                subject=f"training:{training.id}",
                period=period,
                url=url_of(user_id),
                urgency=urgency,
            )


def collect_training_tomorrow(now: datetime) -> Iterator[Reminder]:
    """Remind expected workers the evening before a training."""
    tomorrow = timing.local_day(now) + timedelta(days=1)
    start = timing.local_at(tomorrow, "00:00")
    window = {"start": start, "end": timing.local_at(tomorrow + timedelta(days=1), "00:00")}
    return _training_reminders(
        now,
        window,
        kind="training_tomorrow",
        period_of=rules.training_tomorrow_period,
        words=texts.training_tomorrow,
        url_of=lambda user_id: path_for("home.training", worker_id=user_id),
        urgency="normal",
    )


def collect_training_soon(now: datetime) -> Iterator[Reminder]:
    """Remind expected workers an hour before a training starts."""
    # A training starting exactly an hour from now is due: the window is (now, now + 1 h].
    window = {"start": now + timedelta(microseconds=1), "end": now + rules.SOON_LEAD + _TICK}
    return _training_reminders(
        now,
        window,
        kind="training_soon",
        period_of=rules.training_soon_period,
        words=texts.training_soon,
        url_of=lambda _user_id: path_for("scan.my_code"),
        urgency="high",
    )


def collect_certificate(now: datetime) -> Iterator[Reminder]:
    """Remind uncertified workers 180/90/30/7 days before their deadline, and when overdue."""
    today = timing.local_day(now)
    for row in db.session.execute(queries.UNCERTIFIED_WORKERS):
        profile = load_profile(_profile_code(row.policy_code))
        deadline = policy.certificate_deadline(profile, row.exam_eligible_on)
        if deadline is None:  # not selected: the query keeps workers with an eligibility date
            continue
        days_left = policy.certificate_state(profile, deadline, today, certified=False).days_left
        period = rules.certificate_period(days_left)
        if period is None or days_left is None:
            continue
        yield compose(
            partial(texts.certificate_deadline, deadline, days_left),
            kind="certificate_deadline",
            user_id=row.user_id,
            locale=row.locale,
            subject=f"certificate:{deadline.isoformat()}",
            period=period,
            url=path_for("home.certificates", worker_id=row.user_id),
            urgency="high" if period in {"d-7", "overdue"} else "normal",
        )


def collect_training_pace(now: datetime) -> Iterator[Reminder]:
    """Remind workers whose training hours are behind pace, once a month."""
    today = timing.local_day(now)
    if today.month == 1:
        return
    params = {"first_day": date(today.year, 1, 1), "last_day": date(today.year, 12, 31)}
    credited = dict(db.session.execute(queries.CREDITED_BY_WORKER, params).tuples().all())
    for row in db.session.execute(queries.WORKERS):
        profile = load_profile(_profile_code(row.policy_code))
        new_entrant = row.community_work_started_on.year == today.year
        required = policy.annual_training_requirement(
            profile, row.post_type, new_entrant=new_entrant
        )
        hours = Decimal(credited.get(row.user_id) or 0)
        progress = policy.training_progress(required, hours, today=today)
        period = rules.pace_period(progress, today)
        if period is None:
            continue
        yield compose(
            partial(
                texts.training_pace, progress.credited, progress.required, progress.expected_by_now
            ),
            kind="training_pace",
            user_id=row.user_id,
            locale=row.locale,
            subject=f"training-hours:{today.year}",
            period=period,
            url=path_for("home.training", worker_id=row.user_id),
            urgency="low",
        )


def collect_appraisal(now: datetime) -> Iterator[Reminder]:
    """Tell workers that their appraisal result has been published."""
    params = {"since": now - rules.APPRAISAL_FRESH, "now": now}
    for row in db.session.execute(queries.FRESH_APPRAISALS, params):
        period = rules.appraisal_period(row.year, row.published_at, now)
        if period is None:
            continue
        yield compose(
            partial(texts.appraisal_published, row.year),
            kind="appraisal_published",
            user_id=row.worker_id,
            locale=row.locale,
            subject=f"appraisal:{row.year}",
            period=period,
            url=path_for("home.appraisals", worker_id=row.worker_id),
        )


def collect_health_check(now: datetime) -> Iterator[Reminder]:
    """Remind workers without this year's health check once its reminder date is reached."""
    today = timing.local_day(now)
    for row in db.session.execute(queries.WORKERS_WITHOUT_HEALTH_CHECK, {"year": today.year}):
        profile = load_profile(_profile_code(row.policy_code))
        due_on = policy.health_check_due_on(profile, today.year)
        period = rules.health_check_period(today, due_on, done=False)
        if period is None:
            continue
        yield compose(
            partial(texts.health_check, due_on),
            kind="health_check",
            user_id=row.user_id,
            locale=row.locale,
            subject=f"health-check:{today.year}",
            period=period,
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
        ttl=int(rules.SOON_LEAD.total_seconds()),
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
