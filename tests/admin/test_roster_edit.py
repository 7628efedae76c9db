"""Editing the roster: the worker form against the policy profile, status changes, logins."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from portal.enums import PostType, WorkerStatus
from portal.models import AuditEntry, GradeChange, User, WorkerProfile
from tests.admin.roster_support import build_team
from tests.helpers import logged_in, login, post_form


@pytest.fixture
def team(db):
    """A street with three workers (一般工作人员, grade 3), a sister street, another district."""
    return build_team()


def _form(worker, **changes) -> dict:
    data = {
        "name": worker.user.name,
        "phone": worker.user.phone,
        "staff_no": worker.user.staff_no or "",
        "community": str(worker.community_id),
        "post_type": worker.post_type.value,
        "grade": str(worker.grade),
        "grade_reason": "",
        "community_work_started_on": worker.community_work_started_on.isoformat(),
        "joined_on": worker.joined_on.isoformat(),
        "education": worker.education.value,
        "hiring_route": worker.hiring_route.value,
        "exam_eligible_on": "",
    }
    if worker.party_member:
        data["party_member"] = "y"
    data.update(changes)
    return data


def _state(db, worker):
    db.session.expire_all()
    return (worker.user.name, worker.user.phone, worker.post_type, worker.grade, worker.status)


def _audits(db, action: str) -> list[AuditEntry]:
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)).all()


# -- the edit form ---------------------------------------------------------------------


def test_grade_outside_the_range_is_refused_with_the_range(app, db, team):
    """A grade outside the post type's range is refused with the range shown; nothing saved."""
    worker = team.workers[0]
    before = _state(db, worker)
    client = logged_in(app, team.admin)

    response = post_form(
        client,
        f"/street/workers/{worker.user_id}/edit",
        _form(worker, grade="13", grade_reason="晋级"),
    )

    assert response.status_code == 422
    assert "岗位等级 13 超出一般工作人员的 1–12 级" in response.get_data(as_text=True)
    assert _state(db, worker) == before
    assert _audits(db, "worker_updated") == []


def test_a_grade_change_needs_a_reason(app, db, team):
    """Changing the grade without a reason is refused and nothing is saved."""
    worker = team.workers[0]
    before = _state(db, worker)
    client = logged_in(app, team.admin)

    response = post_form(client, f"/street/workers/{worker.user_id}/edit", _form(worker, grade="4"))

    assert response.status_code == 422
    assert "岗位类型或等级有变动，请填写变动原因" in response.get_data(as_text=True)
    assert _state(db, worker) == before


def test_a_post_change_with_reason_lands_in_the_grade_history(app, db, team):
    """A post and grade change with its reason is saved, recorded in history and audited."""
    worker = team.workers[0]
    client = logged_in(app, team.admin)

    response = post_form(
        client,
        f"/street/workers/{worker.user_id}/edit",
        _form(worker, post_type="deputy", grade="6", grade_reason="竞聘副主任"),
    )

    assert response.status_code == 303
    db.session.expire_all()
    assert (worker.post_type, worker.grade) == (PostType.DEPUTY, 6)
    change = db.session.scalar(
        sa.select(GradeChange).where(GradeChange.worker_id == worker.user_id)
    )
    assert (change.from_post_type, change.from_grade) == (PostType.STAFF, 3)
    assert (change.to_post_type, change.to_grade) == (PostType.DEPUTY, 6)
    assert change.reason == "竞聘副主任" and change.recorded_by_id == team.admin.id
    [entry] = _audits(db, "worker_updated")
    assert entry.detail["before"] == {"post_type": "staff", "grade": 3}
    assert entry.detail["after"] == {"post_type": "deputy", "grade": 6}
    assert entry.detail["reason"] == "竞聘副主任" and entry.actor_id == team.admin.id
    page = client.get(f"/street/workers/{worker.user_id}").get_data(as_text=True)
    assert "竞聘副主任" in page


