"""The dashboard's rules per profile: targets, staffing, 全科社工, rotation, title mix.

Each row names the article it comes from; a profile whose seeds set no such rule has None
(and the dashboard shows the figure without a target).
"""

from __future__ import annotations

from datetime import date

import pytest

from portal.enums import CertificateKind, OrganiserLevel, PostType
from portal.policy import profiles
from portal.policy.model import ProfileError
from portal.policy.profiles import load_profile, load_profile_file
from portal.policy.rules import RotationReason, TitleLevel, rotation_due, title_level

JIANGSU_TEXT = (profiles.PROFILE_DIR / "jiangsu.toml").read_text(encoding="utf-8")
K = CertificateKind


def _values(section):
    return None if section is None else {k: getattr(section, k) for k in section.__slots__}


# -- what each profile holds ----------------------------------------------------------------

# fmt: off
SECTIONS = [
    pytest.param("jiangsu", "team_targets", {
        "certified_percent": 60, "party_percent": 70, "college_percent": 90,
        "within_years": 5, "from_year": 2024, "citation": "003 §1"},
        id="003 §1 60/70/90 % 力争今后5年 (dated 2024-10-25)"),
    pytest.param("national", "team_targets", None, id="004 一 sets no shares"),
    pytest.param("shanghai_baoshan", "team_targets", None, id="001/002 set no shares"),
    pytest.param("jiangsu", "staffing", {
        "workers_per_10000": 18, "met_by": 2025, "citation": "003 §1"},
        id="003 §1 每万城镇常住人口18人, 2025年底前达标"),
    pytest.param("national", "staffing", {
        "workers_per_10000": 18, "met_by": None, "citation": "004 §3"},
        id="004 §3 每万城镇常住人口18人, no date"),
    pytest.param("shanghai_baoshan", "staffing", {
        "workers_per_10000": 18, "met_by": None, "citation": "004 §3"},
        id="004 §3 binds Shanghai; 001/002 silent"),
    pytest.param("jiangsu", "generalists", {"min_per_community": 2, "citation": "003 §8"},
                 id="003 §8 每个社区2名以上全科社工"),
    pytest.param("national", "generalists", None, id="004 §6 全岗通 without a number"),
    pytest.param("shanghai_baoshan", "generalists", None, id="001/002 no number"),
    pytest.param("jiangsu", "rotation", {
        "organiser_levels": frozenset({OrganiserLevel.COUNTY}),
        "yearly_post_types": frozenset({PostType.HEAD}), "yearly_new_entrants": True,
        "every_years": 3, "citation": "003 §6"},
        id="003 §6 书记主任和新入职每年, 其他每3年"),
    pytest.param("national", "rotation", {
        "organiser_levels": frozenset({OrganiserLevel.COUNTY}),
        "yearly_post_types": frozenset({PostType.HEAD}), "yearly_new_entrants": False,
        "every_years": 3, "citation": "004 §8"},
        id="004 §8 书记主任每年, 其他每3年"),
    pytest.param("shanghai_baoshan", "rotation", {
        "organiser_levels": frozenset({OrganiserLevel.COUNTY}),
        "yearly_post_types": frozenset({PostType.HEAD}), "yearly_new_entrants": False,
        "every_years": 3, "citation": "004 §8"},
        id="004 §8 (001 sets no rotation)"),
    pytest.param("jiangsu", "title_mix", None, id="003 sets no title mix"),
    pytest.param("national", "title_mix", None, id="004 sets no title mix"),
    pytest.param("shanghai_baoshan", "title_mix", {
        "junior_percent": 40, "middle_percent": 40, "senior_percent": 20,
        "citation": "002 §5(2)"},
        id="002 §5(2) 初中高级社工 4:4:2"),
]
# fmt: on


@pytest.mark.parametrize(("code", "section", "expected"), SECTIONS)
def test_profile_dashboard_sections(code, section, expected):
    """Each profile holds the dashboard rule its seeds set, and nothing where they are silent."""
    assert _values(getattr(load_profile(code), section)) == expected


# -- county rotation [003 §6, 004 §8] --------------------------------------------------------

JIANGSU = load_profile("jiangsu").rotation
NATIONAL = load_profile("national").rotation
HEAD, DEPUTY, STAFF = PostType.HEAD, PostType.DEPUTY, PostType.STAFF
ROT, YEARLY, NEW = RotationReason.ROTATION, RotationReason.YEARLY_POST, RotationReason.NEW_ENTRANT

# fmt: off
ROTATION = [
    pytest.param(JIANGSU, HEAD, date(2010, 1, 1), date(2024, 5, 1), YEARLY,
                 id="003 §6 书记、主任 (正职) 每年, even if trained last year"),
    pytest.param(NATIONAL, HEAD, date(2010, 1, 1), None, YEARLY, id="004 §8 书记、主任 每年"),
    pytest.param(JIANGSU, STAFF, date(2025, 3, 1), None, NEW, id="003 §6 新入职 每年"),
    pytest.param(NATIONAL, STAFF, date(2025, 3, 1), None, None,
                 id="004 §8 names no new entrants: 3 years from 2025"),
    pytest.param(JIANGSU, STAFF, date(2018, 1, 1), date(2022, 5, 1), ROT,
                 id="003 §6 每3年轮训1次: 2023–2025 ends this year"),
    pytest.param(JIANGSU, STAFF, date(2018, 1, 1), date(2023, 5, 1), None,
                 id="003 §6 每3年: 2024–2026 not yet"),
    pytest.param(JIANGSU, DEPUTY, date(2018, 1, 1), date(2024, 5, 1), None,
                 id="003 §6 副职 is not yearly"),
    pytest.param(JIANGSU, STAFF, date(2010, 1, 1), date(2020, 5, 1), ROT,
                 id="003 §6 每3年: overdue since 2023"),
    pytest.param(JIANGSU, STAFF, date(2023, 6, 1), None, ROT,
                 id="003 §6 每3年: never trained, 2023–2025 from joining"),
    pytest.param(JIANGSU, STAFF, date(2024, 6, 1), None, None,
                 id="003 §6 每3年: never trained, 2024–2026 from joining"),
    pytest.param(NATIONAL, STAFF, date(2023, 1, 1), None, ROT,
                 id="004 §8 每3年: joined 2023, never trained"),
    pytest.param(JIANGSU, HEAD, date(2026, 1, 1), None, None, id="not yet started: not due"),
]
# fmt: on


