"""Loading and validating policy profiles (portal/policy/profiles/*.toml)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from portal.enums import AppraisalResult, HiringRoute, PostType
from portal.policy import profiles
from portal.policy.model import GradeRange, LeaveTier, ProfileError, TrainingMode
from portal.policy.profiles import (
    DEFAULT_PROFILE,
    available_profiles,
    load_profile,
    load_profile_file,
)

CODES = ["national", "jiangsu", "shanghai_baoshan"]
JIANGSU_TEXT = (profiles.PROFILE_DIR / "jiangsu.toml").read_text(encoding="utf-8")
BAOSHAN_TEXT = (profiles.PROFILE_DIR / "shanghai_baoshan.toml").read_text(encoding="utf-8")


# -- the stored profiles --------------------------------------------------------------


def test_available_profiles_lists_all_three_default_first():
    """Every stored profile is offered, with the national baseline first."""
    assert available_profiles() == [
        ("national", "全国基准"),
        ("jiangsu", "江苏省"),
        ("shanghai_baoshan", "上海市宝山区"),
    ]
    assert DEFAULT_PROFILE == "national"


@pytest.mark.parametrize("code", CODES)
def test_load_profile_is_cached_and_matches_its_file(code):
    """A profile loads once, under the code that names its file."""
    profile = load_profile(code)
    assert profile.code == code
    assert load_profile(code) is profile


@pytest.mark.parametrize(
    ("code", "post_type", "expected"),
    [
        pytest.param(code, post, rng, id=f"003§2 {post.value} {rng.low}-{rng.high} [{code}]")
        for code in CODES
        for post, rng in [
            (PostType.STAFF, GradeRange(1, 12)),
            (PostType.DEPUTY, GradeRange(4, 15)),
            (PostType.HEAD, GradeRange(7, 18)),
        ]
    ],
)
def test_grade_ranges_follow_three_posts_eighteen_grades(code, post_type, expected):
    """Every profile uses the 三岗十八级 ranges: staff 1–12, deputy 4–15, head 7–18."""
    assert load_profile(code).grades[post_type] == expected


@pytest.mark.parametrize(
    ("code", "mode", "days", "induction", "hours_per_year"),
    [
        pytest.param("jiangsu", TrainingMode.DAYS, (5, 3, 3), 3, None, id="003§6 jiangsu 5/3/3+3"),
        pytest.param(
            "national", TrainingMode.DAYS, (5, 3, 3), 3, None, id="004§8 baseline adopts 003§6"
        ),
        pytest.param(
            "shanghai_baoshan", TrainingMode.HOURS, None, 0, 40, id="001二(四) baoshan 40学时"
        ),
    ],
)
def test_training_minimum_per_profile(code, mode, days, induction, hours_per_year):
    """Training minimums are the seed numbers: days per post type or one number of 学时."""
    training = load_profile(code).training
    assert training.mode is mode
    assert training.hours_per_day == Decimal(8)
    assert training.induction_days == Decimal(induction)
    if days is None:
        assert dict(training.days) == {}
        assert training.hours_per_year == Decimal(hours_per_year)
    else:
        head, deputy, staff = days
        assert dict(training.days) == {
            PostType.HEAD: Decimal(head),
            PostType.DEPUTY: Decimal(deputy),
            PostType.STAFF: Decimal(staff),
        }
        assert training.hours_per_year is None


@pytest.mark.parametrize(
    ("code", "rules"),
    [
        pytest.param(
            "jiangsu",
            [
                ("unqualified_2y", AppraisalResult.UNQUALIFIED, 2, set(HiringRoute)),
                ("basic_3y", AppraisalResult.BASIC, 3, set(HiringRoute)),
            ],
            id="003§11(2) jiangsu",
        ),
        pytest.param(
            "shanghai_baoshan",
            [("unqualified_2y", AppraisalResult.UNQUALIFIED, 2, {HiringRoute.RECRUITED})],
            id="002§5(4) shanghai recruited only",
        ),
        pytest.param(
            "national",
            [("unqualified_2y", AppraisalResult.UNQUALIFIED, 2, set(HiringRoute))],
            id="004§9-10 baseline unqualified x2",
        ),
    ],
)
def test_exit_rules_per_profile(code, rules):
    """Exit rules carry the seed's result, streak length and the routes they cover."""
    loaded = [
        (rule.code, rule.result, rule.consecutive_years, set(rule.hiring_routes))
        for rule in load_profile(code).exit_rules
    ]
    assert loaded == rules


