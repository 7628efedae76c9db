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

from portal.enums import AppraisalResult, HiringRoute, OrganiserLevel, PostType

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
    silent: str = ""  # the profile's own document that sets no such rule (value adopted)

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
class Source:
    """Where one rule's value comes from.

    ``citation`` is "<document> <article>" (several joined by ";") or "product".
    ``silent`` is set when the profile's own document sets no such number and the value
    is adopted from ``citation`` (e.g. the national baseline adopting Jiangsu's days).
    """

    citation: str
    silent: str = ""

    @property
    def adopted(self) -> bool:
        """Return whether the value is adopted from another place's document."""
        return bool(self.silent)


# The rules of the sections above, each with its [sources] key; a profile gives a source
# for each key that applies to it (training keys depend on the training mode).
SOURCE_KEYS_ALWAYS = (
    "grades",
    "training.hours_per_day",
    "certificate.deadline_years",
    "certificate.amber_days",
    "certificate.red_days",
    "care.health_check_every_years",
    "care.health_check_due_by",
    "care.annual_leave",
    "secondment.max_months",
)
SOURCE_KEYS_DAYS = ("training.days", "training.induction_days")
SOURCE_KEYS_HOURS = ("training.hours_per_year",)
# Practices the pages show that carry no number of their own; a profile may leave them out.
SOURCE_KEYS_OPTIONAL = (
    "appraisal.levels",
    "care.benefits",
    "talks.monthly",
    "mentoring.new_entrants",
)


@dataclass(frozen=True, slots=True)
class AbsenceRule:
    """Exit on unexcused absence (旷工): more than N working days running, or M in a year.

    A worker leaves the team when a run of consecutive working days of unexcused absence
    is longer than ``consecutive_days``, or when the days in one calendar year are more than
    ``days_per_year`` [003 §11(5)]. ``warn_days`` is how many days before an exit the
    admin is warned (a product setting).
    """

    consecutive_days: int
    days_per_year: int
    warn_days: int
    citation: str
    warn_citation: str


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
    sources: Mapping[str, Source]  # [sources]: rule key → where its value comes from

    team_targets: TeamTargets | None = None  # no target shown without one
    staffing: StaffingNorm | None = None
    generalists: GeneralistPolicy | None = None
    rotation: RotationPolicy | None = None
    title_mix: TitleMix | None = None
    absence: AbsenceRule | None = None  # optional: a profile may leave the rule out

    def source(self, key: str) -> Source | None:
        """Return where the rule ``key`` ("secondment.max_months" …) comes from, if given.

        ``[sources]`` answers first; "exit_rules" joins the exit rules' citations; any other
        key is a path to a section whose dataclass carries ``citation`` (and ``silent``).
        """
        if key in self.sources:
            return self.sources[key]
        if key == "exit_rules":
            citations = "; ".join(dict.fromkeys(rule.citation for rule in self.exit_rules))
            # adopted rules keep saying so (the national baseline adopts 003 §11(2))
            silent = "; ".join(dict.fromkeys(r.silent for r in self.exit_rules if r.silent))
            return Source(citations, silent) if citations else None
        section: object = self
        for name in key.split("."):
            section = getattr(section, name, None)
            if section is None:
                return None
        citation = getattr(section, "citation", None)
        if not isinstance(citation, str) or not citation:
            return None
        return Source(citation, getattr(section, "silent", "") or "")


# -- the team dashboard's figures [003 §1, §6, §8; 004 §3, §8; 002 §5(2)] -------------------


@dataclass(frozen=True, slots=True)
class TeamTargets:
    """Shares of the team a profile aims at (percent), and the horizon it sets."""

    certified_percent: int  # holders of a social-work qualification
    party_percent: int
    college_percent: int  # 大专 and above
    within_years: int  # to be reached within this many years …
    from_year: int  # … of the document's year
    citation: str


@dataclass(frozen=True, slots=True)
class StaffingNorm:
    """Workers called for per 10,000 urban residents."""

    workers_per_10000: int
    met_by: int | None  # year by whose end the norm is to be met; None: no date set
    citation: str


@dataclass(frozen=True, slots=True)
class GeneralistPolicy:
    """The least number of 全科社工 each community should have."""

    min_per_community: int
    citation: str


@dataclass(frozen=True, slots=True)
class RotationPolicy:
    """Who the county trains every year and how often everyone else is rotated through."""

    organiser_levels: frozenset[OrganiserLevel]  # trainings of these levels count
    yearly_post_types: frozenset[PostType]  # trained every year (secretaries, directors)
    yearly_new_entrants: bool  # new entrants trained in their first year too
    every_years: int  # everyone else at least once in this many years
    citation: str


@dataclass(frozen=True, slots=True)
class TitleMix:
    """The proposed shares (percent) of junior, middle and senior professional titles."""

    junior_percent: int
    middle_percent: int
    senior_percent: int
    citation: str
