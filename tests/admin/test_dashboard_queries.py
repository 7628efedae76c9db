"""The dashboard is a handful of queries whatever the size of the street (or district)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from portal.absence import rules as absence_rules
from portal.enums import AppraisalResult, CertificateKind, OrganiserLevel, Role
from portal.extensions import db
from portal.models import AbsenceDay, Appraisal, Certificate, MentorPairing, Talk
from portal.timeutil import local_today
from tests.admin.roster_support import build_team
from tests.factories import new_user, new_worker
from tests.helpers import logged_in


def _street_of(size: int, make_training, attend):
    """Return a team whose street has ``size`` workers, each with records of every kind."""
    team = build_team(workers=0)
    leader = new_user(Role.TALK_LEADER, street=team.street)
    training = make_training(on=local_today().replace(month=1, day=2), hours="8")
    county = make_training(on=date(local_today().year - 2, 3, 1), hours="8")
    county.level = OrganiserLevel.COUNTY
    published = datetime(2024, 1, 20, tzinfo=UTC)
    today = local_today()
    absent = absence_rules.working_days_between(today - timedelta(days=16), today)
    for i in range(size):
        worker = new_worker(
            team.east if i % 2 else team.west,
            exam_eligible_on=date(2022, 1, 1) if i % 3 == 0 else None,
            started_on=local_today() if i % 5 == 0 else date(2018, 3, 1),
        )
        attend(worker, training)
        if i % 3 == 1:  # the rotation's last county training
            attend(worker, county)
        db.session.add_all(
            [
                Appraisal(
                    worker_id=worker.user_id,
                    year=2023,
                    result=AppraisalResult.UNQUALIFIED if i % 4 == 0 else AppraisalResult.QUALIFIED,
                    published_at=published,
                ),
                Talk(worker_id=worker.user_id, leader_id=leader.id, held_on=local_today()),
            ]
        )
        if i % 2:
            db.session.add(
                Certificate(
                    worker_id=worker.user_id,
                    kind=CertificateKind.SOCIAL_WORKER,
                    number=f"Q{worker.user_id}",
                    issued_on=date(2020, 1, 1),
                )
            )
        if i % 4 == 1:  # 全科社工, and a second title for some
            db.session.add_all(
                [
                    Certificate(
                        worker_id=worker.user_id,
                        kind=CertificateKind.GENERALIST,
                        number=f"G{worker.user_id}",
                        issued_on=date(2021, 1, 1),
                    ),
                    Certificate(
                        worker_id=worker.user_id,
                        kind=CertificateKind.ASSISTANT_SOCIAL_WORKER,
                        number=f"A{worker.user_id}",
                        issued_on=date(2019, 1, 1),
                    ),
                ]
            )
        if i % 3 == 0:  # unexcused absence: some near or past the exit rule, read in one query
            db.session.add_all(
                AbsenceDay(worker_id=worker.user_id, day=day) for day in absent[: 8 + i % 5]
            )
        if i % 5 == 0 and i:
            db.session.add(
                MentorPairing(
                    mentor_id=leader.id, mentee_id=worker.user_id, starts_on=local_today()
                )
            )
    db.session.flush()
    return team


@pytest.mark.parametrize("path", ["/street/dashboard", "/street/dashboard/rotation"])
@pytest.mark.parametrize("who", ["admin", "district_admin"])
def test_dashboard_query_count_does_not_grow_with_the_team(
    app, db, make_training, attend, count_queries, who, path
):
    """5 workers or 60: the same number of queries, and only a handful."""
    counts = []
    for size in (5, 60):
        team = _street_of(size, make_training, attend)
        client = logged_in(app, getattr(team, who))
        with count_queries() as statements:
            response = client.get(path)
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 10, counts
