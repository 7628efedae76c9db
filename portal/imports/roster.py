"""Roster import: create or update workers, matched on phone number or staff number.

New accounts get no usable password: nobody can sign in with them until the admin
issues a one-time password from the worker's page when handing over the login. A file
of thousands of rows therefore never puts passwords on a screen, in a log or in a file,
and importing stays fast (no password hashing per row).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.audit.models import AuditEntry
from portal.enums import Role, WorkerStatus
from portal.extensions import Model, db
from portal.imports.common import Planner, batches, display
from portal.imports.reader import ParsedRow
from portal.imports.report import Change, FieldChange
from portal.imports.templates import COLUMNS, Kind
from portal.people.models import GradeChange, User, UserRole, WorkerProfile
from portal.people.record import (
    INITIAL_GRADE_REASON,
    PROFILE_FIELDS,
    USER_FIELDS,
    grade_problem,
    plain,
)
from portal.timeutil import utcnow

IMPORTED_GRADE_REASON = "花名册导入"
_HEADERS = {column.key: column.header for column in COLUMNS[Kind.ROSTER]}
_FIELDS = USER_FIELDS + PROFILE_FIELDS


def unusable_password_hash() -> str:
    """Return a stored hash that no password matches (werkzeug rejects its format)."""
    return "!imported-" + secrets.token_hex(8)


@dataclass
class _Planned:
    """A new worker: the row's values and the reason for the first grade, if given."""

    row: int
    values: dict[str, Any]
    reason: str | None


@dataclass
class _PlannedUpdate(_Planned):
    """A change to an existing worker: the fields that change, (stored, new)."""

    user: User
    worker: WorkerProfile
    changed: dict[str, tuple[Any, Any]] = field(default_factory=dict)


def _table(model: type[Model]) -> sa.Table:
    """Return a model's table for Core's bulk INSERT (declarative models map one Table)."""
    table = model.__table__
    if not isinstance(table, sa.Table):  # pragma: no cover - no model maps anything else
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table


