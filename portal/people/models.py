"""Users, roles, the worker profile and its grade history."""

from __future__ import annotations

from datetime import date, datetime
from typing import cast

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from portal.database import UTCDateTime, enum_type
from portal.enums import Education, HiringRoute, PostType, Role, WorkerStatus
from portal.extensions import Model
from portal.org.models import Community, Street
from portal.timeutil import utcnow


class User(UserMixin, Model):
    """Anyone who logs in: workers, trainers, mentors, talk leaders, street admins."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(sa.String(20), unique=True)
    staff_no: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    must_change_password: Mapped[bool] = mapped_column(default=True)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(sa.String(16))
    street_id: Mapped[int | None] = mapped_column(sa.ForeignKey("streets.id"), index=True)
    # District admins read every street of their district.
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("districts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    street: Mapped[Street | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    worker: Mapped[WorkerProfile | None] = relationship(back_populates="user", uselist=False)
    # Filled by the session loader (one query with the user): the header bell's count.
    unread_notifications: Mapped[int | None] = query_expression()

    def set_password(self, password: str) -> None:
        """Hash and store a new password (operations sign out the devices)."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """Return whether the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    # "<login record id>.<session key>" of the device this user object was signed in or
    # loaded for (portal.auth.sessions sets it); not a column. Unannotated, so the mapper
    # leaves it alone; the cast only tells the type checker what it may hold.
    session_id = cast("str | None", None)

    def get_id(self) -> str:
        """Return the session identity: the device's login record, so revoking it logs out."""
        if self.session_id is None:
            raise RuntimeError("no login record: sign in through portal.auth.operations")
        return self.session_id

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts
        """Return whether the account may log in."""
        return self.is_enabled

    @property
    def roles(self) -> frozenset[Role]:
        """Return the roles this user holds."""
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, role: Role) -> bool:
        """Return whether the user holds a role."""
        return role in self.roles


class UserRole(Model):
    """One role held by one user."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(enum_type(Role), primary_key=True)


class WorkerProfile(Model):
    """A community worker's employment record (社区工作者档案)."""

    __tablename__ = "worker_profiles"
    __table_args__ = (
        sa.CheckConstraint("grade BETWEEN 1 AND 18", name="grade_1_18"),
        sa.Index("ix_worker_profiles_community_status", "community_id", "status"),
    )

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"))
    post_type: Mapped[PostType] = mapped_column(enum_type(PostType))
    grade: Mapped[int]
    # Start of community work; moves inside the province keep the earlier date [004 §4].
    community_work_started_on: Mapped[date]
    joined_on: Mapped[date]  # entered the current street's team
    education: Mapped[Education] = mapped_column(enum_type(Education))
    party_member: Mapped[bool] = mapped_column(default=False)
    hiring_route: Mapped[HiringRoute] = mapped_column(enum_type(HiringRoute))
    status: Mapped[WorkerStatus] = mapped_column(
        enum_type(WorkerStatus), default=WorkerStatus.ACTIVE
    )
    status_since: Mapped[date | None]
    status_until: Mapped[date | None]  # end of a secondment
    status_reason: Mapped[str | None] = mapped_column(sa.String(200))
    exam_eligible_on: Mapped[date | None]  # eligible to sit the national exam [003 §4(4)]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(back_populates="worker")
    community: Mapped[Community] = relationship()


class GradeChange(Model):
    """One step in a worker's grade history (date, from → to, reason)."""

    __tablename__ = "grade_changes"
    __table_args__ = (
        sa.CheckConstraint("to_grade BETWEEN 1 AND 18", name="to_grade_1_18"),
        sa.Index("ix_grade_changes_worker_date", "worker_id", "changed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("worker_profiles.user_id"))
    changed_on: Mapped[date]
    from_post_type: Mapped[PostType | None] = mapped_column(enum_type(PostType))
    from_grade: Mapped[int | None]
    to_post_type: Mapped[PostType] = mapped_column(enum_type(PostType))
    to_grade: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(200))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
