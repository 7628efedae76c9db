"""The worker's home card: growth plan, mentor and talks; a mentor's mentees one tap away."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from flask import render_template

from portal.home import cards
from portal.timeutil import local_today


def _card(app, summary=None) -> str:
    home = SimpleNamespace(mentoring=summary) if summary is not None else SimpleNamespace()
    with app.test_request_context("/"):
        return render_template("mentoring/_home_card.html", home=home)


def test_a_new_workers_card_shows_growth_plan_mentor_and_sessions_to_confirm(app, db, scene, log):
    """A mentee in the first three years sees the plan, the mentor and what awaits confirmation."""
    log(scene.pairing)
    html = _card(app, cards.mentoring_summary(scene.mentee, local_today()))
    assert 'id="card-mentoring"' in html
    assert f"/mentoring/growth/{scene.mentee.user_id}" in html and "已完成 0 / 4 项" in html
    assert f"导师：{scene.mentor.user.name}" in html
    assert "1 条带教记录待确认" in html


def test_a_mentors_card_links_each_mentee(app, db, scene, log):
    """A mentor reaches a mentee's session form from home in one tap."""
    log(scene.pairing, held_on=local_today() - timedelta(days=40))
    html = _card(app, cards.mentoring_summary(scene.mentor, local_today()))
    assert f'href="/mentoring/mentees/{scene.mentee.user_id}"' in html
    assert scene.mentee.user.name in html
    assert '<strong class="warn">!</strong>' in html  # no session in 30 days


def test_a_workers_card_shows_talks_and_open_follow_ups(app, db, scene, hold):
    """A worker with a talk sees the last talk date and the open and overdue follow-ups."""
    hold(
        scene.leader,
        scene.worker,
        follow_ups=[
            ("体检", "社区", local_today() - timedelta(days=1)),
            ("补助", "街道", local_today() + timedelta(days=3)),
        ],
    )
    html = _card(app, cards.mentoring_summary(scene.worker, local_today()))
    assert 'href="/talks/mine"' in html
    assert "2 项跟进中" in html and "1 项逾期" in html


def test_no_card_without_data_or_before_it_is_wired(app, db, make_street, make_worker):
    """Nothing renders for a worker with nothing to show, nor when the home has no summary."""
    veteran = make_worker(street=make_street(), started_on=local_today() - timedelta(days=3000))
    assert "card-mentoring" not in _card(app, cards.mentoring_summary(veteran, local_today()))
    assert "card-mentoring" not in _card(app)
