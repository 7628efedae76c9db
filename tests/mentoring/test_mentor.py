"""The mentor: mentees with the last session, a session in seconds, corrections for 7 days."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.enums import MentoringTopic
from portal.models import AuditEntry, MentorSession
from portal.timeutil import local_today
from tests.helpers import csrf_token, logged_in
from tests.mentoring.conftest import ago


def _sessions(db) -> list[MentorSession]:
    return list(db.session.scalars(sa.select(MentorSession).order_by(MentorSession.id)))


def _post_session(client, mentee_id: int, **fields):
    path = f"/mentoring/mentees/{mentee_id}"
    data = {
        "csrf_token": csrf_token(client, "/mentoring"),
        "held_on": local_today().isoformat(),
        "minutes": "30",
        "topic": "law",
        "passed_on": "讲解了居民公约的修订程序",
        "next_step": "下次一起主持议事会",
        **fields,
    }
    return client.post(f"{path}/sessions", data=data)


def test_mentor_home_lists_mentees_with_last_session_date(db, scene, app, log):
    """The mentor sees each current mentee with the date of the last session."""
    log(scene.pairing, held_on=local_today() - timedelta(days=3))
    last = log(scene.pairing, held_on=local_today() - timedelta(days=2))
    page = logged_in(app, scene.mentor).get("/mentoring").get_data(as_text=True)
    assert scene.mentee.user.name in page
    assert f"{last.held_on.month}月{last.held_on.day}日" in page
    assert "上次带教" in page


def test_mentor_home_flags_a_mentee_without_a_session_in_30_days(db, scene, app, log):
    """A mentee whose last session is 31 days old is flagged on the mentor's list."""
    log(scene.pairing, held_on=local_today() - timedelta(days=31))
    page = logged_in(app, scene.mentor).get("/mentoring").get_data(as_text=True)
    assert "已 31 天未带教" in page


def test_mentee_page_prefills_today_and_the_last_topic_and_length(db, scene, app, log):
    """The form opens with today's date and the mentor's last topic and length."""
    log(scene.pairing, minutes=90, topic=MentoringTopic.EMERGENCY)
    page = logged_in(app, scene.mentor).get(f"/mentoring/mentees/{scene.mentee.user_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'value="{local_today().isoformat()}"' in html
    assert 'value="90"' in html
    assert '<option selected value="emergency">应急处突</option>' in html


def test_first_session_defaults_to_an_hour_of_mass_work(db, scene, app):
    """Without an earlier session the form offers 60 minutes of 群众工作."""
    html = (
        logged_in(app, scene.mentor)
        .get(f"/mentoring/mentees/{scene.mentee.user_id}")
        .get_data(as_text=True)
    )
    assert 'value="60"' in html
    assert '<option selected value="mass_work">群众工作</option>' in html


def test_topic_list_follows_the_policies_skill_areas(db, scene, app):
    """The topic select offers the nine skill areas in Chinese."""
    html = (
        logged_in(app, scene.mentor)
        .get(f"/mentoring/mentees/{scene.mentee.user_id}")
        .get_data(as_text=True)
    )
    for name in (
        "群众工作",
        "组织动员",
        "依法办事",
        "矛盾调解",
        "应急处突",
        "协调沟通",
        "信息技术应用",
        "政策法规",
        "其他",
    ):
        assert f">{name}</option>" in html


def test_mentor_logs_a_session(db, scene, app):
    """A posted session is saved for the pairing and shown, awaiting the mentee's confirmation."""
    client = logged_in(app, scene.mentor)
    response = _post_session(client, scene.mentee.user_id)
    assert response.status_code == 302
    [session] = _sessions(db)
    assert (session.pairing_id, session.minutes, session.topic) == (
        scene.pairing.id,
        30,
        MentoringTopic.LAW,
    )
    assert session.confirmed_at is None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "讲解了居民公约的修订程序" in page
    assert "带教对象尚未确认" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"held_on": 1}, "日期不能晚于今天"),  # an int: days from the day the test runs
        ({"held_on": -61}, "带教开始于"),
        ({"held_on": ""}, "请填写日期"),
        ({"held_on": "2024-02-30"}, "请填写有效的日期"),
        ({"passed_on": "   "}, "请填写传授的内容"),
        ({"minutes": ""}, "请填写带教时长"),
        ({"minutes": "0"}, "1 到 600 分钟"),
        ({"minutes": "abc"}, "请填写带教时长"),
        ({"topic": "gossip"}, "请选择主题"),
    ],
)
def test_bad_session_input_is_refused_and_nothing_saved(db, scene, app, fields, message):
    """A future or pre-pairing date, an empty field or a bad value: 422, message, nothing saved."""
    if isinstance(fields.get("held_on"), int):  # worked out now, so midnight cannot move it
        fields = {"held_on": (local_today() + timedelta(days=fields["held_on"])).isoformat()}
    response = _post_session(logged_in(app, scene.mentor), scene.mentee.user_id, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _sessions(db) == []


def test_a_session_for_someone_who_is_not_your_mentee_is_refused(db, scene, app):
    """Posting a session for another mentor's mentee: 404 with a message, nothing saved."""
    response = _post_session(logged_in(app, scene.other_mentor), scene.mentee.user_id)
    assert response.status_code == 404
    assert "只能为您当前的带教对象记录带教" in response.get_data(as_text=True)
    assert _sessions(db) == []


def test_a_session_for_a_past_mentee_is_refused(db, scene, app):
    """After the pairing ended, the mentor may read the history but log nothing (403)."""
    scene.pairing.ends_on = local_today() - timedelta(days=1)
    scene.pairing.end_reason = "调岗"
    db.session.flush()
    client = logged_in(app, scene.mentor)
    assert client.get(f"/mentoring/mentees/{scene.mentee.user_id}").status_code == 200
    response = _post_session(client, scene.mentee.user_id)
    assert response.status_code == 403
    assert "只能为您当前的带教对象记录带教" in response.get_data(as_text=True)
    assert _sessions(db) == []


def test_mentor_corrects_a_session_within_seven_days_and_it_is_audited(db, scene, app, log):
    """An edit inside the window changes the session, resets confirmation and is audit-logged."""
    session = log(scene.pairing, created_at=ago(days=6, hours=23), confirmed_at=ago(days=6))
    client = logged_in(app, scene.mentor)
    path = f"/mentoring/sessions/{session.id}/edit"
    data = {
        "csrf_token": csrf_token(client, path),
        "held_on": session.held_on.isoformat(),
        "minutes": "50",
        "topic": session.topic.value,
        "passed_on": session.passed_on,
        "next_step": session.next_step,
    }
    response = client.post(path, data=data)
    assert response.status_code == 302
    db.session.refresh(session)
    assert session.minutes == 50
    assert session.confirmed_at is None  # the mentee confirms the corrected session again
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "mentor_session_edited")
    )
    assert entry.subject_id == session.id
    assert entry.detail["changes"] == {"minutes": ["45", "50"]}
    assert entry.detail["reconfirm"] is True


