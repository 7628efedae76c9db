"""The street admin approves or rejects (with a reason) the street's outside training."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.enums import RequestStatus, Role
from portal.models import AuditEntry, OutsideTraining
from tests.helpers import csrf_token, login

REVIEW = "/street/outside-training"


def _approve(client, submission_id):
    token = csrf_token(client, REVIEW)
    return client.post(f"{REVIEW}/{submission_id}/approve", data={"csrf_token": token})


def _reject(client, submission_id, reason):
    token = csrf_token(client, REVIEW)
    data = {f"s{submission_id}-csrf_token": token, f"s{submission_id}-reason": reason}
    return client.post(f"{REVIEW}/{submission_id}/reject", data=data)


def _fresh(db, submission) -> OutsideTraining:
    db.session.expire_all()
    return db.session.get(OutsideTraining, submission.id)


def test_admin_sees_pending_of_own_street_with_proof(
    client, street_team, submit_direct, make_worker
):
    """Pending submissions of the street's workers are listed with a thumbnail of the proof."""
    mine = submit_direct(street_team.worker)
    elsewhere = submit_direct(make_worker())
    elsewhere.title = "别的街道的课程"
    login(client, street_team.admin.phone)
    page = client.get(REVIEW).get_data(as_text=True)
    assert street_team.worker.user.name in page
    assert f'src="/uploads/{mine.proof_id}"' in page and 'class="proof-thumb"' in page
    assert "别的街道的课程" not in page and f"/uploads/{elsewhere.proof_id}" not in page


def test_approve_counts_and_is_audited(client, db, street_team, submit_direct):
    """Approving sets status, reviewer and time, and writes an audit entry."""
    submission = submit_direct(street_team.worker)
    login(client, street_team.admin.phone)
    response = _approve(client, submission.id)
    assert response.status_code == 303
    assert "已通过" in client.get(REVIEW).get_data(as_text=True)
    fresh = _fresh(db, submission)
    assert fresh.status == RequestStatus.APPROVED
    assert fresh.reviewer_id == street_team.admin.id and fresh.reviewed_at is not None
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.subject_id == submission.id)
    ).all()
    assert "outside_training_approved" in actions


def test_reject_needs_a_reason(client, db, street_team, submit_direct):
    """Rejecting without a reason is refused with a Chinese message and changes nothing."""
    submission = submit_direct(street_team.worker)
    login(client, street_team.admin.phone)
    response = _reject(client, submission.id, "   ")
    assert response.status_code == 422
    assert "请说明驳回原因" in response.get_data(as_text=True)
    assert _fresh(db, submission).status == RequestStatus.PENDING


def test_reject_with_reason_is_shown_to_the_worker(app, client, db, street_team, submit_direct):
    """A rejection stores the reason, and the worker reads it beside 已驳回."""
    submission = submit_direct(street_team.worker)
    login(client, street_team.admin.phone)
    assert _reject(client, submission.id, "证书照片看不清，请重新拍摄").status_code == 303
    fresh = _fresh(db, submission)
    assert fresh.status == RequestStatus.REJECTED
    assert fresh.review_reason == "证书照片看不清，请重新拍摄"
    assert fresh.reviewer_id == street_team.admin.id
    worker_client = app.test_client()
    login(worker_client, street_team.worker.user.phone)
    page = worker_client.get("/me/outside-training").get_data(as_text=True)
    assert "已驳回" in page and "证书照片看不清，请重新拍摄" in page


@pytest.mark.parametrize("first", ["approve", "reject"])
@pytest.mark.parametrize("second", ["approve", "reject"])
def test_decided_submission_cannot_be_decided_again(
    client, db, street_team, submit_direct, first, second
):
    """A second decision is refused with a clear message; the first one stands."""
    submission = submit_direct(street_team.worker)
    login(client, street_team.admin.phone)
    decide = {
        "approve": lambda: _approve(client, submission.id),
        "reject": lambda: _reject(client, submission.id, "不符合要求"),
    }
    assert decide[first]().status_code == 303
    before = _fresh(db, submission)
    status, reviewed_at = before.status, before.reviewed_at
    response = decide[second]()
    assert response.status_code == 409
    assert "已经审核过" in response.get_data(as_text=True)
    after = _fresh(db, submission)
    assert (after.status, after.reviewed_at) == (status, reviewed_at)


def _user(kind, street_team, make_user, make_street):
    return {
        "worker": lambda: street_team.worker.user,
        "trainer": lambda: street_team.trainer,
        "mentor": lambda: make_user(Role.MENTOR, street=street_team.street),
        "admin without street": lambda: make_user(Role.STREET_ADMIN),
    }[kind]()


@pytest.mark.parametrize("kind", ["worker", "trainer", "mentor", "admin without street"])
@pytest.mark.parametrize("action", ["list", "approve", "reject"])
def test_other_roles_are_refused(
    client, db, street_team, submit_direct, make_user, make_street, kind, action
):
    """Only a street admin may review: everyone else gets 403 and nothing changes."""
    submission = submit_direct(street_team.worker)
    login(client, _user(kind, street_team, make_user, make_street).phone)
    token = csrf_token(client, "/")
    if action == "list":
        response = client.get(REVIEW)
    else:
        data = {"csrf_token": token, f"s{submission.id}-reason": "x"}
        response = client.post(f"{REVIEW}/{submission.id}/{action}", data=data)
    assert response.status_code == 403
    assert _fresh(db, submission).status == RequestStatus.PENDING


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_admin_of_another_street_gets_404(
    client, db, street_team, submit_direct, make_user, make_street, action
):
    """Another street's admin cannot decide this street's submissions (404, unchanged)."""
    submission = submit_direct(street_team.worker)
    other = make_user(Role.STREET_ADMIN, street=make_street())
    login(client, other.phone)
    token = csrf_token(client, REVIEW)
    data = {"csrf_token": token, f"s{submission.id}-reason": "x"}
    response = client.post(f"{REVIEW}/{submission.id}/{action}", data=data)
    assert response.status_code == 404
    assert _fresh(db, submission).status == RequestStatus.PENDING


def test_approve_without_csrf_is_refused(client, db, street_team, submit_direct):
    """An approval posted without the CSRF token is refused and changes nothing."""
    submission = submit_direct(street_team.worker)
    login(client, street_team.admin.phone)
    response = client.post(f"{REVIEW}/{submission.id}/approve", data={})
    assert response.status_code == 400
    assert _fresh(db, submission).status == RequestStatus.PENDING


def test_review_page_queries_do_not_grow_with_submissions(
    app, street_team, submit_direct, count_queries
):
    """The review page costs the same few queries for 1 or 12 submissions."""
    login_client = app.test_client()
    login(login_client, street_team.admin.phone)
    counts = []
    for extra in (1, 11):
        for _ in range(extra):
            submit_direct(street_team.worker)
        with count_queries() as statements:
            assert login_client.get(REVIEW).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] and counts[0] <= 5, counts


def test_worker_page_queries_do_not_grow_with_submissions(
    app, street_team, submit_direct, count_queries
):
    """The worker's page costs the same few queries for 1 or 12 submissions."""
    worker_client = app.test_client()
    login(worker_client, street_team.worker.user.phone)
    counts = []
    for extra in (1, 11):
        for _ in range(extra):
            submit_direct(street_team.worker)
        with count_queries() as statements:
            assert worker_client.get("/me/outside-training").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] and counts[0] <= 4, counts
