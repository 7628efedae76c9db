"""The street admin: pairings with history, new entrants awaiting a mentor, coverage, export."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from portal.enums import Role, WorkerStatus
from portal.models import AuditEntry, MentorPairing, TalkResponsibility
from portal.timeutil import local_today
from tests.helpers import csrf_token, logged_in


def _pairings(db) -> list[MentorPairing]:
    return list(db.session.scalars(sa.select(MentorPairing).order_by(MentorPairing.id)))


def _post(client, path: str, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, "/street/mentoring"), **data})


def _pair(client, mentor_id, mentee_id, **fields):
    data = {
        "mentor": str(mentor_id),
        "mentee": str(mentee_id),
        "starts_on": local_today().isoformat(),
        "goals": "一年内独立主持居民议事会",
        **fields,
    }
    return _post(client, "/street/mentoring/pairings/new", **data)


def test_new_entrants_without_a_mentor_are_listed_as_awaiting(db, scene, app, make_worker):
    """New entrants (started within 12 months) show; those without a pairing are 待配导师."""
    waiting = make_worker(street=scene.street, started_on=local_today() - timedelta(days=20))
    veteran = make_worker(street=scene.street, started_on=local_today() - timedelta(days=800))
    html = logged_in(app, scene.admin).get("/street/mentoring").get_data(as_text=True)
    section = html[html.index('id="awaiting-mentor"') : html.index('id="not-talked"')]
    assert waiting.user.name in section and "待配导师" in section
    assert f"/street/mentoring/pairings/new?mentee={waiting.user_id}" in section
    assert scene.mentee.user.name in section  # a new entrant with a mentor
    assert f"导师：{scene.mentor.user.name}" in section
    assert veteran.user.name not in section


def test_admin_pairs_a_mentor_with_a_new_entrant(db, scene, app, make_worker):
    """A valid pairing is saved with its goals and creator, and audited."""
    newcomer = make_worker(street=scene.street, started_on=local_today() - timedelta(days=20))
    response = _pair(logged_in(app, scene.admin), scene.other_mentor.user_id, newcomer.user_id)
    assert response.status_code == 302
    pairing = _pairings(db)[-1]
    assert (pairing.mentor_id, pairing.mentee_id, pairing.ends_on) == (
        scene.other_mentor.user_id,
        newcomer.user_id,
        None,
    )
    assert pairing.goals == "一年内独立主持居民议事会"
    assert pairing.created_by_id == scene.admin.id
    assert (
        db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "mentor_pairing_created")
        ).subject_id
        == pairing.id
    )


def test_the_pairing_form_offers_only_mentors_and_workers_of_the_street(
    db, scene, app, make_worker, make_street
):
    """Mentors of other streets, plain workers as mentors and exited workers are not offered."""
    elsewhere = make_worker(street=make_street(), extra_roles=(Role.MENTOR,))
    gone = make_worker(street=scene.street, status=WorkerStatus.EXITED)
    html = logged_in(app, scene.admin).get("/street/mentoring/pairings/new").get_data(as_text=True)
    mentors = html[html.index('name="mentor"') :]
    mentors = mentors[: mentors.index("</select>")]
    assert scene.mentor.user.name in mentors and scene.other_mentor.user.name in mentors
    assert scene.worker.user.name not in mentors
    assert elsewhere.user.name not in html
    assert gone.user.name not in html


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("mentor_without_role", "请选择本街道的导师"),
        ("mentor_of_other_street", "请选择本街道的导师"),
        ("mentee_of_other_street", "请选择本街道的社工"),
        ("already_paired", "已有导师：请先结束或更换现有的带教关系"),
        ("future_start", "日期不能晚于今天"),
        ("no_goals", "请填写带教目标"),
        ("self", "社工不能担任自己的导师"),
    ],
)
def test_bad_pairings_are_refused_and_nothing_saved(
    db, scene, app, make_worker, make_street, case, message
):
    """Each invalid pairing: 422 with a clear message, no new pairing."""
    newcomer = make_worker(street=scene.street, started_on=local_today() - timedelta(days=20))
    mentor_id, mentee_id, fields = scene.other_mentor.user_id, newcomer.user_id, {}
    if case == "mentor_without_role":
        mentor_id = scene.worker.user_id
    elif case == "mentor_of_other_street":
        mentor_id = make_worker(street=make_street(), extra_roles=(Role.MENTOR,)).user_id
    elif case == "mentee_of_other_street":
        mentee_id = make_worker(street=make_street()).user_id
    elif case == "already_paired":
        mentee_id = scene.mentee.user_id
    elif case == "future_start":
        fields["starts_on"] = (local_today() + timedelta(days=1)).isoformat()
    elif case == "no_goals":
        fields["goals"] = " "
    elif case == "self":
        mentee_id = scene.other_mentor.user_id
    before = len(_pairings(db))
    response = _pair(logged_in(app, scene.admin), mentor_id, mentee_id, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert len(_pairings(db)) == before


def test_admin_ends_a_pairing_and_it_stays_in_the_history(db, scene, app):
    """Ending sets the end date and reason; the pairing moves to the history."""
    client = logged_in(app, scene.admin)
    response = _post(
        client,
        f"/street/mentoring/pairings/{scene.pairing.id}/end",
        ends_on=local_today().isoformat(),
        reason="导师调任其他街道",
    )
    assert response.status_code == 302
    db.session.refresh(scene.pairing)
    assert (scene.pairing.ends_on, scene.pairing.end_reason) == (local_today(), "导师调任其他街道")
    html = client.get("/street/mentoring").get_data(as_text=True)
    history = html[html.index('id="ended-pairings"') :]
    assert scene.mentee.user.name in history and "导师调任其他街道" in history
    assert "待配导师" in html  # the new entrant is waiting again


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"reason": ""}, "请填写结束带教的原因"),
        ({"ends_on": "future"}, "日期不能晚于今天"),
        ({"ends_on": "before_start"}, "结束日期不能早于开始日期"),
        ({"ends_on": "before_last_session"}, "结束日期不能早于该日期"),
    ],
)
def test_bad_ends_are_refused(db, scene, app, log, fields, message):
    """An end without a reason, in the future, before the start or the last session: 422."""
    log(scene.pairing, held_on=local_today() - timedelta(days=2))
    ends_on = {
        "future": local_today() + timedelta(days=1),
        "before_start": scene.pairing.starts_on - timedelta(days=1),
        "before_last_session": local_today() - timedelta(days=3),
    }.get(fields.get("ends_on"), local_today())
    data = {"reason": "调岗", **fields, "ends_on": ends_on.isoformat()}
    response = _post(
        logged_in(app, scene.admin), f"/street/mentoring/pairings/{scene.pairing.id}/end", **data
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.refresh(scene.pairing)
    assert scene.pairing.ends_on is None


def test_admin_changes_the_mentor_keeping_the_history(db, scene, app):
    """A change ends the old pairing and starts a new one with the new mentor, same day."""
    response = _post(
        logged_in(app, scene.admin),
        f"/street/mentoring/pairings/{scene.pairing.id}/change",
        mentor=str(scene.other_mentor.user_id),
        changed_on=local_today().isoformat(),
        reason="原导师工作调整",
        goals="继续熟悉矛盾调解",
    )
    assert response.status_code == 302
    old, new = _pairings(db)
    assert (old.ends_on, old.end_reason) == (local_today(), "原导师工作调整")
    assert (new.mentor_id, new.mentee_id, new.starts_on, new.ends_on) == (
        scene.other_mentor.user_id,
        scene.mentee.user_id,
        local_today(),
        None,
    )
    assert new.goals == "继续熟悉矛盾调解"


def test_changing_to_the_same_mentor_is_refused(db, scene, app):
    """The current mentor is not offered again; posting them is refused with nothing changed."""
    response = _post(
        logged_in(app, scene.admin),
        f"/street/mentoring/pairings/{scene.pairing.id}/change",
        mentor=str(scene.mentor.user_id),
        changed_on=local_today().isoformat(),
        reason="x",
        goals="y",
    )
    assert response.status_code == 422
    assert "请选择本街道的导师" in response.get_data(as_text=True)
    assert len(_pairings(db)) == 1 and _pairings(db)[0].ends_on is None


def test_an_ended_pairing_cannot_be_ended_or_changed_again(db, scene, app):
    """Ending or changing an ended pairing answers 409 with a message."""
    scene.pairing.ends_on = local_today()
    scene.pairing.end_reason = "结束"
    db.session.flush()
    client = logged_in(app, scene.admin)
    for action in ("end", "change"):
        response = client.get(f"/street/mentoring/pairings/{scene.pairing.id}/{action}")
        assert response.status_code == 409
        assert "该带教关系已经结束" in response.get_data(as_text=True)


def test_coverage_counts_workers_talked_with_this_month(db, scene, app, hold, make_worker):
    """Coverage is workers with a talk this month out of those on post or seconded."""
    hold(scene.leader, scene.worker)
    hold(scene.leader, scene.worker)  # a second talk with the same worker counts once
    hold(scene.leader, scene.mentor, held_on=local_today().replace(day=1) - timedelta(days=1))
    make_worker(street=scene.street, status=WorkerStatus.EXITED)
    html = logged_in(app, scene.admin).get("/street/mentoring").get_data(as_text=True)
    stat = html[html.index('id="stat-coverage"') : html.index('id="stat-quiet"')]
    assert "25%" in stat and "已谈 1 / 4 人" in stat


def test_quiet_pairings_and_overdue_follow_ups_are_shown(db, scene, app, log, hold):
    """Mentees without a session in 30 days and overdue follow-ups are listed (no note text)."""
    log(scene.pairing, held_on=local_today() - timedelta(days=45))
    hold(
        scene.leader,
        scene.worker,
        held_on=local_today() - timedelta(days=40),
        notes="私人谈话内容",
        follow_ups=[("帮忙联系医院的私事", "街道民政科", local_today() - timedelta(days=4))],
    )
    html = logged_in(app, scene.admin).get("/street/mentoring").get_data(as_text=True)
    quiet = html[html.index('id="quiet-pairings"') : html.index('id="overdue-follow-ups"')]
    assert scene.mentee.user.name in quiet and "45 天" in quiet
    overdue = html[html.index('id="overdue-follow-ups"') : html.index('id="not-talked"')]
    assert scene.worker.user.name in overdue and "逾期 4 天" in overdue
    assert "街道民政科" in overdue
    assert "帮忙联系医院的私事" not in html and "私人谈话内容" not in html


def test_coverage_exports_as_xlsx(db, scene, app, log, hold):
    """The export holds the summary, this month's talks, quiet pairings and overdue items."""
    log(scene.pairing, held_on=local_today() - timedelta(days=45))
    hold(
        scene.leader,
        scene.worker,
        notes="私人谈话内容",
        follow_ups=[("私事", "社区", local_today())],
    )
    hold(
        scene.leader,
        scene.mentor,
        held_on=local_today() - timedelta(days=40),
        follow_ups=[("私事二", '=HYPERLINK("x")', local_today() - timedelta(days=2))],
    )
    response = logged_in(app, scene.admin).get("/street/mentoring/coverage.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert ".xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    summary = {row[0]: row[1] for row in book["概况"].iter_rows(values_only=True)}
    assert summary["在册社工人数（在岗、借调）"] == 4
    assert summary["本月已谈心人数"] == 1
    assert summary["谈心覆盖率（%）"] == 25
    assert summary["30天未带教的带教对象"] == 1
    assert summary["逾期跟进事项"] == 1
    talks = list(book["本月谈心"].iter_rows(values_only=True))
    assert talks[0][:2] == ("姓名", "所在社区")
    assert any(row[0] == scene.worker.user.name and row[3] == 1 for row in talks[1:])
    quiet = list(book["30天未带教"].iter_rows(values_only=True))
    assert quiet[1][1] == scene.mentee.user.name
    overdue = list(book["逾期跟进事项"].iter_rows(values_only=True))
    assert overdue[1][0] == scene.mentor.user.name and overdue[1][5] == 2
    owner = book["逾期跟进事项"]["D2"]
    assert (owner.value, owner.data_type) == ('=HYPERLINK("x")', "s")  # text, never a formula
    cells = [c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row]
    assert "私人谈话内容" not in cells and "私事" not in cells and "私事二" not in cells


def test_admin_sets_a_talk_leaders_communities(db, scene, app, make_street):
    """The admin chooses the communities a talk leader is responsible for."""
    client = logged_in(app, scene.admin)
    community = scene.street.communities[0].id
    response = _post(
        client,
        "/street/mentoring/talk-leaders",
        leader=str(scene.other_leader.id),
        communities=[str(community)],
    )
    assert response.status_code == 302
    rows = db.session.scalars(
        sa.select(TalkResponsibility).where(TalkResponsibility.leader_id == scene.other_leader.id)
    ).all()
    assert [r.community_id for r in rows] == [community]
    other = make_street().communities[0].id
    response = _post(
        client,
        "/street/mentoring/talk-leaders",
        leader=str(scene.other_leader.id),
        communities=[str(other)],
    )
    assert response.status_code == 422
    assert "请选择本街道的社区" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/street/mentoring",
        "/street/mentoring/pairings/new",
        "/street/mentoring/coverage.xlsx",
        "/street/mentoring/talk-leaders",
    ],
)
def test_admin_pages_are_refused_to_other_roles(db, scene, app, path):
    """Users without the street-admin role get 403."""
    for who in (scene.worker, scene.mentor, scene.leader):
        assert logged_in(app, who).get(path).status_code == 403


