"""Who may use the trainer pages: 403 for other roles, 404 for trainings one does not run."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.enums import RequestStatus, Role
from portal.models import Attendance, JoinRequest, Training
from portal.training.access import (
    can_create_training,
    can_run_training,
    worker_may_see_training,
)
from tests.helpers import logged_in, post_form

# Routes of one training; {w} is a worker on its list, {r} a pending join request.
TRAINING_GETS = [
    "/trainings/{t}",
    "/trainings/{t}/roster/{w}",
    "/trainings/{t}/attendance.xlsx",
]
TRAINING_POSTS = [
    ("/trainings/{t}/roster/{w}/present", {"reason": "forgot_phone"}),
    ("/trainings/{t}/roster/{w}/left-early", {}),
    ("/trainings/{t}/roster/{w}/check-out", {}),
    ("/trainings/{t}/check-out-all", {}),
    ("/trainings/{t}/join-requests/{r}/approve", {}),
    ("/trainings/{t}/join-requests/{r}/reject", {}),
]


@pytest.fixture
def setting(crew, make_live_training, join_request):
    """A running training with a pending join request from a worker not on its list."""
    training = make_live_training()
    request = join_request(training, crew.workers[3])
    return training, request


def _fill(path: str, crew, training, request) -> str:
    return path.format(t=training.id, w=crew.workers[0].user_id, r=request.id)


def _user(crew, make_user, make_street, who: str):
    other_street = make_street()
    return {
        "worker": lambda: crew.workers[1].user,
        "mentor": lambda: make_user(Role.MENTOR, street=crew.street),
        "talk_leader": lambda: make_user(Role.TALK_LEADER, street=crew.street),
        "admin_elsewhere": lambda: make_user(Role.STREET_ADMIN, street=other_street),
        "trainer_elsewhere": lambda: make_user(Role.TRAINER, street=other_street),
        "bystander_trainer": lambda: crew.bystander,
        "organiser": lambda: crew.organiser,
        "assigned_trainer": lambda: crew.assigned,
        "street_admin": lambda: crew.admin,
    }[who]()


ROLE_REFUSED = ["worker", "mentor", "talk_leader"]
NOT_THEIRS = ["admin_elsewhere", "trainer_elsewhere", "bystander_trainer"]
ALLOWED = ["organiser", "assigned_trainer", "street_admin"]


@pytest.mark.parametrize("who", ROLE_REFUSED)
@pytest.mark.parametrize("path", ["/trainings", "/trainings/new"])
def test_role_pages_refuse_other_roles(app, crew, make_user, make_street, who, path):
    """Workers, mentors and talk leaders get 403 on the trainer pages."""
    client = logged_in(app, _user(crew, make_user, make_street, who))
    response = client.get(path)
    assert response.status_code == 403
    assert "您无权访问此页面" in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ROLE_REFUSED)
def test_creating_is_refused_to_other_roles(app, db, crew, make_user, make_street, who):
    """Posting a new training without the trainer or admin role is refused and saves nothing."""
    client = logged_in(app, _user(crew, make_user, make_street, who))
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Training))
    response = post_form(client, "/trainings/new", {"title": "偷偷建的培训"})
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Training)) == before


@pytest.mark.parametrize("who", ROLE_REFUSED + NOT_THEIRS)
@pytest.mark.parametrize("path", TRAINING_GETS)
def test_training_pages_refused(app, crew, setting, make_user, make_street, who, path):
    """Other roles get 403; trainers and admins who do not run the training get 404."""
    training, request = setting
    client = logged_in(app, _user(crew, make_user, make_street, who))
    response = client.get(_fill(path, crew, training, request))
    assert response.status_code == (403 if who in ROLE_REFUSED else 404)


@pytest.mark.parametrize("who", ROLE_REFUSED + NOT_THEIRS)
@pytest.mark.parametrize(("path", "data"), TRAINING_POSTS)
def test_training_writes_refused(app, db, crew, setting, make_user, make_street, who, path, data):
    """A refused mark or decision changes nothing: no attendance, the request stays pending."""
    training, request = setting
    client = logged_in(app, _user(crew, make_user, make_street, who))
    response = post_form(client, _fill(path, crew, training, request), data)
    assert response.status_code == (403 if who in ROLE_REFUSED else 404)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0
    assert db.session.get(JoinRequest, request.id).status is RequestStatus.PENDING


@pytest.mark.parametrize("who", ALLOWED)
@pytest.mark.parametrize("path", TRAINING_GETS)
def test_training_pages_allowed(app, crew, setting, make_user, make_street, who, path):
    """The organiser, an assigned trainer and the street's admin open every training page."""
    training, request = setting
    client = logged_in(app, _user(crew, make_user, make_street, who))
    response = client.get(_fill(path, crew, training, request))
    assert response.status_code == 200


@pytest.mark.parametrize("who", ALLOWED)
def test_allowed_users_can_mark(app, db, crew, setting, make_user, make_street, who):
    """The organiser, an assigned trainer and the street's admin may mark a worker present."""
    training, request = setting
    user = _user(crew, make_user, make_street, who)
    client = logged_in(app, user)
    response = post_form(
        client,
        f"/trainings/{training.id}/roster/{crew.workers[0].user_id}/present",
        {"reason": "forgot_phone"},
    )
    assert response.status_code == 303
    attendance = db.session.scalar(sa.select(Attendance))
    assert attendance.recorded_by_id == user.id


def test_missing_training_is_404(app, crew):
    """A training that does not exist answers 404 to a trainer."""
    client = logged_in(app, crew.organiser)
    assert client.get("/trainings/999999").status_code == 404


def test_worker_off_the_roster_is_404(app, crew, make_live_training):
    """A worker who is neither expected nor present has no roster page."""
    training = make_live_training()
    client = logged_in(app, crew.organiser)
    assert client.get(f"/trainings/{training.id}/roster/{crew.outsider.user_id}").status_code == 404


def test_join_request_of_another_training_is_404(app, db, crew, make_live_training, join_request):
    """A join request is decided only through its own training."""
    mine, other = make_live_training(), make_live_training(title="另一场")
    request = join_request(other, crew.workers[3])
    client = logged_in(app, crew.organiser)
    response = post_form(client, f"/trainings/{mine.id}/join-requests/{request.id}/approve")
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(JoinRequest, request.id).status is RequestStatus.PENDING


def test_access_rules(crew, make_user, make_live_training):
    """A trainer who lost the role no longer runs the trainings they organised."""
    training = make_live_training()
    assert can_run_training(crew.organiser, training)
    assert can_create_training(crew.organiser)
    crew.organiser.role_rows = [r for r in crew.organiser.role_rows if r.role is not Role.TRAINER]
    assert not can_run_training(crew.organiser, training)
    assert not can_create_training(crew.organiser)
    street_less = make_user(Role.TRAINER, street=None)
    assert not can_create_training(street_less)


@pytest.mark.parametrize(
    ("same_street", "expected", "sees"),
    [
        (True, True, True),  # the street's, on the list
        (True, False, True),  # the street's, not on the list: may scan and ask to join
        (False, True, True),  # another street's that names the worker
        (False, False, False),  # another street's: 404, nothing about it
    ],
    ids=["street-listed", "street-not-listed", "other-street-listed", "other-street"],
)
def test_a_worker_sees_their_streets_trainings_and_those_that_list_them(
    same_street, expected, sees
):
    """A worker may see a training of their street or one whose audience includes them."""
    assert worker_may_see_training(same_street=same_street, expected=expected) is sees
