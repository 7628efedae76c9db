"""The demo street built by `flask seed-demo`: logins, ranges, edge cases and the CLI."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal import config as portal_config
from portal import create_app
from portal.demo import build_demo, format_logins
from portal.enums import CertificateKind, PostType, Role
from portal.extensions import db
from portal.models import (
    Appraisal,
    Attendance,
    Certificate,
    Community,
    GradeChange,
    Street,
    Training,
    User,
    WorkerProfile,
)
from portal.people.access import can_view_worker
from portal.policy import rules
from portal.policy.profiles import load_profile
from portal.timeutil import LOCAL_TZ, local_date_of

TODAY = date(2026, 11, 21)
PASSWORD = "Demo-pass-1"
MAIN_STREET = "湖南路街道"
ONE_DAY = timedelta(days=1)


def _at_local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ)


def make_app(tmp_path):
    """Create an app on a fresh SQLite file with CSRF off (form posts from the test)."""
    config = portal_config.TestConfig(str(tmp_path), database_url=f"sqlite:///{tmp_path}/t.db")
    config.WTF_CSRF_ENABLED = False
    app = create_app(config)
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """One demo build shared by the read-only tests of this module."""
    app = make_app(tmp_path_factory.mktemp("demo"))
    with app.app_context():
        logins = build_demo(password=PASSWORD, today=TODAY)
        db.session.commit()
    app.config["TEST_DEMO_LOGINS"] = logins
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def ctx(demo_app):
    with demo_app.app_context():
        yield
        db.session.rollback()


def workers(street_name: str | None = None) -> list[WorkerProfile]:
    query = sa.select(WorkerProfile).options(
        joinedload(WorkerProfile.user),
        joinedload(WorkerProfile.community)
        .joinedload(Community.street)
        .joinedload(Street.district),
    )
    if street_name is not None:
        query = (
            query.join(WorkerProfile.community)
            .join(Community.street)
            .where(Street.name == street_name)
        )
    return list(db.session.scalars(query).unique())


def profile_of(worker: WorkerProfile):
    return load_profile(worker.community.street.district.policy_code)


def user(phone: str) -> User:
    return db.session.scalar(sa.select(User).where(User.phone == phone))


def certified_ids() -> set[int]:
    kinds = [k for k in CertificateKind if k.is_social_work_qualification]
    return set(
        db.session.scalars(sa.select(Certificate.worker_id).where(Certificate.kind.in_(kinds)))
    )


def history_of(worker_id: int) -> dict:
    rows = db.session.scalars(sa.select(Appraisal).where(Appraisal.worker_id == worker_id))
    return {row.year: row.result for row in rows}


def login(client, phone: str):
    return client.post("/login", data={"username": phone, "password": PASSWORD})


# -- logins ---------------------------------------------------------------------------------


def test_six_demo_logins_have_their_roles(ctx, demo_app):
    """Each demo phone number exists with its role; leaders and admins have no worker file."""
    main = db.session.scalar(sa.select(Street).where(Street.name == MAIN_STREET))
    expected = {
        "13800000001": {Role.WORKER},
        "13800000002": {Role.WORKER, Role.TRAINER},
        "13800000003": {Role.WORKER, Role.MENTOR},
        "13800000004": {Role.TALK_LEADER},
        "13800000005": {Role.STREET_ADMIN},
        "13800000006": {Role.PLATFORM_ADMIN},
    }
    for phone, roles in expected.items():
        account = user(phone)
        assert account is not None, phone
        assert account.roles == roles, phone
        # The platform admin sets up every district and belongs to no street.
        assert account.street_id == (None if Role.PLATFORM_ADMIN in roles else main.id)
        assert account.must_change_password is False
        assert account.check_password(PASSWORD)
        assert (account.worker is not None) == (Role.WORKER in roles)
    assert user("13800000003").worker.post_type in {PostType.HEAD, PostType.DEPUTY}
    assert user("13800000001").worker.post_type is PostType.STAFF
    logins = demo_app.config["TEST_DEMO_LOGINS"]
    assert [x.phone for x in logins] == list(expected)


def test_format_logins_shows_table_and_password_line(demo_app):
    """The printed table lists every login; a generated password says it is shown once."""
    logins = demo_app.config["TEST_DEMO_LOGINS"]
    text = format_logins(logins, password="s3cret-XY", generated=True)
    for entry in logins:
        assert entry.phone in text and entry.name in text and entry.role in text
    assert text.splitlines()[-1] == "password: s3cret-XY (generated; shown once)"
    given = format_logins(logins, password="s3cret-XY", generated=False)
    assert given.splitlines()[-1] == "password: s3cret-XY"


def test_demo_worker_logs_in_and_sees_their_name(demo_app):
    """13800000001 logs in with the demo password and the home page greets them by name."""
    client = demo_app.test_client()
    response = login(client, "13800000001")
    assert response.status_code == 302
    page = client.get("/")
    assert page.status_code == 200
    assert "李晓雯" in page.get_data(as_text=True)


def test_street_admin_sees_own_street_only(ctx, demo_app):
    """The main street's admin may open its workers' records but not the other district's."""
    admin = user("13800000005")
    own = workers(MAIN_STREET)
    other = workers("友谊路街道")
    assert other and all(can_view_worker(admin, w) for w in own)
    assert not any(can_view_worker(admin, w) for w in other)
    own_id, other_id = own[0].user_id, other[0].user_id
    db.session.rollback()
    client = demo_app.test_client()
    assert login(client, "13800000005").status_code == 302
    assert client.get(f"/workers/{other_id}/appraisals").status_code == 404
    assert client.get(f"/workers/{own_id}/appraisals").status_code == 200


