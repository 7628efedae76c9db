"""The list of trainings one runs, and the fixed query cost of the list and roster pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.enums import AttendanceMethod, AudienceScope, OrganiserLevel, Role, TrainingKind
from portal.models import Training, TrainingAudience
from portal.timeutil import utcnow
from portal.training import operations as training_operations
from tests.helpers import HX, logged_in

# The session user, the page's own reads, and what the shared layout reads (notifications).
MAX_LIST_QUERIES = 7
MAX_ROSTER_QUERIES = 6


def _titles(page: str) -> list[str]:
    return re.findall(r'class="training-link" href="/trainings/\d+">([^<]+)</a>', page)


def test_upcoming_then_past_in_order(app, db, crew, make_live_training):
    """Upcoming and running trainings come first, soonest first; then past ones, newest first."""
    make_live_training(title="下周", starts_in=timedelta(days=7))
    make_live_training(title="明天", starts_in=timedelta(days=1))
    make_live_training(title="进行中", starts_in=timedelta(hours=-1))
    make_live_training(title="上月", starts_in=timedelta(days=-30))
    make_live_training(title="昨天", starts_in=timedelta(days=-1))
    page = logged_in(app, crew.organiser).get("/trainings").get_data(as_text=True)
    assert _titles(page) == ["进行中", "明天", "下周", "昨天", "上月"]
    assert page.count("进行中</span>") == 1  # the badge of the running one


def test_who_sees_which_trainings(app, db, crew, make_user, make_live_training):
    """Organiser and assigned trainer see theirs; the admin sees the street's; others nothing."""
    mine = make_live_training(title="周培训的", staff=())
    assisted = make_live_training(title="吴助教协助的", staff=(crew.assigned,))
    county = make_live_training(title="区里办的", staff=())
    county.organiser_id = None
    county.level = OrganiserLevel.COUNTY
    elsewhere_admin = make_user(Role.STREET_ADMIN, street=crew.outsider.community.street)
    db.session.flush()

    def titles(user):
        return set(_titles(logged_in(app, user).get("/trainings").get_data(as_text=True)))

    assert titles(crew.organiser) == {mine.title, assisted.title}
    assert titles(crew.assigned) == {assisted.title}
    assert titles(crew.admin) == {mine.title, assisted.title, county.title}
    assert titles(crew.bystander) == set()
    assert titles(elsewhere_admin) == set()


def test_live_counts_on_the_list(app, db, crew, make_live_training):
    """Each training shows how many of those expected have checked in."""
    training = make_live_training()
    make_live_training(
        title="全街道",
        starts_in=timedelta(days=2),
        audience=[TrainingAudience(scope=AudienceScope.STREET, street_id=crew.street.id)],
    )
    for worker in crew.workers[:2]:
        training_operations.check_in(
            training, worker, method=AttendanceMethod.SELF_SCAN, actor=worker.user
        )
    db.session.flush()
    page = logged_in(app, crew.organiser).get("/trainings").get_data(as_text=True)
    assert "已签到 2 / 4" in page
    assert "已签到 0 / 6" in page  # the whole street: five workers and the organiser


def test_past_trainings_are_paged(app, db, crew):
    """Past trainings come 30 to a page, with a link to older ones."""
    start = utcnow() - timedelta(days=40)
    for day in range(31):
        db.session.add(
            Training(
                title=f"往期{day:02d}",
                kind=TrainingKind.IN_SERVICE,
                level=OrganiserLevel.STREET,
                street_id=crew.street.id,
                organiser_id=crew.organiser.id,
                starts_at=start + timedelta(days=day),
                ends_at=start + timedelta(days=day, hours=2),
                place="街道会议室",
                credited_hours=2,
            )
        )
    db.session.flush()
    client = logged_in(app, crew.organiser)
    first = client.get("/trainings").get_data(as_text=True)
    assert len(_titles(first)) == 30 and _titles(first)[0] == "往期30"
    assert 'href="/trainings?page=2"' in first
    second = client.get("/trainings?page=2").get_data(as_text=True)
    assert _titles(second) == ["往期00"]
    assert 'href="/trainings?page=1"' in second and "page=3" not in second
    assert client.get("/trainings?page=-4").status_code == 200


def test_list_query_count_is_fixed(app, db, crew, make_user, make_live_training, count_queries):
    """The list costs the same few queries for 1 training as for 20."""
    counts = []
    for n in (1, 20):
        trainer = make_user(Role.TRAINER, street=crew.street)  # runs only this round's trainings
        for i in range(n):
            training = make_live_training(
                title=f"培训{i}", starts_in=timedelta(days=i - n // 2), staff=(trainer,)
            )
            training_operations.check_in(
                training, crew.workers[0], method=AttendanceMethod.MANUAL, actor=trainer,
                at=training.starts_at, enforce_list=False,
            )  # fmt: skip
        db.session.flush()
        client = logged_in(app, trainer)
        with count_queries() as statements:
            response = client.get("/trainings")
        assert response.status_code == 200
        assert len(_titles(response.get_data(as_text=True))) == n
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[0] <= MAX_LIST_QUERIES, counts


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "poll"])
def test_roster_query_count_is_fixed(
    app,
    db,
    crew,
    make_worker,
    make_street,
    make_live_training,
    join_request,
    count_queries,
    headers,
):
    """The roster costs the same few queries for 1 worker as for 20, with marks and requests."""
    counts = []
    client = logged_in(app, crew.organiser)
    for n in (1, 20):
        street = make_street()  # a community of its own each round
        community = street.communities[0]
        training = make_live_training(
            audience=[TrainingAudience(scope=AudienceScope.COMMUNITY, community_id=community.id)]
        )
        extra = [make_worker(community=crew.east) for _ in range(n)]
        expected = [make_worker(community=community) for _ in range(n)]
        for worker in expected:
            training_operations.check_in(
                training, worker, method=AttendanceMethod.TRAINER_SCAN, actor=crew.assigned
            )
        for worker in extra:
            join_request(training, worker)
        db.session.flush()
        with count_queries() as statements:
            response = client.get(f"/trainings/{training.id}", headers=headers)
        assert response.status_code == 200
        assert f"已签到 {n} / {n}" in response.get_data(as_text=True)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[0] <= MAX_ROSTER_QUERIES, counts
