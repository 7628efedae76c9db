"""Writes on a worker's record by the street admin: create, edit, status, password.

Each takes the acting admin, flushes (never commits) and writes an audit entry with the
values before and after.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from portal.audit import operations as audit
from portal.auth import operations as auth
from portal.enums import Education, HiringRoute, PostType, Role, WorkerStatus
from portal.extensions import db
from portal.people.models import GradeChange, User, UserRole, WorkerProfile
from portal.people.record import (
    INITIAL_GRADE_REASON,
    PROFILE_FIELDS,
    STATUS_FIELDS,
    USER_FIELDS,
    plain,
)

_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105
_PASSWORD_LENGTH = 10


@dataclass(frozen=True)
class WorkerData:
    """The fields of a worker's record that the admin keeps."""

    name: str
    phone: str
    staff_no: str | None
    community_id: int
    post_type: PostType
    grade: int
    community_work_started_on: date
    joined_on: date
    education: Education
    party_member: bool
    hiring_route: HiringRoute
    exam_eligible_on: date | None


def snapshot(worker: WorkerProfile, fields: tuple[str, ...] = USER_FIELDS + PROFILE_FIELDS):
    """Return the named fields of a worker (user fields from its account) as JSON values."""
    values = {}
    for name in fields:
        owner = worker.user if name in USER_FIELDS else worker
        values[name] = plain(getattr(owner, name))
    return values


def difference(before: dict, after: dict) -> tuple[dict, dict]:
    """Return (before, after) restricted to the fields that changed."""
    changed = [name for name in after if before.get(name) != after[name]]
    return {n: before.get(n) for n in changed}, {n: after[n] for n in changed}


def one_time_password() -> str:
    """Return a random password with letters and digits, easy to read out and type."""
    while True:
        password = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(_PASSWORD_LENGTH))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password


def create_worker(
    data: WorkerData,
    *,
    street_id: int,
    actor: User | None,
    today: date,
    grade_reason: str | None = None,
) -> tuple[WorkerProfile, str]:
    """Create a worker's login and record; return it with its one-time password."""
    password = one_time_password()
    user = User(
        phone=data.phone,
        staff_no=data.staff_no,
        name=data.name,
        street_id=street_id,
        must_change_password=True,
    )
    user.set_password(password)
    user.role_rows = [UserRole(role=Role.WORKER)]
    worker = WorkerProfile(
        user=user, status=WorkerStatus.ACTIVE, **{f: getattr(data, f) for f in PROFILE_FIELDS}
    )
    db.session.add(worker)
    db.session.flush()
    _add_grade_change(
        worker,
        (None, None),
        data,
        reason=grade_reason or INITIAL_GRADE_REASON,
        actor=actor,
        on=today,
    )
    audit.record("worker_created", worker, actor=actor, after=snapshot(worker))
    return worker, password


def _add_grade_change(
    worker: WorkerProfile,
    before: tuple[PostType | None, int | None],
    data: WorkerData,
    *,
    reason: str,
    actor: User | None,
    on: date,
) -> None:
    """Add a line to the worker's grade history: from ``before`` to the post and grade of data."""
    db.session.add(
        GradeChange(
            worker_id=worker.user_id,
            changed_on=on,
            from_post_type=before[0],
            from_grade=before[1],
            to_post_type=data.post_type,
            to_grade=data.grade,
            reason=reason,
            recorded_by_id=getattr(actor, "id", None),
        )
    )


def update_worker(
    worker: WorkerProfile,
    data: WorkerData,
    *,
    actor: User | None,
    today: date,
    grade_reason: str | None = None,
) -> dict:
    """Apply an edit; a post or grade change lands in the grade history. Return the changes."""
    before = snapshot(worker)
    old_post, old_grade = worker.post_type, worker.grade
    for name in USER_FIELDS:
        setattr(worker.user, name, getattr(data, name))
    for name in PROFILE_FIELDS:
        setattr(worker, name, getattr(data, name))
    if (data.post_type, data.grade) != (old_post, old_grade):
        if not grade_reason:
            raise ValueError("a post or grade change needs a reason")
        _add_grade_change(
            worker, (old_post, old_grade), data, reason=grade_reason, actor=actor, on=today
        )
    old, new = difference(before, snapshot(worker))
    if new:
        detail: dict[str, Any] = {"before": old, "after": new}
        if "post_type" in new or "grade" in new:
            detail["reason"] = grade_reason
        audit.record("worker_updated", worker, actor=actor, **detail)
    db.session.flush()
    return new


def change_status(
    worker: WorkerProfile,
    status: WorkerStatus,
    *,
    since: date | None,
    until: date | None,
    reason: str | None,
    actor: User | None,
    today: date,
) -> bool:
    """Set 在岗 / 借调 / 退出; an exit disables the account. Return whether anything changed."""
    before = snapshot(worker, STATUS_FIELDS)
    was_enabled = worker.user.is_enabled
    worker.status = status
    worker.status_since = since or today
    worker.status_until = until if status is WorkerStatus.SECONDED else None
    worker.status_reason = reason or None
    if status is WorkerStatus.EXITED:
        if worker.user.is_enabled:
            worker.user.is_enabled = False
        # Ends the sign-in of every device, even if the account was already disabled.
        auth.sign_out_devices(worker.user, actor=actor, reason="worker_status_changed")
    else:
        worker.user.is_enabled = True
    old, new = difference(before, snapshot(worker, STATUS_FIELDS))
    if worker.user.is_enabled != was_enabled:
        old["account_enabled"], new["account_enabled"] = was_enabled, worker.user.is_enabled
    if new:
        audit.record("worker_status_changed", worker, actor=actor, before=old, after=new)
    db.session.flush()
    return bool(new)


def issue_password(worker: WorkerProfile, *, actor: User | None) -> str:
    """Give a worker a new one-time password they must change at the next login."""
    password = one_time_password()
    worker.user.set_password(password)
    worker.user.must_change_password = True
    auth.sign_out_devices(worker.user, actor=actor, reason="password_issued")
    audit.record("password_issued", worker, actor=actor)  # never the password itself
    db.session.flush()
    return password