# -- the roster -------------------------------------------------------------------------------


def test_main_street_has_about_sixty_workers_and_a_second_district(ctx):
    """About 60 workers in 湖南路街道 across three posts; another district has another profile."""
    main = workers(MAIN_STREET)
    assert 55 <= len(main) <= 65
    posts = Counter(w.post_type for w in main)
    assert 6 <= posts[PostType.HEAD] <= 10
    assert 12 <= posts[PostType.DEPUTY] <= 16
    assert posts[PostType.STAFF] > posts[PostType.DEPUTY]
    assert len({w.community_id for w in main}) == 5
    assert {w.community.street.district.policy_code for w in main} == {"jiangsu"}
    other = workers("友谊路街道")
    assert 5 <= len(other) <= 10
    assert {w.community.street.district.policy_code for w in other} == {"shanghai_baoshan"}
    phones = [w.user.phone for w in workers()]
    assert len(phones) == len(set(phones))


def test_every_worker_account_has_worker_role_and_its_street(ctx):
    """Every user with a worker profile holds the worker role and belongs to its street."""
    for worker in workers():
        assert Role.WORKER in worker.user.roles
        assert worker.user.street_id == worker.community.street_id


def test_every_grade_is_in_range_and_matches_its_history(ctx):
    """Grades fit the post type's range under the district's profile; history ends there."""
    changes: dict[int, list[GradeChange]] = {}
    for change in db.session.scalars(
        sa.select(GradeChange).order_by(GradeChange.changed_on, GradeChange.id)
    ):
        changes.setdefault(change.worker_id, []).append(change)
    for worker in workers():
        profile = profile_of(worker)
        rules.check_grade(profile, worker.post_type, worker.grade)
        history = changes.get(worker.user_id, [])
        for change in history:
            rules.check_grade(profile, change.to_post_type, change.to_grade)
            assert change.changed_on <= TODAY
        if history:
            assert history[0].from_grade is None
            assert all(h.from_grade is not None for h in history[1:])
            assert (history[-1].to_post_type, history[-1].to_grade) == (
                worker.post_type,
                worker.grade,
            )
            for before, after in zip(history, history[1:], strict=False):
                assert (after.from_post_type, after.from_grade) == (
                    before.to_post_type,
                    before.to_grade,
                )


def test_a_worker_sits_at_the_top_of_the_range(ctx):
    """At least one main-street worker has reached the top grade of their post type."""
    top = [
        w
        for w in workers(MAIN_STREET)
        if w.grade == rules.grade_range(profile_of(w), w.post_type).high
    ]
    assert "13900000101" in {w.user.phone for w in top}


# -- edge cases ----------------------------------------------------------------------------------


def test_an_overdue_certificate_deadline_exists(ctx):
    """One uncertified worker is past the 3-year certificate deadline; the demo worker is amber."""
    certified = certified_ids()
    levels = {}
    for worker in workers(MAIN_STREET):
        profile = profile_of(worker)
        deadline = rules.certificate_deadline(profile, worker.exam_eligible_on)
        state = rules.certificate_state(
            profile, deadline, TODAY, certified=worker.user_id in certified
        )
        levels[worker.user.phone] = state.level
    assert levels["13900000102"] is rules.CertLevel.OVERDUE
    assert list(levels.values()).count(rules.CertLevel.OVERDUE) == 1
    assert levels["13800000001"] is rules.CertLevel.AMBER
    share = sum(level is rules.CertLevel.CERTIFIED for level in levels.values()) / len(levels)
    assert 0.35 <= share <= 0.65