@pytest.mark.parametrize(("policy", "post", "started", "last", "reason"), ROTATION)
def test_rotation_due_in_2025(policy, post, started, last, reason):
    """Who the county must train in 2025, and why."""
    got = rotation_due(policy, post_type=post, started_on=started, last_trained_on=last, year=2025)
    assert got is reason


# -- professional titles [002 §5(2), §3(2)] ------------------------------------------------

# fmt: off
TITLES = [
    pytest.param([], None, id="002 §5(2) no qualification: no title"),
    pytest.param([K.ASSISTANT_SOCIAL_WORKER], TitleLevel.JUNIOR,
                 id="002 §5(2) 初级 = 助理社会工作师"),
    pytest.param([K.ASSISTANT_SOCIAL_WORKER, K.SOCIAL_WORKER], TitleLevel.MIDDLE,
                 id="002 §5(2) 中级 = 社会工作师, the higher counts"),
    pytest.param([K.GENERALIST, K.SENIOR_SOCIAL_WORKER], TitleLevel.SENIOR,
                 id="002 §5(1) 高级 = 高级社工师"),
    pytest.param([K.GENERALIST, K.COUNSELLOR, "other"], None,
                 id="002 §2(4) other certificates are no social-work title"),
]
# fmt: on


@pytest.mark.parametrize(("kinds", "level"), TITLES)
def test_title_level_is_the_highest_social_work_qualification(kinds, level):
    """The title counted in the junior/middle/senior mix."""
    assert title_level(kinds) is level


# -- malformed sections ----------------------------------------------------------------------

# fmt: off
MALFORMED = [
    pytest.param("certified_percent = 60", "certified_percent = 160",
                 "team_targets.certified_percent: must be at most 100", id="003 §1 over 100 %"),
    pytest.param("within_years = 5 ", "within_years = 0 ",
                 "team_targets.within_years: must be at least 1", id="003 §1 zero years"),
    pytest.param("workers_per_10000 = 18", "workers_per_10000 = 0",
                 "staffing.workers_per_10000: must be at least 1", id="003 §1 no workers"),
    pytest.param("met_by = 2025", 'met_by = "end of 2025"',
                 "staffing.met_by: expected an integer", id="003 §1 met_by not a year"),
    pytest.param("min_per_community = 2", "min_per_community = 2\nmax = 3",
                 "generalists.max: unknown key", id="003 §8 unknown key"),
    pytest.param('organiser_levels = ["county"]', 'organiser_levels = ["district"]',
                 "rotation.organiser_levels: unknown value 'district'", id="003 §6 unknown level"),
    pytest.param('organiser_levels = ["county"]', "organiser_levels = []",
                 "rotation.organiser_levels: expected a non-empty list", id="003 §6 no level"),
    pytest.param("yearly_new_entrants = true", 'yearly_new_entrants = "yes"',
                 "rotation.yearly_new_entrants: expected true or false", id="003 §6 not a bool"),
    pytest.param('citation = "003 §8"', "",
                 "generalists.citation: missing key", id="003 §8 no citation"),
]
# fmt: on


@pytest.mark.parametrize(("old", "new", "message"), MALFORMED)
def test_malformed_dashboard_section_names_the_key(tmp_path, old, new, message):
    """A malformed optional section stops the profile with the file and key named."""
    assert JIANGSU_TEXT.count(old) == 1, old
    path = tmp_path / "broken.toml"
    path.write_text(JIANGSU_TEXT.replace(old, new), encoding="utf-8")
    with pytest.raises(ProfileError, match=message.replace("(", r"\(")):
        load_profile_file(path)


def test_title_mix_must_add_up_to_100(tmp_path):
    """002 §5(2) 4:4:2 is 40/40/20 %: shares that do not add up to 100 are refused."""
    text = (profiles.PROFILE_DIR / "shanghai_baoshan.toml").read_text(encoding="utf-8")
    path = tmp_path / "mix.toml"
    path.write_text(text.replace("senior_percent = 20", "senior_percent = 30"), "utf-8")
    with pytest.raises(ProfileError, match="title_mix: the three shares must add up to 100"):
        load_profile_file(path)


def test_a_profile_without_the_sections_loads(tmp_path):
    """The dashboard sections are optional: without them the profile has None."""
    text = JIANGSU_TEXT[: JIANGSU_TEXT.index("# 003 §1: 力争今后5年实现")]
    path = tmp_path / "bare.toml"
    path.write_text(text, encoding="utf-8")
    profile = load_profile_file(path)
    assert (profile.team_targets, profile.staffing, profile.generalists, profile.rotation) == (
        None,
        None,
        None,
        None,
    )
