"""Who may hold, read and follow up 谈心日 talks [domain §6].

A talk note: only the talk leader who held it, the worker it concerns and the street
admin of that worker's street. A record the user may not see answers 404.
"""

from __future__ import annotations

from collections.abc import Collection

from portal.enums import Role
from portal.people.access import is_street_admin_of
from portal.people.models import User, WorkerProfile
from portal.talks import rules
from portal.talks.models import Talk, TalkFollowUp


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
