"""Each page runs the same few queries for 1 row as for 20; the home card adds at most 2."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.enums import FollowUpStatus, Role
from portal.home import cards
from portal.timeutil import local_today
from tests.helpers import logged_in

MAX_PAGE_QUERIES = 8


def _count(count_queries, client, path: str) -> int:
    with count_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(statements)


@pytest.fixture
def mentors_with(make_street, make_worker, pair, log, hold, responsible, make_user):
    """Build a street where a mentor has n mentees and a leader n workers, with records."""

    def build(n: int):
        street = make_street()
        mentor = make_worker(street=street, extra_roles=(Role.MENTOR,))
        leader = make_user(Role.TALK_LEADER, street=street)
        admin = make_user(Role.STREET_ADMIN, street=street)
        responsible(leader, street.communities[0].id)
        today = local_today()
        mentees, talks, pairings = [], [], []
        for i in range(n):
            mentee = make_worker(street=street, started_on=today - timedelta(days=100 + i))
            pairing = pair(mentor, mentee)
            pairings.append(pairing)
            for days in (3, 40):
                log(pairing, held_on=today - timedelta(days=days))
            talk = hold(
                leader,
                mentee,
                held_on=today - timedelta(days=35),
                follow_ups=[
                    ("事项", "社区", today - timedelta(days=2)),
                    ("事项二", "街道", today + timedelta(days=5), FollowUpStatus.DONE),
                ],
            )
            mentees.append(mentee)
            talks.append(talk)
        return mentor, leader, admin, mentees, talks, pairings

    return build


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("mentor", "/mentoring"),
        ("mentor", "/mentoring/mentees/{first}"),
        ("leader", "/talks"),
        ("leader", "/talks/new?worker={first}"),
        ("admin", "/street/mentoring"),
        ("mentee", "/mentoring/mine"),
        ("mentee", "/talks/mine"),
        ("mentee", "/mentoring/growth/{first}"),
        ("leader", "/talks/{talk}"),
        ("admin", "/talks/{talk}"),
        ("admin", "/street/mentoring/pairings/{pairing}"),
    ],
)
def test_page_queries_do_not_grow_with_rows(db, count_queries, app, mentors_with, who, path):
    """A role page costs the same handful of queries with 1 row as with 20."""
    counts = []
    for n in (1, 20):
        mentor, leader, admin, mentees, talks, pairings = mentors_with(n)
        user = {"mentor": mentor, "leader": leader, "admin": admin, "mentee": mentees[0]}[who]
        client = logged_in(app, user)
        ids = {"first": mentees[0].user_id, "talk": talks[0].id, "pairing": pairings[0].id}
        counts.append(_count(count_queries, client, path.format(**ids)))
    assert counts[0] == counts[1], counts
    assert counts[0] <= MAX_PAGE_QUERIES, counts


def test_home_summary_costs_one_query_and_a_second_for_mentors(
    db, count_queries, mentors_with, make_worker
):
    """The home card needs one query for a worker and one more for a mentor's mentees."""
    mentor, _leader, _admin, mentees, _talks, _pairings = mentors_with(20)
    today = local_today()
    with count_queries() as worker_statements:
        summary = cards.mentoring_summary(mentees[0], today)
    with count_queries() as mentor_statements:
        mentor_summary = cards.mentoring_summary(mentor, today)
    assert len(worker_statements) == 1
    assert len(mentor_statements) == 2
    assert summary.mentor_name == mentor.user.name
    assert summary.unconfirmed_sessions == 2
    assert (summary.open_follow_ups, summary.overdue_follow_ups) == (1, 1)
    assert summary.in_first_three_years and summary.visible
    assert len(mentor_summary.mentees) == 20
    assert mentor_summary.mentees[0].last_session_on == today - timedelta(days=3)


def test_home_summary_hides_the_card_when_there_is_nothing_to_show(db, make_street, make_worker):
    """A long-serving worker without mentor, mentees or talks gets no card."""
    worker = make_worker(street=make_street(), started_on=local_today() - timedelta(days=3000))
    assert not cards.mentoring_summary(worker, local_today()).visible
