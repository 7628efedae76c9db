"""Issuing: one inbox row per reminder key, ever; quiet hours delay push, not the inbox."""

from __future__ import annotations

import sqlalchemy as sa

from notifications import issue as issuing
from notifications.deliver import deliver_due
from notifications.reminders import Reminder
from portal.models import Delivery, Notification, NotificationSettings, ReminderLog
from tests.notifications.helpers import at


def _reminder(user_id: int, kind: str = "certificate_deadline", period: str = "d-90") -> Reminder:
    return Reminder(
        user_id=user_id,
        kind=kind,
        subject="certificate:2027-02-19",
        period=period,
        title="证书截止还有90天",
        body="请在2027年2月19日前取得社会工作者职业资格证书。",
        url=f"/workers/{user_id}/certificates",
    )


def _rows(db, model, user_id):
    return db.session.scalars(sa.select(model).where(model.user_id == user_id)).all()


def _deliveries(db, user_id):
    return db.session.scalars(
        sa.select(Delivery).join(Notification).where(Notification.user_id == user_id)
    ).all()


def test_two_runs_over_the_same_due_set_make_one_inbox_row_and_one_push(
    db, make_worker, push_config, push_service, subscribe, channels
):
    """Issuing and delivering twice (a restart, a re-run) leaves one notification and one push."""
    worker = make_worker()
    _sub, token = subscribe(worker.user_id, push_service)
    now = at("2026-11-21 10:00")
    for _run in range(2):
        found = channels()
        report = issuing.issue([_reminder(worker.user_id)], now=now, channels=found)
        db.session.commit()
        deliver_due(now=now, channels=found)
    assert len(_rows(db, Notification, worker.user_id)) == 1
    assert len(_rows(db, ReminderLog, worker.user_id)) == 1
    assert len(_deliveries(db, worker.user_id)) == 1
    assert report.issued == 0 and report.already == 1
    assert len(push_service.delivered(token)) == 1
    assert push_service.errors() == []


def test_the_same_reminder_twice_in_one_run_is_issued_once(db, make_worker):
    """Duplicates in one due set collapse to one key."""
    worker = make_worker()
    report = issuing.issue([_reminder(worker.user_id)] * 3, now=at("2026-11-21 10:00"))
    assert (report.due, report.issued) == (3, 1)
    assert len(_rows(db, Notification, worker.user_id)) == 1


def test_a_new_period_is_a_new_reminder(db, make_worker):
    """d-90 and then d-30 of the same deadline are two reminders."""
    worker = make_worker()
    now = at("2026-11-21 10:00")
    issuing.issue([_reminder(worker.user_id, period="d-90")], now=now)
    issuing.issue([_reminder(worker.user_id, period="d-30")], now=now)
    assert len(_rows(db, Notification, worker.user_id)) == 2


def test_log_row_points_at_its_inbox_row(db, make_worker):
    """The reminder log records which notification a key produced."""
    worker = make_worker()
    report = issuing.issue([_reminder(worker.user_id)], now=at("2026-11-21 10:00"))
    (log,) = _rows(db, ReminderLog, worker.user_id)
    assert log.notification_id == report.notification_ids[0]
    notification = db.session.get(Notification, log.notification_id)
    assert notification.title == "证书截止还有90天" and notification.read_at is None


def test_kinds_switched_off_are_not_issued_until_switched_back_on(db, make_worker):
    """A switched-off kind makes no inbox row and no log; switching it on brings it."""
    worker = make_worker()
    db.session.add(
        NotificationSettings(user_id=worker.user_id, disabled_kinds=["certificate_deadline"])
    )
    db.session.flush()
    now = at("2026-11-21 10:00")
    report = issuing.issue([_reminder(worker.user_id)], now=now)
    assert report.switched_off == 1 and report.issued == 0
    assert not _rows(db, Notification, worker.user_id)
    assert not _rows(db, ReminderLog, worker.user_id)

    db.session.get(NotificationSettings, worker.user_id).disabled_kinds = []
    db.session.flush()
    assert issuing.issue([_reminder(worker.user_id)], now=now).issued == 1


