"""The live roster: who is expected, how each one checked in, and who came from outside the list."""

from __future__ import annotations

import re
from datetime import timedelta

from portal.enums import AttendanceMethod, AudienceScope, PostType, WorkerStatus
from portal.models import TrainingAudience
from portal.timeutil import to_local, utcnow
from portal.training import operations as training_operations
from tests.helpers import HX, logged_in


def _row(page: str, worker) -> str:
    match = re.search(rf'<li class="roster-row[^"]*" id="w{worker.user_id}".*?</li>', page, re.S)
    assert match, f"worker {worker.user_id} not on the roster"
    return match.group(0)


def test_roster_shows_each_status(app, db, crew, make_live_training):
    """Each expected worker shows not yet, or the time, method, recorder, late, left early."""
    training = make_live_training(credits_by_time=True)
    self_scanned, scanned, manual, missing = crew.workers[:3] + [crew.organiser.worker]
    now = utcnow()
    first_in = training_operations.check_in(
        training, self_scanned, method=AttendanceMethod.SELF_SCAN, actor=self_scanned.user
    ).attendance
    training_operations.check_in(
        training, scanned, method=AttendanceMethod.TRAINER_SCAN, actor=crew.assigned
    )
    marked = training_operations.check_in(
        training, manual, method=AttendanceMethod.MANUAL, actor=crew.admin, reason="忘带手机"
    ).attendance
    training_operations.check_out(marked, actor=crew.admin, at=now - timedelta(minutes=10))
    db.session.flush()

    page = logged_in(app, crew.organiser).get(f"/trainings/{training.id}").get_data(as_text=True)

    assert "已签到 3 / 4" in page
    assert "未签到 1 · 迟到 3 · 早退 1" in page  # started an hour ago: everyone is late
    local = to_local(first_in.checked_in_at).strftime("%H:%M")
    first = _row(page, self_scanned)
    assert f"{local} 签到" in first and "本人扫码" in first and "由" not in first
    second = _row(page, scanned)
    assert "讲师扫码" in second and "由吴助教记录" in second and "迟到" in second
    third = _row(page, manual)
    assert "手工登记" in third and "由刘管理记录" in third and "忘带手机" in third
    assert "早退" in third and "签退" in third
    assert "签退…" not in third  # checked out: nothing more to mark
    assert "签退时计学时" in first  # credits by time: hours come at check-out
    assert "未签到" in _row(page, missing) and "手工签到…" in _row(page, missing)


def test_audience_of_post_types_and_named_workers(app, db, crew, make_live_training):
    """Post types count within the street only; named workers are expected; exited are not."""
    training = make_live_training(
        audience=[
            TrainingAudience(
                scope=AudienceScope.POST_TYPE, street_id=crew.street.id, post_type=PostType.HEAD
            ),
            TrainingAudience(scope=AudienceScope.WORKER, worker_id=crew.workers[4].user_id),
            TrainingAudience(scope=AudienceScope.WORKER, worker_id=crew.workers[3].user_id),
        ]
    )
    crew.outsider.post_type = PostType.HEAD  # a head, but of another street
    crew.workers[3].status = WorkerStatus.EXITED
    db.session.flush()
    page = logged_in(app, crew.organiser).get(f"/trainings/{training.id}").get_data(as_text=True)
    assert "已签到 0 / 2" in page
    assert "李一" in page and "王五" in page
    assert "外街道" not in page and "王四" not in page


def test_attendees_not_on_the_list_are_listed_apart(app, db, crew, make_live_training):
    """Someone checked in without being on the list appears in a section of their own."""
    training = make_live_training()
    walk_in = crew.workers[3]  # west community, not expected
    training_operations.check_in(
        training,
        walk_in,
        method=AttendanceMethod.MANUAL,
        actor=crew.organiser,
        reason="加入申请已批准",
        enforce_list=False,
    )
    db.session.flush()
    page = logged_in(app, crew.organiser).get(f"/trainings/{training.id}").get_data(as_text=True)
    assert "已签到 1 / 4" in page
    assert "名单外 1" in page
    assert "名单外参训人员（1）" in page
    section = page[page.index("名单外参训人员") :]
    assert "王四" in section and "加入申请已批准" in section


def test_roster_refreshes_itself(app, crew, make_live_training):
    """The roster block asks for itself every 5 seconds and after each mark."""
    training = make_live_training()
    page = logged_in(app, crew.organiser).get(f"/trainings/{training.id}").get_data(as_text=True)
    assert f'hx-get="/trainings/{training.id}"' in page
    assert 'hx-trigger="every 5s, roster-changed from:body"' in page
    assert "data-poll" in page


def test_poll_answers_the_roster_block_only(app, db, crew, make_live_training):
    """An htmx poll gets the roster fragment with the live count, not the whole page."""
    training = make_live_training()
    client = logged_in(app, crew.organiser)
    training_operations.check_in(
        training, crew.workers[0], method=AttendanceMethod.SELF_SCAN, actor=crew.workers[0].user
    )
    db.session.flush()
    response = client.get(f"/trainings/{training.id}", headers=HX)
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in fragment and "<h1>" not in fragment
    assert "已签到 1 / 4" in fragment
    assert "HX-Request" in response.headers["Vary"]


def test_roster_links_to_projector_scan_and_export(app, crew, make_live_training):
    """The roster page links the projector screen, the scan page and the attendance sheet."""
    training = make_live_training()
    page = logged_in(app, crew.organiser).get(f"/trainings/{training.id}").get_data(as_text=True)
    assert f'href="/trainings/{training.id}/projector"' in page
    assert f'href="/trainings/{training.id}/attendance.xlsx"' in page
    if "scan.scanner" in app.view_functions:
        assert f'href="/trainings/{training.id}/scan"' in page


def test_no_marks_before_the_door_opens(app, crew, make_live_training):
    """Before check-in opens the roster offers no marking and says when it opens."""
    training = make_live_training(starts_in=timedelta(days=2))
    page = logged_in(app, crew.organiser).get(f"/trainings/{training.id}").get_data(as_text=True)
    assert "签到尚未开始" in page
    assert "手工签到…" not in page


def test_no_marks_a_day_after_the_end(app, crew, make_live_training):
    """A day after the end the roster is read-only and says why."""
    training = make_live_training(starts_in=timedelta(hours=-30), length=timedelta(hours=3))
    page = logged_in(app, crew.organiser).get(f"/trainings/{training.id}").get_data(as_text=True)
    assert "已无法补签" in page
    assert "手工签到…" not in page
