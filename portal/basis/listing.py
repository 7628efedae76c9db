"""Every rule of a policy profile, section by section, in words, with its source.

``rule_listing(profile)`` builds the 政策依据 page. A new profile section adds one builder
to ``SECTIONS`` (its title and a function returning its lines); nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext, lazy_gettext

from portal.enums import AppraisalResult, HiringRoute, PostType
from portal.labels import label
from portal.policy.citations import Cited, is_product, registry, resolve
from portal.policy.model import PolicyProfile, Source, TrainingMode


@dataclass(frozen=True, slots=True)
class RuleLine:
    """One rule: what it is, its value in words, and where it comes from."""

    key: str  # the profile key, also the page anchor ("training.days")
    rule: str
    value: str
    citation: str  # "003 §6", "product", several joined by ";"
    silent: str = ""  # the profile's own text that sets no number (value adopted)

    @property
    def product(self) -> bool:
        """Return whether the rule is a product setting, set by no document."""
        return is_product(self.citation)

    @property
    def sources(self) -> list[Cited]:
        """Return the documents and articles the value comes from."""
        return resolve(self.citation)

    @property
    def silent_sources(self) -> list[Cited]:
        """Return the profile's own articles that set no number (for an adopted value)."""
        return resolve(self.silent) if self.silent else []

    @property
    def adopted_note(self) -> str:
        """Return "全国文件未规定具体数值，本平台沿用江苏省标准" for an adopted value."""
        return adopted_note(Source(self.citation, self.silent))


@dataclass(frozen=True, slots=True)
class RuleSection:
    """A heading and its rules."""

    title: str
    lines: tuple[RuleLine, ...]


def adopted_note(source: Source | None) -> str:
    """Say that the profile's own documents set no number and whose standard is adopted."""
    if source is None or not source.adopted:
        return ""
    silent = resolve(source.silent)
    cited = resolve(source.citation)
    if not silent or not cited:
        return ""
    return gettext(
        "%(silent)s sets no number for this; the platform adopts the %(region)s standard",
        silent=silent[0].document.called,
        region=cited[0].document.region,
    )


def _line(profile: PolicyProfile, key: str, rule: str, value: str) -> RuleLine:
    source = profile.source(key) or Source("")
    return RuleLine(key, rule, value, source.citation, source.silent)


def _grades(profile: PolicyProfile) -> list[RuleLine]:
    value = "；".join(
        gettext(
            "%(post)s: grades %(low)d–%(high)d",
            post=label(post),
            low=profile.grades[post].low,
            high=profile.grades[post].high,
        )
        for post in (PostType.HEAD, PostType.DEPUTY, PostType.STAFF)
    )
    return [_line(profile, "grades", gettext("Grade range of each post type"), value)]


def _training(profile: PolicyProfile) -> list[RuleLine]:
    training = profile.training
    lines = []
    if training.mode is TrainingMode.DAYS:
        days = "；".join(
            gettext("%(post)s: %(days)s days", post=label(post), days=_num(training.days[post]))
            for post in (PostType.HEAD, PostType.DEPUTY, PostType.STAFF)
        )
        lines.append(
            _line(profile, "training.days", gettext("Centralised training each year"), days)
        )
        lines.append(
            _line(
                profile,
                "training.induction_days",
                gettext("Centralised induction training for a new entrant"),
                gettext("at least %(days)s days", days=_num(training.induction_days)),
            )
        )
    elif training.hours_per_year is not None:
        lines.append(
            _line(
                profile,
                "training.hours_per_year",
                gettext("Training each year"),
                gettext("%(hours)s hours", hours=_num(training.hours_per_year)),
            )
        )
    lines.append(
        _line(
            profile,
            "training.hours_per_day",
            gettext("A training day counts as"),
            gettext("%(hours)s hours", hours=_num(training.hours_per_day)),
        )
    )
    return lines


def _certificate(profile: PolicyProfile) -> list[RuleLine]:
    certificate = profile.certificate
    return [
        _line(
            profile,
            "certificate.deadline_years",
            gettext("Social-work certificate deadline"),
            gettext(
                "within %(n)d years of becoming eligible for the exam",
                n=certificate.deadline_years,
            ),
        ),
        _line(
            profile,
            "certificate.amber_days",
            gettext("Amber reminder"),
            gettext("from %(n)d days before the deadline", n=certificate.amber_days),
        ),
        _line(
            profile,
            "certificate.red_days",
            gettext("Red reminder"),
            gettext("from %(n)d days before the deadline", n=certificate.red_days),
        ),
    ]


def _appraisal(profile: PolicyProfile) -> list[RuleLine]:
    if profile.source("appraisal.levels") is None:
        return []
    levels = "、".join(label(result) for result in AppraisalResult)
    return [_line(profile, "appraisal.levels", gettext("Annual appraisal levels"), levels)]


def _exit_rules(profile: PolicyProfile) -> list[RuleLine]:
    lines = []
    for rule in profile.exit_rules:
        value = gettext(
            "%(n)d consecutive years %(result)s",
            n=rule.consecutive_years,
            result=label(rule.result),
        )
        if rule.hiring_routes != frozenset(HiringRoute):
            routes = "、".join(label(route) for route in sorted(rule.hiring_routes))
            value += gettext(" (only %(routes)s workers)", routes=routes)
        lines.append(
            RuleLine(
                f"exit_rules.{rule.code}",
                gettext("Leaves the team after"),
                value,
                rule.citation,
                rule.silent,
            )
        )
    return lines


