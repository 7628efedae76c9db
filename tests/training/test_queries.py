"""The trainer-side aggregate reads agree with the one-worker rule used at check-in."""

from __future__ import annotations

from portal.enums import AudienceScope, PostType, WorkerStatus
from portal.models import TrainingAudience
from portal.training import queries


def test_aggregate_counts_agree_with_is_expected(db, crew, make_live_training):
    """For every mix of audiences, the bulk counts and the roster match is_expected()."""
    sid = crew.street.id
    audiences = [
        [TrainingAudience(scope=AudienceScope.STREET, street_id=sid)],
        [TrainingAudience(scope=AudienceScope.COMMUNITY, community_id=crew.west.id)],
        [TrainingAudience(scope=AudienceScope.POST_TYPE, street_id=sid, post_type=PostType.HEAD)],
        [TrainingAudience(scope=AudienceScope.WORKER, worker_id=crew.outsider.user_id)],
        [  # overlapping rules: each worker counted once
            TrainingAudience(scope=AudienceScope.STREET, street_id=sid),
            TrainingAudience(scope=AudienceScope.COMMUNITY, community_id=crew.east.id),
            TrainingAudience(scope=AudienceScope.WORKER, worker_id=crew.workers[0].user_id),
        ],
    ]
    crew.workers[4].status = WorkerStatus.EXITED  # off post: expected nowhere
    crew.outsider.post_type = PostType.HEAD  # a head of another street
    trainings = [make_live_training(audience=rows) for rows in audiences]
    db.session.flush()
    everyone = [*crew.workers, crew.organiser.worker, crew.outsider]

    counts = queries.expected_counts([t.id for t in trainings])
    for training in trainings:
        expected = {w.user_id for w in everyone if queries.is_expected(training.id, w.user_id)}
        assert counts.get(training.id, 0) == len(expected) == queries.expected_count(training.id)
        roster = queries.roster(training.id)
        assert {row.worker_id for row in roster if row.expected} == expected
    assert [counts[t.id] for t in trainings] == [5, 1, 1, 1, 5]
    assert queries.expected_counts([]) == {} and queries.attended_counts([]) == {}
