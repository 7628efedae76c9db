"""Concurrent scans: 50 threads for 20 workers at once leave exactly 20 attendance rows.

And one personal code scanned at two doors at once checks its owner in at one of them.

These tests need real commits from separate connections, so they do not use the
rolled-back `db` fixture: each builds its own database (SQLite file, or a throwaway
PostgreSQL database when TEST_DATABASE_URL says so), migrates it and commits its data.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import g, url_for
from flask_migrate import upgrade

from portal import config as portal_config
from portal import create_app
from portal.auth.operations import sign_in
from portal.checkin.codes import PERSONAL_STEP_SECONDS, projector_mac, time_step
from portal.checkin.operations import check_in_with_code
from portal.enums import (
    AttendanceMethod,
    AudienceScope,
    Education,
    HiringRoute,
    OrganiserLevel,
    PostType,
    Role,
    TrainingKind,
)
from portal.extensions import db
from portal.models import (
    Attendance,
    Community,
    District,
    PersonalCodeUse,
    Street,
    Training,
    TrainingAudience,
    User,
    UserRole,
    WorkerProfile,
)
from portal.timeutil import local_today, utcnow
from portal.training.operations import Outcome, check_in
from tests.conftest import FreshContextClient, fresh_database

THREADS = 50
WORKERS = 20
BARRIER_TIMEOUT = 20  # seconds: a thread that never arrives fails the test, not hangs it

_seq = itertools.count(1)


def _make_app(url: str, instance: str):
    """The test app with a pool as large as the thread count, so all 50 race at once."""
    config = portal_config.TestConfig(instance, database_url=url)
    config.SQLALCHEMY_ENGINE_OPTIONS = {
        **config.SQLALCHEMY_ENGINE_OPTIONS,
        "pool_size": THREADS,
        "max_overflow": 0,
        "pool_timeout": BARRIER_TIMEOUT,
    }
    app = create_app(config)
    app.test_client_class = FreshContextClient
    return app


@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    """An app on its own migrated database whose commits are real."""
    tmp = tmp_path_factory.mktemp("concurrency")
    with fresh_database(os.environ.get("TEST_DATABASE_URL"), tmp) as url:
        app = _make_app(url, str(tmp))
        with app.app_context():
            upgrade()
        yield app
        with app.app_context():
            db.engine.dispose()


def _seed(app) -> tuple[int, dict[int, str]]:
    """Commit a street with 20 workers and a training happening now for the street."""
    n = next(_seq)
    today = local_today()
    with app.app_context():
        street = Street(
            district=District(name=f"并发区{n}", policy_code="jiangsu"), name="并发街道"
        )
        community = Community(street=street, name="并发社区", population=10000)
        workers = []
        for i in range(WORKERS):
            user = User(
                phone=f"1370{n:03d}{i:04d}",
                name=f"并发工作者{n}-{i}",
                password_hash="!",  # noqa: S106 - never logs in with a password
                must_change_password=False,
                street=street,
                role_rows=[UserRole(role=Role.WORKER)],
            )
            workers.append(
                WorkerProfile(
                    user=user,
                    community=community,
                    post_type=PostType.STAFF,
                    grade=3,
                    community_work_started_on=today - timedelta(days=2000),
                    joined_on=today - timedelta(days=2000),
                    education=Education.BACHELOR,
                    hiring_route=HiringRoute.RECRUITED,
                )
            )
        db.session.add_all([street, community, *workers])
        db.session.flush()
        now = utcnow()
        training = Training(
            title=f"并发签到培训{n}",
            kind=TrainingKind.IN_SERVICE,
            level=OrganiserLevel.STREET,
            street_id=street.id,
            starts_at=now - timedelta(minutes=5),
            ends_at=now + timedelta(hours=2),
            place="街道会议室",
            credited_hours=Decimal("2"),
            audience=[TrainingAudience(scope=AudienceScope.STREET, street_id=street.id)],
        )
        db.session.add(training)
        db.session.commit()
        signed_in = {
            w.user_id: sign_in(w.user, user_agent="test", address="127.0.0.1", remember=False)
            for w in workers
        }
        db.session.commit()
        seeded = training.id, {user_id: s.session_id for user_id, s in signed_in.items()}
        db.session.remove()
    return seeded


def _rows(app, training_id: int) -> tuple[int, int]:
    """Return (attendance rows, distinct workers among them) of a training."""
    with app.app_context():
        total, distinct = db.session.execute(
            sa.select(sa.func.count(), sa.func.count(sa.distinct(Attendance.worker_id))).where(
                Attendance.training_id == training_id
            )
        ).one()
        db.session.remove()
    return total, distinct


def _run_together(job, args: list[tuple]) -> list:
    """Run job(*args) in one thread each, released together; return results or exceptions."""
    barrier = threading.Barrier(len(args), timeout=BARRIER_TIMEOUT)

    def released(*a):
        barrier.wait()
        return job(*a)

    with ThreadPoolExecutor(max_workers=len(args)) as pool:
        futures = [pool.submit(released, *a) for a in args]
        outcomes = []
        for future in futures:
            try:
                outcomes.append(future.result())
            except Exception as error:  # noqa: BLE001 - every failure is reported below
                outcomes.append(error)
    return outcomes


def _assignment(worker_ids: list[int]) -> list[int]:
    """Which worker each of the 50 threads scans for: every worker at least twice."""
    return [worker_ids[i % len(worker_ids)] for i in range(THREADS)]


def test_concurrent_check_ins_record_each_worker_once(live_app):
    """50 simultaneous self-scans for 20 workers give 20 rows and one 签到成功 per worker."""
    training_id, sessions = _seed(live_app)
    worker_ids = list(sessions)

    def scan(worker_id: int) -> tuple[int, Outcome]:
        with live_app.app_context():
            g._portal_writes = True  # what @writes does for a view: SQLite locks up front
            training = db.session.get(Training, training_id)
            worker = db.session.get(WorkerProfile, worker_id)
            result = check_in(
                training, worker, method=AttendanceMethod.SELF_SCAN, actor=worker.user
            )
            db.session.commit()
            return worker_id, result.outcome

    outcomes = _run_together(scan, [(w,) for w in _assignment(worker_ids)])

    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert errors == []
    assert {outcome for _w, outcome in outcomes} <= {Outcome.CHECKED_IN, Outcome.ALREADY}
    firsts = Counter(w for w, outcome in outcomes if outcome is Outcome.CHECKED_IN)
    assert firsts == dict.fromkeys(worker_ids, 1)
    assert _rows(live_app, training_id) == (WORKERS, WORKERS)


def _code_url(app, training_id: int) -> str:
    """The URL the projector shows now for a training (what the phone camera opens)."""
    with app.app_context():
        secret = db.session.get(Training, training_id).checkin_secret
        db.session.remove()
    step = time_step(utcnow())
    with app.test_request_context():
        return url_for(
            "checkin.scan_training",
            training_id=training_id,
            step=step,
            mac=projector_mac(secret, training_id, step),
        )


def test_concurrent_scans_of_the_projector_code_answer_every_phone(live_app):
    """50 phones of 20 logged-in workers open the code at once: 20 rows, 50 friendly 200s."""
    training_id, sessions = _seed(live_app)
    url = _code_url(live_app, training_id)

    def scan(worker_id: int) -> tuple[int, int, str]:
        client = live_app.test_client()
        with client.session_transaction() as session:  # logged in on this phone
            session["_user_id"] = sessions[worker_id]
            session["_fresh"] = True
        response = client.get(url)
        return worker_id, response.status_code, response.get_data(as_text=True)

    answers = _run_together(scan, [(w,) for w in _assignment(list(sessions))])

    assert [a for a in answers if isinstance(a, Exception)] == []
    assert Counter(status for _w, status, _page in answers) == {200: THREADS}
    said = Counter(
        "签到成功" if "签到成功" in page else "已签到" if "已签到" in page else page[:300]
        for _w, _s, page in answers
    )
    assert said == {"签到成功": WORKERS, "已签到": THREADS - WORKERS}
    firsts = Counter(w for w, _s, page in answers if "签到成功" in page)
    assert firsts == dict.fromkeys(sessions, 1)
    assert _rows(live_app, training_id) == (WORKERS, WORKERS)


def _twin_training(app, training_id: int) -> int:
    """Commit a second training of the same street, at the same time, expecting the street."""
    with app.app_context():
        first = db.session.get(Training, training_id)
        twin = Training(
            title=f"{first.title}（分会场）",
            kind=first.kind,
            level=first.level,
            street_id=first.street_id,
            starts_at=first.starts_at,
            ends_at=first.ends_at,
            place="社区活动室",
            credited_hours=first.credited_hours,
            audience=[TrainingAudience(scope=AudienceScope.STREET, street_id=first.street_id)],
        )
        db.session.add(twin)
        db.session.commit()
        twin_id = twin.id
        db.session.remove()
    return twin_id


def _code_uses(app, worker_ids: list[int]) -> list[tuple[int, int]]:
    """Return the claimed (worker, training) personal-code steps of some workers."""
    with app.app_context():
        claimed = db.session.execute(
            sa.select(PersonalCodeUse.worker_id, PersonalCodeUse.training_id).where(
                PersonalCodeUse.worker_id.in_(worker_ids)
            )
        ).all()
        db.session.remove()
    return [tuple(row) for row in claimed]


def test_one_personal_code_scanned_at_two_doors_at_once_checks_in_once(live_app):
    """50 racing trainer scans of 20 workers' codes at two trainings: each code counts once."""
    first_id, sessions = _seed(live_app)
    twin_id = _twin_training(live_app, first_id)
    worker_ids = list(sessions)
    step = time_step(utcnow(), PERSONAL_STEP_SECONDS)
    # Every worker's one code at both doors, and half of them twice at the first door.
    jobs = [(w, t) for w in worker_ids for t in (first_id, twin_id)]
    jobs += [(w, first_id) for w in worker_ids[: THREADS - len(jobs)]]

    def scan(worker_id: int, training_id: int) -> tuple[int, int, Outcome]:
        with live_app.app_context():
            g._portal_writes = True
            training = db.session.get(Training, training_id)
            worker = db.session.get(WorkerProfile, worker_id)
            result = check_in_with_code(training, worker, personal_step=step, actor=worker.user)
            if result.recorded:
                db.session.commit()
            else:
                db.session.rollback()
            return worker_id, training_id, result.outcome

    outcomes = _run_together(scan, jobs)

    assert [o for o in outcomes if isinstance(o, Exception)] == []
    assert {o for _w, _t, o in outcomes} <= {Outcome.CHECKED_IN, Outcome.ALREADY, Outcome.CODE_USED}
    winners = {w: t for w, t, o in outcomes if o is Outcome.CHECKED_IN}
    assert Counter(w for w, _t, o in outcomes if o is Outcome.CHECKED_IN) == dict.fromkeys(
        worker_ids, 1
    )
    for worker_id, training_id, outcome in outcomes:
        if outcome is Outcome.ALREADY:  # only a repeat at the door that won
            assert training_id == winners[worker_id]
        if outcome is Outcome.CODE_USED:
            assert training_id != winners[worker_id]
    first_rows, twin_rows = _rows(live_app, first_id), _rows(live_app, twin_id)
    assert first_rows[0] + twin_rows[0] == WORKERS
    assert sorted(_code_uses(live_app, worker_ids)) == sorted(winners.items())