@pytest.mark.parametrize(
    "code",
    [pytest.param(code, id=f"003§4(4)+003§14+条例§3 [{code}]") for code in CODES],
)
def test_certificate_and_care_settings(code):
    """Certificates are due 3 years after eligibility; health checks yearly; leave 0/5/10/15."""
    profile = load_profile(code)
    assert (profile.certificate.deadline_years, profile.certificate.amber_days) == (3, 180)
    assert profile.certificate.red_days == 90
    assert profile.care.health_check_every_years == 1
    assert profile.care.health_check_due_by == (10, 1)
    assert profile.care.annual_leave == (
        LeaveTier(0, 0),
        LeaveTier(1, 5),
        LeaveTier(10, 10),
        LeaveTier(20, 15),
    )


_SELF_DESCRIBING_KEYS = {"code", "name", "name_en", "citation", "silent"}
_SOURCE = re.compile(r"00[0-4] [§一二三四五六七八九十]|条例|product")


@pytest.mark.parametrize("code", CODES)
def test_every_profile_value_cites_its_source(code):
    """Each value line in a profile file carries a comment naming a seed, the law or 'product'."""
    text = (profiles.PROFILE_DIR / f"{code}.toml").read_text(encoding="utf-8")
    uncited = []
    section = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("["):
            section = line.strip("[] ")
        match = re.match(r"\s*([a-z_]+)\s*=", line)
        if section == "sources":  # [sources] values are citations themselves
            continue
        if not match or match[1] in _SELF_DESCRIBING_KEYS:
            continue
        comment = line.partition("#")[2]
        if not _SOURCE.search(comment):
            uncited.append(f"{number}: {line}")
    assert uncited == []


def test_load_profile_refuses_unknown_and_unsafe_codes():
    """Only codes of stored files load; a path-like code is refused."""
    with pytest.raises(ProfileError, match="unknown profile 'beijing'; available: national"):
        load_profile("beijing")
    with pytest.raises(ProfileError, match="invalid profile code"):
        load_profile("../jiangsu")


def test_load_profile_refuses_code_that_differs_from_file_name(tmp_path, monkeypatch):
    """A file must declare the code its name promises."""
    (tmp_path / "suzhou.toml").write_text(JIANGSU_TEXT, encoding="utf-8")
    monkeypatch.setattr(profiles, "PROFILE_DIR", tmp_path)
    load_profile.cache_clear()
    try:
        with pytest.raises(ProfileError, match=r"suzhou\.toml: code: 'jiangsu' does not match"):
            load_profile("suzhou")
    finally:
        load_profile.cache_clear()


# -- malformed files ----------------------------------------------------------------------


def _edit(text: str, old: str, new: str) -> str:
    """Replace ``old`` exactly once, so a stale case fails instead of passing silently."""
    assert text.count(old) == 1, f"fixture text not found once: {old!r}"
    return text.replace(old, new)


