"""Notices the street's decisions send at once: receivers of ``portal.signals``.

Appraisal and care operations send a signal and never import this package; ``init_app``
connects the receivers. Each receiver composes the notice in the worker's language (the
words live in ``portal.inbox.texts``, where the message catalogue finds them) and issues
it inside the sender's transaction (it flushes, never commits), so a rollback drops the
notice with the write. A receiver opens the configured channels itself, only
to decide which deliveries to queue, and closes them again.

Publishing a year's appraisal issues through the reminder log under the same key the
scheduler's "appraisal published" reminder uses, so neither a second click nor the
scheduler sends it again.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import force_locale

from notifications import channels as channel_registry
from notifications import reminders, rules
from notifications.issue import issue, notify
from portal import signals
from portal.enums import CareStatus
from portal.extensions import db
from portal.inbox import texts
from portal.people.models import User

APPRAISAL_KIND = "appraisal_published"  # the reminder kind the worker can switch off
CARE_FUND_KIND = "care_fund"  # the inbox kind of a decision notice

_RECIPIENTS = sa.select(User.id, User.locale).where(
    User.id.in_(sa.bindparam("ids", expanding=True)), User.is_enabled.is_(True)
)


def init_app(app: Flask) -> None:
    """Connect the receivers (once per process: blinker keeps them weakly, by function)."""
    signals.appraisal_published.connect(appraisal_published)
    signals.appraisal_changed.connect(appraisal_changed)
    signals.care_decided.connect(care_decided)


@contextmanager
def _channels():
    channels = channel_registry.configured_channels(current_app)
    try:
        yield channels
    finally:
        channel_registry.close_all(channels)


def appraisal_published(
    _sender: Any, *, worker_ids: Iterable[int], year: int, now: datetime
) -> int:
    """Issue "your result is published" to workers, once each ever; return how many new."""
    ids = sorted(set(worker_ids))
    if not ids:
        return 0
    period = rules.appraisal_key(year)  # the scheduler's key for this year
    items = []
    for user_id, locale in db.session.execute(_RECIPIENTS, {"ids": ids}):
        with force_locale(reminders.locale_for(locale)):
            title, body = texts.appraisal_published(year)
        items.append(
            reminders.Reminder(
                user_id=user_id,
                kind=APPRAISAL_KIND,
                subject=f"appraisal:{year}",
                period=period,
                title=title,
                body=body,
                url=reminders.path_for("home.appraisals", worker_id=user_id),
            )
        )
    with _channels() as channels:
        return issue(items, now=now, channels=channels).issued


def appraisal_changed(_sender: Any, *, worker_id: int, year: int, now: datetime) -> int:
    """Tell a worker that their published result was changed (each change is news)."""
    row = db.session.execute(_RECIPIENTS, {"ids": [worker_id]}).first()
    if row is None:
        return 0
    with force_locale(reminders.locale_for(row.locale)):
        title, body = texts.appraisal_changed(year)
    with _channels() as channels:
        notify(
            worker_id,
            kind=APPRAISAL_KIND,
            title=title,
            body=body,
            url=reminders.path_for("home.appraisals", worker_id=worker_id),
            now=now,
            channels=channels,
        )
    return 1


def care_decided(application: Any, *, now: datetime) -> int:
    """Tell the worker the street's decision on their care-fund application."""
    worker = db.session.get(User, application.worker_id)
    if worker is None or not worker.is_enabled:
        return 0
    approved = application.status is CareStatus.APPROVED
    with force_locale(reminders.locale_for(worker.locale)):
        title, body = texts.care_fund_decided(approved, application.decision_comment)
    with _channels() as channels:
        notify(
            worker.id,
            kind=CARE_FUND_KIND,
            title=title,
            body=body,
            url=reminders.path_for("care.apply"),
            now=now,
            channels=channels,
        )
    return 1
