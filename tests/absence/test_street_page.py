"""The street admin records unexcused absence on a page: a day or a period, or nothing.

Bad input (a future day, a weekend, a day already recorded, a worker of another street)
is refused with a Chinese message and writes nothing; a wrong day is deleted. Every write
leaves an audit entry naming the worker.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.timeutil import local_today
from tests.absence.conftest import MON, absence_days, add_days, audit, record
from tests.helpers import csrf_token, logged_in


def test_admin_records_one_day_with_a_note(app, team):
    """One day is stored with its note, the page lists it, the audit names the worker."""
    worker = team.workers[0]
    client = logged_in(app, team.admin)
    response = record(client, worker.user_id, MON, note="未请假，电话未接")
    assert response.status_code == 303
    assert absence_days() == [(worker.user_id, MON)]
    page = client.get("/street/absence").get_data(as_text=True)
    assert "已记录 1 天旷工" in page
    assert "2025年3月3日" in page and "未请假，电话未接" in page and worker.user.name in page
    [entry] = audit("absence_day_created")
    assert entry.actor_id == team.admin.id
    assert entry.detail["worker_id"] == worker.user_id
    assert entry.detail["after"] == {"day": "2025-03-03", "note": "未请假，电话未接"}


def test_a_period_records_its_working_days_only(app, team):
    """Friday to Tuesday records Friday, Monday and Tuesday: the weekend is left out."""
    worker = team.workers[1]
    client = logged_in(app, team.admin)
    friday = MON + timedelta(days=4)
    response = record(client, worker.user_id, friday, friday + timedelta(days=4))
    assert response.status_code == 303
    assert [day for _w, day in absence_days()] == [
        friday,
        friday + timedelta(days=3),
        friday + timedelta(days=4),
    ]
    assert len(audit("absence_day_created")) == 3


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (lambda: local_today() + timedelta(days=1), lambda: "", "日期不能晚于今天"),
        (lambda: MON, lambda: local_today() + timedelta(days=1), "日期不能晚于今天"),
        (lambda: MON + timedelta(days=5), lambda: "", "是周六或周日：只记录工作日"),
        (lambda: MON + timedelta(days=5), lambda: MON + timedelta(days=6), "没有工作日"),
        (lambda: MON, lambda: MON - timedelta(days=1), "截止日不能早于起始日"),
        (lambda: MON, lambda: MON + timedelta(days=70), "一次最多录入 62 天"),
        (lambda: "2025-02-30", lambda: "", "请按 YYYY-MM-DD 填写日期"),
        (lambda: "", lambda: "", "请填写日期"),
    ],
    ids=["future", "period into the future", "saturday", "weekend only", "backwards", "too long",
         "no such date", "blank"],
)  # fmt: skip
def test_bad_dates_are_refused_and_nothing_is_written(app, team, first, last, message):
    """A refused form shows why, in Chinese, and stores nothing."""
    client = logged_in(app, team.admin)
    response = record(client, team.workers[0].user_id, first(), last())
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert absence_days() == []
    assert audit("absence_day_created") == []


def test_a_day_already_recorded_refuses_the_whole_period(app, team):
    """A period overlapping a recorded day is refused whole: nothing new is written."""
    worker = team.workers[0]
    add_days(worker, [MON + timedelta(days=2)])
    client = logged_in(app, team.admin)
    response = record(client, worker.user_id, MON, MON + timedelta(days=4))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "该社工以下日期已有旷工记录：2025-03-05，未保存任何记录" in page
    assert absence_days() == [(worker.user_id, MON + timedelta(days=2))]


@pytest.mark.parametrize("whose", ["sister_worker", "other_worker"])
def test_a_worker_of_another_street_is_refused(app, team, whose):
    """The form offers only the street's workers; another street's id is refused."""
    client = logged_in(app, team.admin)
    page = client.get("/street/absence").get_data(as_text=True)
    assert getattr(team, whose).user.name not in page
    response = record(client, getattr(team, whose).user_id, MON)
    assert response.status_code == 422
    assert "请从列表中选择本街道的社工" in response.get_data(as_text=True)
    assert absence_days() == []


def test_admin_deletes_a_wrong_day_and_records_the_right_one(app, team):
    """A wrong day is deleted (audited with what it was); the right one is then recorded."""
    worker = team.workers[0]
    [wrong] = add_days(worker, [MON])
    client = logged_in(app, team.admin)
    response = client.post(
        f"/street/absence/{wrong.id}/delete",
        data={"csrf_token": csrf_token(client, "/street/absence")},
    )
    assert response.status_code == 303
    assert absence_days() == []
    [entry] = audit("absence_day_deleted")
    assert entry.detail["before"] == {"day": "2025-03-03", "note": None}
    assert "2025-03-03 的旷工记录已删除" in client.get("/street/absence").get_data(as_text=True)
    assert record(client, worker.user_id, MON + timedelta(days=1)).status_code == 303
    assert absence_days() == [(worker.user_id, MON + timedelta(days=1))]


def test_delete_without_csrf_or_of_another_street_changes_nothing(app, team):
    """Another street's record answers 404; a post without its token 400."""
    [theirs] = add_days(team.sister_worker, [MON])
    [ours] = add_days(team.workers[0], [MON])
    client = logged_in(app, team.admin)
    token = csrf_token(client, "/street/absence")
    assert (
        client.post(f"/street/absence/{theirs.id}/delete", data={"csrf_token": token}).status_code
        == 404
    )
    assert client.post(f"/street/absence/{ours.id}/delete").status_code == 400
    assert len(absence_days()) == 2