# fmt: off
MALFORMED = [
    pytest.param(
        JIANGSU_TEXT, 'name_en = "Jiangsu"\n', "", "name_en: missing key", id="missing key"
    ),
    pytest.param(
        JIANGSU_TEXT, 'name_en = "Jiangsu"\n', 'name_en = "J"\ncolour = 1\n',
        "colour: unknown key", id="unknown top-level key",
    ),
    pytest.param(
        JIANGSU_TEXT, 'code = "jiangsu"', 'code = "Jiang Su"', "code: use lower-case",
        id="bad code",
    ),
    pytest.param(
        JIANGSU_TEXT, 'name = "江苏省"', "name = 3", "name: expected a non-empty string",
        id="name not a string",
    ),
    pytest.param(
        JIANGSU_TEXT, "staff = { low = 1, high = 12 }", "clerk = { low = 1, high = 12 }",
        "grades.clerk: unknown key", id="003§2 unknown post type",
    ),
    pytest.param(
        JIANGSU_TEXT, "deputy = { low = 4, high = 15 }", "deputy = { low = 16, high = 15 }",
        "grades.deputy: low 16 is above high 15", id="003§2 low above high",
    ),
    pytest.param(
        JIANGSU_TEXT, "head = { low = 7, high = 18 }", "head = { low = 7, high = 19 }",
        "grades.head.high: grade 19 outside 1–18", id="003§2 grade above 18",
    ),
    pytest.param(
        JIANGSU_TEXT, "staff = { low = 1, high = 12 }", "staff = { low = 0, high = 12 }",
        "grades.staff.low: grade 0 outside 1–18", id="003§2 grade below 1",
    ),
    pytest.param(
        JIANGSU_TEXT, "staff = { low = 1, high = 12 }", "staff = { low = true, high = 12 }",
        "grades.staff.low: expected an integer", id="003§2 bool grade",
    ),
    pytest.param(
        JIANGSU_TEXT, "staff = { low = 1, high = 12 }", "staff = { low = 1 }",
        "grades.staff.high: missing key", id="003§2 range without high",
    ),
    pytest.param(
        JIANGSU_TEXT, 'mode = "days"', 'mode = "weeks"',
        "training.mode: unknown value 'weeks'; expected one of: days, hours",
        id="unknown training mode",
    ),
    pytest.param(
        JIANGSU_TEXT, "head = 5 ", 'head = "5"', "training.days.head: expected a number",
        id="003§6 days not a number",
    ),
    pytest.param(
        JIANGSU_TEXT, "head = 5 ", "head = -5", "training.days.head: must be ≥ 0",
        id="003§6 negative days",
    ),
    pytest.param(
        JIANGSU_TEXT, "staff = 3 ", "", "training.days.staff: missing key",
        id="003§6 post type without days",
    ),
    pytest.param(
        JIANGSU_TEXT, "induction_days = 3", "", "training.induction_days: missing key",
        id="003§6 days mode needs induction",
    ),
    pytest.param(
        JIANGSU_TEXT, "hours_per_day = 8", "hours_per_day = 0",
        "training.hours_per_day: must be positive", id="zero hours per day",
    ),
    pytest.param(
        BAOSHAN_TEXT, "hours_per_year = 40", "hours_per_year = 40\ninduction_days = 3",
        "training.induction_days: unknown key", id="001二(四) hours mode has no induction",
    ),
    pytest.param(
        BAOSHAN_TEXT, "hours_per_year = 40", "", "training.hours_per_year: missing key",
        id="001二(四) hours mode needs hours",
    ),
    pytest.param(
        JIANGSU_TEXT, "deadline_years = 3", "deadline_years = 0",
        "certificate.deadline_years: must be at least 1", id="003§4(4) zero deadline",
    ),
    pytest.param(
        JIANGSU_TEXT, "red_days = 90", "red_days = 200",
        "certificate.red_days: 200 is above amber_days 180", id="red after amber",
    ),
    pytest.param(
        JIANGSU_TEXT, 'result = "basic"', 'result = "poor"',
        "exit_rules[1].result: unknown value 'poor'", id="003§11 unknown result",
    ),
    pytest.param(
        JIANGSU_TEXT, "consecutive_years = 3", "consecutive_years = 0",
        "exit_rules[1].consecutive_years: must be at least 1", id="003§11 zero streak",
    ),
    pytest.param(
        JIANGSU_TEXT, 'code = "basic_3y"', 'code = "unqualified_2y"',
        "exit_rules[1].code: duplicate rule code", id="003§11 duplicate rule",
    ),
    pytest.param(
        JIANGSU_TEXT, 'citation = "003 §11(2)"\n# no', "# no",
        "exit_rules[0].citation: missing key", id="003§11 rule without citation",
    ),
    pytest.param(
        BAOSHAN_TEXT, 'hiring_routes = ["recruited"]', 'hiring_routes = ["contract"]',
        "exit_rules[0].hiring_routes: unknown value 'contract'", id="002§5(4) unknown route",
    ),
    pytest.param(
        BAOSHAN_TEXT, 'hiring_routes = ["recruited"]', "hiring_routes = []",
        "exit_rules[0].hiring_routes: expected a non-empty list", id="002§5(4) no routes",
    ),
    pytest.param(
        JIANGSU_TEXT, 'health_check_due_by = "10-01"', 'health_check_due_by = "13-01"',
        "care.health_check_due_by: expected a date as MM-DD", id="003§14 bad month",
    ),
    pytest.param(
        JIANGSU_TEXT, 'health_check_due_by = "10-01"', 'health_check_due_by = "Oct 1"',
        "care.health_check_due_by: expected a date as MM-DD", id="003§14 not MM-DD",
    ),
    pytest.param(
        JIANGSU_TEXT, "min_years = 0 ", "min_years = 1 ",
        "care.annual_leave[0].min_years: the first tier must start at 0",
        id="条例§3 leave not from 0",
    ),
    pytest.param(
        JIANGSU_TEXT, "min_years = 20 ", "min_years = 9 ",
        "care.annual_leave[3].min_years: tiers must be in ascending", id="条例§3 descending",
    ),
    pytest.param(
        JIANGSU_TEXT, "[grades]", "[grades", "not valid TOML", id="TOML syntax error"
    ),
    pytest.param(
        JIANGSU_TEXT, 'grades = "003 §2"\n', "", "sources.grades: missing key",
        id="every rule is cited",
    ),
    pytest.param(
        JIANGSU_TEXT, 'grades = "003 §2"', 'grades = "009 §2"',
        "sources.grades: unknown document in citation '009 §2'", id="unknown document",
    ),
    pytest.param(
        JIANGSU_TEXT, 'grades = "003 §2"', 'grades = "003 §2"\nbonus = "product"',
        "sources.bonus: unknown key", id="source of no rule",
    ),
    pytest.param(
        JIANGSU_TEXT, '"training.days" = "003 §6"', '"training.hours_per_year" = "001 二(四)"',
        "sources.training.hours_per_year: unknown key", id="003§6 days mode cites days",
    ),
    pytest.param(
        JIANGSU_TEXT, 'grades = "003 §2"', 'grades = { citation = "003 §2" }',
        "sources.grades.silent: missing key", id="adopted value names the silent text",
    ),
    pytest.param(
        JIANGSU_TEXT, 'citation = "003 §11(2)"\n# no', 'citation = "§11(2)"\n# no',
        "exit_rules[0].citation: unknown document", id="003§11 citation without document",
    ),
]
# fmt: on


