"""Who may see and change mentoring records and growth plans [domain §6].

Role pages (the mentor's, the street admin's) answer 403 to users without the role
(``portal.people.access``). A record the user may not see answers 404, like one that
does not exist.

* A mentee: only their mentors (current or past pairings) and their street's admin.
* A street admin: only their own street.
"""

from __future__ import annotations

from collections.abc import Collection

from portal.enums import Role
from portal.mentoring.models import MentorPairing, MentorSession
from portal.people.access import is_street_admin_of
from portal.people.models import User, WorkerProfile


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
