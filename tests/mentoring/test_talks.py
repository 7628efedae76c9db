"""The talk leader's 谈心日: the month's workers, a talk with follow-ups, carry-over; the worker."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.enums import FollowUpStatus, Role, WorkerStatus
from portal.models import AuditEntry, Talk, TalkFollowUp
from portal.timeutil import local_today
from tests.helpers import csrf_token, logged_in


def _talks(db) -> list[Talk]:
    return list(db.session.scalars(sa.select(Talk)))


def _post_talk(client, worker_id: int, **fields):
    data = {
        "csrf_token": csrf_token(client, "/talks"),
        "worker": str(worker_id),
        "held_on": local_today().isoformat(),
        "concerns": ["work", "health"],
        "notes": "近期加班多，睡眠不好",
        "help_promised": "调整值班表",
        "follow_ups-0-item": "调整值班表",
        "follow_ups-0-owner": "王建国",
        "follow_ups-0-due_on": (local_today() + timedelta(days=7)).isoformat(),
        **fields,
    }
    return client.post("/talks/new", data=data)


def test_leader_sees_the_month_and_who_has_had_no_talk(db, scene, app, make_worker, hold):
    """The month's list shows each responsible worker; those without a talk come first."""
    talked = make_worker(street=scene.street)
    hold(scene.leader, talked)
    html = logged_in(app, scene.leader).get("/talks").get_data(as_text=True)
    assert "本月尚未谈心" in html
    assert html.index(scene.worker.user.name) < html.index(talked.user.name)
    # mentor, mentee, worker, other mentor, talked: 5 workers, one talked with
    assert '1 <span class="of">/ 5</span>' in html
    assert "本月已谈心（20%）" in html


def test_leader_list_leaves_out_exited_workers_and_other_communities(
    db, scene, app, make_worker, make_street
):
    """Workers who exited, or of communities the leader is not responsible for, are not listed."""
    gone = make_worker(street=scene.street, status=WorkerStatus.EXITED)
    seconded = make_worker(street=scene.street, status=WorkerStatus.SECONDED)
    elsewhere = make_worker(street=make_street())
    html = logged_in(app, scene.leader).get("/talks").get_data(as_text=True)
    assert gone.user.name not in html
    assert elsewhere.user.name not in html
    assert seconded.user.name in html and "借调" in html


def test_a_talk_in_an_earlier_month_counts_for_that_month_only(db, scene, app, hold):
    """Last month's talk shows under last month, and this month still needs one."""
    last_month = local_today().replace(day=1) - timedelta(days=1)
    hold(scene.leader, scene.worker, held_on=last_month)
    client = logged_in(app, scene.leader)
    now = client.get("/talks").get_data(as_text=True)
    before = client.get(f"/talks?month={last_month:%Y-%m}").get_data(as_text=True)
    assert '0 <span class="of">/ 4</span>' in now
    assert '1 <span class="of">/ 4</span>' in before


def test_leader_records_a_talk_with_follow_ups(db, scene, app):
    """A posted talk is saved with its concerns and follow-ups, and audited without its text."""
    response = _post_talk(logged_in(app, scene.leader), scene.worker.user_id)
    assert response.status_code == 302
    [talk] = _talks(db)
    assert (talk.leader_id, talk.worker_id) == (scene.leader.id, scene.worker.user_id)
    assert talk.concerns == ["work", "health"]
    [follow_up] = talk.follow_ups
    assert (follow_up.owner, follow_up.status) == ("王建国", FollowUpStatus.OPEN)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "talk_held"))
    assert entry.subject_id == talk.id
    assert "睡眠" not in str(entry.detail)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (lambda: {"held_on": (local_today() + timedelta(days=1)).isoformat()}, "日期不能晚于今天"),
        (lambda: {"held_on": ""}, "请填写日期"),
        (lambda: {"notes": ""}, "请填写谈话内容"),
        (lambda: {"concerns": ["gossip"]}, "请从列出的方面中选择"),
        (lambda: {"follow_ups-0-owner": ""}, "请填写跟进事项、负责人和完成期限"),
        (lambda: {"follow_ups-0-due_on": ""}, "请填写跟进事项、负责人和完成期限"),
        (
            lambda: {"follow_ups-0-due_on": (local_today() - timedelta(days=1)).isoformat()},
            "跟进事项的期限不能早于谈心日期",
        ),
    ],
    ids=["future", "no date", "no notes", "bad concern", "no owner", "no due date", "due early"],
)
def test_bad_talk_input_is_refused_and_nothing_saved(db, scene, app, fields, message):
    """A future date, empty notes, a bad concern or an incomplete follow-up: 422, nothing saved.

    The fields are built when the test runs, so "tomorrow" stays tomorrow across midnight.
    """
    response = _post_talk(logged_in(app, scene.leader), scene.worker.user_id, **fields())
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _talks(db) == []
    assert db.session.scalar(sa.select(sa.func.count(TalkFollowUp.id))) == 0


