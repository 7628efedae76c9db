"""The demo's mentoring and talk records: consistent with the rules on any build date."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal import config as portal_config
from portal import create_app
from portal.demo import build_demo, build_mentoring_demo
from portal.enums import FollowUpStatus
from portal.extensions import db
from portal.mentoring import queries, rules
from portal.models import (
    MentorPairing,
    MentorSession,
    Talk,
    TalkResponsibility,
    User,
    WorkerProfile,
)
from portal.talks import queries as talks_queries
from portal.talks import rules as talks_rules


@pytest.fixture(scope="module", params=[date(2026, 11, 21), date(2027, 1, 1), date(2028, 2, 29)])
def demo(request, tmp_path_factory):
    """The demo street with its mentoring records, built on a given day."""
    tmp = tmp_path_factory.mktemp("mentoring-demo")
    config = portal_config.TestConfig(str(tmp), database_url=f"sqlite:///{tmp}/demo.db")
    app = create_app(config)
    with app.app_context():
        db.create_all()
        build_demo(password="Demo-pass-1", today=request.param)
        build_mentoring_demo(today=request.param)
        build_mentoring_demo(today=request.param)  # a second call adds nothing
        db.session.commit()
        yield request.param
        db.session.remove()
        db.engine.dispose()


def _user(phone: str) -> User:
    return db.session.scalar(sa.select(User).where(User.phone == phone))


def test_the_new_entrant_is_paired_with_the_demo_mentor(demo):
    """郑雨桐 (13900000105) is the current mentee of 陈国华 (13800000003), once."""
    mentor, mentee = _user("13800000003"), _user("13900000105")
    current = db.session.scalars(
        sa.select(MentorPairing).where(MentorPairing.ends_on.is_(None))
    ).all()
    assert [(p.mentor_id, p.mentee_id) for p in current] == [(mentor.id, mentee.id)]


def test_demo_sessions_and_talks_obey_the_rules(demo):
    """No session or talk lies in the future or before its pairing; talks stay in responsibility."""
    today = demo
    for session in db.session.scalars(sa.select(MentorSession)):
        pairing = db.session.get(MentorPairing, session.pairing_id)
        assert rules.session_date_problem(session.held_on, today, pairing.starts_on) is None
    leader = _user("13800000004")
    communities = set(
        db.session.scalars(
            sa.select(TalkResponsibility.community_id).where(
                TalkResponsibility.leader_id == leader.id
            )
        )
    )
    for talk in db.session.scalars(sa.select(Talk)):
        assert talk.held_on <= today
        worker = db.session.get(WorkerProfile, talk.worker_id)
        assert worker.community_id in communities
        assert talks_rules.in_talk_population(worker.status)


def test_the_demo_worker_has_an_overdue_follow_up_to_carry_over(demo):
    """李晓雯 (13800000001) had a talk last month whose open follow-up is overdue."""
    worker = _user("13800000001")
    carried = talks_queries.carried_over(worker.id, demo)
    assert [item.follow_up.status for item in carried] == [FollowUpStatus.OPEN]
    assert carried[0].overdue


def test_the_street_report_has_coverage_and_no_one_waits_for_a_mentor(demo):
    """This month about half the street has had a talk; the one new entrant has a mentor."""
    admin = _user("13800000005")
    report = queries.street_report(admin.street_id, demo.replace(day=1), demo)
    assert 40 <= report.coverage.percent <= 60
    assert [row.name for row in report.new_entrants] == ["郑雨桐"]
    assert report.awaiting_mentor == []