def test_another_streets_admin_sees_nothing_of_this_street(db, scene, app, log):
    """The other street's admin does not see this street's pairing and gets 404 on it."""
    log(scene.pairing)
    client = logged_in(app, scene.other_admin)
    assert scene.mentee.user.name not in client.get("/street/mentoring").get_data(as_text=True)
    for action in ("", "/end", "/change"):
        assert (
            client.get(f"/street/mentoring/pairings/{scene.pairing.id}{action}").status_code == 404
        )


def test_the_responsibility_form_shows_the_chosen_leaders_communities(db, scene, app):
    """The page opens on a leader with their current communities ticked, so saving keeps them."""
    community = scene.street.communities[0]
    html = logged_in(app, scene.admin).get(
        f"/street/mentoring/talk-leaders?leader={scene.leader.id}"
    )
    page = html.get_data(as_text=True)
    form = page[page.index('id="leader-communities"') :]
    assert f"{scene.leader.name}负责谈心的社区" in form
    assert (
        f'checked id="communities-0" name="communities" type="checkbox" value="{community.id}"'
        in form
    )


def test_responsibilities_for_someone_who_is_not_a_talk_leader_are_refused(db, scene, app):
    """Posting a user without the talk-leader role: 422 with a message, nothing changed."""
    response = _post(
        logged_in(app, scene.admin),
        "/street/mentoring/talk-leaders",
        leader=str(scene.worker.user_id),
        communities=[str(scene.street.communities[0].id)],
    )
    assert response.status_code == 422
    assert "请选择本街道的谈心领导" in response.get_data(as_text=True)
    count = sa.select(sa.func.count()).select_from(TalkResponsibility)
    assert db.session.scalar(count) == 1  # the scene's leader only