def test_a_talk_with_a_worker_outside_your_responsibility_is_refused(
    db, scene, app, make_worker, make_street
):
    """A worker of another community or street, or one who exited: 404 with a message."""
    other_community = scene.street.communities[0]
    gone = make_worker(street=scene.street, status=WorkerStatus.EXITED, community=other_community)
    elsewhere = make_worker(street=make_street())
    client = logged_in(app, scene.leader)
    for worker in (gone, elsewhere):
        response = _post_talk(client, worker.user_id)
        assert response.status_code == 404
        assert "该社工不在您负责谈心的范围内" in response.get_data(as_text=True)
    other = logged_in(app, scene.other_leader)
    response = other.post(
        "/talks/new",
        data={"csrf_token": csrf_token(other, "/talks"), "worker": scene.worker.user_id},
    )
    assert response.status_code == 404
    assert _talks(db) == []


def test_open_follow_ups_carry_over_to_the_next_talk(db, scene, app, hold):
    """The next talk's screen shows the worker's open follow-ups, overdue first, not closed ones."""
    today = local_today()
    first = hold(
        scene.leader,
        scene.worker,
        held_on=today - timedelta(days=40),
        follow_ups=[
            ("联系社区医院体检", "李医生", today - timedelta(days=10)),
            ("申请困难补助", "街道民政科", today + timedelta(days=5)),
            ("已办完的事", "王建国", today - timedelta(days=20), FollowUpStatus.DONE),
        ],
    )
    client = logged_in(app, scene.leader)
    page = client.get(f"/talks/new?worker={scene.worker.user_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.index("联系社区医院体检") < html.index("申请困难补助")
    assert "已办完的事" not in html
    assert "已逾期" in html
    # Showing them is a read of the earlier talk's note: audited.
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "talk_note_read"))
    assert (entry.subject_id, entry.actor_id, entry.detail["via"]) == (
        first.id,
        scene.leader.id,
        "carry_over",
    )


def test_carried_follow_ups_are_updated_with_the_next_talk(db, scene, app, hold):
    """Statuses chosen on the next talk's screen are saved with the new talk."""
    today = local_today()
    earlier = hold(
        scene.leader,
        scene.worker,
        held_on=today - timedelta(days=35),
        follow_ups=[
            ("联系社区医院体检", "李医生", today - timedelta(days=3)),
            ("申请困难补助", "街道民政科", today + timedelta(days=5)),
        ],
    )
    done, still_open = earlier.follow_ups
    client = logged_in(app, scene.leader)
    response = _post_talk(client, scene.worker.user_id, **{f"carry-{done.id}": "done"})
    assert response.status_code == 302
    db.session.refresh(done)
    db.session.refresh(still_open)
    assert done.status == FollowUpStatus.DONE and done.done_at is not None
    assert still_open.status == FollowUpStatus.OPEN
    assert len(_talks(db)) == 2


def test_a_bad_carried_status_is_refused(db, scene, app, hold):
    """A carried follow-up with an unknown status: 422, no talk saved, status unchanged."""
    earlier = hold(
        scene.leader,
        scene.worker,
        held_on=local_today() - timedelta(days=35),
        follow_ups=[("体检", "李医生", local_today())],
    )
    [item] = earlier.follow_ups
    response = _post_talk(
        logged_in(app, scene.leader), scene.worker.user_id, **{f"carry-{item.id}": "x"}
    )
    assert response.status_code == 422
    assert "请选择状态" in response.get_data(as_text=True)
    assert len(_talks(db)) == 1
    db.session.refresh(item)
    assert item.status == FollowUpStatus.OPEN


