"""What a policy profile holds: the place-dependent numbers behind the rules, typed.

``portal.policy.parsing`` builds these from a profile file, ``portal.policy.profiles``
loads the stored ones.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from portal.enums import AppraisalResult, HiringRoute, PostType

MIN_GRADE = 1
MAX_GRADE = 18  # 三岗十八级 [003 §2, 002]
# A profile's code, also its file name: lower-case letters, digits and _.
PROFILE_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


class ProfileError(ValueError):
    """A policy profile file is missing, unreadable or malformed."""


class GradeRange(NamedTuple):
    """Inclusive range of grades open to one post type."""

    low: int
    high: int

    def contains(self, grade: object) -> bool:
        """Return whether ``grade`` is an int (not bool) within the range."""
        return (
            isinstance(grade, int)
            and not isinstance(grade, bool)
            and self.low <= grade <= self.high
        )


class TrainingMode(enum.StrEnum):
    """How a profile counts the annual training minimum."""

    DAYS = "days"  # per post type, in days of centralised training [003 §6]
    HOURS = "hours"  # one number of 学时 for everyone [001 二(四)]


@dataclass(frozen=True, slots=True)
class TrainingPolicy:
    """Annual training minimum and the day-to-学时 conversion."""

    mode: TrainingMode
    hours_per_day: Decimal
    days: Mapping[PostType, Decimal]  # days mode only; empty in hours mode
    induction_days: Decimal  # days mode only; 0 in hours mode
    hours_per_year: Decimal | None  # hours mode only


@dataclass(frozen=True, slots=True)
class CertificatePolicy:
    """Deadline for the social-worker certificate and its warning thresholds."""

    deadline_years: int
    amber_days: int
    red_days: int
    citation: str = ""  # where deadline_years comes from ("003 §4(4)"); "" when not given


@dataclass(frozen=True, slots=True)
class ExitRule:
    """An appraisal streak that makes a worker leave the team."""

    code: str
    result: AppraisalResult
    consecutive_years: int
    hiring_routes: frozenset[HiringRoute]
    citation: str

    def applies_to(self, hiring_route: HiringRoute) -> bool:
        """Return whether the rule covers workers hired by ``hiring_route``."""
        return hiring_route in self.hiring_routes


class LeaveTier(NamedTuple):
    """Annual leave days from a number of full years of total work onwards."""

    min_years: int
    days: int


@dataclass(frozen=True, slots=True)
class CarePolicy:
    """Care entitlements with a number attached."""

    health_check_every_years: int
    health_check_due_by: tuple[int, int]  # (month, day)
    annual_leave: tuple[LeaveTier, ...]  # ascending min_years, first is 0


@dataclass(frozen=True, slots=True)
class SecondmentPolicy:
    """How long a street may second (借调) a worker."""

    max_months: int


@dataclass(frozen=True, slots=True)
class PolicyProfile:
    """All place-dependent policy numbers of one province, city or district."""

    code: str
    name: str
    name_en: str
    grades: Mapping[PostType, GradeRange]
    training: TrainingPolicy
    certificate: CertificatePolicy
    exit_rules: tuple[ExitRule, ...]
    care: CarePolicy
    secondment: SecondmentPolicy