def _care(profile: PolicyProfile) -> list[RuleLine]:
    care = profile.care
    month, day = care.health_check_due_by
    benefits = gettext(
        "health checks, leave, recuperation, festival visits, subsidies and allowances"
    )
    tiers = "；".join(
        gettext("from %(years)d years of work: %(days)d days", years=t.min_years, days=t.days)
        for t in care.annual_leave
    )
    return [
        _line(
            profile,
            "care.health_check_every_years",
            gettext("Health check"),
            gettext("every %(n)d year(s)", n=care.health_check_every_years),
        ),
        _line(
            profile,
            "care.health_check_due_by",
            gettext("Reminder when this year's health check is not done"),
            gettext("from %(month)d/%(day)d", month=month, day=day),
        ),
        _line(profile, "care.annual_leave", gettext("Paid annual leave"), tiers),
        *(
            [_line(profile, "care.benefits", gettext("Care and benefits recorded"), benefits)]
            if profile.source("care.benefits") is not None
            else []
        ),
    ]


def _talks_and_mentoring(profile: PolicyProfile) -> list[RuleLine]:
    lines = []
    if profile.source("talks.monthly") is not None:
        lines.append(
            _line(
                profile,
                "talks.monthly",
                gettext("Heart-to-heart talks"),
                gettext("one-on-one, every month"),
            )
        )
    if profile.source("mentoring.new_entrants") is not None:
        lines.append(
            _line(
                profile,
                "mentoring.new_entrants",
                gettext("Mentoring"),
                gettext("a mentor for every new entrant"),
            )
        )
    return lines


def _secondment(profile: PolicyProfile) -> list[RuleLine]:
    return [
        _line(
            profile,
            "secondment.max_months",
            gettext("Secondment by the street"),
            gettext("at most %(n)d months, with approval", n=profile.secondment.max_months),
        )
    ]


def _team(profile: PolicyProfile) -> list[RuleLine]:
    lines = []
    targets = profile.team_targets
    if targets is not None:
        lines.append(
            _line(
                profile,
                "team_targets",
                gettext("Team targets"),
                gettext(
                    "certified %(c)d%%, party members %(p)d%%, college or above %(e)d%%, "
                    "within %(n)d years from %(y)d",
                    c=targets.certified_percent,
                    p=targets.party_percent,
                    e=targets.college_percent,
                    n=targets.within_years,
                    y=targets.from_year,
                ),
            )
        )
    staffing = profile.staffing
    if staffing is not None:
        lines.append(
            _line(
                profile,
                "staffing",
                gettext("Staffing norm"),
                gettext("%(n)d workers per 10,000 urban residents", n=staffing.workers_per_10000),
            )
        )
    generalists = profile.generalists
    if generalists is not None:
        lines.append(
            _line(
                profile,
                "generalists",
                gettext("Generalist social workers (全科社工)"),
                gettext("at least %(n)d in each community", n=generalists.min_per_community),
            )
        )
    mix = profile.title_mix
    if mix is not None:
        lines.append(
            _line(
                profile,
                "title_mix",
                gettext("Junior, middle and senior titles"),
                f"{mix.junior_percent} : {mix.middle_percent} : {mix.senior_percent}",
            )
        )
    return lines


def _rotation(profile: PolicyProfile) -> list[RuleLine]:
    rotation = profile.rotation
    if rotation is None:
        return []
    # Not nested in the gettext below: Babel does not extract a message inside another's call.
    yearly = [label(p) for p in PostType if p in rotation.yearly_post_types]
    if rotation.yearly_new_entrants:
        yearly.append(gettext("new entrants"))
    return [
        _line(
            profile,
            "rotation",
            gettext("County-level rotation training"),
            gettext(
                "%(yearly)s every year; everyone else at least once every %(n)d years",
                yearly="、".join(yearly),
                n=rotation.every_years,
            ),
        )
    ]


def _absence(profile: PolicyProfile) -> list[RuleLine]:
    rule = profile.absence
    if rule is None:
        return []
    return [
        _line(
            profile,
            "absence",
            gettext("Exit on unexcused absence"),
            gettext(
                "more than %(run)d working days in a row, or more than %(year)d in a year",
                run=rule.consecutive_days,
                year=rule.days_per_year,
            ),
        ),
        RuleLine(
            "absence.warn_days",
            gettext("Warning before the absence limit"),
            gettext("%(n)d days before a limit", n=rule.warn_days),
            rule.warn_citation,
        ),
    ]


# The page's sections, in order. A new profile section adds its (title, builder) here.
SECTIONS: tuple[tuple[object, Callable[[PolicyProfile], list[RuleLine]]], ...] = (
    (lazy_gettext("Post and grade"), _grades),
    (lazy_gettext("Training"), _training),
    (lazy_gettext("Certificate"), _certificate),
    (lazy_gettext("Annual appraisal"), _appraisal),
    (lazy_gettext("Exit rules"), _exit_rules),
    (lazy_gettext("Care and benefits"), _care),
    (lazy_gettext("Heart-to-heart talks and mentoring"), _talks_and_mentoring),
    (lazy_gettext("Secondment"), _secondment),
    (lazy_gettext("Team figures"), _team),
    (lazy_gettext("County-level rotation"), _rotation),
    (lazy_gettext("Unexcused absence"), _absence),
)


def rule_listing(profile: PolicyProfile) -> list[RuleSection]:
    """List every rule of ``profile``, section by section; a section without rules is left out."""
    sections = []
    for title, build in SECTIONS:
        lines = build(profile)
        if lines:
            sections.append(RuleSection(str(title), tuple(lines)))
    return sections


def documents_cited(sections: list[RuleSection]) -> list:
    """Return the documents the listed rules cite, in registry order."""
    keys = {
        c.document.key
        for s in sections
        for line in s.lines
        for c in line.silent_sources + line.sources
    }
    return [d for key, d in registry().documents.items() if key in keys]


def _num(value) -> str:
    """Write 5, 7.5 and 40 without trailing zeros."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