def test_leader_updates_a_follow_up_on_the_talk_page(db, scene, app, hold):
    """The leader marks a follow-up done from the talk note."""
    talk = hold(scene.leader, scene.worker, follow_ups=[("体检", "李医生", local_today())])
    [item] = talk.follow_ups
    client = logged_in(app, scene.leader)
    data = {
        f"f{item.id}-csrf_token": csrf_token(client, f"/talks/{talk.id}"),
        f"f{item.id}-status": "done",
    }
    response = client.post(f"/talks/follow-ups/{item.id}", data=data)
    assert response.status_code == 302
    db.session.refresh(item)
    assert item.status == FollowUpStatus.DONE
    assert db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "talk_follow_up_updated")
    ).detail["status"] == ["open", "done"]


def test_a_worker_cannot_update_their_follow_ups(db, scene, app, hold):
    """The worker sees follow-ups but cannot change them (404)."""
    talk = hold(scene.leader, scene.worker, follow_ups=[("体检", "李医生", local_today())])
    [item] = talk.follow_ups
    client = logged_in(app, scene.worker)
    data = {
        f"f{item.id}-csrf_token": csrf_token(client, "/talks/mine"),
        f"f{item.id}-status": "done",
    }
    assert client.post(f"/talks/follow-ups/{item.id}", data=data).status_code == 404
    db.session.refresh(item)
    assert item.status == FollowUpStatus.OPEN


def test_worker_sees_own_talks_and_follow_up_status(db, scene, app, hold):
    """The worker's page lists their talks with notes and each follow-up's status."""
    today = local_today()
    hold(
        scene.leader,
        scene.worker,
        notes="聊到孩子上学的事",
        follow_ups=[
            ("联系学校", "王建国", today - timedelta(days=1)),
            ("办理证明", "社区", today, FollowUpStatus.DONE),
        ],
    )
    html = logged_in(app, scene.worker).get("/talks/mine").get_data(as_text=True)
    assert "聊到孩子上学的事" in html
    assert "联系学校" in html and "已逾期" in html
    assert "办理证明" in html and "已完成" in html
    # The worker reading their own talk is not audited.
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEntry.id)).where(AuditEntry.action == "talk_note_read")
        )
        == 0
    )


@pytest.mark.parametrize("path", ["/talks", "/talks/new?worker=1"])
def test_talk_leader_pages_are_refused_to_other_roles(db, scene, app, path):
    """Users without the talk-leader role get 403."""
    for who in (scene.worker, scene.mentor, scene.admin):
        assert logged_in(app, who).get(path).status_code == 403


def test_a_leader_who_is_also_a_worker_does_not_talk_with_themselves(
    db, scene, app, make_worker, responsible
):
    """A talk leader with a worker profile is not on their own list and cannot log a self-talk."""
    leader_worker = make_worker(street=scene.street, extra_roles=(Role.TALK_LEADER,))
    responsible(leader_worker.user, scene.street.communities[0].id)
    client = logged_in(app, leader_worker)
    html = client.get("/talks").get_data(as_text=True)
    assert scene.worker.user.name in html
    assert leader_worker.user.name not in html
    assert _post_talk(client, leader_worker.user_id).status_code == 404
    assert _post_talk(client, "9" * 30).status_code == 404  # no integer overflow either
    assert _talks(db) == []


def test_month_navigation_offers_no_future_month(db, scene, app):
    """This month's page links to the previous month but not the next one."""
    html = logged_in(app, scene.leader).get("/talks").get_data(as_text=True)
    assert "上个月" in html and "下个月" not in html
    first = date(2020, 1, 1)
    assert "下个月" in logged_in(app, scene.leader).get(f"/talks?month={first:%Y-%m}").get_data(
        as_text=True
    )
