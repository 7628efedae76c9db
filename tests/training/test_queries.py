"""The trainer-side aggregate reads agree with the one-worker rule used at check-in."""

from __future__ import annotations

from portal.enums import AudienceScope, PostType, WorkerStatus
from portal.models import TrainingAudience
from portal.training import queries, roster_queries


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

    counts = roster_queries.expected_counts([t.id for t in trainings])
    for training in trainings:
        expected = {w.user_id for w in everyone if queries.is_expected(training.id, w.user_id)}
        assert counts.get(training.id, 0) == len(expected) == queries.expected_count(training.id)
        roster = roster_queries.roster(training.id)
        assert {row.worker_id for row in roster if row.expected} == expected
    assert [counts[t.id] for t in trainings] == [5, 1, 1, 1, 5]
    assert roster_queries.expected_counts([]) == {} and roster_queries.attended_counts([]) == {}


def test_worker_view_says_street_and_list_in_one_query(db, crew, make_live_training, count_queries):
    """worker_view() agrees with is_expected() and knows the street, for each mix of audiences."""
    sid = crew.street.id
    by_worker = [TrainingAudience(scope=AudienceScope.WORKER, worker_id=crew.outsider.user_id)]
    trainings = [
        make_live_training(),  # east community
        make_live_training(audience=[TrainingAudience(scope=AudienceScope.STREET, street_id=sid)]),
        make_live_training(audience=by_worker),  # names the worker of another street
    ]
    crew.workers[4].status = WorkerStatus.EXITED
    db.session.flush()
    everyone = [*crew.workers, crew.outsider]

    for training in trainings:
        for worker in everyone:
            with count_queries() as statements:
                view = queries.worker_view(training.id, worker.user_id)
            assert len(statements) == 1
            assert view.expected is queries.is_expected(training.id, worker.user_id)
            assert view.same_street is (worker is not crew.outsider)
            assert view.may_see is (view.same_street or view.expected)
    assert queries.worker_view(trainings[0].id, crew.admin.id) is None  # not a worker
    assert queries.worker_view(999_999, crew.workers[0].user_id) is None
