"""What is due, read from the tables at a frozen moment: each kind's due and not-due cases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from notifications import reminders
from portal.enums import (
    AppraisalResult,
    AudienceScope,
    CareKind,
    CareStatus,
    CertificateKind,
    WorkerStatus,
)
from portal.models import Appraisal, CareRecord, TrainingAudience
from tests.notifications.helpers import at


def _for(due, user_id, kind=None):
    return [r for r in due if r.user_id == user_id and (kind is None or r.kind == kind)]


def _expect_street(db, training, street):
    db.session.add(
        TrainingAudience(training_id=training.id, scope=AudienceScope.STREET, street_id=street.id)
    )
    db.session.flush()


def test_training_tomorrow_reaches_expected_workers_only(
    db, make_street, make_worker, make_training
):
    """The evening before, workers on a training's list are reminded; others are not."""
    street, elsewhere = make_street(), make_street()
    expected = make_worker(street=street)
    other = make_worker(street=elsewhere)
    exited = make_worker(street=street)
    exited.status = WorkerStatus.EXITED
    training = make_training(on=date(2030, 5, 10), street=street, title="社区治理专题培训")
    _expect_street(db, training, street)

    due = reminders.collect_training_tomorrow(at("2030-05-09 18:30"))
    due = list(due)
    mine = _for(due, expected.user_id, "training_tomorrow")
    assert len(mine) == 1
    assert mine[0].subject == f"training:{training.id}"
    assert mine[0].period == "2030-05-10"
    assert "社区治理专题培训" in mine[0].title
    assert "09:00" in mine[0].body
    assert mine[0].url == f"/workers/{expected.user_id}/training"
    assert not _for(due, other.user_id) and not _for(due, exited.user_id)
    assert not list(reminders.collect_training_tomorrow(at("2030-05-09 17:59")))


def test_training_soon_is_high_urgency_and_points_to_the_check_in_code(
    db, make_street, make_worker, make_training
):
    """An hour before the start, expected workers get an urgent reminder with their code."""
    street = make_street()
    worker = make_worker(street=street)
    training = make_training(on=date(2030, 5, 10), street=street)
    _expect_street(db, training, street)

    assert not _for(list(reminders.collect_training_soon(at("2030-05-10 07:59"))), worker.user_id)
    due = _for(list(reminders.collect_training_soon(at("2030-05-10 08:00"))), worker.user_id)
    assert [(r.kind, r.period, r.urgency) for r in due] == [
        ("training_soon", "2030-05-10T09:00", "high")
    ]
    assert due[0].url == "/me/code"
    assert not list(reminders.collect_training_soon(at("2030-05-10 09:00")))


def test_certificate_deadline_reminder_for_uncertified_workers(db, make_worker, add_records):
    """90 days before the deadline (3 years after eligibility) the d-90 reminder is due."""
    now = at("2026-11-21 10:00")
    deadline = date(2026, 11, 21) + timedelta(days=90)
    eligible = deadline.replace(year=deadline.year - 3)
    owing = make_worker(exam_eligible_on=eligible)
    certified = make_worker(exam_eligible_on=eligible)
    add_records(certified, certificates=[CertificateKind.ASSISTANT_SOCIAL_WORKER])
    not_eligible = make_worker(exam_eligible_on=None)

    due = list(reminders.collect_certificate(now))
    mine = _for(due, owing.user_id)
    assert [(r.kind, r.subject, r.period) for r in mine] == [
        ("certificate_deadline", f"certificate:{deadline.isoformat()}", "d-90")
    ]
    assert "90" in mine[0].title
    assert not _for(due, certified.user_id) and not _for(due, not_eligible.user_id)


def test_certificate_overdue_is_urgent(db, make_worker):
    """After the deadline the overdue reminder is due, with high urgency."""
    overdue = make_worker(exam_eligible_on=date(2022, 1, 1))
    due = _for(list(reminders.collect_certificate(at("2026-11-21 10:00"))), overdue.user_id)
    assert [(r.period, r.urgency) for r in due] == [("overdue", "high")]


def test_training_pace_reminds_workers_behind_the_minimum(db, make_worker, make_training, attend):
    """By July a worker with no hours is behind pace; one with the whole minimum is not."""
    behind, done = make_worker(), make_worker()
    for day in (date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)):
        attend(done, make_training(on=day, hours="8"))
    due = list(reminders.collect_training_pace(at("2026-07-01 09:00")))
    mine = _for(due, behind.user_id)
    assert [(r.kind, r.subject, r.period) for r in mine] == [
        ("training_pace", "training-hours:2026", "2026-07")
    ]
    assert "24" in mine[0].body  # of 24 hours (3 days × 8) for 一般工作人员 in Jiangsu
    assert not _for(due, done.user_id)
    assert not list(reminders.collect_training_pace(at("2026-01-20 09:00")))


def test_appraisal_published_is_announced(db, make_worker):
    """A result published two days ago is announced to its worker."""
    worker, unpublished = make_worker(), make_worker()
    now = at("2026-03-10 09:00")
    db.session.add_all(
        [
            Appraisal(
                worker_id=worker.user_id,
                year=2025,
                result=AppraisalResult.EXCELLENT,
                published_at=now - timedelta(days=2),
            ),
            Appraisal(worker_id=unpublished.user_id, year=2025, result=AppraisalResult.QUALIFIED),
        ]
    )
    db.session.flush()
    due = list(reminders.collect_appraisal(now))
    assert [(r.kind, r.subject, r.period) for r in _for(due, worker.user_id)] == [
        ("appraisal_published", "appraisal:2025", "2025")
    ]
    assert not _for(due, unpublished.user_id)


def test_health_check_not_done_by_1_october(db, make_worker):
    """On 1 October a worker without this year's health check is reminded; one with it is not."""
    missing, checked = make_worker(), make_worker()
    db.session.add(
        CareRecord(
            worker_id=checked.user_id,
            kind=CareKind.HEALTH_CHECK,
            year=2026,
            occurred_on=date(2026, 5, 1),
            status=CareStatus.DONE,
        )
    )
    db.session.flush()
    assert not _for(list(reminders.collect_health_check(at("2026-09-30 09:00"))), missing.user_id)
    due = list(reminders.collect_health_check(at("2026-10-01 09:00")))
    assert [(r.subject, r.period) for r in _for(due, missing.user_id)] == [
        ("health-check:2026", "2026")
    ]
    assert not _for(due, checked.user_id)


def test_disabled_accounts_get_no_reminders(db, make_worker):
    """A disabled account (a worker who left) is not reminded of anything."""
    worker = make_worker(exam_eligible_on=date(2022, 1, 1))
    worker.user.is_enabled = False
    db.session.flush()
    assert not _for(list(reminders.collect_certificate(at("2026-11-21 10:00"))), worker.user_id)


def test_kind_codes_are_unique():
    """Registering a kind twice is a programming error caught at import."""
    with pytest.raises(ValueError):
        reminders.register(reminders.REGISTRY["health_check"])
