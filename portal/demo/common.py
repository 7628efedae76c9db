"""What every demo builder module shares: the login record, date helpers, worker specs."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple
from unicodedata import east_asian_width

from portal.demo.data import FESTIVAL_FALLBACK, FESTIVALS, GIVEN_NAMES, SURNAMES
from portal.enums import (
    AppraisalResult,
    CareStatus,
    CertificateKind,
    Education,
    HiringRoute,
    PostType,
    Role,
    WorkerStatus,
)
from portal.org.models import Community, Street
from portal.people.models import User
from portal.policy.profiles import PolicyProfile, load_profile
from portal.timeutil import LOCAL_TZ


@dataclass(frozen=True)
class DemoLogin:
    """One demo account: who it is and what to look at after logging in."""

    role: str  # Chinese label, e.g. 社工
    phone: str
    name: str
    look_at: str


# -- small helpers --------------------------------------------------------------------------


def years_before(day: date, years: int) -> date:
    """Return the same calendar day ``years`` earlier; Feb 29 falls back to Feb 28."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return date(day.year - years, 2, 28)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """Return an aware UTC datetime for a Shanghai wall-clock time on ``day``."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_TZ).astimezone(UTC)


def is_day_off(day: date) -> bool:
    """Weekends and the fixed-date public holidays (元旦, 劳动节, 国庆节)."""
    holiday = (
        (day.month, day.day) == (1, 1)
        or (day.month == 5 and day.day <= 5)
        or (day.month == 10 and day.day <= 7)
    )
    return holiday or day.weekday() >= 5


def working_day_on_or_before(day: date, floor: date) -> date:
    """Move a day off back to the previous working day unless that crosses ``floor``."""
    moved = day
    while is_day_off(moved) and moved - timedelta(days=1) >= floor:
        moved -= timedelta(days=1)
    return moved if not is_day_off(moved) else day


def festival_date(name: str, year: int) -> date:
    """Return the date of a festival in a year (the table, else a typical date)."""
    month, day = FESTIVALS[name].get(year, FESTIVAL_FALLBACK[name])
    return date(year, month, day)


def display_width(text: str) -> int:
    """Return the width of a text in a terminal (CJK characters take two columns)."""
    return sum(2 if east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    """Pad a text with spaces to a terminal width."""
    return text + " " * max(width - display_width(text), 0)


# -- specs: what a worker looks like before rows are made ------------------------------------

# A step of a grade history: (day, from post, from grade, to post, to grade, reason);
# the entry appointment comes from no post and no grade.
GradeStep = tuple[date, PostType | None, int | None, PostType, int, str]


@dataclass
class CertSpec:
    """A certificate a worker will hold."""

    kind: CertificateKind
    issued_on: date


@dataclass
class WorkerSpec:
    """A worker as planned, before rows are made (the named edge cases fix more fields)."""

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
    certs: list[CertSpec] = field(default_factory=list)
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
    history: list[GradeStep] = field(default_factory=list)

    @property
    def grade(self) -> int:
        """Return the current grade (the last of the history, else the planned one)."""
        return self.history[-1][4] if self.history else self.target_grade

    @property
    def account(self) -> User:
        """Return the worker's user, once ``build_people`` has made it."""
        if self.user is None:
            raise LookupError(f"no user made yet for {self.name}")
        return self.user

    @property
    def street(self) -> Street:
        """Return the worker's street."""
        return self.community.street

    def present_on(self, day: date) -> bool:
        """Whether the worker was on the street's team that day."""
        if day < self.joined:
            return False
        return not (
            self.status is WorkerStatus.EXITED and self.status_since and day >= self.status_since
        )


# -- the workers fixed by hand (rows of ``portal.demo.named``) -------------------------------


class Ago(NamedTuple):
    """A day ``years`` calendar years and then ``days`` days before today (negative: after)."""

    years: int
    days: int = 0


class IntoYear(NamedTuple):
    """The day a ``share`` of this year's elapsed days after 1 January."""

    share: float


class DueIn(NamedTuple):
    """The day ``years`` before the day ``days`` from today: a deadline that far away."""

    days: int
    years: int


DayOffset = Ago | IntoYear | DueIn


class NamedWorker(NamedTuple):
    """A worker the demo fixes by hand; ``community`` indexes the main street's communities."""

    phone: str
    name: str
    community: int
    post: PostType
    started: DayOffset
    education: Education
    party: bool
    route: HiringRoute
    target_grade: int
    joined: DayOffset | None = None  # None: the day they started
    initial_post: PostType = PostType.STAFF
    roles: tuple[Role, ...] = (Role.WORKER,)
    demo: bool = False
    no_records: bool = False
    exam_eligible: DayOffset | None = None
    certs: tuple[tuple[CertificateKind, Ago], ...] = ()
    appraisals: tuple[AppraisalResult, ...] | None = None  # the last three years, oldest first
    hours_plan: str | None = None
    care_fund: tuple[CareStatus, str, int] | None = None
    # (days after the start, post, grade, reason)
    fixed_history: tuple[tuple[int, PostType, int, str], ...] | None = None


# -- the builder's state --------------------------------------------------------------------


class BuilderBase:
    """The builder's random source, dates, profiles and the identities drawn so far."""

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
        self.workers: list[WorkerSpec] = []
        self.shared_hash: str | None = None

    # ---- identities
    def phone(self) -> str:
        """Draw a new random phone number (never one of the fixed 1390000… ones)."""
        while True:
            phone = f"139{self.rng.randrange(10**8):08d}"
            if not phone.startswith("1390000") and phone not in self.phones:
                self.phones.add(phone)
                return phone

    def name(self, fixed: str | None = None) -> str:
        """Reserve a fixed name, or draw a new random one."""
        if fixed:
            self.names.add(fixed)  # reserved before any random name is drawn
            return fixed
        while True:
            name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN_NAMES)
            if name not in self.names:
                self.names.add(name)
                return name

    def days_ago(self, low: int, high: int) -> date:
        """Return a random day between ``low`` and ``high`` days before today."""
        return self.today - timedelta(days=self.rng.randint(low, high))

    def this_year_day(self, start: date, end: date) -> date | None:
        """Return a random day in [start, end] ∩ [Jan 1, yesterday], or None if empty."""
        start = max(start, date(self.year, 1, 1))
        end = min(end, self.today - timedelta(days=1))
        if end < start:
            return None
        return start + timedelta(days=self.rng.randint(0, (end - start).days))
