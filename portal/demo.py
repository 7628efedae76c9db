"""A realistic demo street for `flask seed-demo`: deterministic, dated relative to today.

What gets built (``build_demo`` adds and flushes; the caller commits):

* 南京市鼓楼区 (profile ``jiangsu``) → 湖南路街道 → 5 communities, 60 workers
  (8 正职, 14 副职, 38 一般工作人员) with grade histories, three years of published
  appraisals, ~31 past trainings plus 4 upcoming, attendance, certificates and this
  year's care records.
* 上海市宝山区 (profile ``shanghai_baoshan``) → 友谊路街道 → 2 居民区, 8 workers and
  their own street admin: a second street whose records 湖南路街道's admin must not see.

Demo logins (password from the caller, no forced change):

* 13800000001 社工 李晓雯 (一般工作人员, 山西路社区): this year's 学时 short of the
  minimum and behind pace, 助理社会工作师 deadline about 100 days away (amber), a 全科社工
  certificate, three appraisals, annual leave partly taken, a care-fund application
  still pending.
* 13800000002 培训组织者 周志强 (副职, also a worker): organiser of the street's trainings.
* 13800000003 导师 陈国华 (正职 grade 16, 22 years of service, also a worker).
* 13800000004 谈心领导 王建国: street leader, no worker profile.
* 13800000005 街道管理员 刘静: street admin of 湖南路街道, no worker profile.

Edge cases in 湖南路街道 (every other worker is kept clear of them on purpose):

* 13900000101 吴秀兰 — top of the range: 一般工作人员 grade 12 (range 1–12).
* 13900000102 孙浩 — certificate deadline OVERDUE: exam-eligible 3 years and 75 days ago,
  no social-work certificate.
* 13900000103 赵磊 — one result from the exit rule ``unqualified_2y``: 合格, 合格, then
  不合格 last year (admonition talk noted).
* 13900000104 钱丽萍 — one result from ``basic_3y``: 合格, then 基本合格 two years running.
* 13900000105 郑雨桐 — brand-new entrant: started this year, grade 1, no appraisals yet.
* 13900000106 冯振宇 — no records at all besides the profile (transferred in this year,
  file not yet entered).
* 13900000107 / 13900000108 — 借调 (seconded) with status_since/status_until.
* 13900000109 — 退出 (resigned this year; account disabled).

Only the five demo logins skip the forced password change. Everyone else shares one
password hash computed once (scrypt takes ~60 ms a hash; 70 of them would make the demo
slow) and must change it on first login.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from unicodedata import east_asian_width

import sqlalchemy as sa

from portal.appraisal.models import Appraisal
from portal.care.models import CareEntitlement, CareRecord
from portal.certificates.models import Certificate
from portal.enums import (
    AppraisalResult,
    AttendanceMethod,
    AudienceScope,
    CareKind,
    CareStatus,
    CertificateKind,
    Education,
    HiringRoute,
    OrganiserLevel,
    PostType,
    Role,
    TrainingKind,
    WorkerStatus,
)
from portal.extensions import db
from portal.org.models import Community, District, Street
from portal.people.models import GradeChange, User, UserRole, WorkerProfile
from portal.policy import rules
from portal.policy.profiles import PolicyProfile, load_profile
from portal.timeutil import LOCAL_TZ, local_date_of, local_today
from portal.training.models import Attendance, Training, TrainingAudience

__all__ = ["DemoLogin", "build_demo", "format_logins"]

HEAD, DEPUTY, STAFF = PostType.HEAD, PostType.DEPUTY, PostType.STAFF
EXC, QUAL, BASIC, UNQ = (
    AppraisalResult.EXCELLENT,
    AppraisalResult.QUALIFIED,
    AppraisalResult.BASIC,
    AppraisalResult.UNQUALIFIED,
)


@dataclass(frozen=True)
class DemoLogin:
    """One demo account: who it is and what to look at after logging in."""

    role: str  # Chinese label, e.g. 社工
    phone: str
    name: str
    look_at: str


# The five demo logins: phone → (role label, what to look at after logging in).
LOGIN_NOTES = {
    "13800000001": (
        "社工",
        "首页五张卡片：今年学时未达标、助理社会工作师证书期限约100天（黄灯）、"
        "三年考核、年假与待审批的关爱基金申请",
    ),
    "13800000002": ("培训组织者", "街道培训与签到（本人也是社工，副职）"),
    "13800000003": ("导师", "资深社区党组织书记（正职16级），带教新入职社工"),
    "13800000004": ("谈心领导", "湖南路街道领导，每月社工谈心日"),
    "13800000005": (
        "街道管理员",
        "湖南路街道花名册、证书期限、退出风险（如13900000103）；看不到宝山区",
    ),
}


def existing_logins() -> list[DemoLogin]:
    """Return the demo logins present in the database (for a second `make run`)."""
    users = db.session.scalars(sa.select(User).where(User.phone.in_(LOGIN_NOTES))).all()
    by_phone = {u.phone: u for u in users}
    return [
        DemoLogin(role, phone, by_phone[phone].name, look_at)
        for phone, (role, look_at) in LOGIN_NOTES.items()
        if phone in by_phone
    ]


# -- reference data -----------------------------------------------------------------------

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
    "蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛"
    "段雷侯史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
)
_GIVEN_NAMES = (
    "伟",
    "芳",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "霞",
    "平",
    "刚",
    "鹏",
    "颖",
    "琳",
    "倩",
    "晨",
    "昊",
    "帆",
    "悦",
    "婧",
    "蕾",
    "瑞",
    "楠",
    "旭",
    "凯",
    "斌",
    "萍",
    "燕",
    "玲",
    "红",
    "桂英",
    "秀英",
    "海燕",
    "建华",
    "雪梅",
    "婷婷",
    "子涵",
    "欣怡",
    "浩然",
    "宇航",
    "佳琪",
    "思远",
    "文博",
    "雅琴",
    "梦瑶",
    "俊杰",
    "立新",
    "红梅",
    "玉兰",
    "春燕",
    "晓东",
    "建军",
    "丹丹",
    "海峰",
    "志刚",
    "慧敏",
    "晓燕",
    "文静",
    "亚楠",
    "国平",
    "建平",
    "永红",
    "晓辉",
    "卫东",
    "金凤",
    "美玲",
    "志伟",
    "佳怡",
    "一鸣",
    "嘉欣",
    "雨萱",
    "梓涵",
    "明轩",
    "晓峰",
    "晓丽",
    "彩霞",
    "德华",
    "宏伟",
    "丽娟",
    "国强",
    "凤英",
    "少华",
    "益民",
    "新民",
    "晓敏",
    "芸",
    "蓉",
    "洁",
    "薇",
    "岚",
    "莉",
    "宁",
    "欢",
    "辉",
    "东",
    "阳",
    "翔",
)

_MAIN_COMMUNITIES = (  # (name, population, households)
    ("山西路社区", 12600, 4850),
    ("高云岭社区", 9800, 3720),
    ("马台街社区", 14200, 5310),
    ("天目路社区", 8600, 3240),
    ("青岛路社区", 11300, 4260),
)
_OTHER_COMMUNITIES = (("盘古路居民区", 7900, 3120), ("永清二村居民区", 9400, 3650))

# (title, kind, level, hours, place key)
_MAIN_TRAININGS = (
    (
        "社区工作者在职轮训：基层治理与社区服务",
        TrainingKind.IN_SERVICE,
        OrganiserLevel.COUNTY,
        16,
        "base",
    ),
    ("'全岗通'业务能力培训", TrainingKind.IN_SERVICE, OrganiserLevel.STREET, 6, "street"),
    ("社会工作者职业资格考试考前辅导", TrainingKind.SPECIAL, OrganiserLevel.STREET, 8, "street"),
    ("社区党组织书记赋能培训班", TrainingKind.SPECIAL, OrganiserLevel.CITY, 16, "school"),
    ("居民议事会实务工作坊", TrainingKind.PRACTICE, OrganiserLevel.STREET, 4, "street"),
    ("心理疏导与危机干预专题", TrainingKind.SPECIAL, OrganiserLevel.COUNTY, 8, "base"),
    ("线上专题：民法典与社区矛盾调解", TrainingKind.ONLINE, OrganiserLevel.PROVINCE, 3, "online"),
    ("消防安全与应急处置演练", TrainingKind.PRACTICE, OrganiserLevel.STREET, 4, "street"),
    ("社区养老服务政策解读", TrainingKind.IN_SERVICE, OrganiserLevel.STREET, 3, "street"),
    ("社会救助政策与低保审核实务", TrainingKind.IN_SERVICE, OrganiserLevel.COUNTY, 6, "base"),
    ("群众工作方法与沟通技巧", TrainingKind.IN_SERVICE, OrganiserLevel.STREET, 4, "street"),
    ("社区志愿服务项目设计", TrainingKind.SPECIAL, OrganiserLevel.COUNTY, 8, "base"),
    ("党建引领基层治理示范培训", TrainingKind.SPECIAL, OrganiserLevel.PROVINCE, 16, "province"),
    ("社会工作专业（开放教育）集中面授", TrainingKind.DEGREE, OrganiserLevel.CITY, 12, "school"),
    ("线上专题：数据安全与居民信息保护", TrainingKind.ONLINE, OrganiserLevel.CITY, 4, "online"),
    ("网格化服务管理实务", TrainingKind.IN_SERVICE, OrganiserLevel.STREET, 5, "street"),
)
_MAIN_INDUCTION = (
    "新入职社区工作者初任培训",
    TrainingKind.INDUCTION,
    OrganiserLevel.COUNTY,
    16,
    "base",
)
_MAIN_PLACES = {
    "street": "湖南路街道党群服务中心三楼多功能厅",
    "base": "鼓楼区社会工作者培训基地",
    "school": "南京市委党校",
    "province": "江苏省社会工作者培训中心",
    "online": "线上（江苏干部在线学习平台）",
}
_OTHER_TRAININGS = (
    ("宝山区社区工作者'全岗通'能力培训", TrainingKind.IN_SERVICE, OrganiserLevel.COUNTY, 8, "base"),
    ("社工谈心日带教技巧", TrainingKind.SPECIAL, OrganiserLevel.STREET, 4, "street"),
    ("居民区书记工作室实务交流", TrainingKind.PRACTICE, OrganiserLevel.STREET, 6, "street"),
    ("线上专题：'一网统管'平台操作", TrainingKind.ONLINE, OrganiserLevel.CITY, 4, "online"),
    ("社区工作者心理减压课程", TrainingKind.SPECIAL, OrganiserLevel.STREET, 3, "street"),
    ("上海市社区工作者专业能力提升班", TrainingKind.IN_SERVICE, OrganiserLevel.CITY, 16, "school"),
)
_OTHER_PLACES = {
    "street": "友谊路街道社区党群服务中心",
    "base": "宝山区社区工作者学院",
    "school": "上海市社会工作党校",
    "online": "线上（上海干部在线学习城）",
}

# Lunar festivals by Gregorian date; outside the table an approximate date is used.
_FESTIVALS = {
    "春节": {
        2020: (1, 25),
        2021: (2, 12),
        2022: (2, 1),
        2023: (1, 22),
        2024: (2, 10),
        2025: (1, 29),
        2026: (2, 17),
        2027: (2, 6),
        2028: (1, 26),
        2029: (2, 13),
        2030: (2, 3),
    },
    "端午节": {
        2020: (6, 25),
        2021: (6, 14),
        2022: (6, 3),
        2023: (6, 22),
        2024: (6, 10),
        2025: (5, 31),
        2026: (6, 19),
        2027: (6, 9),
        2028: (5, 28),
        2029: (6, 16),
        2030: (6, 5),
    },
    "中秋节": {
        2020: (10, 1),
        2021: (9, 21),
        2022: (9, 10),
        2023: (9, 29),
        2024: (9, 17),
        2025: (10, 6),
        2026: (9, 25),
        2027: (9, 15),
        2028: (10, 3),
        2029: (9, 22),
        2030: (9, 12),
    },
}
_FESTIVAL_FALLBACK = {"春节": (2, 5), "端午节": (6, 10), "中秋节": (9, 20)}
_FESTIVAL_GIFT = {"春节": Decimal(800), "端午节": Decimal(300), "中秋节": Decimal(300)}

_MONTHLY_ALLOWANCE = {  # yuan a month, by highest social-work certificate (local setting)
    CertificateKind.ASSISTANT_SOCIAL_WORKER: Decimal(200),
    CertificateKind.SOCIAL_WORKER: Decimal(400),
}
_CERT_LABEL = {
    CertificateKind.ASSISTANT_SOCIAL_WORKER: "助理社会工作师",
    CertificateKind.SOCIAL_WORKER: "社会工作师",
}
_POST_LABEL = {HEAD: "正职", DEPUTY: "副职", STAFF: "一般工作人员"}
_PROMOTION_REASONS = ("年度考核优秀晋级", "任职满三年考核合格晋级", "工作年限晋级")


# -- small helpers --------------------------------------------------------------------------


def _years_before(day: date, years: int) -> date:
    """Return the same calendar day ``years`` earlier; Feb 29 falls back to Feb 28."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return date(day.year - years, 2, 28)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """Return an aware UTC datetime for a Shanghai wall-clock time on ``day``."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_TZ).astimezone(UTC)