def test_edit_after_seven_days_is_refused_with_a_message_and_audited(db, scene, app, log):
    """Past 7 × 24 h the edit is refused (403) with a message, unchanged, and the refusal logged."""
    session = log(scene.pairing, created_at=ago(days=7, seconds=1))
    client = logged_in(app, scene.mentor)
    page = client.get(f"/mentoring/sessions/{session.id}/edit")
    assert page.status_code == 403
    assert "锁定" in page.get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(client, "/mentoring"),
        "held_on": session.held_on.isoformat(),
        "minutes": "50",
        "topic": session.topic.value,
        "passed_on": "改过的内容",
        "next_step": "",
    }
    response = client.post(f"/mentoring/sessions/{session.id}/edit", data=data)
    assert response.status_code == 403
    assert "7 天内可以修改" in response.get_data(as_text=True)
    db.session.refresh(session)
    assert (session.minutes, session.passed_on.startswith("调解")) == (45, True)
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "mentor_session_edit_refused")
    )
    assert entry is not None and entry.subject_id == session.id
    assert entry.actor_id == scene.mentor.user_id


def test_the_mentee_page_offers_correction_only_while_the_window_is_open(db, scene, app, log):
    """A fresh session has a 修改 link; a week-old one does not."""
    fresh = log(scene.pairing)
    old = log(scene.pairing, created_at=ago(days=8))
    html = (
        logged_in(app, scene.mentor)
        .get(f"/mentoring/mentees/{scene.mentee.user_id}")
        .get_data(as_text=True)
    )
    assert f"/mentoring/sessions/{fresh.id}/edit" in html
    assert f"/mentoring/sessions/{old.id}/edit" not in html


def test_another_mentor_cannot_open_the_edit_page(db, scene, app, log):
    """A session's edit page is 404 for any other mentor."""
    session = log(scene.pairing)
    assert (
        logged_in(app, scene.other_mentor).get(f"/mentoring/sessions/{session.id}/edit").status_code
        == 404
    )


@pytest.mark.parametrize("path", ["/mentoring", "/mentoring/mentees/1"])
def test_mentor_pages_are_refused_to_other_roles(db, scene, app, path):
    """Users without the mentor role get 403 on mentor pages."""
    for who in (scene.worker, scene.leader, scene.admin):
        assert logged_in(app, who).get(path).status_code == 403
