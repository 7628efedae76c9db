"""Reads for outside training (statements built once, with bind parameters)."""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.enums import RequestStatus
from portal.extensions import db
from portal.org.models import Community
from portal.outside.models import OutsideTraining
from portal.people.models import User, WorkerProfile

_WITH_PROOF = joinedload(OutsideTraining.proof)

OWN_SUBMISSIONS = (
    sa.select(OutsideTraining)
    .options(_WITH_PROOF)
    .where(OutsideTraining.worker_id == sa.bindparam("worker_id"))
    .order_by(OutsideTraining.created_at.desc(), OutsideTraining.id.desc())
)

# A street admin's view: every submission of the street's workers, with who sent it.
_IN_STREET = (
    sa.select(OutsideTraining, User.name, Community.name)
    .join(WorkerProfile, WorkerProfile.user_id == OutsideTraining.worker_id)
    .join(User, User.id == WorkerProfile.user_id)
    .join(Community, Community.id == WorkerProfile.community_id)
    .options(_WITH_PROOF)
    .where(Community.street_id == sa.bindparam("street_id"))
)
PENDING_IN_STREET = _IN_STREET.where(OutsideTraining.status == RequestStatus.PENDING).order_by(
    OutsideTraining.created_at, OutsideTraining.id
)
DECIDED_IN_STREET = (
    _IN_STREET.where(OutsideTraining.status != RequestStatus.PENDING)
    .order_by(OutsideTraining.reviewed_at.desc(), OutsideTraining.id.desc())
    .limit(50)
)

SUBMISSION_IN_STREET = (
    sa.select(OutsideTraining)
    .join(WorkerProfile, WorkerProfile.user_id == OutsideTraining.worker_id)
    .join(Community, Community.id == WorkerProfile.community_id)
    .where(
        OutsideTraining.id == sa.bindparam("submission_id"),
        Community.street_id == sa.bindparam("street_id"),
    )
)


class StreetSubmission(NamedTuple):
    """A submission as the street admin sees it."""

    submission: OutsideTraining
    worker_name: str
    community_name: str


def own_submissions(worker_id: int) -> list[OutsideTraining]:
    """Return a worker's submissions, newest first, with their proof (one query)."""
    return list(db.session.scalars(OWN_SUBMISSIONS, {"worker_id": worker_id}))


def pending_in_street(street_id: int) -> list[StreetSubmission]:
    """Return the street's submissions awaiting review, oldest first (one query)."""
    rows = db.session.execute(PENDING_IN_STREET, {"street_id": street_id})
    return [StreetSubmission(*row) for row in rows]


def decided_in_street(street_id: int) -> list[StreetSubmission]:
    """Return the street's last 50 decided submissions, latest decision first (one query)."""
    rows = db.session.execute(DECIDED_IN_STREET, {"street_id": street_id})
    return [StreetSubmission(*row) for row in rows]


def submission_in_street(submission_id: int, street_id: int) -> OutsideTraining | None:
    """Return a submission if its worker belongs to the street, else None."""
    params = {"submission_id": submission_id, "street_id": street_id}
    return db.session.scalar(SUBMISSION_IN_STREET, params)


APPROVED_IN_PERIOD = (
    sa.select(OutsideTraining)
    .where(
        OutsideTraining.worker_id == sa.bindparam("worker_id"),
        OutsideTraining.status == RequestStatus.APPROVED,
        OutsideTraining.completed_on.between(sa.bindparam("first_day"), sa.bindparam("last_day")),
    )
    .order_by(OutsideTraining.completed_on.desc(), OutsideTraining.id.desc())
)


def approved_in_period(worker_id: int, first_day, last_day) -> list[OutsideTraining]:
    """Return a worker's approved outside training completed between two dates."""
    params = {"worker_id": worker_id, "first_day": first_day, "last_day": last_day}
    return list(db.session.scalars(APPROVED_IN_PERIOD, params))
