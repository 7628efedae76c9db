"""Operators can follow the portal: a JSON line per request, and Prometheus metrics."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys

import sqlalchemy as sa
from flask import g
from prometheus_client.parser import text_string_to_metric_families

from notifications import scheduler
from portal.checkin.codes import projector_mac, time_step
from portal.extensions import db
from portal.inbox.models import Delivery
from portal.observability import logs
from portal.timeutil import utcnow
from tests import factories
from tests.helpers import logged_in
from tests.notifications.push_service import PushServer
from tests.test_backup import _worker_with_a_pending_push, instance, run


def _sample(client, name: str, **labels) -> float:
    """Return one sample of /metrics (0 when the series has not appeared yet)."""
    page = client.get("/metrics")
    assert page.status_code == 200
    for family in text_string_to_metric_families(page.get_data(as_text=True)):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def _access_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "portal.access"]


def test_a_request_is_logged_once_with_its_id_user_route_status_and_duration(app, db, caplog):
    """One access line per request, as JSON, carrying who asked what and how it went."""
    worker = factories.new_worker(factories.new_street().communities[0])
    client = logged_in(app, worker)
    caplog.set_level(logging.INFO, logger="portal.access")
    caplog.clear()

    home = client.get("/")

    [line] = _access_lines(caplog)
    fields = json.loads(logs.json_formatter().format(line))
    assert fields["request_id"] == home.headers["X-Request-Id"]
    assert fields["user_id"] == worker.user_id
    assert (fields["route"], fields["method"], fields["status"]) == ("/", "GET", 200)
    assert isinstance(fields["duration_ms"], float) and fields["duration_ms"] > 0
    assert fields["level"] == "INFO" and fields["logger"] == "portal.access"
    assert fields["time"].endswith("+00:00")  # ISO 8601, UTC


def test_a_scan_link_s_code_never_reaches_the_logs(app, db, caplog):
    """The route template is logged, not the path: a QR code in a log could be replayed."""
    street = factories.new_street()
    worker = factories.new_worker(street.communities[0])
    training = factories.new_training_now(street)
    db.session.commit()
    step = time_step(utcnow())
    mac = projector_mac(training.checkin_secret, training.id, step)
    client = logged_in(app, worker)
    caplog.set_level(logging.DEBUG)

    answer = client.get(f"/c/{training.id}/{step}/{mac}")

    assert answer.status_code == 200
    formatter = logs.json_formatter()
    text = "\n".join(formatter.format(record) for record in caplog.records)
    assert mac not in text
    assert any(r.route.startswith("/c/<") for r in _access_lines(caplog))


def test_the_request_id_is_taken_when_sane_and_made_otherwise(client):
    """A proxy's X-Request-Id is carried through; anything odd is replaced by our own."""
    given = client.get("/login", headers={"X-Request-Id": "nginx-5f2a9c01"})
    assert given.headers["X-Request-Id"] == "nginx-5f2a9c01"
    odd = client.get("/login", headers={"X-Request-Id": "<script>x</script>"})
    assert odd.headers["X-Request-Id"] != "<script>x</script>"
    assert len(odd.headers["X-Request-Id"]) == 32


def test_json_lines_carry_the_request_id_of_every_record(app):
    """With PORTAL_LOG_FORMAT=json every record logged in a request is a JSON line with its id."""
    stream = io.StringIO()
    handler = logs.configure("json", stream=stream)
    try:
        with app.test_request_context("/"):
            app.preprocess_request()
            logging.getLogger("portal.training").warning("培训 %s 已满", 7)
            request_id = g.request_id
    finally:
        logging.getLogger().removeHandler(handler)
    [line] = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert line["message"] == "培训 7 已满" and line["request_id"] == request_id


def test_metrics_count_requests_and_check_ins(app, db):
    """A real scan moves the check-in counter by one, with its outcome; requests are timed."""
    street = factories.new_street()
    worker = factories.new_worker(street.communities[0])
    training = factories.new_training_now(street)
    db.session.commit()
    client = logged_in(app, worker)
    labels = {"via": "worker", "outcome": "checked_in"}
    before = _sample(client, "portal_checkins_total", **labels)
    step = time_step(utcnow())

    client.get(
        f"/c/{training.id}/{step}/{projector_mac(training.checkin_secret, training.id, step)}"
    )

    assert _sample(client, "portal_checkins_total", **labels) == before + 1
    timed = _sample(client, "portal_request_duration_seconds_count", route="/metrics")
    assert timed >= 1


def test_metrics_answer_only_the_allowed_addresses(client):
    """Anyone else gets 404, as if there were no such page."""
    assert client.get("/metrics").status_code == 200  # 127.0.0.1
    outside = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert outside.status_code == 404
    assert b"portal_" not in outside.data


def test_metrics_count_deliveries_and_the_scheduler_s_last_run(tmp_path):
    """A push delivered to the local push service counts as sent; a job run sets its time."""
    with instance(tmp_path, "metrics") as app, PushServer() as service:
        assert run(app, "push", "init").exit_code == 0
        _phone, note_id = _worker_with_a_pending_push(app, service)
        client = app.test_client()
        before = _sample(client, "portal_deliveries_total", channel="push", outcome="sent")

        scheduler.run_once(app)
        job = scheduler.build_scheduler(app).get_job("housekeeping")
        job.func(*job.args)

        # run_once also issues the reminders due at this hour of the day (outside quiet
        # hours the new worker may get some): the counter moves by what was recorded sent.
        with app.app_context():
            sent = db.session.scalars(
                sa.select(Delivery.notification_id).where(
                    Delivery.channel == "push", Delivery.status == "sent"
                )
            ).all()
        assert note_id in sent
        assert len(service.delivered()) == len(sent) and not service.errors()
        assert _sample(client, "portal_deliveries_total", channel="push", outcome="sent") == (
            before + len(sent)
        )
        last_run = _sample(
            client, "portal_scheduler_last_run_timestamp_seconds", job="housekeeping"
        )
        assert abs(last_run - utcnow().timestamp()) < 120
        with app.app_context():
            db.engine.dispose()


COUNT = "from portal.observability import metrics; metrics.count_checkin('trainer', 'checked_in')"
SHOW = "from portal.observability import metrics; print(metrics.exposition()[0].decode())"


def test_several_processes_add_up_with_a_multiprocess_dir(tmp_path):
    """gunicorn workers and the scheduler share PROMETHEUS_MULTIPROC_DIR: /metrics sums them."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _process in range(3):
        subprocess.run([sys.executable, "-c", COUNT], env=env, check=True)  # noqa: S603
    shown = subprocess.run(  # noqa: S603
        [sys.executable, "-c", SHOW], env=env, check=True, capture_output=True, text=True
    ).stdout
    wanted = 'portal_checkins_total{outcome="checked_in",via="trainer"} 3.0'
    assert wanted in shown
