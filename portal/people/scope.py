"""Who may see and change the street's records from the admin pages.

* A street admin reads and changes their own street only.
* A district admin reads every street of their district and changes nothing: every
  write answers 403.
* Everyone else gets 403 on every admin page.

A worker outside the admin's scope answers 404, like one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import QueryableAttribute, joinedload

from portal.enums import Role
from portal.extensions import db
from portal.org.models import Community, District, Street
from portal.people.models import User, WorkerProfile
from portal.policy.profiles import PolicyProfile, load_profile

_STREET_WITH_DISTRICT = (
    sa.select(Street).options(joinedload(Street.district)).where(Street.id == sa.bindparam("id"))
)


@dataclass(frozen=True)
class AdminScope:
    """The streets an admin may read, and the one street (if any) they may change."""

    user: User
    district: District
    street_id: int | None  # the street a street admin runs; None for a district admin
    whole_district: bool  # reads every street of the district

    @property
    def can_write(self) -> bool:
        """Return whether this admin may change records (street admins only)."""
        return self.street_id is not None

    @property
    def profile(self) -> PolicyProfile:
        """Return the district's policy profile (every street in scope shares it)."""
        return load_profile(self.district.policy_code)

    def can_read_street(self, street_id: int, district_id: int) -> bool:
        """Return whether records of a street are visible to this admin."""
        if self.whole_district:
            return district_id == self.district.id
        return street_id == self.street_id

    def can_write_street(self, street_id: int) -> bool:
        """Return whether records of a street may be changed by this admin."""
        return self.street_id is not None and street_id == self.street_id

    def street_condition(
        self, street_column: sa.ColumnElement[int] | QueryableAttribute[int]
    ) -> sa.ColumnElement[bool]:
        """Return a SQL condition 'this street column is in scope'."""
        if self.whole_district:
            streets = sa.select(Street.id).where(Street.district_id == self.district.id)
            return street_column.in_(streets.scalar_subquery())
        return street_column == self.street_id

    def require_write(self) -> int:
        """Refuse (403) a write to an admin who may only read; return the street they run."""
        if self.street_id is None:
            abort(403)
        return self.street_id


def admin_scope(user: User) -> AdminScope:
    """Return the admin's scope; 403 for a user who is neither street nor district admin."""
    if user.has_role(Role.STREET_ADMIN) and user.street_id is not None:
        street = db.session.execute(_STREET_WITH_DISTRICT, {"id": user.street_id}).scalar_one()
        whole = user.has_role(Role.DISTRICT_ADMIN) and user.district_id == street.district_id
        return AdminScope(user, street.district, street.id, whole_district=whole)
    if user.has_role(Role.DISTRICT_ADMIN) and user.district_id is not None:
        district = db.session.get(District, user.district_id)
        if district is not None:
            return AdminScope(user, district, None, whole_district=True)
    abort(403)


def scope_streets(scope: AdminScope) -> list[Street]:
    """Return the streets in scope, by name."""
    statement = sa.select(Street).where(scope.street_condition(Street.id))
    return list(db.session.scalars(statement.order_by(Street.name, Street.id)))


_WORKER_IN_ORG = (
    sa.select(WorkerProfile)
    .options(
        joinedload(WorkerProfile.user),
        joinedload(WorkerProfile.community).joinedload(Community.street),
    )
    .where(WorkerProfile.user_id == sa.bindparam("worker_id"))
)


def worker_in_scope(scope: AdminScope, worker_id: int, *, write: bool = False) -> WorkerProfile:
    """Return a worker the admin may read (or change); 404 for anyone else's or a missing one."""
    if write:
        scope.require_write()
    worker = db.session.execute(_WORKER_IN_ORG, {"worker_id": worker_id}).scalar_one_or_none()
    if worker is None:
        abort(404)
    street = worker.community.street
    allowed = (
        scope.can_write_street(street.id)
        if write
        else scope.can_read_street(street.id, street.district_id)
    )
    if not allowed:
        abort(404)  # same answer for "absent" and "not yours": nothing leaks
    return worker
