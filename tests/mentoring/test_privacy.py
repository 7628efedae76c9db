"""Privacy, tested as a matrix over roles × records [domain §6].

A talk note: only its leader, its worker and the street admin of the worker's street; every
read by anyone but the worker is audited. Mentors: only their own mentees. Admins: only
their own street. Others get 404 for records (403 for role pages they lack the role for).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.enums import Role
from portal.models import AuditEntry, UserRole
from portal.timeutil import local_today
from tests.helpers import logged_in

ROLES = [
    "worker",  # the worker the talk concerns
    "mentee",
    "mentor",
    "other_mentor",  # a mentor of the same street, not this mentee's
    "leader",  # held the talk, responsible for the community
    "co_leader",  # also responsible for the community, did not hold the talk
    "other_leader",  # a talk leader of the same street, responsible for nothing
    "admin",
    "other_admin",  # admin of another street
    "bystander",  # another worker of the same street
    "platform_admin",  # sets up districts, streets and communities
]

# record → the status each role gets
MATRIX = {
    "talk": {
        "worker": 200,
        "mentee": 404,
        "mentor": 404,
        "other_mentor": 404,
        "leader": 200,
        "co_leader": 404,
        "other_leader": 404,
        "admin": 200,
        "other_admin": 404,
        "bystander": 404,
        "platform_admin": 404,  # sets up the tree, reads no record
    },
    "mentee_page": {
        "worker": 403,
        "mentee": 403,
        "mentor": 200,
        "other_mentor": 404,
        "leader": 403,
        "co_leader": 403,
        "other_leader": 403,
        "admin": 403,
        "other_admin": 403,
        "bystander": 403,
        "platform_admin": 403,  # sets up the tree, reads no record
    },
    "session_edit": {
        "worker": 403,
        "mentee": 403,
        "mentor": 200,
        "other_mentor": 404,
        "leader": 403,
        "co_leader": 403,
        "other_leader": 403,
        "admin": 403,
        "other_admin": 403,
        "bystander": 403,
        "platform_admin": 403,  # sets up the tree, reads no record
    },
    "growth_plan": {
        "worker": 404,
        "mentee": 200,
        "mentor": 200,
        "other_mentor": 404,
        "leader": 404,
        "co_leader": 404,
        "other_leader": 404,
        "admin": 200,
        "other_admin": 404,
        "bystander": 404,
        "platform_admin": 404,  # sets up the tree, reads no record
    },
    "pairing": {
        "worker": 403,
        "mentee": 403,
        "mentor": 403,
        "other_mentor": 403,
        "leader": 403,
        "co_leader": 403,
        "other_leader": 403,
        "admin": 200,
        "other_admin": 404,
        "bystander": 403,
        "platform_admin": 403,  # sets up the tree, reads no record
    },
    "next_talk": {  # the next talk's screen, with the carried-over follow-ups
        "worker": 403,
        "mentee": 403,
        "mentor": 403,
        "other_mentor": 403,
        "leader": 200,
        "co_leader": 200,
        "other_leader": 404,
        "admin": 403,
        "other_admin": 403,
        "bystander": 403,
        "platform_admin": 403,  # sets up the tree, reads no record
    },
}


@pytest.fixture
def cast(db, scene, make_user, make_worker, responsible, log, hold):
    """Everyone in the matrix, a talk with a follow-up, and a fresh session."""
    co_leader = make_user(Role.TALK_LEADER, street=scene.street)
    responsible(co_leader, scene.street.communities[0].id)
    people = {
        "worker": scene.worker,
        "mentee": scene.mentee,
        "mentor": scene.mentor,
        "other_mentor": scene.other_mentor,
        "leader": scene.leader,
        "co_leader": co_leader,
        "other_leader": scene.other_leader,
        "admin": scene.admin,
        "other_admin": scene.other_admin,
        "bystander": make_worker(street=scene.street),
        "platform_admin": make_user(Role.PLATFORM_ADMIN),
    }
    talk = hold(
        scene.leader,
        scene.worker,
        held_on=local_today() - timedelta(days=3),
        notes="母亲住院，想调班",
        follow_ups=[("协调调班", "王建国", local_today() + timedelta(days=3))],
    )
    session = log(scene.pairing)
    paths = {
        "talk": f"/talks/{talk.id}",
        "mentee_page": f"/mentoring/mentees/{scene.mentee.user_id}",
        "session_edit": f"/mentoring/sessions/{session.id}/edit",
        "growth_plan": f"/mentoring/growth/{scene.mentee.user_id}",
        "pairing": f"/street/mentoring/pairings/{scene.pairing.id}",
        "next_talk": f"/talks/new?worker={scene.worker.user_id}",
    }
    return people, paths, talk


def _reads(db, talk_id: int) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry).where(
                AuditEntry.action == "talk_note_read", AuditEntry.subject_id == talk_id
            )
        )
    )


@pytest.mark.parametrize("role", ROLES)
def test_privacy_matrix(db, cast, app, role):
    """Each role gets exactly the access the matrix states to each record."""
    people, paths, _talk = cast
    client = logged_in(app, people[role])
    got = {record: client.get(paths[record]).status_code for record in MATRIX}
    assert got == {record: MATRIX[record][role] for record in MATRIX}


@pytest.mark.parametrize("role", ROLES)
def test_talk_note_text_shows_only_where_allowed_and_reads_are_audited(db, cast, app, role):
    """The note's text appears only for allowed readers; each read but the worker's is audited."""
    people, paths, talk = cast
    response = logged_in(app, people[role]).get(paths["talk"])
    allowed = MATRIX["talk"][role] == 200
    assert ("母亲住院，想调班" in response.get_data(as_text=True)) is allowed
    reads = _reads(db, talk.id)
    if allowed and role != "worker":
        [entry] = reads
        user = people[role]
        assert entry.actor_id == getattr(user, "user_id", None) or entry.actor_id == user.id
        assert entry.detail == {"worker_id": talk.worker_id, "via": "talk"}
    else:
        assert reads == []


def test_every_read_is_audited_not_only_the_first(db, cast, app):
    """Three reads by the admin write three audit entries."""
    people, paths, talk = cast
    client = logged_in(app, people["admin"])
    for _ in range(3):
        assert client.get(paths["talk"]).status_code == 200
    assert len(_reads(db, talk.id)) == 3


def test_a_former_talk_leader_loses_access_to_their_notes(db, cast, app):
    """A leader whose talk-leader role was removed can no longer read the talks they held."""
    people, paths, talk = cast
    leader = people["leader"]
    leader.role_rows = [UserRole(role=Role.WORKER)]
    db.session.flush()
    assert logged_in(app, leader).get(paths["talk"]).status_code == 404
    assert _reads(db, talk.id) == []


@pytest.mark.parametrize(
    "role", ["other_mentor", "bystander", "other_admin", "other_leader", "platform_admin"]
)
def test_lists_do_not_leak_other_peoples_records(db, cast, app, role):
    """Role home pages never show the mentee's sessions or the worker's talk to outsiders."""
    people, _paths, _talk = cast
    client = logged_in(app, people[role])
    for path in ("/mentoring", "/talks", "/street/mentoring", "/talks/mine", "/mentoring/mine"):
        html = client.get(path).get_data(as_text=True)
        assert "母亲住院，想调班" not in html
        assert "调解邻里纠纷的步骤" not in html
