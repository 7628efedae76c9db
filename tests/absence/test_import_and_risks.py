"""Absence beyond the street page: the Excel import, the exit-risk list and export, the worker.

* the import is all-or-nothing: one bad row and nothing is written, with a Chinese message;
* the exit-risk list and its export show "连续旷工 N 天 / 年内累计 N 天" against the profile's
  limits [003 §11(5)], and warn one or two days (``warn_days``) before a limit;
* a worker sees their own record only.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import openpyxl
import pytest
from flask import current_app
from flask_babel import force_locale

from portal.absence import rules
from portal.imports.commit import load_street, run_import
from portal.imports.reader import Limits
from portal.imports.templates import Kind
from portal.policy.profiles import load_profile
from portal.timeutil import local_today
from tests.absence.conftest import MON, absence_days, add_days, audit
from tests.admin.roster_support import workbook
from tests.helpers import logged_in

RULE = load_profile("jiangsu").absence
assert RULE is not None


def _import(team, rows: list[list]):
    with force_locale("zh_Hans_CN"):
        return run_import(
            workbook(Kind.ABSENCE, rows),
            Kind.ABSENCE,
            street=load_street(team.street.id),
            actor=team.admin,
            today=local_today(),
            filename="旷工记录.xlsx",
            commit=True,
            limits=Limits.from_config(current_app.config),
        )


def _row(worker, day, note=None) -> list:
    return [worker.user.name, worker.user.phone, None, day, note]


def _working_days_back(count: int, *, skip: int = 0) -> list[date]:
    """Return ``count`` consecutive working days of this year ending ``skip`` working days ago."""
    day = local_today() - timedelta(days=1)
    days: list[date] = []
    skipped = 0
    while len(days) < count:
        if rules.is_working_day(day):
            if skipped < skip:
                skipped += 1
            else:
                days.append(day)
        day -= timedelta(days=1)
    assert days[-1].year == local_today().year, "the scene needs the days in this year"
    return sorted(days)


# -- the import -----------------------------------------------------------------------------


def test_import_records_every_row(app, team):
    """Good rows are all written, with the note, and each one audited."""
    worker = team.workers[0]
    report = _import(team, [_row(worker, MON, "未请假"), _row(worker, MON + timedelta(days=1))])
    assert report.committed and len(report.created) == 2
    assert absence_days() == [(worker.user_id, MON), (worker.user_id, MON + timedelta(days=1))]
    assert len(audit("absence_day_created")) == 2


SATURDAY = MON + timedelta(days=5)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (lambda team: _row(team.workers[1], SATURDAY), "是周六或周日：只记录工作日"),
        (lambda team: _row(team.workers[1], local_today() + timedelta(days=7)), "晚于今天"),
        (lambda team: _row(team.workers[1], "下周一"), "旷工日期 下周一 不是日期"),
        (lambda team: _row(team.sister_worker, MON), "本街道没有手机号为"),
        (lambda team: ["查无此人", "13900000000", None, MON, None], "没有手机号为 13900000000"),
    ],
    ids=["weekend", "future", "not-a-date", "other-street", "unknown"],
)
def test_one_bad_row_writes_nothing(app, team, bad, message):
    """A bad row refuses the whole file: no day of the good rows is written either."""
    rows = [_row(team.workers[0], MON), bad(team), _row(team.workers[2], MON)]
    report = _import(team, rows)
    assert not report.committed
    assert absence_days() == []
    assert audit("absence_day_created") == []
    texts = [error.text for error in report.errors]
    assert texts and all(text.startswith("第 3 行") for text in texts), texts
    assert any(message in text for text in texts), texts


def test_the_weekend_message_is_clear_chinese(app, team):
    report = _import(team, [_row(team.workers[0], SATURDAY)])
    assert not report.committed
    assert report.errors[0].text == (
        f"第 2 行：旷工日期 {SATURDAY.isoformat()} 是周六或周日：只记录工作日（周一至周五）的旷工。"
    )


def test_a_day_already_recorded_is_not_written_twice(app, team):
    worker = team.workers[0]
    add_days(worker, [MON])
    report = _import(team, [_row(worker, MON), _row(worker, MON + timedelta(days=1))])
    assert report.committed and len(report.created) == 1 and report.unchanged == 1
    assert absence_days(worker) == [
        (worker.user_id, MON),
        (worker.user_id, MON + timedelta(days=1)),
    ]


# -- the exit-risk list and its export ------------------------------------------------------


def _risk_section(app, team) -> str:
    html = logged_in(app, team.admin).get("/street/dashboard").get_data(as_text=True)
    return html.split('id="exit-risks"', 1)[1].split("</section>", 1)[0]


def _export_rows(app, team) -> list[tuple]:
    response = logged_in(app, team.admin).get("/street/export/exit-risks.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def _limits() -> str:
    return (
        f"连续旷工超过 {RULE.consecutive_days} 个工作日"
        f"或年内累计超过 {RULE.days_per_year} 个工作日即退出"
    )


@pytest.mark.parametrize("before", range(1, RULE.warn_days + 1))
def test_a_run_one_or_two_days_before_the_limit_is_warned(app, team, before):
    """A run ``before`` days short of the exit shows on the list and in the export."""
    worker = team.workers[0]
    run = RULE.consecutive_days + 1 - before
    add_days(worker, _working_days_back(run))
    line = f"连续旷工 {run} 天 / 年内累计 {run} 天（{_limits()}）：再旷工 {before} 天即达退出情形"
    section = _risk_section(app, team)
    assert worker.user.name in section and line in section
    rows = _export_rows(app, team)
    mine = [row for row in rows[1:] if row[0] == worker.user.name]
    assert len(mine) == 1 and line in mine[0][6]
    assert "第11条第（5）项" in mine[0][8]


def test_a_run_further_from_the_limit_is_not_listed(app, team):
    worker = team.workers[0]
    add_days(worker, _working_days_back(RULE.consecutive_days - RULE.warn_days))
    assert worker.user.name not in _risk_section(app, team)
    assert worker.user.name not in [row[0] for row in _export_rows(app, team)[1:]]


def test_the_yearly_total_past_the_limit_is_reached(app, team):
    """Short runs adding up to more than the yearly limit: the exit rule is reached."""
    worker = team.workers[1]
    days = [d for i, d in enumerate(_working_days_back(2 * (RULE.days_per_year + 1))) if i % 2]
    assert len(days) == RULE.days_per_year + 1
    add_days(worker, days)
    line = f"连续旷工 1 天 / 年内累计 {RULE.days_per_year + 1} 天（{_limits()}）：已达退出情形"
    assert line in _risk_section(app, team)
    mine = [row for row in _export_rows(app, team)[1:] if row[0] == worker.user.name]
    assert len(mine) == 1 and line in mine[0][6]


# -- the worker's own record ----------------------------------------------------------------


def _shown(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def test_a_worker_sees_only_their_own_days(app, team):
    me, other = team.workers[0], team.workers[1]
    mine, theirs = _working_days_back(1), _working_days_back(3, skip=1)
    add_days(me, mine)
    add_days(other, theirs)
    client = logged_in(app, me.user)
    page = client.get("/me/absence").get_data(as_text=True)
    assert "我的旷工记录" in page
    assert _shown(mine[0]) in page
    assert "连续旷工 1 天 / 年内累计 1 天" in page  # not the other worker's 3 days
    assert all(_shown(day) not in page for day in theirs)
    assert other.user.name not in page
    # the page takes no worker id: asking for another worker's record is not a route
    assert client.get(f"/me/absence/{other.user_id}").status_code == 404
    asked = client.get(f"/me/absence?worker={other.user_id}").get_data(as_text=True)
    assert "年内累计 1 天" in asked and all(_shown(day) not in asked for day in theirs)


@pytest.mark.parametrize(
    "path", ["/street/absence", "/street/dashboard", "/street/export/exit-risks.xlsx"]
)
def test_a_worker_may_not_read_the_streets_record(app, team, path):
    add_days(team.workers[1], [MON])
    response = logged_in(app, team.workers[0].user).get(path)
    assert response.status_code in (403, 404)
    assert team.workers[1].user.name not in response.get_data(as_text=True)
