"""Turn the raw TOML of a policy profile into a PolicyProfile, checking every key.

Validation is strict, so a typo or an impossible value stops the app at start-up with a
message naming the file and the key, instead of surfacing later as a wrong reminder.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from portal.enums import AppraisalResult, HiringRoute, OrganiserLevel, PostType
from portal.policy.citations import CitationError
from portal.policy.citations import check as check_citation
from portal.policy.model import (
    MAX_GRADE,
    MIN_GRADE,
    PROFILE_CODE,
    SOURCE_KEYS_ALWAYS,
    SOURCE_KEYS_DAYS,
    SOURCE_KEYS_HOURS,
    SOURCE_KEYS_OPTIONAL,
    AbsenceRule,
    CarePolicy,
    CertificatePolicy,
    ExitRule,
    GeneralistPolicy,
    GradeRange,
    LeaveTier,
    PolicyProfile,
    ProfileError,
    RotationPolicy,
    SecondmentPolicy,
    Source,
    StaffingNorm,
    TeamTargets,
    TitleMix,
    TrainingMode,
    TrainingPolicy,
)

_E = TypeVar("_E", bound=enum.Enum)
_T = TypeVar("_T")
_MONTH_DAY_RE = re.compile(r"^(\d{2})-(\d{2})$")
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # leap year: accept 02-29


class ProfileParser:
    """Turn the raw TOML mapping into a PolicyProfile, checking every key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, message: str) -> ProfileError:
        """Build the error for ``key`` (dotted path inside the file)."""
        return ProfileError(f"{self.path}: {key}: {message}")

    # -- primitives -------------------------------------------------------------

    def table(self, raw: Any, key: str, allowed: set[str], required: set[str]) -> dict:
        """Check a table's keys: nothing unknown, nothing required missing."""
        if not isinstance(raw, dict):
            raise self.fail(key, f"expected a table, got {type(raw).__name__}")
        where = f"{key}." if key else ""
        unknown = sorted(set(raw) - allowed)
        if unknown:
            raise self.fail(f"{where}{unknown[0]}", "unknown key")
        missing = sorted(required - set(raw))
        if missing:
            raise self.fail(f"{where}{missing[0]}", "missing key")
        return raw

    def string(self, raw: Any, key: str) -> str:
        """Return a non-empty string."""
        if not isinstance(raw, str) or not raw.strip():
            raise self.fail(key, f"expected a non-empty string, got {raw!r}")
        return raw

    def integer(self, raw: Any, key: str, *, minimum: int = 0) -> int:
        """Return an int (not bool) of at least ``minimum``."""
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise self.fail(key, f"expected an integer, got {raw!r}")
        if raw < minimum:
            raise self.fail(key, f"must be at least {minimum}, got {raw}")
        return raw

    def amount(self, raw: Any, key: str, *, positive: bool = False) -> Decimal:
        """Return a non-negative (or positive) number as an exact Decimal."""
        if not isinstance(raw, int | float) or isinstance(raw, bool):
            raise self.fail(key, f"expected a number, got {raw!r}")
        try:
            value = Decimal(str(raw))  # str() keeps 7.5 as 7.5, not its binary expansion
        except InvalidOperation:  # pragma: no cover - tomllib numbers always convert
            raise self.fail(key, f"not a number: {raw!r}") from None
        if not value.is_finite() or value < 0 or (positive and value == 0):
            raise self.fail(key, f"must be {'positive' if positive else '≥ 0'}, got {raw!r}")
        return value

    def citation(self, raw: Any, key: str) -> str:
        """Return a citation that names known documents, or "product"."""
        ref = self.string(raw, key)
        try:
            check_citation(ref)
        except CitationError as exc:
            raise self.fail(key, str(exc)) from None
        return ref

    def choice(self, raw: Any, key: str, kind: type[_E]) -> _E:
        """Return the member of ``kind`` whose value is ``raw``."""
        try:
            return kind(raw)
        except ValueError:
            allowed = ", ".join(str(m.value) for m in kind)
            raise self.fail(key, f"unknown value {raw!r}; expected one of: {allowed}") from None

    def post_types(self, raw: Any, key: str) -> dict[PostType, Any]:
        """Map every post type, and only post types, to its raw value."""
        names = {p.value for p in PostType}
        table = self.table(raw, key, allowed=names, required=names)
        return {PostType(name): value for name, value in table.items()}

    # -- sections ---------------------------------------------------------------

    def profile(self, raw: Any) -> PolicyProfile:
        """Parse the whole file."""
        top = {
            "code",
            "name",
            "name_en",
            "grades",
            "training",
            "certificate",
            "exit_rules",
            "care",
            "secondment",
            "sources",
        }
        optional = {"team_targets", "staffing", "generalists", "rotation", "title_mix", "absence"}
        raw = self.table(raw, "", allowed=top | optional, required=top)
        code = self.string(raw["code"], "code")
        if not PROFILE_CODE.match(code):
            raise self.fail("code", f"use lower-case letters, digits and _, got {code!r}")
        training = self.training(raw["training"])
        return PolicyProfile(
            code=code,
            name=self.string(raw["name"], "name"),
            name_en=self.string(raw["name_en"], "name_en"),
            grades=self.grades(raw["grades"]),
            training=training,
            certificate=self.certificate(raw["certificate"]),
            exit_rules=self.exit_rules(raw["exit_rules"]),
            care=self.care(raw["care"]),
            secondment=self.secondment(raw["secondment"]),
            sources=self.sources(raw["sources"], training.mode),
            team_targets=self.optional(raw, "team_targets", self.team_targets),
            staffing=self.optional(raw, "staffing", self.staffing),
            generalists=self.optional(raw, "generalists", self.generalists),
            rotation=self.optional(raw, "rotation", self.rotation),
            title_mix=self.optional(raw, "title_mix", self.title_mix),
            absence=self.absence(raw["absence"]) if "absence" in raw else None,
        )

    def grades(self, raw: Any) -> Mapping[PostType, GradeRange]:
        """Parse ``[grades]``: an inclusive range per post type inside 1–18."""
        ranges = {}
        for post_type, value in self.post_types(raw, "grades").items():
            key = f"grades.{post_type.value}"
            table = self.table(value, key, allowed={"low", "high"}, required={"low", "high"})
            low = self.integer(table["low"], f"{key}.low")
            high = self.integer(table["high"], f"{key}.high")
            for name, grade in (("low", low), ("high", high)):
                if not MIN_GRADE <= grade <= MAX_GRADE:
                    raise self.fail(
                        f"{key}.{name}", f"grade {grade} outside {MIN_GRADE}–{MAX_GRADE}"
                    )
            if low > high:
                raise self.fail(key, f"low {low} is above high {high}")
            ranges[post_type] = GradeRange(low, high)
        return MappingProxyType(ranges)

    def training(self, raw: Any) -> TrainingPolicy:
        """Parse ``[training]`` in days mode or hours mode."""
        raw = self.table(
            raw,
            "training",
            allowed={"mode", "hours_per_day", "days", "induction_days", "hours_per_year"},
            required={"mode", "hours_per_day"},
        )
        mode = self.choice(raw["mode"], "training.mode", TrainingMode)
        hours_per_day = self.amount(raw["hours_per_day"], "training.hours_per_day", positive=True)
        if mode is TrainingMode.DAYS:
            self.table(
                raw,
                "training",
                allowed={"mode", "hours_per_day", "days", "induction_days"},
                required={"days", "induction_days"},
            )
            days = {
                post_type: self.amount(value, f"training.days.{post_type.value}")
                for post_type, value in self.post_types(raw["days"], "training.days").items()
            }
            return TrainingPolicy(
                mode=mode,
                hours_per_day=hours_per_day,
                days=MappingProxyType(days),
                induction_days=self.amount(raw["induction_days"], "training.induction_days"),
                hours_per_year=None,
            )
        self.table(
            raw,
            "training",
            allowed={"mode", "hours_per_day", "hours_per_year"},
            required={"hours_per_year"},
        )
        return TrainingPolicy(
            mode=mode,
            hours_per_day=hours_per_day,
            days=MappingProxyType({}),
            induction_days=Decimal(0),
            hours_per_year=self.amount(raw["hours_per_year"], "training.hours_per_year"),
        )

    def certificate(self, raw: Any) -> CertificatePolicy:
        """Parse ``[certificate]``; red must come after (fewer days than) amber."""
        names = {"deadline_years", "amber_days", "red_days"}
        raw = self.table(raw, "certificate", allowed=names | {"citation"}, required=names)
        policy = CertificatePolicy(
            deadline_years=self.integer(
                raw["deadline_years"], "certificate.deadline_years", minimum=1
            ),
            amber_days=self.integer(raw["amber_days"], "certificate.amber_days"),
            red_days=self.integer(raw["red_days"], "certificate.red_days"),
            citation=(
                self.string(raw["citation"], "certificate.citation") if "citation" in raw else ""
            ),
        )
        if policy.red_days > policy.amber_days:
            raise self.fail(
                "certificate.red_days",
                f"{policy.red_days} is above amber_days {policy.amber_days}",
            )
        return policy

    def exit_rules(self, raw: Any) -> tuple[ExitRule, ...]:
        """Parse ``[[exit_rules]]``; codes must be unique."""
        if not isinstance(raw, list):
            raise self.fail("exit_rules", "expected an array of tables ([[exit_rules]])")
        rules: list[ExitRule] = []
        for index, item in enumerate(raw):
            key = f"exit_rules[{index}]"
            table = self.table(
                item,
                key,
                allowed={
                    "code",
                    "result",
                    "consecutive_years",
                    "hiring_routes",
                    "citation",
                    "silent",
                },
                required={"code", "result", "consecutive_years", "citation"},
            )
            code = self.string(table["code"], f"{key}.code")
            if any(rule.code == code for rule in rules):
                raise self.fail(f"{key}.code", f"duplicate rule code {code!r}")
            routes_raw = table.get("hiring_routes", [route.value for route in HiringRoute])
            if not isinstance(routes_raw, list) or not routes_raw:
                raise self.fail(f"{key}.hiring_routes", "expected a non-empty list")
            routes = frozenset(
                self.choice(route, f"{key}.hiring_routes", HiringRoute) for route in routes_raw
            )
            rules.append(
                ExitRule(
                    code=code,
                    result=self.choice(table["result"], f"{key}.result", AppraisalResult),
                    consecutive_years=self.integer(
                        table["consecutive_years"], f"{key}.consecutive_years", minimum=1
                    ),
                    hiring_routes=routes,
                    citation=self.citation(table["citation"], f"{key}.citation"),
                    silent=(
                        self.citation(table["silent"], f"{key}.silent") if "silent" in table else ""
                    ),
                )
            )
        return tuple(rules)

    def secondment(self, raw: Any) -> SecondmentPolicy:
        """Parse ``[secondment]``: the longest secondment a street may approve, in months."""
        raw = self.table(raw, "secondment", allowed={"max_months"}, required={"max_months"})
        return SecondmentPolicy(
            max_months=self.integer(raw["max_months"], "secondment.max_months", minimum=1)
        )

    def care(self, raw: Any) -> CarePolicy:
        """Parse ``[care]``: health check period and date, annual leave tiers."""
        names = {"health_check_every_years", "health_check_due_by", "annual_leave"}
        raw = self.table(raw, "care", allowed=names, required=names)
        due_by = self.string(raw["health_check_due_by"], "care.health_check_due_by")
        match = _MONTH_DAY_RE.match(due_by)
        month, day = (int(match[1]), int(match[2])) if match else (0, 0)
        if not (1 <= month <= 12 and 1 <= day <= _DAYS_IN_MONTH[month - 1]):
            raise self.fail("care.health_check_due_by", f"expected a date as MM-DD, got {due_by!r}")
        return CarePolicy(
            health_check_every_years=self.integer(
                raw["health_check_every_years"], "care.health_check_every_years", minimum=1
            ),
            health_check_due_by=(month, day),
            annual_leave=self.annual_leave(raw["annual_leave"]),
        )

    def annual_leave(self, raw: Any) -> tuple[LeaveTier, ...]:
        """Parse ``[[care.annual_leave]]``: tiers from 0 years, strictly ascending."""
        if not isinstance(raw, list) or not raw:
            raise self.fail("care.annual_leave", "expected a non-empty array of tables")
        tiers: list[LeaveTier] = []
        for index, item in enumerate(raw):
            key = f"care.annual_leave[{index}]"
            names = {"min_years", "days"}
            table = self.table(item, key, allowed=names, required=names)
            tier = LeaveTier(
                min_years=self.integer(table["min_years"], f"{key}.min_years"),
                days=self.integer(table["days"], f"{key}.days"),
            )
            if not tiers and tier.min_years != 0:
                raise self.fail(f"{key}.min_years", "the first tier must start at 0 years")
            if tiers and tier.min_years <= tiers[-1].min_years:
                raise self.fail(f"{key}.min_years", "tiers must be in ascending min_years")
            tiers.append(tier)
        return tuple(tiers)

    def sources(self, raw: Any, mode: TrainingMode) -> Mapping[str, Source]:
        """Parse ``[sources]``: for each rule key, its citation, or {citation, silent}.

        Every rule the profile applies must be cited, so the keys are exactly the rules of
        the sections above (the training keys follow the training mode).
        """
        keys = set(SOURCE_KEYS_ALWAYS)
        keys |= set(SOURCE_KEYS_DAYS if mode is TrainingMode.DAYS else SOURCE_KEYS_HOURS)
        raw = self.table(raw, "sources", allowed=keys | set(SOURCE_KEYS_OPTIONAL), required=keys)
        sources = {}
        for name in sorted(raw):
            key = f"sources.{name}"
            value = raw[name]
            if isinstance(value, str):
                sources[name] = Source(self.citation(value, key))
                continue
            table = self.table(
                value, key, allowed={"citation", "silent"}, required={"citation", "silent"}
            )
            sources[name] = Source(
                self.citation(table["citation"], f"{key}.citation"),
                silent=self.citation(table["silent"], f"{key}.silent"),
            )
        return MappingProxyType(sources)

    # -- optional sections: the dashboard's figures --------------------------------------

    def optional(self, raw: dict, key: str, parse: Callable[[Any], _T]) -> _T | None:
        """Parse section ``key`` if the profile has it; None (no target shown) if not."""
        return parse(raw[key]) if key in raw else None

    def percent(self, raw: Any, key: str) -> int:
        """Return a whole percentage 0–100."""
        value = self.integer(raw, key)
        if value > 100:
            raise self.fail(key, f"must be at most 100, got {value}")
        return value

    def team_targets(self, raw: Any) -> TeamTargets:
        """Parse ``[team_targets]``: shares of the team to reach within some years."""
        names = {
            "certified_percent",
            "party_percent",
            "college_percent",
            "within_years",
            "from_year",
            "citation",
        }
        raw = self.table(raw, "team_targets", allowed=names, required=names)
        return TeamTargets(
            certified_percent=self.percent(
                raw["certified_percent"], "team_targets.certified_percent"
            ),
            party_percent=self.percent(raw["party_percent"], "team_targets.party_percent"),
            college_percent=self.percent(raw["college_percent"], "team_targets.college_percent"),
            within_years=self.integer(raw["within_years"], "team_targets.within_years", minimum=1),
            from_year=self.integer(raw["from_year"], "team_targets.from_year", minimum=2000),
            citation=self.string(raw["citation"], "team_targets.citation"),
        )

    def staffing(self, raw: Any) -> StaffingNorm:
        """Parse ``[staffing]``: workers per 10,000 urban residents, and by when."""
        raw = self.table(
            raw,
            "staffing",
            allowed={"workers_per_10000", "met_by", "citation"},
            required={"workers_per_10000", "citation"},
        )
        met_by = raw.get("met_by")
        return StaffingNorm(
            workers_per_10000=self.integer(
                raw["workers_per_10000"], "staffing.workers_per_10000", minimum=1
            ),
            met_by=None
            if met_by is None
            else self.integer(met_by, "staffing.met_by", minimum=2000),
            citation=self.string(raw["citation"], "staffing.citation"),
        )

    def generalists(self, raw: Any) -> GeneralistPolicy:
        """Parse ``[generalists]``: the least number of 全科社工 per community."""
        names = {"min_per_community", "citation"}
        raw = self.table(raw, "generalists", allowed=names, required=names)
        return GeneralistPolicy(
            min_per_community=self.integer(
                raw["min_per_community"], "generalists.min_per_community", minimum=1
            ),
            citation=self.string(raw["citation"], "generalists.citation"),
        )

    def rotation(self, raw: Any) -> RotationPolicy:
        """Parse ``[rotation]``: the county's yearly training and everyone else's rotation."""
        names = {
            "organiser_levels",
            "yearly_post_types",
            "yearly_new_entrants",
            "every_years",
            "citation",
        }
        raw = self.table(raw, "rotation", allowed=names, required=names)
        levels, posts = raw["organiser_levels"], raw["yearly_post_types"]
        if not isinstance(levels, list) or not levels:
            raise self.fail("rotation.organiser_levels", "expected a non-empty list")
        if not isinstance(posts, list):
            raise self.fail("rotation.yearly_post_types", "expected a list")
        if not isinstance(raw["yearly_new_entrants"], bool):
            raise self.fail("rotation.yearly_new_entrants", "expected true or false")
        return RotationPolicy(
            organiser_levels=frozenset(
                self.choice(level, "rotation.organiser_levels", OrganiserLevel) for level in levels
            ),
            yearly_post_types=frozenset(
                self.choice(post, "rotation.yearly_post_types", PostType) for post in posts
            ),
            yearly_new_entrants=raw["yearly_new_entrants"],
            every_years=self.integer(raw["every_years"], "rotation.every_years", minimum=1),
            citation=self.string(raw["citation"], "rotation.citation"),
        )

    def title_mix(self, raw: Any) -> TitleMix:
        """Parse ``[title_mix]``: junior : middle : senior shares adding up to 100."""
        names = {"junior_percent", "middle_percent", "senior_percent", "citation"}
        raw = self.table(raw, "title_mix", allowed=names, required=names)
        mix = TitleMix(
            junior_percent=self.percent(raw["junior_percent"], "title_mix.junior_percent"),
            middle_percent=self.percent(raw["middle_percent"], "title_mix.middle_percent"),
            senior_percent=self.percent(raw["senior_percent"], "title_mix.senior_percent"),
            citation=self.string(raw["citation"], "title_mix.citation"),
        )
        if mix.junior_percent + mix.middle_percent + mix.senior_percent != 100:
            raise self.fail("title_mix", "the three shares must add up to 100")
        return mix

    def absence(self, raw: Any) -> AbsenceRule:
        """Parse ``[absence]``: the unexcused-absence exit limits and the warning margin."""
        names = {"consecutive_days", "days_per_year", "warn_days", "citation", "warn_citation"}
        raw = self.table(raw, "absence", allowed=names, required=names)
        rule = AbsenceRule(
            consecutive_days=self.integer(
                raw["consecutive_days"], "absence.consecutive_days", minimum=1
            ),
            days_per_year=self.integer(raw["days_per_year"], "absence.days_per_year", minimum=1),
            warn_days=self.integer(raw["warn_days"], "absence.warn_days"),
            citation=self.string(raw["citation"], "absence.citation"),
            warn_citation=self.string(raw["warn_citation"], "absence.warn_citation"),
        )
        if rule.warn_days > min(rule.consecutive_days, rule.days_per_year):
            raise self.fail("absence.warn_days", f"{rule.warn_days} is above a limit of the rule")
        return rule