def test_a_worker_is_one_result_away_from_an_exit_rule(ctx):
    """Under the Jiangsu profile some worker is one result from exit; nobody has triggered it."""
    one_away = {}
    for worker in workers(MAIN_STREET):
        risks = rules.exit_risks(
            profile_of(worker), history_of(worker.user_id), hiring_route=worker.hiring_route
        )
        assert not any(risk.triggered for risk in risks)
        if any(risk.one_away for risk in risks):
            one_away[worker.user.phone] = {risk.rule_code for risk in risks}
    assert one_away == {"13900000103": {"unqualified_2y"}, "13900000104": {"basic_3y"}}


def test_new_entrant_and_empty_file_exist(ctx):
    """A worker started this year (no appraisals); another has nothing but the profile."""
    entrant = user("13900000105").worker
    assert entrant.community_work_started_on.year == TODAY.year
    assert history_of(entrant.user_id) == {}
    empty = user("13900000106").worker
    for model in (GradeChange, Appraisal, Attendance, Certificate):
        count = db.session.scalar(
            sa.select(sa.func.count()).select_from(model).where(model.worker_id == empty.user_id)
        )
        assert count == 0, model.__name__


def test_appraisals_are_unique_per_worker_year_and_published(ctx):
    """One published appraisal per worker and year, for the three years before this one."""
    rows = db.session.execute(sa.select(Appraisal.worker_id, Appraisal.year)).all()
    assert rows and len(rows) == len(set(rows))
    assert {year for _, year in rows} == {TODAY.year - 3, TODAY.year - 2, TODAY.year - 1}
    unpublished = db.session.scalar(
        sa.select(sa.func.count()).select_from(Appraisal).where(Appraisal.published_at.is_(None))
    )
    assert unpublished == 0


def test_training_hours_spread_and_upcoming_trainings(ctx):
    """Attendance credits the training's local date and hours; some are done, on pace, behind."""
    for attendance, training in db.session.execute(
        sa.select(Attendance, Training).join(Training, Training.id == Attendance.training_id)
    ):
        assert attendance.credited_on == local_date_of(training.starts_at)
        assert attendance.credited_hours == training.credited_hours
    main = db.session.scalar(sa.select(Street).where(Street.name == MAIN_STREET))
    upcoming = db.session.scalars(
        sa.select(Training).where(
            Training.street_id == main.id, Training.starts_at >= _at_local_midnight(TODAY + ONE_DAY)
        )
    ).all()
    assert len(upcoming) == 4
    first, last = date(TODAY.year, 1, 1), date(TODAY.year, 12, 31)
    states = Counter()
    for worker in workers(MAIN_STREET):
        hours = db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Attendance.credited_hours), 0)).where(
                Attendance.worker_id == worker.user_id,
                Attendance.credited_on.between(first, last),
            )
        )
        required = rules.annual_training_requirement(
            profile_of(worker),
            worker.post_type,
            new_entrant=worker.community_work_started_on.year == TODAY.year,
        )
        progress = rules.training_progress(required, hours, today=TODAY)
        states["done" if progress.done else "pace" if progress.on_pace else "behind"] += 1
    assert states["done"] and states["pace"] and states["behind"]


# -- the CLI -------------------------------------------------------------------------------------


def test_seed_demo_generates_a_password_then_refuses_a_populated_database(tmp_path):
    """Without --password one is generated and printed; a second run stops with a clear message."""
    app = make_app(tmp_path)
    runner = app.test_cli_runner()
    # The `flask` command pushes an app context itself; app.cli invoked directly does not.
    with app.app_context():
        first = runner.invoke(args=["seed-demo"])
        assert first.exit_code == 0, first.output
        assert "13800000001" in first.output
        assert "(generated; shown once)" in first.output
        second = runner.invoke(args=["seed-demo", "--password", PASSWORD])
        assert second.exit_code != 0
        assert "The database already has users" in second.output
        count = db.session.scalar(sa.select(sa.func.count()).select_from(WorkerProfile))
        assert 60 <= count < 80  # the refused second run added nothing
        db.engine.dispose()