@pytest.mark.parametrize(("base", "old", "new", "message"), MALFORMED)
def test_malformed_profile_names_file_and_key(tmp_path, base, old, new, message):
    """A malformed profile raises ProfileError naming the file and the offending key."""
    path = tmp_path / "broken.toml"
    path.write_text(_edit(base, old, new), encoding="utf-8")
    with pytest.raises(ProfileError) as excinfo:
        load_profile_file(path)
    assert str(excinfo.value).startswith(f"{path}: ")
    assert message in str(excinfo.value)


@pytest.mark.parametrize(
    ("base", "code"),
    [
        pytest.param(JIANGSU_TEXT, "jiangsu", id="jiangsu text"),
        pytest.param(BAOSHAN_TEXT, "shanghai_baoshan", id="baoshan text"),
    ],
)
def test_unedited_profile_text_loads_from_any_path(tmp_path, base, code):
    """The fixture texts are valid, so each malformed case fails for its own edit."""
    path = tmp_path / "copy.toml"
    path.write_text(base, encoding="utf-8")
    assert load_profile_file(path) == load_profile(code)


def test_missing_profile_file_is_a_profile_error(tmp_path):
    """Loading a file that does not exist names the path."""
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ProfileError, match="profile file not found"):
        load_profile_file(Path(path))


def test_fractional_hours_per_day_stay_exact(tmp_path):
    """A 7.5-hour training day is stored as exactly Decimal('7.5')."""
    path = tmp_path / "half.toml"
    path.write_text(_edit(JIANGSU_TEXT, "hours_per_day = 8", "hours_per_day = 7.5"), "utf-8")
    assert load_profile_file(path).training.hours_per_day == Decimal("7.5")
