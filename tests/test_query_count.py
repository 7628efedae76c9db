"""The home page runs a small, fixed number of queries, however many records a worker has."""

from __future__ import annotations

from datetime import date, timedelta

from portal.enums import AppraisalResult, CareKind, CareStatus, CertificateKind
from portal.models import CareRecord
from portal.timeutil import local_today
from tests.helpers import login

MAX_HOME_QUERIES = 10


def _fill(db, worker, n, make_training, attend, add_records):
    today = local_today()
    first = date(today.year, 1, 1)
    for i in range(n):
        attend(worker, make_training(on=first + timedelta(days=i % 300), hours="1"))
    add_records(
        worker,
        appraisals={2000 + i: AppraisalResult.QUALIFIED for i in range(min(n, 100))},
        certificates=[CertificateKind.OTHER] * min(n, 50),
        grade_changes=min(n, 50),
    )
    for i in range(n):
        db.session.add(
            CareRecord(
                worker_id=worker.user_id,
                kind=CareKind.FESTIVAL_VISIT,
                year=today.year,
                occurred_on=first + timedelta(days=i % 300),
                status=CareStatus.DONE,
            )
        )
    db.session.flush()


def test_home_query_count_does_not_grow_with_records(
    app, db, make_worker, make_training, attend, add_records, count_queries
):
    """A worker with 1 record of each kind and one with 500 cost the same few queries."""
    small, large = make_worker(), make_worker()
    _fill(db, small, 1, make_training, attend, add_records)
    _fill(db, large, 500, make_training, attend, add_records)

    counts = []
    for worker in (small, large):
        client = app.test_client()
        login(client, worker.user.phone)
        with count_queries() as statements:
            response = client.get("/")
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[0] <= MAX_HOME_QUERIES, counts