class RosterPlanner(Planner):
    """Plan and apply a roster file."""

    def plan(self, rows: Sequence[ParsedRow]) -> None:
        """Check each row against the street, the profile and the existing accounts."""
        self.creates: list[_Planned] = []
        self.updates: list[_PlannedUpdate] = []
        self._load(rows)
        seen_phone: dict[str, int] = {}
        seen_staff: dict[str, int] = {}
        for row in rows:
            self._check_duplicates(row, seen_phone, seen_staff)
            if not row.errors:
                self._plan_row(row)
            self.finish(row)

    def _load(self, rows: Sequence[ParsedRow]) -> None:
        """Fetch the accounts whose phone or staff number the file names (batched)."""
        self.by_phone: dict[str, tuple[User, WorkerProfile | None]] = {}
        self.by_staff_no: dict[str, tuple[User, WorkerProfile | None]] = {}
        phones = sorted({r.values["phone"] for r in rows if r.values.get("phone")})
        staff = sorted({r.values["staff_no"] for r in rows if r.values.get("staff_no")})
        statement = sa.select(User, WorkerProfile).outerjoin(
            WorkerProfile, WorkerProfile.user_id == User.id
        )
        for column, wanted, found in (
            (User.phone, phones, self.by_phone),
            (User.staff_no, staff, self.by_staff_no),
        ):
            for batch in batches(wanted):
                for user, worker in db.session.execute(statement.where(column.in_(batch))):
                    key = user.phone if column is User.phone else user.staff_no
                    found[key] = (user, worker)

    def _check_duplicates(self, row: ParsedRow, seen_phone: dict, seen_staff: dict) -> None:
        for key, seen in (("phone", seen_phone), ("staff_no", seen_staff)):
            value = row.values.get(key)
            if value is None:
                continue
            if value in seen:
                row.fail(
                    _HEADERS[key],
                    _(
                        "%(column)s %(value)s already appears on row %(other)d.",
                        column=_HEADERS[key],
                        value=value,
                        other=seen[value],
                    ),
                )
            else:
                seen[value] = row.number

    def _plan_row(self, row: ParsedRow) -> None:
        values = dict(row.values)
        context = self.context
        community = context.communities.get(values["community"])
        if community is None:
            row.fail(
                "社区",
                _(
                    "%(column)s %(value)s is not a community of your street.",
                    column="社区",
                    value=values["community"],
                ),
            )
            return
        values["community_id"] = community.id
        match = self._match(row)
        if row.errors:
            return
        effective = self._effective(values, match[1] if match else None)
        self._check_values(row, effective)
        if row.errors:
            return
        if match is None:
            self.creates.append(_Planned(row.number, effective, values.get("grade_reason")))
            self.report.created.append(
                Change(row.number, f"{effective['name']}（{effective['phone']}）")
            )
            return
        user, worker = match
        current = {name: getattr(user if name in USER_FIELDS else worker, name) for name in _FIELDS}
        changed = {n: (current[n], effective[n]) for n in _FIELDS if current[n] != effective[n]}
        if not changed:
            self.report.unchanged += 1
            return
        grade_moves = "post_type" in changed or "grade" in changed
        reason = values.get("grade_reason")
        if grade_moves and not reason:
            row.fail(
                "等级变动原因",
                _(
                    "The post or grade changes (%(old)s → %(new)s): fill in %(column)s.",
                    old=f"{display(worker.post_type)} {worker.grade}",
                    new=f"{display(effective['post_type'])} {effective['grade']}",
                    column="等级变动原因",
                ),
            )
            return
        planned = _PlannedUpdate(row.number, effective, reason, user, worker, changed)
        self.updates.append(planned)
        names = {c.id: c.name for c in context.communities.values()}
        fields = tuple(
            FieldChange(
                _HEADERS.get(name, "社区"),
                *(names.get(x, x) if name == "community_id" else display(x) for x in pair),
            )
            for name, pair in changed.items()
        )
        self.report.updated.append(Change(row.number, f"{user.name}（{user.phone}）", fields))

    def _match(self, row: ParsedRow) -> tuple[User, WorkerProfile] | None:
        """Return the (user, worker) a row updates, None for a new worker, or record why not."""
        phone, staff_no = row.values["phone"], row.values.get("staff_no")
        by_phone = self.by_phone.get(phone)
        by_staff = self.by_staff_no.get(staff_no) if staff_no else None
        if by_phone and by_staff and by_phone[0].id != by_staff[0].id:
            row.fail(
                "工号",
                _(
                    "%(column)s %(value)s belongs to another account than the phone number.",
                    column="工号",
                    value=staff_no,
                ),
            )
            return None
        match = by_phone or by_staff
        if match is None:
            return None
        user, worker = match
        if worker is None or worker.community_id not in self.context.community_ids:
            column, value = ("手机号", phone) if by_phone else ("工号", staff_no)
            row.fail(
                column,
                _(
                    "%(column)s %(value)s is used by an account outside your street's roster.",
                    column=column,
                    value=value,
                ),
            )
            return None
        return user, worker

    @staticmethod
    def _effective(values: dict[str, Any], worker: WorkerProfile | None) -> dict[str, Any]:
        """Return the record after the row: blank optional cells keep what is stored."""
        if worker is None:
            return {
                "name": values["name"],
                "phone": values["phone"],
                "staff_no": values.get("staff_no"),
                "community_id": values["community_id"],
                "post_type": values["post_type"],
                "grade": values["grade"],
                "community_work_started_on": values["community_work_started_on"],
                "joined_on": values.get("joined_on") or values["community_work_started_on"],
                "education": values["education"],
                "party_member": bool(values.get("party_member")),
                "hiring_route": values["hiring_route"],
                "exam_eligible_on": values.get("exam_eligible_on"),
            }
        user = worker.user
        effective = {}
        for name in _FIELDS:
            given = values.get(name)
            stored = getattr(user if name in USER_FIELDS else worker, name)
            effective[name] = stored if given is None else given
        return effective

    def _check_values(self, row: ParsedRow, values: dict[str, Any]) -> None:
        today = self.context.today
        problem = grade_problem(self.context.profile, values["post_type"], values["grade"])
        if problem is not None:
            row.fail("岗位等级", problem)
        started, joined = values["community_work_started_on"], values["joined_on"]
        for key, value in (("community_work_started_on", started), ("joined_on", joined)):
            if value > today:
                row.fail(
                    _HEADERS[key],
                    _(
                        "%(column)s %(value)s is in the future.",
                        column=_HEADERS[key],
                        value=value.isoformat(),
                    ),
                )
        if joined < started:
            row.fail(
                "入职本街道日期",
                _(
                    "%(column)s %(value)s is before the start of community work.",
                    column="入职本街道日期",
                    value=joined.isoformat(),
                ),
            )

    def apply(self) -> None:
        """Create and update the planned workers, with grade history and audit entries.

        New workers go in as bulk INSERTs (a few statements for thousands of rows);
        updates, usually few, go through the ORM.
        """
        context = self.context
        actor_id = getattr(context.actor, "id", None)
        now = utcnow()
        history: list[dict] = []
        entries: list[dict] = []
        if self.creates:
            accounts = [
                {
                    "phone": planned.values["phone"],
                    "staff_no": planned.values["staff_no"],
                    "name": planned.values["name"],
                    "street_id": context.street.id,
                    "password_hash": unusable_password_hash(),
                    "must_change_password": True,
                    "is_enabled": True,
                    "created_at": now,
                }
                for planned in self.creates
            ]
            # Core executemany: one statement for all rows on every backend (the ORM's
            # bulk path falls back to a statement per row where it must return keys).
            db.session.execute(sa.insert(_table(User)), accounts)
            ids: dict[str, int] = {}
            for batch in batches([account["phone"] for account in accounts]):
                statement = sa.select(User.phone, User.id).where(User.phone.in_(batch))
                ids.update((phone, uid) for phone, uid in db.session.execute(statement))
            inserted = [ids[account["phone"]] for account in accounts]
            db.session.execute(
                sa.insert(_table(UserRole)),
                [{"user_id": uid, "role": Role.WORKER} for uid in inserted],
            )
            db.session.execute(
                sa.insert(_table(WorkerProfile)),
                [
                    {
                        "user_id": uid,
                        "status": WorkerStatus.ACTIVE,
                        "updated_at": now,
                        **{name: planned.values[name] for name in PROFILE_FIELDS},
                    }
                    for uid, planned in zip(inserted, self.creates, strict=True)
                ],
            )
            for uid, planned in zip(inserted, self.creates, strict=True):
                values = planned.values
                history.append(
                    _history(
                        uid,
                        context.today,
                        None,
                        None,
                        values["post_type"],
                        values["grade"],
                        planned.reason or INITIAL_GRADE_REASON,
                        actor_id,
                        now,
                    )
                )
                after = {name: plain(values[name]) for name in _FIELDS}
                entries.append(_audit("worker_created", uid, actor_id, now, after=after))
        for planned in self.updates:
            user, worker = planned.user, planned.worker
            old_post, old_grade = worker.post_type, worker.grade
            for name, (_old, new) in planned.changed.items():
                setattr(user if name in USER_FIELDS else worker, name, new)
            detail: dict[str, Any] = {
                "before": {n: plain(old) for n, (old, _new) in planned.changed.items()},
                "after": {n: plain(new) for n, (_old, new) in planned.changed.items()},
            }
            if "post_type" in planned.changed or "grade" in planned.changed:
                detail["reason"] = planned.reason
                history.append(
                    _history(
                        worker.user_id,
                        context.today,
                        old_post,
                        old_grade,
                        worker.post_type,
                        worker.grade,
                        planned.reason or IMPORTED_GRADE_REASON,
                        actor_id,
                        now,
                    )
                )
            entries.append(_audit("worker_updated", worker.user_id, actor_id, now, **detail))
        db.session.flush()
        if history:
            db.session.execute(sa.insert(_table(GradeChange)), history)
        if entries:
            db.session.execute(sa.insert(_table(AuditEntry)), entries)
        self.report.logins_created = len(self.creates)


def _history(worker_id, day, from_post, from_grade, to_post, to_grade, reason, actor_id, now):
    """Return a grade-history row (inserted in bulk by the caller)."""
    return {
        "worker_id": worker_id,
        "changed_on": day,
        "from_post_type": from_post,
        "from_grade": from_grade,
        "to_post_type": to_post,
        "to_grade": to_grade,
        "reason": reason,
        "recorded_by_id": actor_id,
        "created_at": now,
    }


def _audit(action: str, worker_id: int, actor_id: int | None, now, **detail: Any) -> dict:
    """Return an audit entry for an imported change (inserted in bulk by the caller)."""
    return {
        "actor_id": actor_id,
        "action": action,
        "subject_type": "WorkerProfile",
        "subject_id": worker_id,
        "detail": {"via": "import", **detail},
        "created_at": now,
    }
