"""Who may see and change mentoring and talk records [domain §6].

Role pages (the mentor's, the talk leader's, the street admin's) answer 403 to users
without the role. A record the user may not see answers 404, like one that does not exist.

* A talk note: only the talk leader who held it, the worker it concerns and the street
  admin of that worker's street.
* A mentee: only their mentors (current or past pairings) and their street's admin.
* A street admin: only their own street.
"""

from __future__ import annotations

from collections.abc import Collection

from flask import abort

from portal.enums import Role
from portal.mentoring import rules
from portal.mentoring.models import MentorPairing, MentorSession, Talk, TalkFollowUp
from portal.people.models import User, WorkerProfile


def require_role(user: User, role: Role) -> None:
    """Refuse a role page (403) to a user without the role."""
    if not user.has_role(role):
        abort(403)


def admin_street_id(user: User) -> int:
    """Return the street a street admin runs, refusing (403) anyone else."""
    if not user.has_role(Role.STREET_ADMIN) or user.street_id is None:
        abort(403)
    return user.street_id


def is_street_admin_of(user: User, street_id: int | None) -> bool:
    """Return whether the user is the street admin of a street."""
    return (
        street_id is not None and user.street_id == street_id and user.has_role(Role.STREET_ADMIN)
    )


# -- talks ------------------------------------------------------------------------------------


def can_read_talk(user: User, talk: Talk, worker_street_id: int) -> bool:
    """Return whether a user may read a talk note: its leader, its worker, their street admin."""
    if user.id == talk.worker_id:
        return True
    if user.id == talk.leader_id and user.has_role(Role.TALK_LEADER):
        return True
    return is_street_admin_of(user, worker_street_id)


def read_is_audited(user: User, talk: Talk) -> bool:
    """Return whether reading this talk note must be written to the audit log."""
    return user.id != talk.worker_id


def can_talk_with(user: User, worker: WorkerProfile, communities: Collection[int]) -> bool:
    """Return whether a talk leader is responsible for a worker on the team."""
    return (
        user.has_role(Role.TALK_LEADER)
        and worker.community_id in communities
        and rules.in_talk_population(worker.status)
        and user.id != worker.user_id
    )


def can_update_follow_up(
    user: User, follow_up: TalkFollowUp, worker: WorkerProfile, communities: Collection[int]
) -> bool:
    """Return whether a user may change a follow-up's status.

    The leader who held the talk, a leader now responsible for the worker (the follow-up
    carries over to their next talk), or the worker's street admin.
    """
    if user.has_role(Role.TALK_LEADER) and (
        follow_up.talk.leader_id == user.id or worker.community_id in communities
    ):
        return True
    return is_street_admin_of(user, worker.community.street_id)


# -- mentoring -----------------------------------------------------------------------------------


def is_mentor_of(user: User, pairings: Collection[MentorPairing]) -> bool:
    """Return whether a user mentors or mentored the mentee of these pairings."""
    return user.has_role(Role.MENTOR) and any(p.mentor_id == user.id for p in pairings)


def can_log_session(user: User, pairing: MentorPairing | None) -> bool:
    """Return whether a user may log a session: the mentor of a current pairing."""
    return (
        pairing is not None
        and pairing.ends_on is None
        and pairing.mentor_id == user.id
        and user.has_role(Role.MENTOR)
    )


def can_edit_session(user: User, session: MentorSession) -> bool:
    """Return whether a user wrote this session (and may try to edit it)."""
    return session.mentor_id == user.id and user.has_role(Role.MENTOR)


def can_read_session(user: User, session: MentorSession, mentee_street_id: int) -> bool:
    """Return whether a user may see a session: its mentor, its mentee, their street admin."""
    return (
        can_edit_session(user, session)
        or user.id == session.mentee_id
        or is_street_admin_of(user, mentee_street_id)
    )


def can_view_growth(user: User, worker: WorkerProfile, pairings: Collection[MentorPairing]) -> bool:
    """Return whether a user may see a worker's growth plan: the worker, a mentor, the admin."""
    return (
        user.id == worker.user_id
        or is_mentor_of(user, pairings)
        or is_street_admin_of(user, worker.community.street_id)
    )


def can_edit_growth(user: User, worker: WorkerProfile, pairings: Collection[MentorPairing]) -> bool:
    """Return whether a user may fill in a growth plan: the worker or their current mentor."""
    if user.id == worker.user_id:
        return True
    return user.has_role(Role.MENTOR) and any(
        p.mentor_id == user.id and p.ends_on is None for p in pairings
    )
