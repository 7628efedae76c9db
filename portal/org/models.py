"""The organisation tree: district → street → community [004 §1]."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model


class District(Model):
    """A district or county (区/县); chooses the policy profile for everyone below it."""

    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    policy_code: Mapped[str] = mapped_column(sa.String(32), default="national")

    streets: Mapped[list[Street]] = relationship(back_populates="district")


class Street(Model):
    """A street or township (街道/乡镇): employs and manages the workers [004 §1]."""

    __tablename__ = "streets"
    __table_args__ = (sa.UniqueConstraint("district_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("districts.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(64))

    district: Mapped[District] = relationship(back_populates="streets")
    communities: Mapped[list[Community]] = relationship(back_populates="street")


class Community(Model):
    """A community (社区/居民区) where workers are deployed."""

    __tablename__ = "communities"
    __table_args__ = (
        sa.UniqueConstraint("street_id", "name"),
        sa.CheckConstraint("population IS NULL OR population >= 0", name="population_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(sa.ForeignKey("streets.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    population: Mapped[int | None]
    households: Mapped[int | None]

    street: Mapped[Street] = relationship(back_populates="communities")