@pytest.mark.parametrize("who", ["district_admin", "worker", "trainer"])
def test_others_may_not_record_or_delete(app, team, who, make_user):
    """A district admin reads but may not write; a worker or trainer gets 403 on the page."""
    from portal.enums import Role

    [day] = add_days(team.workers[0], [MON])
    user = {
        "district_admin": team.district_admin,
        "worker": team.workers[1].user,
        "trainer": make_user(Role.TRAINER, street=team.street),
    }[who]
    client = logged_in(app, user)
    page = client.get("/street/absence")
    token = csrf_token(client, "/")
    posted = client.post(
        "/street/absence",
        data={"csrf_token": token, "worker": team.workers[0].user_id, "first_day": "2025-03-04"},
    )
    deleted = client.post(f"/street/absence/{day.id}/delete", data={"csrf_token": token})
    if who == "district_admin":
        assert page.status_code == 200
        assert "只读" in page.get_data(as_text=True)
    else:
        assert page.status_code == 403
    assert posted.status_code == 403 and deleted.status_code == 403
    assert absence_days() == [(team.workers[0].user_id, MON)]


def test_the_page_shows_the_profiles_limits_and_their_source(app, team):
    """Jiangsu: the limits of 苏社〔2024〕52号 第11条第（5）项 and the product warning margin."""
    page = logged_in(app, team.admin).get("/street/absence").get_data(as_text=True)
    assert "连续旷工超过 10 个工作日或年内累计超过 20 个工作日即退出" in page
    assert "苏社〔2024〕52号 第11条第（5）项" in page
    assert "提前 2 天提醒（产品设置" in page  # cite("product"); its wording is the registry's
    assert "工作日按周一至周五计算" in page


def test_a_profile_without_the_rule_shows_no_limit(app, db):
    """Shanghai-Baoshan sets no absence limit: the page says so and names none."""
    from tests.admin.roster_support import build_team

    team = build_team(policy="shanghai_baoshan", workers=1)
    page = logged_in(app, team.admin).get("/street/absence").get_data(as_text=True)
    assert "本区政策配置未规定旷工退出天数" in page
    assert "即退出" not in page


def test_navigation_from_the_dashboard(app, team):
    """The street admin's menu on the dashboard leads to the absence page."""
    page = logged_in(app, team.admin).get("/street/dashboard").get_data(as_text=True)
    assert 'href="/street/absence"' in page