def test_other_fields_save_without_a_reason_and_are_audited(app, db, team):
    """A name or community change needs no reason; the audit keeps before and after."""
    worker = team.workers[0]
    old_name = worker.user.name
    client = logged_in(app, team.admin)
    response = post_form(
        client,
        f"/street/workers/{worker.user_id}/edit",
        _form(worker, name="新名字", community=str(team.west.id)),
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert worker.user.name == "新名字" and worker.community_id == team.west.id
    [entry] = _audits(db, "worker_updated")
    assert entry.detail["before"] == {"name": old_name, "community_id": team.east.id}
    assert entry.detail["after"] == {"name": "新名字", "community_id": team.west.id}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GradeChange)) == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"phone": "1380000"}, "请填写以 1 开头的 11 位手机号。"),
        ({"name": ""}, "请填写姓名。"),
        ({"community": "999999"}, "请选择本街道的社区。"),
        ({"joined_on": "2000-01-01"}, "入职本街道日期不能早于开始从事社区工作日期。"),
        ({"community_work_started_on": "2999-01-01"}, "该日期晚于今天。"),
        ({"grade": "三"}, "岗位等级请填写整数。"),
    ],
)
def test_bad_input_is_refused(app, db, team, changes, message):
    """Bad input is refused with a clear message and nothing is saved."""
    worker = team.workers[0]
    before = _state(db, worker)
    response = post_form(
        logged_in(app, team.admin),
        f"/street/workers/{worker.user_id}/edit",
        _form(worker, **changes),
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _state(db, worker) == before


def test_phone_of_another_account_is_refused(app, db, team):
    """A phone number already used by another account is refused, even another street's."""
    worker = team.workers[0]
    before = _state(db, worker)
    response = post_form(
        logged_in(app, team.admin),
        f"/street/workers/{worker.user_id}/edit",
        _form(worker, phone=team.other_worker.user.phone),
    )
    assert response.status_code == 422
    assert "该手机号已被其他账号使用。" in response.get_data(as_text=True)
    assert _state(db, worker) == before


def test_community_of_another_street_is_refused(app, db, team):
    """A worker cannot be moved into a community of another street."""
    worker = team.workers[0]
    response = post_form(
        logged_in(app, team.admin),
        f"/street/workers/{worker.user_id}/edit",
        _form(worker, community=str(team.sister_worker.community_id)),
    )
    assert response.status_code == 422
    db.session.expire_all()
    assert worker.community_id == team.east.id


# -- status ------------------------------------------------------------------------------


def _status(client, worker, **data):
    return post_form(client, f"/street/workers/{worker.user_id}/status", data)


def test_secondment_needs_start_and_end(app, db, team):
    """借调 without an end, or ending before it starts, is refused and nothing changes."""
    worker = team.workers[0]
    client = logged_in(app, team.admin)
    missing = _status(client, worker, status="seconded", since="2025-01-01", until="")
    assert missing.status_code == 422
    assert "请填写借调结束日期。" in missing.get_data(as_text=True)
    backwards = _status(client, worker, status="seconded", since="2025-03-01", until="2025-01-01")
    assert "结束日期不能早于开始日期。" in backwards.get_data(as_text=True)
    db.session.expire_all()
    assert worker.status is WorkerStatus.ACTIVE


def test_long_secondment_is_saved_with_a_warning(app, db, team):
    """A secondment past 6 months is saved, with a warning citing 003 §9 (warn, not refuse)."""
    worker = team.workers[0]
    client = logged_in(app, team.admin)
    response = _status(client, worker, status="seconded", since="2025-01-01", until="2025-08-15")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "此次借调超过 6 个月" in page and "苏社〔2024〕52号 第9条" in page
    db.session.expire_all()
    assert worker.status is WorkerStatus.SECONDED
    assert (worker.status_since, worker.status_until) == (date(2025, 1, 1), date(2025, 8, 15))
    [entry] = _audits(db, "worker_status_changed")
    assert entry.detail["before"]["status"] == "active"
    assert entry.detail["after"]["status"] == "seconded"


def test_short_secondment_has_no_warning(app, db, team):
    """A secondment of six months or less is saved without a warning."""
    worker = team.workers[0]
    client = logged_in(app, team.admin)
    response = _status(client, worker, status="seconded", since="2025-01-01", until="2025-07-01")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "借调时间超过" not in page


def test_exit_needs_a_reason_and_disables_the_account(app, db, team):
    """退出 requires the reason; once saved the account is disabled and cannot log in."""
    worker = team.workers[0]
    client = logged_in(app, team.admin)
    refused = _status(client, worker, status="exited", since="2025-05-01", reason="")
    assert refused.status_code == 422
    assert "请填写退出原因。" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert worker.user.is_enabled

    done = _status(client, worker, status="exited", since="2025-05-01", reason="个人辞职")
    assert done.status_code == 303
    db.session.expire_all()
    assert worker.status is WorkerStatus.EXITED and worker.status_reason == "个人辞职"
    assert not worker.user.is_enabled
    assert login(app.test_client(), worker.user.phone).status_code != 302

    back = _status(client, worker, status="active", since="2025-06-01")
    assert back.status_code == 303
    db.session.expire_all()
    assert worker.user.is_enabled and worker.status_until is None


def test_exit_signs_the_worker_out(app, db, team):
    """A worker signed in when their exit is saved is signed out at the next request."""
    worker = team.workers[0]
    worker_client = logged_in(app, worker.user)
    assert worker_client.get("/").status_code == 200
    _status(logged_in(app, team.admin), worker, status="exited", since="2025-05-01", reason="辞职")
    assert worker_client.get("/").status_code == 302


# -- new worker and one-time passwords ---------------------------------------------------


def _new_worker_form(team, **changes) -> dict:
    data = {
        "name": "新同事",
        "phone": "13944440001",
        "staff_no": "NEW-001",
        "community": str(team.east.id),
        "post_type": "staff",
        "grade": "1",
        "grade_reason": "",
        "community_work_started_on": "2025-01-02",
        "joined_on": "2025-01-02",
        "education": "bachelor",
        "hiring_route": "recruited",
        "exam_eligible_on": "",
        "party_member": "y",
    }
    data.update(changes)
    return data


def _password_of(page: str) -> str:
    match = re.search(r'class="one-time-password">([^<]+)<', page)
    assert match, page[:2000]
    return match.group(1)


def test_create_worker_shows_a_one_time_password_once(app, db, team):
    """A new worker's login gets a one-time password, shown once, that must be changed."""
    client = logged_in(app, team.admin)

    response = post_form(client, "/street/workers/new", _new_worker_form(team))

    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "private, no-store"
    password = _password_of(response.get_data(as_text=True))
    user = db.session.scalar(sa.select(User).where(User.phone == "13944440001"))
    assert user.must_change_password and user.street_id == team.street.id
    assert user.worker.grade == 1 and user.worker.party_member
    [history] = db.session.scalars(sa.select(GradeChange).where(GradeChange.worker_id == user.id))
    assert history.from_grade is None and history.to_grade == 1
    [entry] = _audits(db, "worker_created")
    assert entry.detail["after"]["phone"] == "13944440001"
    assert password not in str(entry.detail)
    page = client.get(f"/street/workers/{user.id}").get_data(as_text=True)
    assert password not in page

    worker_client = app.test_client()
    assert login(worker_client, "13944440001", password).status_code == 302
    assert worker_client.get("/").headers["Location"].endswith("/password")


def test_create_worker_refuses_bad_grade_and_saves_nothing(app, db, team):
    """A new head below grade 7 is refused with the head's range; no account is created."""
    client = logged_in(app, team.admin)
    response = post_form(
        client, "/street/workers/new", _new_worker_form(team, post_type="head", grade="5")
    )
    assert response.status_code == 422
    assert "岗位等级 5 超出正职的 7–18 级" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(User).where(User.phone == "13944440001")) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WorkerProfile)) == 5