def test_quiet_hours_delay_push_but_not_the_inbox(
    db, make_worker, push_config, push_service, subscribe, channels
):
    """At 22:00 the inbox row exists at once; the push waits until 08:00 and then goes."""
    worker = make_worker()
    _sub, token = subscribe(worker.user_id, push_service)
    evening = at("2026-11-21 22:00")
    found = channels()
    issuing.issue([_reminder(worker.user_id)], now=evening, channels=found)
    db.session.commit()

    (notification,) = _rows(db, Notification, worker.user_id)
    assert notification.created_at == evening
    (delivery,) = _deliveries(db, worker.user_id)
    assert delivery.not_before == at("2026-11-22 08:00")

    deliver_due(now=at("2026-11-22 07:59"), channels=found)
    assert push_service.delivered(token) == []
    deliver_due(now=at("2026-11-22 08:00"), channels=found)
    assert len(push_service.delivered(token)) == 1


def test_each_users_own_quiet_hours(
    db, make_worker, push_config, push_service, subscribe, channels
):
    """A user who sleeps from 20:00 gets a 20:30 reminder's push in the morning at 07:00."""
    worker = make_worker()
    subscribe(worker.user_id, push_service)
    db.session.add(
        NotificationSettings(user_id=worker.user_id, quiet_start="20:00", quiet_end="07:00")
    )
    db.session.flush()
    issuing.issue([_reminder(worker.user_id)], now=at("2026-11-21 20:30"), channels=channels())
    (delivery,) = _deliveries(db, worker.user_id)
    assert delivery.not_before == at("2026-11-22 07:00")


def test_default_quiet_hours_come_from_the_config(db, app, monkeypatch, make_worker):
    """NOTIFY_QUIET_HOURS sets the window for users who never changed theirs."""
    monkeypatch.setitem(app.config, "NOTIFY_QUIET_HOURS", "22:30-06:30")
    worker = make_worker()
    settings = issuing.settings_for([worker.user_id])[worker.user_id]
    assert (settings.quiet_start, settings.quiet_end) == ("22:30", "06:30")


def test_no_delivery_rows_for_users_no_channel_reaches(
    db, make_worker, push_config, channels, wecom_service
):
    """A user without push subscription or WeCom id gets only the inbox row."""
    worker = make_worker()
    issuing.issue([_reminder(worker.user_id)], now=at("2026-11-21 10:00"), channels=channels())
    assert len(_rows(db, Notification, worker.user_id)) == 1
    assert _deliveries(db, worker.user_id) == []


def test_wecom_delivery_for_users_with_a_wecom_id(db, make_worker, channels, wecom_service):
    """A user with a WeCom id gets a WeCom delivery when WeCom is configured."""
    worker = make_worker()
    db.session.add(NotificationSettings(user_id=worker.user_id, wecom_userid="lixiaowen"))
    db.session.flush()
    report = issuing.issue(
        [_reminder(worker.user_id)], now=at("2026-11-21 10:00"), channels=channels()
    )
    assert report.deliveries == {"wecom": 1}
    assert [d.channel for d in _deliveries(db, worker.user_id)] == ["wecom"]


def test_notify_puts_a_message_in_the_inbox(db, make_worker):
    """Other modules can drop a one-off message (not a periodic reminder) into an inbox."""
    worker = make_worker()
    notification_id = issuing.notify(
        worker.user_id, kind="system", title="您的加入申请已通过", now=at("2026-11-21 10:00")
    )
    assert db.session.get(Notification, notification_id).title == "您的加入申请已通过"
    assert _rows(db, ReminderLog, worker.user_id) == []


def test_each_reminder_log_row_points_at_its_own_inbox_row(db, make_worker, monkeypatch):
    """Over several insert batches, and after keys issued before, every log links its row."""
    monkeypatch.setattr(issuing, "BATCH", 3)
    workers = [make_worker() for _ in range(4)]
    now = at("2026-11-21 10:00")
    periods = [f"d-{n}" for n in (90, 60, 30)]
    first = [_reminder(w.user_id, period=periods[0]) for w in workers]
    issuing.issue(first, now=now)
    db.session.commit()
    # A second run: the d-90 keys exist already; the new ones interleave with them.
    report = issuing.issue(
        [_reminder(w.user_id, period=p) for w in workers for p in periods], now=now
    )
    db.session.commit()
    assert (report.issued, report.already) == (8, 4)

    logs = db.session.execute(
        sa.select(
            ReminderLog.user_id, ReminderLog.period, Notification.user_id, Notification.id
        ).join(Notification, Notification.id == ReminderLog.notification_id)
    ).all()
    assert len(logs) == 12  # every log row is linked
    assert all(log_user == inbox_user for log_user, _period, inbox_user, _id in logs)
    assert len({notification_id for *_rest, notification_id in logs}) == 12
