"""Outside-training writes: submit with proof, approve, reject. Flush, never commit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TypedDict

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit import operations as audit
from portal.database import rows_matched
from portal.enums import RequestStatus, TrainingKind
from portal.extensions import db
from portal.outside.models import OutsideTraining
from portal.people.models import User
from portal.refusals import Refused
from portal.timeutil import utcnow
from portal.uploads import storage
from portal.uploads.operations import IncomingFile, store_upload


class SubmissionData(TypedDict):
    """The cleaned values of a submission."""

    title: str
    kind: TrainingKind
    organiser: str
    hours: Decimal
    completed_on: date


ALREADY_DECIDED = _l("This submission has already been decided and cannot be decided again.")


def submit_outside_training(
    data: SubmissionData, file: IncomingFile, *, actor: User
) -> OutsideTraining:
    """Record the actor's outside training, pending review, with its proof file.

    Raises UploadRefused (nothing stored) if the file is not accepted. The caller
    commits inside `storage.removed_if_block_fails()`.
    """
    upload = store_upload(file, owner=actor, field="proof")
    with storage.removed_on_error(upload.storage_key):
        submission = OutsideTraining(
            worker_id=actor.id,
            title=data["title"],
            kind=data["kind"],
            organiser=data["organiser"],
            hours=data["hours"],
            completed_on=data["completed_on"],
            proof=upload,
            status=RequestStatus.PENDING,
        )
        db.session.add(submission)
        db.session.flush()
        audit.record(
            "outside_training_submitted",
            submission,
            actor=actor,
            hours=str(data["hours"]),
            proof_id=upload.id,
            sha256=upload.sha256,
        )
    return submission


def _decide(
    submission: OutsideTraining,
    status: RequestStatus,
    action: str,
    *,
    actor: User,
    reason: str | None = None,
    **detail: str,
) -> OutsideTraining:
    """Decide a pending submission once (409 if already decided) and audit ``action``."""
    # Conditional update: of two reviewers deciding at once, exactly one wins.
    result = db.session.execute(
        sa.update(OutsideTraining)
        .where(OutsideTraining.id == submission.id, OutsideTraining.status == RequestStatus.PENDING)
        .values(status=status, reviewer_id=actor.id, reviewed_at=utcnow(), review_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if rows_matched(result) != 1:
        db.session.refresh(submission)
        raise Refused(ALREADY_DECIDED, status=409)
    db.session.refresh(submission)
    audit.record(
        action,
        submission,
        actor=actor,
        worker_id=submission.worker_id,
        **detail,
        **({"reason": reason} if reason is not None else {}),
    )
    return submission


def approve(submission: OutsideTraining, *, actor: User) -> OutsideTraining:
    """Approve a pending submission: its hours count from now on."""
    return _decide(
        submission,
        RequestStatus.APPROVED,
        "outside_training_approved",
        actor=actor,
        hours=str(submission.hours),
    )


def reject(submission: OutsideTraining, reason: str, *, actor: User) -> OutsideTraining:
    """Reject a pending submission with a reason the worker sees."""
    reason = reason.strip()
    if not reason:
        raise ValueError("a rejection needs a reason")
    return _decide(
        submission, RequestStatus.REJECTED, "outside_training_rejected", actor=actor, reason=reason
    )