def test_workers_without_staff_numbers(app, db, team):
    """Two new workers without a staff number are both created (blank is no number)."""
    client = logged_in(app, team.admin)
    for phone in ("13944440011", "13944440012"):
        form = _new_worker_form(team, phone=phone, staff_no="")
        assert post_form(client, "/street/workers/new", form).status_code == 201
    users = db.session.scalars(
        sa.select(User).where(User.phone.in_(["13944440011", "13944440012"]))
    )
    assert [user.staff_no for user in users] == [None, None]


def test_issue_password_replaces_the_old_one(app, db, team):
    """Issuing a one-time password signs the worker out and forces a change at next login."""
    worker = team.workers[0]
    worker_client = logged_in(app, worker.user)
    client = logged_in(app, team.admin)

    response = post_form(client, f"/street/workers/{worker.user_id}/password")

    assert response.status_code == 200
    password = _password_of(response.get_data(as_text=True))
    db.session.expire_all()
    assert worker.user.must_change_password and worker.user.check_password(password)
    assert worker_client.get("/").status_code == 302  # signed out everywhere
    assert len(_audits(db, "password_issued")) == 1


def test_no_password_for_a_disabled_account(app, db, team):
    """An exited worker gets no new password until set back on post."""
    worker = team.workers[0]
    client = logged_in(app, team.admin)
    _status(client, worker, status="exited", since="2025-05-01", reason="辞职")
    before = worker.user.password_hash
    response = post_form(client, f"/street/workers/{worker.user_id}/password")
    assert response.status_code == 303
    db.session.expire_all()
    assert worker.user.password_hash == before
