"""Reads for the platform admin's pages: the organisation tree and a district's workers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from portal.admin.queries import CERTIFIED
from portal.appraisal.models import Appraisal
from portal.enums import AppraisalResult, Role, WorkerStatus
from portal.extensions import db
from portal.org.models import Community, District, Street
from portal.people.models import User, UserRole, WorkerProfile
from portal.platform.rules import WorkerFacts

ADMIN_ROLES = (Role.STREET_ADMIN, Role.DISTRICT_ADMIN)


@dataclass(frozen=True, slots=True)
class AdminLine:
    """An admin account as the tree shows it."""

    id: int
    name: str
    phone: str
    role: Role
    street_id: int | None
    district_id: int | None


@dataclass
class Tree:
    """Districts, their streets, the streets' communities and everyone's admins."""

    districts: list[District]
    streets: dict[int, list[Street]] = field(default_factory=dict)  # by district id
    communities: dict[int, list[Community]] = field(default_factory=dict)  # by street id
    district_admins: dict[int, list[AdminLine]] = field(default_factory=dict)
    street_admins: dict[int, list[AdminLine]] = field(default_factory=dict)


def tree(district_id: int | None = None) -> Tree:
    """Return the whole tree, or one district's, in four queries whatever its size."""
    districts = sa.select(District).order_by(District.name)
    streets = sa.select(Street).order_by(Street.name, Street.id)
    communities = sa.select(Community).join(Street).order_by(Community.name, Community.id)
    if district_id is not None:
        districts = districts.where(District.id == district_id)
        streets = streets.where(Street.district_id == district_id)
        communities = communities.where(Street.district_id == district_id)
    result = Tree(list(db.session.scalars(districts)))
    by_district = defaultdict(list)
    for street in db.session.scalars(streets):
        by_district[street.district_id].append(street)
    by_street = defaultdict(list)
    for community in db.session.scalars(communities):
        by_street[community.street_id].append(community)
    result.streets, result.communities = dict(by_district), dict(by_street)
    admins = (
        sa.select(User.id, User.name, User.phone, UserRole.role, User.street_id, User.district_id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role.in_(ADMIN_ROLES))
        .order_by(User.name, User.id)
    )
    if district_id is not None:
        in_district = sa.select(Street.id).where(Street.district_id == district_id)
        admins = admins.where(
            sa.or_(User.district_id == district_id, User.street_id.in_(in_district))
        )
    for row in db.session.execute(admins):
        line = AdminLine(*row)
        if line.role is Role.DISTRICT_ADMIN and line.district_id is not None:
            result.district_admins.setdefault(line.district_id, []).append(line)
        elif line.role is Role.STREET_ADMIN and line.street_id is not None:
            result.street_admins.setdefault(line.street_id, []).append(line)
    return result


def district_workers(district_id: int) -> list[WorkerFacts]:
    """Return what the policy rules need of each of the district's workers on post (2 queries)."""
    on_post = (
        sa.select(
            WorkerProfile.user_id,
            WorkerProfile.post_type,
            WorkerProfile.community_work_started_on,
            WorkerProfile.hiring_route,
            WorkerProfile.exam_eligible_on,
            CERTIFIED.label("certified"),
        )
        .join(Community, Community.id == WorkerProfile.community_id)
        .join(Street, Street.id == Community.street_id)
        .where(Street.district_id == district_id, WorkerProfile.status != WorkerStatus.EXITED)
        .order_by(WorkerProfile.user_id)
    )
    rows = db.session.execute(on_post).all()
    histories: dict[int, dict[int, AppraisalResult]] = defaultdict(dict)
    if rows:
        appraisals = sa.select(Appraisal.worker_id, Appraisal.year, Appraisal.result).where(
            Appraisal.worker_id.in_(
                on_post.with_only_columns(WorkerProfile.user_id).order_by(None)
            ),
            Appraisal.published_at.is_not(None),  # only results the worker has been told
        )
        for worker_id, year, result in db.session.execute(appraisals):
            histories[worker_id][year] = result
    return [
        WorkerFacts(
            worker_id=row.user_id,
            post_type=row.post_type,
            started_on=row.community_work_started_on,
            hiring_route=row.hiring_route,
            exam_eligible_on=row.exam_eligible_on,
            certified=bool(row.certified),
            appraisals=histories.get(row.user_id, {}),
        )
        for row in rows
    ]
