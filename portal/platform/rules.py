"""What a change of a district's policy profile would change: pure functions, no db.

``rule_changes`` compares two profiles' rule listings (the 政策依据 lines) rule by rule;
``worker_changes`` runs the policy rules over the district's workers under both profiles
and counts whom the change touches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from portal.basis.listing import RuleSection
from portal.enums import AppraisalResult, HiringRoute, PostType
from portal.policy import rules
from portal.policy.model import PolicyProfile


@dataclass(frozen=True, slots=True)
class RuleChange:
    """One rule whose value differs: its section, name, and the value before and after."""

    key: str
    section: str
    rule: str
    old: str  # "" when the current profile has no such rule
    new: str  # "" when the chosen profile has no such rule


@dataclass(frozen=True, slots=True)
class WorkerFacts:
    """What the policy rules need of one worker on post."""

    worker_id: int
    post_type: PostType
    started_on: date
    hiring_route: HiringRoute
    exam_eligible_on: date | None
    certified: bool
    appraisals: Mapping[int, AppraisalResult]


@dataclass(frozen=True, slots=True)
class WorkerChanges:
    """How many of the district's workers on post a profile change touches, and how."""

    workers: int
    training_changed: int  # this year's training minimum differs
    newly_at_exit_risk: int  # no exit rule triggered or one away before, some after
    no_longer_at_exit_risk: int
    deadlines_moved: int  # uncertified, eligible: the certificate deadline moves
    newly_overdue: int  # uncertified: the deadline is past under the new profile only


def rule_changes(current: Sequence[RuleSection], chosen: Sequence[RuleSection]) -> list[RuleChange]:
    """Return the rules whose value differs between two listings, in the chosen one's order."""
    before = {line.key: line for section in current for line in section.lines}
    after = {line.key: (section.title, line) for section in chosen for line in section.lines}
    changes = []
    for key, (title, line) in after.items():
        old = before.get(key)
        if old is None or old.value != line.value:
            changes.append(RuleChange(key, title, line.rule, old.value if old else "", line.value))
    for section in current:
        for line in section.lines:
            if line.key not in after:
                changes.append(RuleChange(line.key, section.title, line.rule, line.value, ""))
    return changes


def _at_exit_risk(profile: PolicyProfile, worker: WorkerFacts) -> bool:
    return bool(rules.exit_risks(profile, worker.appraisals, hiring_route=worker.hiring_route))


def _required(profile: PolicyProfile, worker: WorkerFacts, today: date):
    new_entrant = worker.started_on.year == today.year
    return rules.annual_training_requirement(profile, worker.post_type, new_entrant=new_entrant)


def _overdue(profile: PolicyProfile, worker: WorkerFacts, today: date) -> bool:
    deadline = rules.certificate_deadline(profile, worker.exam_eligible_on)
    state = rules.certificate_state(profile, deadline, today, certified=worker.certified)
    return state.level is rules.CertLevel.OVERDUE


def worker_changes(
    current: PolicyProfile, chosen: PolicyProfile, workers: Iterable[WorkerFacts], today: date
) -> WorkerChanges:
    """Count the workers whose training minimum, exit risk or certificate deadline changes."""
    counted = training = newly_risk = no_longer_risk = moved = newly_overdue = 0
    for worker in workers:
        counted += 1
        if _required(current, worker, today) != _required(chosen, worker, today):
            training += 1
        before, after = _at_exit_risk(current, worker), _at_exit_risk(chosen, worker)
        newly_risk += after and not before
        no_longer_risk += before and not after
        if not worker.certified and worker.exam_eligible_on is not None:
            old_deadline = rules.certificate_deadline(current, worker.exam_eligible_on)
            new_deadline = rules.certificate_deadline(chosen, worker.exam_eligible_on)
            moved += old_deadline != new_deadline
            newly_overdue += _overdue(chosen, worker, today) and not _overdue(
                current, worker, today
            )
    return WorkerChanges(counted, training, newly_risk, no_longer_risk, moved, newly_overdue)
