"""Care writes: benefits recorded by the street, leave entitlements, the care fund.

Each takes the acting user, flushes (never commits) and writes an audit entry naming the
worker. A care-fund application is decided once: the decision is a conditional UPDATE
on the application still being "applied", so of two admins deciding at once one wins
and the other is told.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit import operations as audit
from portal.care.models import CareEntitlement, CareRecord
from portal.database import rows_matched
from portal.enums import CareKind, CareStatus
from portal.extensions import db
from portal.people.models import User, WorkerProfile
from portal.refusals import Refused
from portal.signals import care_decided
from portal.uploads import storage
from portal.uploads.models import Upload
from portal.uploads.operations import IncomingFile, store_upload

CONFLICT = 409
ALREADY_DECIDED = _l("This application was already decided; the decision stands.")


@dataclass(frozen=True)
class CareData:
    """A benefit the street records for one or several workers."""

    kind: CareKind
    occurred_on: date
    quantity: Decimal | None
    note: str | None


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


def record_care(
    workers: Sequence[WorkerProfile],
    data: CareData,
    *,
    actor: User,
    already: Mapping[int, str] | None = None,
) -> list[CareRecord]:
    """Record a benefit for each worker: all or none (``already`` maps clashes to names)."""
    if already:
        raise Refused(
            _l(
                "Already recorded on %(date)s for: %(names)s. Nothing was saved.",
                date=data.occurred_on.isoformat(),
                names="、".join(already.values()),
            ),
            "workers",
        )
    records = [
        CareRecord(
            worker_id=worker.user_id,
            kind=data.kind,
            year=data.occurred_on.year,
            occurred_on=data.occurred_on,
            quantity=data.quantity,
            status=CareStatus.DONE,
            note=data.note,
        )
        for worker in workers
    ]
    db.session.add_all(records)
    db.session.flush()
    for record in records:
        audit.record(
            "care_record_created",
            record,
            actor=actor,
            worker_id=record.worker_id,
            after={
                name: _plain(getattr(record, name))
                for name in ("kind", "occurred_on", "quantity", "note")
            },
        )
    return records


def set_leave_entitlements(
    year: int,
    wanted: Mapping[int, Decimal | None],
    existing: Mapping[int, CareEntitlement | None],
    *,
    actor: User,
) -> int:
    """Set each worker's annual leave days for a year (None: back to the default).

    Returns how many workers changed; unchanged ones are not touched nor audited.
    """
    changed = 0
    for worker_id, days in wanted.items():
        entitlement = existing.get(worker_id)
        before = None if entitlement is None else entitlement.quantity
        if (before is None and days is None) or (
            before is not None and days is not None and Decimal(before) == days
        ):
            continue
        if days is None:
            db.session.delete(entitlement)  # the audit entry keeps its id
        elif entitlement is None:
            entitlement = CareEntitlement(
                worker_id=worker_id, year=year, kind=CareKind.ANNUAL_LEAVE, quantity=days
            )
            db.session.add(entitlement)
        else:
            entitlement.quantity = days
        db.session.flush()
        audit.record(
            "care_entitlement_set",
            entitlement,
            actor=actor,
            worker_id=worker_id,
            year=year,
            kind=CareKind.ANNUAL_LEAVE.value,
            before=_plain(before),
            after=_plain(days),
        )
        changed += 1
    return changed


def apply_care_fund(
    worker: WorkerProfile,
    *,
    reason: str,
    amount: Decimal,
    file: IncomingFile | None,
    actor: User,
    today: date,
) -> tuple[CareRecord, Upload | None]:
    """Record a worker's application to the care fund, with an optional photo or PDF.

    Raises UploadRefused (nothing stored) if the file is not accepted. The caller
    commits inside `storage.removed_if_block_fails()`.
    """
    upload = store_upload(file, owner=actor, field="attachment") if file is not None else None
    key = upload.storage_key if upload is not None else None
    with storage.removed_on_error(key) if key else nullcontext():
        application = CareRecord(
            worker_id=worker.user_id,
            kind=CareKind.CARE_FUND,
            year=today.year,
            occurred_on=today,
            quantity=amount,
            status=CareStatus.APPLIED,
            note=reason,
            upload_id=upload.id if upload is not None else None,
        )
        db.session.add(application)
        db.session.flush()
        audit.record(
            "care_fund_applied",
            application,
            actor=actor,
            worker_id=worker.user_id,
            amount=str(amount),
            **({"upload_id": upload.id, "sha256": upload.sha256} if upload else {}),
        )
    return application, upload


def decide_care_fund(
    application: CareRecord,
    *,
    approve: bool,
    comment: str | None,
    actor: User,
    now: datetime,
) -> CareRecord:
    """Approve or reject an application still waiting; tell the worker. Refused (409) if not."""
    status = CareStatus.APPROVED if approve else CareStatus.REJECTED
    result = db.session.execute(
        sa.update(CareRecord)
        .where(
            CareRecord.id == application.id,
            CareRecord.kind == CareKind.CARE_FUND,
            CareRecord.status == CareStatus.APPLIED,
        )
        .values(status=status, decided_by_id=actor.id, decided_at=now, decision_comment=comment)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(application)
    if rows_matched(result) != 1:
        raise Refused(ALREADY_DECIDED, status=CONFLICT)
    audit.record(
        f"care_fund_{status.value}",
        application,
        actor=actor,
        worker_id=application.worker_id,
        amount=_plain(application.quantity),
        **({"comment": comment} if comment else {}),
    )
    care_decided.send(application, now=now)  # notifications tells the worker
    return application