def _is_day_off(day: date) -> bool:
    """Weekends and the fixed-date public holidays (元旦, 劳动节, 国庆节)."""
    holiday = (
        (day.month, day.day) == (1, 1)
        or (day.month == 5 and day.day <= 5)
        or (day.month == 10 and day.day <= 7)
    )
    return holiday or day.weekday() >= 5


def _working_day_on_or_before(day: date, floor: date) -> date:
    """Move a day off back to the previous working day unless that crosses ``floor``."""
    moved = day
    while _is_day_off(moved) and moved - timedelta(days=1) >= floor:
        moved -= timedelta(days=1)
    return moved if not _is_day_off(moved) else day


def _festival(name: str, year: int) -> date:
    month, day = _FESTIVALS[name].get(year, _FESTIVAL_FALLBACK[name])
    return date(year, month, day)


def _width(text: str) -> int:
    return sum(2 if east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


# -- specs: what a worker looks like before rows are made ------------------------------------


@dataclass
class _Cert:
    kind: CertificateKind
    issued_on: date


@dataclass
class _Worker:
    phone: str
    name: str
    community: Community
    profile: PolicyProfile
    post: PostType
    started: date
    joined: date
    education: Education
    party: bool
    route: HiringRoute
    initial_post: PostType
    target_grade: int
    status: WorkerStatus = WorkerStatus.ACTIVE
    status_since: date | None = None
    status_until: date | None = None
    status_reason: str | None = None
    exam_eligible_on: date | None = None
    certs: list[_Cert] = field(default_factory=list)
    roles: tuple[Role, ...] = ()
    demo: bool = False
    no_records: bool = False
    appraisals: dict[int, AppraisalResult] | None = None  # fixed history, else random
    # fixed grade history: (days after the start, post, grade, reason); else generated
    fixed_history: list[tuple[int, PostType, int, str]] | None = None
    hours_plan: str | None = None  # done / pace / behind, else random
    care_fund: tuple[CareStatus, str, int] | None = None
    staff_prefix: str = "GL"
    user: User | None = None
    history: list[tuple[date, PostType | None, int | None, PostType, int, str]] = field(
        default_factory=list
    )

    @property
    def grade(self) -> int:
        return self.history[-1][4] if self.history else self.target_grade

    @property
    def street(self) -> Street:
        return self.community.street

    def present_on(self, day: date) -> bool:
        """Whether the worker was on the street's team that day."""
        if day < self.joined:
            return False
        return not (
            self.status is WorkerStatus.EXITED and self.status_since and day >= self.status_since
        )


# -- the builder --------------------------------------------------------------------------------


class _DemoBuilder:
    def __init__(self, *, password: str, today: date, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not security
        self.password = password
        self.today = today
        self.year = today.year
        self.jiangsu = load_profile("jiangsu")
        self.baoshan = load_profile("shanghai_baoshan")
        self.phones: set[str] = set()
        self.names: set[str] = {"王建国", "刘静"}  # fixed names of the non-worker logins
        self.staff_seq = {"GL": 0, "BS": 0}
        self.cert_seq = {kind: 0 for kind in CertificateKind}
        self.workers: list[_Worker] = []
        self.shared_hash: str | None = None

    # ---- identities
    def phone(self) -> str:
        while True:
            phone = f"139{self.rng.randrange(10**8):08d}"
            if not phone.startswith("1390000") and phone not in self.phones:
                self.phones.add(phone)
                return phone

    def name(self, fixed: str | None = None) -> str:
        if fixed:
            self.names.add(fixed)  # reserved before any random name is drawn
            return fixed
        while True:
            name = self.rng.choice(_SURNAMES) + self.rng.choice(_GIVEN_NAMES)
            if name not in self.names:
                self.names.add(name)
                return name

    def days_ago(self, low: int, high: int) -> date:
        return self.today - timedelta(days=self.rng.randint(low, high))

    def this_year_day(self, start: date, end: date) -> date | None:
        """Return a random day in [start, end] ∩ [Jan 1, yesterday], or None if empty."""
        start = max(start, date(self.year, 1, 1))
        end = min(end, self.today - timedelta(days=1))
        if end < start:
            return None
        return start + timedelta(days=self.rng.randint(0, (end - start).days))

    # ---- organisation
    def build_org(self) -> None:
        session = db.session
        self.main_district = District(name="南京市鼓楼区", policy_code="jiangsu")
        self.other_district = District(name="上海市宝山区", policy_code="shanghai_baoshan")
        self.main_street = Street(district=self.main_district, name="湖南路街道")
        self.other_street = Street(district=self.other_district, name="友谊路街道")
        self.main_communities = [
            Community(street=self.main_street, name=n, population=p, households=h)
            for n, p, h in _MAIN_COMMUNITIES
        ]
        self.other_communities = [
            Community(street=self.other_street, name=n, population=p, households=h)
            for n, p, h in _OTHER_COMMUNITIES
        ]
        session.add_all(
            [
                self.main_district,
                self.other_district,
                self.main_street,
                self.other_street,
                *self.main_communities,
                *self.other_communities,
            ]
        )
        session.flush()

    # ---- worker specs
    def random_worker(
        self, community: Community, profile: PolicyProfile, post: PostType, prefix: str
    ) -> _Worker:
        rng = self.rng
        min_years = {HEAD: 4, DEPUTY: 2, STAFF: 1}[post]
        max_years = {HEAD: 25, DEPUTY: 22, STAFF: 20}[post]
        started = self.days_ago(min_years * 365 + 40, max_years * 365)
        joined = started
        if rng.random() < 0.12:  # moved in from another street of the province [004 §4]
            joined = started + timedelta(days=rng.randint(365, (self.today - started).days - 30))
        education = rng.choices(
            [Education.HIGH_SCHOOL, Education.COLLEGE, Education.BACHELOR, Education.MASTER],
            weights=[13, 32, 47, 8],
        )[0]
        party = rng.random() < {HEAD: 0.95, DEPUTY: 0.8, STAFF: 0.6}[post]
        elected = rng.random() < {HEAD: 0.75, DEPUTY: 0.55, STAFF: 0.1}[post]
        route = HiringRoute.ELECTED if elected else HiringRoute.RECRUITED
        initial = {
            HEAD: STAFF if rng.random() < 0.6 else DEPUTY,
            DEPUTY: STAFF if rng.random() < 0.7 else DEPUTY,
            STAFF: STAFF,
        }[post]
        years = rules.years_of_service(started, self.today)
        low, high = rules.grade_range(profile, post)
        target = low + round(years * 0.4) + rng.randint(-1, 1)
        target = min(max(target, low), high - 1)  # the top of a range is an edge case below
        worker = _Worker(
            phone=self.phone(),
            name=self.name(),
            community=community,
            profile=profile,
            post=post,
            started=started,
            joined=joined,
            education=education,
            party=party,
            route=route,
            initial_post=initial,
            target_grade=target,
            staff_prefix=prefix,
        )
        self.plan_certificates(worker)
        return worker

    def plan_certificates(self, worker: _Worker) -> None:
        """About half hold a social-work certificate; the others get an exam-eligible date."""
        rng = self.rng
        service_days = (self.today - worker.started).days
        chance = {
            Education.HIGH_SCHOOL: 0.2,
            Education.COLLEGE: 0.45,
            Education.BACHELOR: 0.6,
            Education.MASTER: 0.75,
        }[worker.education]
        if service_days > 420 and rng.random() < chance:
            issued = worker.started + timedelta(days=rng.randint(300, service_days - 60))
            worker.certs.append(_Cert(CertificateKind.ASSISTANT_SOCIAL_WORKER, issued))
            worker.exam_eligible_on = _years_before(issued, rng.randint(1, 2))
            later = issued + timedelta(days=rng.randint(700, 1500))
            if later < self.today - timedelta(days=30) and rng.random() < 0.4:
                worker.certs.append(_Cert(CertificateKind.SOCIAL_WORKER, later))
        elif service_days >= 730:
            # Deadline at least 200 days away: only named edge cases are amber or overdue.
            eligible = self.today - timedelta(days=rng.randint(30, 3 * 365 - 200))
            worker.exam_eligible_on = max(eligible, worker.started + timedelta(days=365))

    def add_worker(self, worker: _Worker) -> _Worker:
        self.workers.append(worker)
        return worker

    def build_specs(self) -> None:
        t, rng = self.today, self.rng
        c = self.main_communities
        jiangsu = self.jiangsu
        y0 = date(self.year, 1, 1)
        elapsed = (t - y0).days

        Y = 365  # noqa: N806 - days in a year, for readable offsets

        def special(**kw) -> _Worker:
            kw.setdefault("profile", jiangsu)
            kw.setdefault("joined", kw["started"])
            kw.setdefault("initial_post", STAFF)
            kw.setdefault("roles", (Role.WORKER,))
            kw.setdefault("staff_prefix", "GL")
            kw["name"] = self.name(kw["name"])
            self.phones.add(kw["phone"])
            return self.add_worker(_Worker(**kw))

        # demo logins ------------------------------------------------------------------
        demo_worker = special(
            phone="13800000001",
            name="李晓雯",
            community=c[0],
            post=STAFF,
            started=_years_before(t, 4) - timedelta(days=95),
            education=Education.BACHELOR,
            party=True,
            route=HiringRoute.RECRUITED,
            target_grade=4,
            demo=True,
            exam_eligible_on=_years_before(t + timedelta(days=100), 3),
            appraisals={self.year - 3: QUAL, self.year - 2: EXC, self.year - 1: QUAL},
            hours_plan="behind",
            care_fund=(CareStatus.APPLIED, "母亲住院手术，申请关爱基金困难补助", 5000),
            fixed_history=[
                (0, STAFF, 2, "招聘入职，定岗定级（本科）"),
                (Y + 60, STAFF, 3, "年度考核优秀晋级"),
                (3 * Y + 60, STAFF, 4, "任职满三年考核合格晋级"),
            ],
        )
        demo_worker.certs.append(
            _Cert(CertificateKind.GENERALIST, _years_before(t, 1) - timedelta(days=40))
        )
        trainer = special(
            phone="13800000002",
            name="周志强",
            community=c[1],
            post=DEPUTY,
            started=_years_before(t, 11) - timedelta(days=200),
            education=Education.MASTER,
            party=True,
            route=HiringRoute.ELECTED,
            target_grade=9,
            initial_post=STAFF,
            roles=(Role.WORKER, Role.TRAINER),
            demo=True,
            hours_plan="done",
            fixed_history=[
                (0, STAFF, 3, "招聘入职，定岗定级（硕士）"),
                (2 * Y + 30, STAFF, 4, "年度考核优秀晋级"),
                (3 * Y + 30, STAFF, 5, "取得助理社会工作师证书晋升一级"),
                (5 * Y + 90, DEPUTY, 6, "岗位晋升：当选社区居委会副主任"),
                (7 * Y + 30, DEPUTY, 7, "取得社会工作师证书晋升一级"),
                (9 * Y + 30, DEPUTY, 8, "年度考核优秀晋级"),
                (10 * Y + 60, DEPUTY, 9, "任职满三年考核合格晋级"),
            ],
        )
        trainer.certs += [
            _Cert(CertificateKind.ASSISTANT_SOCIAL_WORKER, _years_before(t, 9)),
            _Cert(CertificateKind.SOCIAL_WORKER, _years_before(t, 5) - timedelta(days=30)),
        ]
        trainer.exam_eligible_on = _years_before(t, 10)
        mentor = special(
            phone="13800000003",
            name="陈国华",
            community=c[0],
            post=HEAD,
            started=_years_before(t, 22) - timedelta(days=120),
            education=Education.BACHELOR,
            party=True,
            route=HiringRoute.ELECTED,
            target_grade=16,
            initial_post=STAFF,
            roles=(Role.WORKER, Role.MENTOR),
            demo=True,
            hours_plan="done",
            fixed_history=[
                (0, STAFF, 3, "招聘入职，定岗定级"),
                (4 * Y, DEPUTY, 6, "岗位晋升：当选社区居委会副主任"),
                (7 * Y, DEPUTY, 7, "取得助理社会工作师证书晋升一级"),
                (9 * Y, HEAD, 10, "岗位晋升：当选社区党组织书记、居委会主任"),
                (11 * Y, HEAD, 11, "取得社会工作师证书晋升一级"),
                (14 * Y, HEAD, 12, "年度考核优秀晋级"),
                (17 * Y, HEAD, 14, "连续两年考核优秀晋升两级"),
                (20 * Y, HEAD, 15, "工作年限晋级"),
                (21 * Y + 60, HEAD, 16, "年度考核优秀晋级"),
            ],
        )
        mentor.certs += [
            _Cert(CertificateKind.ASSISTANT_SOCIAL_WORKER, _years_before(t, 16)),
            _Cert(CertificateKind.SOCIAL_WORKER, _years_before(t, 12)),
            _Cert(CertificateKind.GENERALIST, _years_before(t, 2)),
        ]
        mentor.exam_eligible_on = _years_before(t, 17)

        # edge cases ---------------------------------------------------------------------
        special(
            phone="13900000101",
            name="吴秀兰",
            community=c[2],
            post=STAFF,
            started=_years_before(t, 24) - timedelta(days=60),
            education=Education.COLLEGE,
            party=True,
            route=HiringRoute.RECRUITED,
            target_grade=12,
            exam_eligible_on=_years_before(t, 2) + timedelta(days=45),
        )
        special(
            phone="13900000102",
            name="孙浩",
            community=c[3],
            post=STAFF,
            started=_years_before(t, 5) - timedelta(days=30),
            education=Education.COLLEGE,
            party=False,
            route=HiringRoute.RECRUITED,
            target_grade=3,
            exam_eligible_on=_years_before(t, 3) - timedelta(days=75),
        )
        special(
            phone="13900000103",
            name="赵磊",
            community=c[4],
            post=DEPUTY,
            started=_years_before(t, 8) - timedelta(days=150),
            education=Education.COLLEGE,
            party=True,
            route=HiringRoute.ELECTED,
            target_grade=7,
            initial_post=DEPUTY,
            appraisals={self.year - 3: QUAL, self.year - 2: QUAL, self.year - 1: UNQ},
            exam_eligible_on=_years_before(t, 1),
        )
        special(
            phone="13900000104",
            name="钱丽萍",
            community=c[1],
            post=STAFF,
            started=_years_before(t, 6) - timedelta(days=20),
            education=Education.HIGH_SCHOOL,
            party=False,
            route=HiringRoute.RECRUITED,
            target_grade=5,
            appraisals={self.year - 3: QUAL, self.year - 2: BASIC, self.year - 1: BASIC},
            exam_eligible_on=_years_before(t, 2),
            care_fund=(
                CareStatus.REJECTED,
                "申请事项不属于关爱基金救助范围（商业保险已全额理赔）",
                3000,
            ),
        )
        special(
            phone="13900000105",
            name="郑雨桐",
            community=c[2],
            post=STAFF,
            started=y0 + timedelta(days=int(elapsed * 0.6)),
            education=Education.BACHELOR,
            party=False,
            route=HiringRoute.RECRUITED,
            target_grade=1,
            hours_plan="pace",
        )
        special(
            phone="13900000106",
            name="冯振宇",
            community=c[3],
            post=STAFF,
            started=_years_before(t, 7) - timedelta(days=80),
            joined=y0 + timedelta(days=int(elapsed * 0.3)),
            education=Education.BACHELOR,
            party=True,
            route=HiringRoute.RECRUITED,
            target_grade=6,
            no_records=True,
        )
        for phone, community, reason, since in (
            ("13900000107", c[0], "借调至鼓楼区民政局协助养老服务补贴核查", 45),
            ("13900000108", c[4], "借调至区委社会工作部协助新就业群体党建工作", 100),
        ):
            worker = self.random_worker(community, jiangsu, STAFF, "GL")
            self.phones.discard(worker.phone)
            worker.phone = phone
            self.phones.add(phone)
            worker.status = WorkerStatus.SECONDED
            worker.status_since = t - timedelta(days=since)
            worker.status_until = worker.status_since + timedelta(days=150)  # ≤ 6 months
            worker.status_reason = reason
            worker.hours_plan = "behind"
            self.add_worker(worker)
        exited = self.random_worker(c[1], jiangsu, STAFF, "GL")
        self.phones.discard(exited.phone)
        exited.phone = "13900000109"
        self.phones.add(exited.phone)
        exited.status = WorkerStatus.EXITED
        exited.status_since = t - timedelta(days=80)
        exited.status_reason = "本人申请辞职（考入事业单位）"
        exited.hours_plan = "behind"
        self.add_worker(exited)

        # the rest of the street: 8 正职, 14 副职, 38 一般工作人员 in all ---------------------
        counts = {HEAD: 8, DEPUTY: 14, STAFF: 38}
        for worker in self.workers:
            counts[worker.post] -= 1
        slot = 0
        for post in (HEAD, DEPUTY, STAFF):
            for _ in range(counts[post]):
                self.add_worker(self.random_worker(c[slot % len(c)], jiangsu, post, "GL"))
                slot += 1

        # the other district's street: 2 + 2 + 4 ---------------------------------------------
        for i, post in enumerate((HEAD, HEAD, DEPUTY, DEPUTY, STAFF, STAFF, STAFF, STAFF)):
            community = self.other_communities[i % 2]
            self.add_worker(self.random_worker(community, self.baoshan, post, "BS"))

        funds = (
            (CareStatus.APPROVED, "入户走访途中摔伤骨折住院，关爱基金慰问", 6000),
            (CareStatus.APPROVED, "配偶患重病，家庭生活困难，申请关爱基金救助", 8000),
        )
        ordinary = [
            w
            for w in self.workers
            if w.appraisals is None
            and w.status is WorkerStatus.ACTIVE
            and w.street is self.main_street
        ]
        for worker, fund in zip(rng.sample(ordinary, len(funds)), funds, strict=True):
            worker.care_fund = fund
        for worker in self.workers:
            self.plan_history(worker)

    # ---- grade history
    def plan_history(self, worker: _Worker) -> None:
        """Walk back from the current post and grade to the entry appointment."""
        if worker.no_records:
            return
        rng, profile = self.rng, worker.profile
        if worker.fixed_history:
            previous: tuple[PostType | None, int | None] = (None, None)
            for offset, post, grade, reason in worker.fixed_history:
                rules.check_grade(profile, post, grade)
                day = worker.started + timedelta(days=offset)
                worker.history.append((day, *previous, post, grade, reason))
                previous = (post, grade)
            return
        years = rules.years_of_service(worker.started, self.today)
        chain = [STAFF, DEPUTY, HEAD]
        chain = chain[chain.index(worker.initial_post) : chain.index(worker.post) + 1]
        steps = min(years, rng.randint(2, 4) + years // 8, 6 + (worker.target_grade > 12))
        if worker.target_grade >= 12:  # long careers climb further
            steps = min(years, 8)
        post, grade = worker.post, worker.target_grade
        changes_left = len(chain) - 1
        backwards: list[tuple[PostType, int, PostType, int, str]] = []
        for remaining in range(steps, 0, -1):
            low = rules.grade_range(profile, post).low
            must_change = changes_left and (grade - 1 < low or remaining <= changes_left)
            if must_change or (changes_left and rng.random() < changes_left / remaining):
                prev_post = chain[chain.index(post) - 1]
                prev_low, prev_high = rules.grade_range(profile, prev_post)
                prev_grade = max(min(grade - 1, prev_high), prev_low)
                what = {DEPUTY: "当选社区居委会副主任", HEAD: "当选社区党组织书记、居委会主任"}
                backwards.append((prev_post, prev_grade, post, grade, f"岗位晋升：{what[post]}"))
                post, grade = prev_post, prev_grade
                changes_left -= 1
                continue
            size = 2 if years >= 12 and grade - 2 >= low and rng.random() < 0.35 else 1
            if grade - size < low:
                break
            reason = "连续两年考核优秀晋升两级" if size == 2 else rng.choice(_PROMOTION_REASONS)
            backwards.append((post, grade - size, post, grade, reason))
            grade -= size
        if changes_left:  # should not happen: every chain fits in the steps planned
            raise AssertionError(f"cannot build a grade history for {worker.name}")
        entry_reason = (
            "当选社区'两委'成员，定岗定级"
            if worker.route is HiringRoute.ELECTED
            else "招聘入职，定岗定级"
        )
        if grade > rules.grade_range(profile, post).low + 2:
            entry_reason += "（既往社区工作年限折算）"
        # The history follows the worker across moves inside the province [004 §4].
        history = [(worker.started, None, None, post, grade, entry_reason)]
        forwards = list(reversed(backwards))
        years_available = list(range(1, years + 1))
        chosen = sorted(rng.sample(years_available, len(forwards)))
        certs = sorted(
            (c for c in worker.certs if c.kind.is_social_work_qualification),
            key=lambda c: c.issued_on,
        )
        for (from_post, from_grade, to_post, to_grade, reason), year in zip(
            forwards, chosen, strict=True
        ):
            day = worker.started + timedelta(days=365 * year + rng.randint(0, 40))
            day = min(day, self.today - timedelta(days=1))
            if day <= history[-1][0]:
                day = history[-1][0] + timedelta(days=1)
            if (
                from_post == to_post
                and to_grade - from_grade == 1
                and certs
                and certs[0].issued_on <= day
            ):
                reason = f"取得{_CERT_LABEL[certs[0].kind]}证书晋升一级"
                certs.pop(0)
            history.append((day, from_post, from_grade, to_post, to_grade, reason))
        for _, _, _, to_post, to_grade, _ in history:
            rules.check_grade(profile, to_post, to_grade)
        worker.history = history

    # ---- rows: users, profiles, history, certificates
    def build_people(self) -> list[DemoLogin]:
        session = db.session
        users: list[User] = []
        workers_sorted = sorted(self.workers, key=lambda w: (w.staff_prefix, w.joined))
        for worker in workers_sorted:
            prefix = worker.staff_prefix
            self.staff_seq[prefix] += self.rng.randint(1, 9)
            staff_no = f"{prefix}{worker.joined.year}-{self.staff_seq[prefix]:04d}"
            user = User(
                phone=worker.phone,
                staff_no=staff_no,
                name=worker.name,
                street_id=worker.street.id,
                must_change_password=not worker.demo,
                is_enabled=worker.status is not WorkerStatus.EXITED,
            )
            roles = worker.roles or (Role.WORKER,)
            user.role_rows = [UserRole(role=role) for role in roles]
            self.set_password(user, demo=worker.demo)
            worker.user = user
            users.append(user)

        def staff_user(phone: str, name: str, street: Street, role: Role, demo: bool) -> User:
            user = User(phone=phone, name=name, street_id=street.id, must_change_password=not demo)
            user.role_rows = [UserRole(role=role)]
            self.set_password(user, demo=demo)
            self.phones.add(phone)
            users.append(user)
            return user

        self.talk_leader = staff_user(
            "13800000004", self.name("王建国"), self.main_street, Role.TALK_LEADER, True
        )
        self.admin = staff_user(
            "13800000005", self.name("刘静"), self.main_street, Role.STREET_ADMIN, True
        )
        self.other_admin = staff_user(
            self.phone(), self.name(), self.other_street, Role.STREET_ADMIN, False
        )
        session.add_all(users)
        session.flush()

        profiles = []
        for worker in self.workers:
            profiles.append(
                WorkerProfile(
                    user_id=worker.user.id,
                    community_id=worker.community.id,
                    post_type=worker.post,
                    grade=worker.grade,
                    community_work_started_on=worker.started,
                    joined_on=worker.joined,
                    education=worker.education,
                    party_member=worker.party,
                    hiring_route=worker.route,
                    status=worker.status,
                    status_since=worker.status_since,
                    status_until=worker.status_until,
                    status_reason=worker.status_reason,
                    exam_eligible_on=worker.exam_eligible_on,
                )
            )
        session.add_all(profiles)
        session.flush()

        rows: list = []
        for worker in self.workers:
            for day, from_post, from_grade, to_post, to_grade, reason in worker.history:
                rows.append(
                    GradeChange(
                        worker_id=worker.user.id,
                        changed_on=day,
                        from_post_type=from_post,
                        from_grade=from_grade,
                        to_post_type=to_post,
                        to_grade=to_grade,
                        reason=reason,
                        recorded_by_id=self.admin.id
                        if worker.street is self.main_street
                        else self.other_admin.id,
                    )
                )
            rows.extend(self.certificate_rows(worker))
        session.add_all(rows)

        names = {w.phone: w.name for w in self.workers}
        names["13800000004"] = self.talk_leader.name
        names["13800000005"] = self.admin.name
        return [
            DemoLogin(role, phone, names[phone], look_at)
            for phone, (role, look_at) in LOGIN_NOTES.items()
        ]

    def set_password(self, user: User, *, demo: bool) -> None:
        if demo or self.shared_hash is None:
            user.set_password(self.password)
            if not demo:
                self.shared_hash = user.password_hash
        else:
            user.password_hash = self.shared_hash

    def certificate_rows(self, worker: _Worker) -> Iterable[Certificate]:
        province = "32" if worker.profile is self.jiangsu else "31"
        for cert in worker.certs:
            self.cert_seq[cert.kind] += self.rng.randint(1, 40)
            seq = self.cert_seq[cert.kind]
            if cert.kind is CertificateKind.GENERALIST:
                number = f"QKSG-{cert.issued_on.year}-{province}{seq:05d}"
                issuer = "南京市鼓楼区民政局" if province == "32" else "上海市宝山区民政局"
                registered = None
            else:
                level = 1 if cert.kind is CertificateKind.ASSISTANT_SOCIAL_WORKER else 2
                number = f"{cert.issued_on.year}{province}{level}{seq:07d}"
                issuer = "人力资源社会保障部 民政部"
                registered = cert.issued_on + timedelta(days=self.rng.randint(20, 80))
                if registered >= self.today:
                    registered = None
            yield Certificate(
                worker_id=worker.user.id,
                kind=cert.kind,
                number=number,
                issued_on=cert.issued_on,
                registered_on=registered,
                issuer=issuer,
            )

    def add_counsellors(self) -> None:
        """Give a few workers a 心理咨询师 or 全科社工 certificate (not social-work ones)."""
        pool = [
            w
            for w in self.workers
            if w.street is self.main_street
            and not w.demo
            and not w.no_records
            and w.status is WorkerStatus.ACTIVE
            and (self.today - w.started).days > 800
        ]
        for worker in self.rng.sample(pool, 3):
            issued = worker.started + timedelta(
                days=self.rng.randint(200, (self.today - worker.started).days - 60)
            )
            worker.certs.append(_Cert(CertificateKind.COUNSELLOR, issued))
        generalists = [
            w for w in pool if not any(c.kind is CertificateKind.GENERALIST for c in w.certs)
        ]
        for worker in self.rng.sample(generalists, 4):
            worker.certs.append(_Cert(CertificateKind.GENERALIST, self.days_ago(60, 700)))

    # ---- appraisals
    def build_appraisals(self) -> None:
        rows = []
        for worker in self.workers:
            if worker.no_records:
                continue
            history = worker.appraisals or self.random_appraisals(worker)
            for year, result in sorted(history.items()):
                score = {
                    EXC: self.rng.randint(900, 980),
                    QUAL: self.rng.randint(760, 889),
                    BASIC: self.rng.randint(620, 740),
                    UNQ: self.rng.randint(450, 590),
                }[result]
                comment = {
                    UNQ: "群众满意度测评较低，多项任务未按期完成；已进行诫勉谈话",
                    BASIC: "工作基本完成，入户走访记录不全，需加强",
                    EXC: "工作实绩突出，居民满意度高",
                }.get(result)
                published = min(date(year + 1, 1, 20), self.today)
                rows.append(
                    Appraisal(
                        worker_id=worker.user.id,
                        year=year,
                        result=result,
                        score=Decimal(score) / 10,
                        comment=comment,
                        published_at=_at(published, 10),
                    )
                )
        db.session.add_all(rows)

    def random_appraisals(self, worker: _Worker) -> dict[int, AppraisalResult]:
        history: dict[int, AppraisalResult] = {}
        for year in range(self.year - 3, self.year):
            if worker.joined > date(year, 9, 30):
                continue  # joined too late in the year to be appraised
            history[year] = self.rng.choices([EXC, QUAL, BASIC], weights=[22, 70, 8])[0]
        if history and rules.exit_risks(worker.profile, history, hiring_route=worker.route):
            history[max(history)] = QUAL  # exit risks belong to the named edge cases only
        return history

    # ---- trainings and attendance
    def build_trainings(self) -> None:
        self.trainings: dict[Street, list[Training]] = {}
        main = self.plan_trainings(
            self.main_street,
            _MAIN_TRAININGS,
            _MAIN_PLACES,
            per_past_year=(5, 8, 8),
            this_year=10,
            upcoming=4,
            organiser=self.trainer_user(),
        )
        other = self.plan_trainings(
            self.other_street,
            _OTHER_TRAININGS,
            _OTHER_PLACES,
            per_past_year=(2, 2, 3),
            this_year=6,
            upcoming=1,
            organiser=None,
        )
        db.session.add_all(main + other)
        db.session.flush()
        self.trainings = {self.main_street: main, self.other_street: other}

    def trainer_user(self) -> User:
        return next(w.user for w in self.workers if Role.TRAINER in w.roles)

    def plan_trainings(
        self, street, templates, places, *, per_past_year, this_year, upcoming, organiser
    ) -> list[Training]:
        rng, t = self.rng, self.today
        days: list[date] = []
        for count, year in zip(per_past_year, range(self.year - 3, self.year), strict=True):
            first = date(year, 7, 1) if year == self.year - 3 else date(year, 3, 1)
            span = (date(year, 12, 15) - first).days
            for i in range(count):
                day = first + timedelta(days=int(span * (i + rng.random()) / count))
                days.append(_working_day_on_or_before(day, first))
        y0 = date(self.year, 1, 1)
        elapsed = (t - y0).days  # days of this year already past (today excluded)
        this_year = min(this_year, elapsed // 20)  # about one every three weeks so far
        if this_year > 0:
            for i in range(this_year):
                day = y0 + timedelta(days=int(elapsed * (i + 0.5) / this_year))
                days.append(_working_day_on_or_before(day, y0))
        for offset in (5, 12, 26, 40)[:upcoming]:
            day = t + timedelta(days=offset)
            days.append(_working_day_on_or_before(day, t + timedelta(days=1)))

        # Induction for new entrants: once a year, the current one after the new entrant starts.
        past = sum(per_past_year)
        induction = {2, past - 4, past + this_year - 2, past + this_year + 1}
        trainings = []
        cycle = list(templates)
        rng.shuffle(cycle)
        for i, day in enumerate(days):
            title, kind, level, hours, place = cycle[i % len(cycle)]
            if street is self.main_street and i in induction:
                title, kind, level, hours, place = _MAIN_INDUCTION
            start_hour = 9 if hours > 4 else 14
            starts = _at(day, start_hour)
            if hours > 8:  # two days, 09:00 on day one to 17:00 on day two
                ends = _at(day + timedelta(days=1), 17)
            else:
                ends = starts + timedelta(hours=hours + (1 if hours >= 6 else 0))
            is_street = level is OrganiserLevel.STREET
            trainings.append(
                Training(
                    title=f"{title}（{day.year}年）",
                    kind=kind,
                    level=level,
                    street_id=street.id,
                    organiser_id=organiser.id if organiser is not None and is_street else None,
                    starts_at=starts,
                    ends_at=ends,
                    place=places[place],
                    credited_hours=Decimal(hours),
                    capacity=80 if is_street else (None if day < t else 120),
                    # The whole street is expected (the check-in list and the calendar use it).
                    audience=[TrainingAudience(scope=AudienceScope.STREET, street_id=street.id)],
                )
            )
        return trainings

    def build_attendance(self) -> None:
        rows = []
        y0 = date(self.year, 1, 1)
        for worker in self.workers:
            if worker.no_records:
                continue
            street_trainings = self.trainings[worker.street]
            past = [
                tr
                for tr in street_trainings
                if local_date_of(tr.starts_at) < self.today
                and worker.present_on(local_date_of(tr.starts_at))
                and worker.started <= local_date_of(tr.starts_at)
            ]
            this_year = [tr for tr in past if local_date_of(tr.starts_at) >= y0]
            earlier = [tr for tr in past if local_date_of(tr.starts_at) < y0]
            chosen = [
                tr
                for tr in earlier
                if self.rng.random()
                < {
                    OrganiserLevel.STREET: 0.85,
                    OrganiserLevel.COUNTY: 0.55,
                    OrganiserLevel.CITY: 0.25,
                    OrganiserLevel.PROVINCE: 0.2,
                }[tr.level]
            ]
            chosen += self.choose_this_year(worker, this_year)
            for training in chosen:
                rows.append(self.attendance(worker, training))
        db.session.add_all(rows)

    def choose_this_year(self, worker: _Worker, trainings: Sequence[Training]) -> list[Training]:
        """Pick this year's trainings so the worker is done, on pace or behind."""
        new_entrant = worker.started.year == self.year
        required = rules.annual_training_requirement(
            worker.profile, worker.post, new_entrant=new_entrant
        )
        expected = rules.training_progress(required, Decimal(0), today=self.today).expected_by_now
        plan = (
            worker.hours_plan
            or self.rng.choices(["done", "pace", "behind"], weights=[45, 25, 30])[0]
        )
        if plan == "pace" and expected >= required:
            plan = "done"
        low, high = {
            "done": (required, required + 16),
            "pace": (expected, required - Decimal("0.1")),
            "behind": (expected * Decimal("0.3"), expected * Decimal("0.75")),
        }[plan]
        shuffled = list(trainings)
        self.rng.shuffle(shuffled)
        reachable: dict[Decimal, tuple[Training, ...]] = {Decimal(0): ()}
        for training in shuffled:
            for total, subset in list(reachable.items()):
                reachable.setdefault(total + training.credited_hours, subset + (training,))
        fitting = sorted(total for total in reachable if low <= total <= high)
        if fitting:
            return list(reachable[self.rng.choice(fitting)])
        below = [total for total in reachable if total <= high]
        return list(reachable[max(below)])

    def attendance(self, worker: _Worker, training: Training) -> Attendance:
        method = self.rng.choices(
            [AttendanceMethod.SELF_SCAN, AttendanceMethod.TRAINER_SCAN, AttendanceMethod.MANUAL],
            weights=[45, 45, 10],
        )[0]
        recorded_by = {
            AttendanceMethod.SELF_SCAN: None,
            AttendanceMethod.TRAINER_SCAN: training.organiser_id,
            AttendanceMethod.MANUAL: (
                self.admin.id if worker.street is self.main_street else self.other_admin.id
            ),
        }[method]
        return Attendance(
            training_id=training.id,
            worker_id=worker.user.id,
            checked_in_at=training.starts_at - timedelta(minutes=self.rng.randint(0, 15)),
            credited_on=local_date_of(training.starts_at),
            credited_hours=training.credited_hours,
            method=method,
            recorded_by_id=recorded_by,
            reason="补录：签到时手机无信号" if method is AttendanceMethod.MANUAL else None,
        )

    # ---- care
    def build_care(self) -> None:
        rows: list = []
        y = self.year
        for worker in self.workers:
            if worker.no_records:
                continue
            wid = worker.user.id
            years = rules.years_of_service(worker.started, self.today)
            leave_days = rules.annual_leave_days(worker.profile, years)
            rows.append(
                CareEntitlement(
                    worker_id=wid, year=y, kind=CareKind.ANNUAL_LEAVE, quantity=Decimal(leave_days)
                )
            )
            last_day = self.today - timedelta(days=1)
            if worker.status is WorkerStatus.EXITED and worker.status_since:
                last_day = min(last_day, worker.status_since - timedelta(days=1))
            first_day = max(worker.joined, date(y, 1, 1))

            def record(kind, day, quantity=None, note=None, status=CareStatus.DONE, wid=wid):
                rows.append(
                    CareRecord(
                        worker_id=wid,
                        kind=kind,
                        year=y,
                        occurred_on=day,
                        quantity=None if quantity is None else Decimal(quantity),
                        status=status,
                        note=note,
                    )
                )

            # annual leave taken, never more than the entitlement
            if worker.demo and worker.post is STAFF:
                taken = [1, 2]
            else:
                budget = int(leave_days * self.rng.uniform(0.2, 0.9))
                taken = []
                while budget > 0 and len(taken) < 3:
                    chunk = self.rng.randint(1, min(budget, 5))
                    taken.append(chunk)
                    budget -= chunk
            for days_taken in taken:
                day = self.this_year_day(first_day, last_day)
                if day is not None:
                    record(CareKind.ANNUAL_LEAVE, day, days_taken, "带薪年休假")
            # yearly health check for most; some not yet done
            if worker.demo or self.rng.random() < 0.8:
                day = self.this_year_day(
                    max(first_day, date(y, 4, 1)), min(last_day, date(y, 9, 30))
                )
                if day is not None:
                    hospital = (
                        "鼓楼医院健康管理中心"
                        if worker.profile is self.jiangsu
                        else "宝山区中西医结合医院体检中心"
                    )
                    record(CareKind.HEALTH_CHECK, day, None, f"年度健康体检（{hospital}）")
            # festival visits that have already happened this year
            for festival in ("春节", "端午节", "中秋节"):
                day = _festival(festival, y) - timedelta(days=self.rng.randint(2, 6))
                if first_day <= day <= last_day:
                    record(
                        CareKind.FESTIVAL_VISIT,
                        day,
                        _FESTIVAL_GIFT[festival],
                        f"{festival}走访慰问（慰问金，元）",
                    )
            # certificate allowance, paid quarterly for social-work certificates held
            held = [c for c in worker.certs if c.kind in _MONTHLY_ALLOWANCE]
            for quarter in range(4):
                quarter_end = (
                    date(y, 3 * quarter + 4, 1) - timedelta(days=1)
                    if quarter < 3
                    else date(y, 12, 31)
                )
                quarter_start = date(y, 3 * quarter + 1, 1)
                current = [c for c in held if c.issued_on <= quarter_start]
                if not current or not first_day <= quarter_end <= last_day:
                    continue
                best = max(current, key=lambda c: _MONTHLY_ALLOWANCE[c.kind])
                record(
                    CareKind.CERTIFICATE_ALLOWANCE,
                    quarter_end,
                    _MONTHLY_ALLOWANCE[best.kind] * 3,
                    f"{_CERT_LABEL[best.kind]}职业津贴（第{'一二三四'[quarter]}季度，元）",
                )
            # recuperation leave for long service, flood-season subsidy for some
            if years >= 10 and self.rng.random() < 0.3:
                day = self.this_year_day(
                    max(first_day, date(y, 4, 1)), min(last_day, date(y, 10, 31))
                )
                if day is not None:
                    record(CareKind.RECUPERATION, day, 5, "职工疗休养（5天）")
            if worker.profile is self.jiangsu and self.rng.random() < 0.15:
                day = date(y, 7, 31)
                if first_day <= day <= last_day:
                    record(CareKind.SUBSIDY, day, 500, "防汛防台工作补助（元）")
            if worker.care_fund is not None:
                status, note, amount = worker.care_fund
                recent = self.today - timedelta(days=14)  # a pending application is fresh
                start = max(first_day, recent) if status is CareStatus.APPLIED else first_day
                day = self.this_year_day(start, last_day)
                if day is not None:
                    record(CareKind.CARE_FUND, day, amount, note, status)
        db.session.add_all(rows)

    # ---- everything
    def build(self) -> list[DemoLogin]:
        self.build_org()
        self.build_specs()
        self.add_counsellors()
        logins = self.build_people()
        self.build_appraisals()
        self.build_trainings()
        self.build_attendance()
        self.build_care()
        db.session.flush()
        return logins


def build_demo(*, password: str, today: date | None = None, seed: int = 2024) -> list[DemoLogin]:
    """Add a demo district, street and ~70 workers to the session; flush, never commit."""
    builder = _DemoBuilder(password=password, today=today or local_today(), seed=seed)
    logins = builder.build()
    build_mentoring_demo(today=builder.today)
    return logins


def format_logins(logins: Sequence[DemoLogin], *, password: str, generated: bool) -> str:
    """Return the demo logins as a plain-text table followed by the password line."""
    header = ("手机号 phone", "角色 role", "姓名 name", "看点 look at")
    rows = [header] + [(x.phone, x.role, x.name, x.look_at) for x in logins]
    widths = [max(_width(row[i]) for row in rows) for i in range(3)]
    lines = ["演示账号 demo logins"]
    for row in rows:
        lines.append(
            "  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3]
        )
    suffix = " (generated; shown once)" if generated else ""
    lines.append(f"password: {password}{suffix}")
    return "\n".join(lines)


def build_mentoring_demo(*, today: date) -> None:
    """Add 传帮带 and 谈心日 records to the demo street; flush, never commit; idempotent.

    * 13800000003 陈国华 mentors 13900000105 郑雨桐 (the new entrant) since her first day,
      with sessions every ten days (older ones confirmed, with her reflections; the latest
      still to confirm) and a growth plan just begun; an earlier, ended pairing is history.
    * 13800000004 王建国 holds the talks for every community of 湖南路街道: last month with
      13800000001 李晓雯 (her mother's surgery; one follow-up done, one still open and
      overdue, so it carries over), and this month with about half of the street.
    """
    # Imported here so the demo's base data keeps no dependency on the mentoring package.
    from portal.enums import ConcernArea, FollowUpStatus, GrowthKind, MentoringTopic
    from portal.mentoring import rules as mentoring_rules
    from portal.mentoring.models import GrowthItem, MentorPairing, MentorSession
    from portal.talks import rules as talks_rules
    from portal.talks.models import Talk, TalkFollowUp, TalkResponsibility

    session = db.session
    phones = ["13800000001", "13800000003", "13800000004", "13800000005", "13900000105"]
    users = {u.phone: u for u in session.scalars(sa.select(User).where(User.phone.in_(phones)))}
    if len(users) < len(phones):
        return  # not the demo street
    worker_user, mentor, leader, admin, mentee_user = (users[p] for p in phones)
    if session.scalar(sa.select(MentorPairing.id).where(MentorPairing.mentor_id == mentor.id)):
        return  # already built
    street_id = leader.street_id
    communities = session.scalars(
        sa.select(Community.id).where(Community.street_id == street_id).order_by(Community.id)
    ).all()
    session.add_all(TalkResponsibility(leader_id=leader.id, community_id=c) for c in communities)

    team = session.scalars(
        sa.select(WorkerProfile)
        .join(Community, Community.id == WorkerProfile.community_id)
        .where(
            Community.street_id == street_id,
            WorkerProfile.status.in_(sorted(talks_rules.TALK_STATUSES)),
        )
        .order_by(WorkerProfile.user_id)
    ).all()
    mentee = next(w for w in team if w.user_id == mentee_user.id)

    # An earlier pairing, ended at the end of its year: the youngest worker past year one.
    earlier = [
        w
        for w in team
        if w.user_id not in {mentor.id, mentee.user_id}
        and mentoring_rules.in_first_three_years(w.community_work_started_on, today)
        and not mentoring_rules.is_new_entrant(w.community_work_started_on, today)
    ]
    if earlier:
        former = max(earlier, key=lambda w: w.community_work_started_on)
        start = former.community_work_started_on
        session.add(
            MentorPairing(
                mentor_id=mentor.id,
                mentee_id=former.user_id,
                starts_on=start,
                ends_on=mentoring_rules.add_months(start, 12),
                goals="熟悉社区基本情况，掌握入户走访和台账规范",
                end_reason="带教期满，考核合格",
                created_by_id=admin.id,
                created_at=_at(start, 10),
            )
        )
        session.add(
            GrowthItem(
                worker_id=former.user_id,
                kind=GrowthKind.VISIT,
                done_on=mentoring_rules.add_months(start, 8),
                evidence="赴上海市宝山区参观社区治理示范点（考察报告已存档）",
                updated_by_id=mentor.id,
            )
        )

    pairing = MentorPairing(
        mentor_id=mentor.id,
        mentee_id=mentee.user_id,
        starts_on=mentee.community_work_started_on,
        goals="半年内独立完成入户走访和矛盾调解记录；一年内能主持居民议事会",
        created_by_id=admin.id,
        created_at=_at(mentee.community_work_started_on, 10),
    )
    session.add(pairing)
    session.flush()
    lessons = [
        (
            MentoringTopic.MASS_WORK,
            60,
            "入户走访的准备：先查台账、再约时间，记录居民诉求的要点",
            "下周一起走访独居老人",
            "原来走访前要先看台账，心里更有底了",
        ),
        (
            MentoringTopic.MEDIATION,
            90,
            "邻里噪音纠纷的调解步骤：分别倾听、找共同点、形成书面约定",
            "旁听一次调解会",
            "学会了先听再说",
        ),
        (
            MentoringTopic.LAW,
            45,
            "居民公约修订的程序和居民会议的表决规则",
            "整理本社区居民公约",
            None,
        ),
    ]
    days = [today - timedelta(days=2 + 10 * i) for i in range(len(lessons))]
    for (topic, minutes, passed_on, next_step, reflection), day in zip(lessons, days, strict=True):
        if day < pairing.starts_on:
            continue
        latest = day == days[0]
        session.add(
            MentorSession(
                pairing_id=pairing.id,
                mentor_id=mentor.id,
                mentee_id=mentee.user_id,
                held_on=day,
                minutes=minutes,
                topic=topic,
                passed_on=passed_on,
                next_step=next_step,
                created_at=_at(day, 18),
                updated_at=_at(day, 18),
                confirmed_at=None if latest else _at(day + timedelta(days=1), 9),
                reflection=None if latest else reflection,
            )
        )
    session.add(
        GrowthItem(
            worker_id=mentee.user_id,
            kind=GrowthKind.RESEARCH,
            done_on=None,
            evidence="选题：老旧小区加装电梯的居民协商（已与导师商定）",
            updated_by_id=mentor.id,
        )
    )

    # 谈心日: last month with the demo worker, this month with about half of the street.
    first_of_month = today.replace(day=1)
    last_month = first_of_month - timedelta(days=1)
    talk_on = last_month.replace(day=min(15, last_month.day))
    demo_talk = Talk(
        leader_id=leader.id,
        worker_id=worker_user.id,
        held_on=talk_on,
        concerns=[ConcernArea.FAMILY.value, ConcernArea.HEALTH.value, ConcernArea.WORK.value],
        notes="母亲住院手术，近期往返医院，工作有些顾不过来；学时落后，担心年底考核。",
        help_promised="协助办理关爱基金申请；手术期间调休三天；安排线上课程补学时。",
        created_at=_at(talk_on, 16),
    )
    demo_talk.follow_ups = [
        TalkFollowUp(
            worker_id=worker_user.id,
            item="安排调休三天",
            owner="王建国",
            due_on=talk_on + timedelta(days=3),
            status=FollowUpStatus.DONE,
            done_at=_at(talk_on + timedelta(days=2), 10),
        ),
        TalkFollowUp(
            worker_id=worker_user.id,
            item="跟进关爱基金审批进度并告知本人",
            owner="刘静（街道管理员）",
            due_on=talk_on + timedelta(days=14),
        ),
    ]
    session.add(demo_talk)
    notes = [
        ("工作节奏还能适应，希望多参加专业培训。", [ConcernArea.WORK, ConcernArea.CAREER]),
        ("孩子今年中考，晚上加班有困难。", [ConcernArea.FAMILY]),
        ("腰椎不适，想了解疗休养安排。", [ConcernArea.HEALTH]),
        ("准备考社会工作师，想请教复习方法。", [ConcernArea.CAREER]),
        ("通勤时间长，生活上有些疲惫。", [ConcernArea.LIFE]),
    ]
    others = [w for w in team if w.user_id not in {worker_user.id, mentor.id}]
    for i, worker in enumerate(others[::2]):
        day = first_of_month + timedelta(days=i % today.day)
        note, concerns = notes[i % len(notes)]
        session.add(
            Talk(
                leader_id=leader.id,
                worker_id=worker.user_id,
                held_on=day,
                concerns=[c.value for c in concerns],
                notes=note,
                help_promised="",
                created_at=_at(day, 15),
            )
        )
    session.flush()
