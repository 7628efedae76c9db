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
* 13800000006 平台管理员 林志远: sets up the organisation on /platform, no street.

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

Only the six demo logins skip the forced password change. Everyone else shares one
password hash computed once (scrypt takes ~60 ms a hash; 70 of them would make the demo
slow) and must change it on first login.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa

from portal.demo.care import CareSteps
from portal.demo.common import DemoLogin, display_width, pad
from portal.demo.data import LOGIN_NOTES
from portal.demo.mentoring import build_mentoring_demo
from portal.extensions import db
from portal.people.models import User
from portal.timeutil import local_today

__all__ = ["DemoLogin", "build_demo", "build_mentoring_demo", "existing_logins", "format_logins"]


def existing_logins() -> list[DemoLogin]:
    """Return the demo logins present in the database (for a second `make run`)."""
    users = db.session.scalars(sa.select(User).where(User.phone.in_(LOGIN_NOTES))).all()
    by_phone = {u.phone: u for u in users}
    return [
        DemoLogin(role, phone, by_phone[phone].name, look_at)
        for phone, (role, look_at) in LOGIN_NOTES.items()
        if phone in by_phone
    ]


class DemoBuilder(CareSteps):
    """The whole demo, step by step: organisation, people, trainings, care."""

    def build(self) -> list[DemoLogin]:
        """Build everything in order and flush; return the demo logins."""
        self.build_org()
        self.build_specs()
        self.plan_histories()
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
    builder = DemoBuilder(password=password, today=today or local_today(), seed=seed)
    logins = builder.build()
    build_mentoring_demo(today=builder.today)
    return logins


def format_logins(logins: Sequence[DemoLogin], *, password: str, generated: bool) -> str:
    """Return the demo logins as a plain-text table followed by the password line."""
    header = ("手机号 phone", "角色 role", "姓名 name", "看点 look at")
    rows = [header] + [(x.phone, x.role, x.name, x.look_at) for x in logins]
    widths = [max(display_width(row[i]) for row in rows) for i in range(3)]
    lines = ["演示账号 demo logins"]
    for row in rows:
        lines.append(
            "  ".join(pad(cell, widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3]
        )
    suffix = " (generated; shown once)" if generated else ""
    lines.append(f"password: {password}{suffix}")
    return "\n".join(lines)
