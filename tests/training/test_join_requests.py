"""Requests to join a training: listed on the roster, approved (checked in) or rejected."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal.enums import AttendanceMethod, AudienceScope, RequestStatus
from portal.models import Attendance, AuditEntry, JoinRequest, TrainingAudience
from portal.timeutil import utcnow
from portal.training import queries
from tests.helpers import HX, logged_in, post_form


def _attendances(db, training) -> list[Attendance]:
    db.session.expire_all()
    return db.session.scalars(
        sa.select(Attendance).where(Attendance.training_id == training.id)
    ).all()


def test_pending_requests_are_listed(app, db, crew, make_live_training, join_request):
    """The roster lists pending requests with name and community; decided ones are gone."""
    training = make_live_training()
    join_request(training, crew.workers[3])
    decided = join_request(training, crew.workers[4])
    decided.status = RequestStatus.REJECTED
    db.session.flush()
    page = logged_in(app, crew.organiser).get(f"/trainings/{training.id}").get_data(as_text=True)
    assert "加入申请（1）" in page
    section = page[page.index("加入申请（1）") : page.index("应参训人员")]
    assert "王四" in section and crew.west.name in section and "王五" not in section
    assert "批准" in section and "拒绝" in section


def test_approve_checks_the_worker_in(app, db, crew, make_live_training, join_request):
    """Approving checks the worker in as of the request, by hand, recording the trainer."""
    training = make_live_training()
    asked_at = (utcnow() - timedelta(minutes=20)).replace(microsecond=0)
    request = join_request(training, crew.workers[3], created_at=asked_at)
    client = logged_in(app, crew.assigned)
    response = post_form(client, f"/trainings/{training.id}/join-requests/{request.id}/approve")
    assert response.status_code == 303
    [attendance] = _attendances(db, training)
    assert attendance.worker_id == crew.workers[3].user_id
    assert attendance.method is AttendanceMethod.MANUAL
    assert attendance.recorded_by_id == crew.assigned.id
    assert attendance.reason == "加入申请已批准"
    assert attendance.scanned_at == asked_at
    request = db.session.get(JoinRequest, request.id)
    assert request.status is RequestStatus.APPROVED
    assert request.decided_by_id == crew.assigned.id and request.decided_at is not None
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert "join_request_approved" in actions and "attendance_marked" in actions
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已批准加入申请" in page
    assert "名单外参训人员（1）" in page and "加入申请（" not in page


def test_reject_records_the_decision(app, db, crew, make_live_training, join_request):
    """Rejecting records who decided and checks nobody in."""
    training = make_live_training()
    request = join_request(training, crew.workers[3])
    client = logged_in(app, crew.admin)
    response = post_form(client, f"/trainings/{training.id}/join-requests/{request.id}/reject")
    assert response.status_code == 303
    assert _attendances(db, training) == []
    request = db.session.get(JoinRequest, request.id)
    assert request.status is RequestStatus.REJECTED
    assert request.decided_by_id == crew.admin.id
    assert "已拒绝加入申请" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_decided_request_stays_decided(app, db, crew, make_live_training, join_request):
    """A request decided once cannot be decided again (say, by a second trainer)."""
    training = make_live_training()
    request = join_request(training, crew.workers[3])
    organiser = logged_in(app, crew.organiser)
    post_form(organiser, f"/trainings/{training.id}/join-requests/{request.id}/reject")
    assistant = logged_in(app, crew.assigned)
    response = post_form(
        assistant, f"/trainings/{training.id}/join-requests/{request.id}/approve", headers=HX
    )
    assert response.status_code == 409
    assert "该申请已处理" in response.get_data(as_text=True)
    assert _attendances(db, training) == []
    assert db.session.get(JoinRequest, request.id).status is RequestStatus.REJECTED


def test_htmx_decision_refreshes_the_roster(app, db, crew, make_live_training, join_request):
    """An htmx approval answers the refreshed roster block with the new count."""
    training = make_live_training()
    request = join_request(training, crew.workers[3])
    client = logged_in(app, crew.organiser)
    response = post_form(
        client, f"/trainings/{training.id}/join-requests/{request.id}/approve", headers=HX
    )
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in fragment
    assert "已签到 1 / 4" in fragment and "名单外 1" in fragment


def test_request_made_before_the_door_opened_puts_the_worker_on_the_list(
    db, crew, make_live_training, join_request
):
    """Approving an early request adds the worker to the list; they check in themselves."""
    from portal.training import roster_operations

    training = make_live_training(starts_in=timedelta(hours=3))
    request = join_request(training, crew.workers[3])
    attendance = roster_operations.approve_join_request(request, training, actor=crew.organiser)
    assert attendance is None
    assert request.status is RequestStatus.APPROVED
    assert queries.is_expected(training.id, crew.workers[3].user_id)
    rows = db.session.scalars(
        sa.select(TrainingAudience).where(TrainingAudience.training_id == training.id)
    ).all()
    assert {row.scope for row in rows} == {AudienceScope.COMMUNITY, AudienceScope.WORKER}
    assert _attendances(db, training) == []


def test_approval_closes_a_day_after_the_end(app, db, crew, make_live_training, join_request):
    """A request still pending a day after the end can only be rejected."""
    training = make_live_training(starts_in=timedelta(hours=-30), length=timedelta(hours=3))
    request = join_request(training, crew.workers[3], created_at=training.starts_at)
    client = logged_in(app, crew.organiser)
    page = client.get(f"/trainings/{training.id}").get_data(as_text=True)
    assert "拒绝" in page and ">批准<" not in page
    response = post_form(client, f"/trainings/{training.id}/join-requests/{request.id}/approve")
    assert response.status_code == 422
    assert "已无法补签" in response.get_data(as_text=True)
    assert _attendances(db, training) == []
    assert db.session.get(JoinRequest, request.id).status is RequestStatus.PENDING
