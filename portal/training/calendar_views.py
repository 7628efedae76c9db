"""The worker's upcoming trainings as a calendar file for the phone's calendar app."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, Response, abort, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.labels import label
from portal.timeutil import utcnow
from portal.training import queries
from portal.training.calendar import Event, build_calendar, training_uid
from portal.training.models import Training

bp = Blueprint("calendar", __name__)


def _hours(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _event(training: Training, host: str) -> Event:
    description = "\n".join(
        [
            _("Credited hours: %(hours)s", hours=_hours(training.credited_hours)),
            _("Kind: %(kind)s", kind=label(training.kind)),
            _("Organised at %(level)s level", level=label(training.level)),
        ]
    )
    return Event(
        uid=training_uid(training.id, host),
        starts_at=training.starts_at,
        ends_at=training.ends_at,
        summary=training.title,
        location=training.place,
        description=description,
    )


@bp.get("/me/trainings.ics")
@login_required
def my_trainings():
    """Download the trainings the worker is expected at, as an .ics calendar."""
    worker = current_user.worker
    if worker is None:
        abort(403)  # a worker's calendar: other roles are expected at nothing
    now = utcnow()
    trainings = queries.upcoming_expected(worker.user_id, now)
    body = build_calendar(
        (_event(t, request.host) for t in trainings), name=_("My trainings"), now=now
    )
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="trainings.ics"'
    return response
