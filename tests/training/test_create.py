"""Creating a training: the organiser's street, local times, its audience."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.enums import AudienceScope, OrganiserLevel, PostType, TrainingKind
from portal.models import AuditEntry, Training, TrainingAudience, TrainingStaff
from portal.timeutil import LOCAL_TZ, local_now
from portal.training import queries, roster_queries
from tests.helpers import logged_in, post_form

_TOMORROW = (local_now() + timedelta(days=1)).date()


def _local(day_offset: int = 1, hour: int = 9, minute: int = 0) -> str:
    day = _TOMORROW + timedelta(days=day_offset - 1)
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}"


def _good(crew, **changes) -> dict:
    data = {
        "title": "  新任社工岗前培训  ",
        "kind": "induction",
        "level": "street",
        "starts_at": _local(hour=9),
        "ends_at": _local(hour=12),
        "place": "街道党群服务中心",
        "credited_hours": "3",
        "capacity": "",
        "communities": [str(crew.east.id)],
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_create_training(app, db, crew):
    """A trainer creates a training of their street; local times are stored as UTC."""
    client = logged_in(app, crew.organiser)
    response = post_form(client, "/trainings/new", _good(crew, capacity="40", credits_by_time="y"))
    assert response.status_code == 303
    training = db.session.scalar(sa.select(Training).order_by(Training.id.desc()))
    assert response.headers["Location"].endswith(f"/trainings/{training.id}")
    assert training.title == "新任社工岗前培训"
    assert training.kind is TrainingKind.INDUCTION
    assert training.level is OrganiserLevel.STREET
    assert training.street_id == crew.street.id
    assert training.organiser_id == crew.organiser.id
    start = datetime.combine(_TOMORROW, datetime.min.time(), LOCAL_TZ).replace(hour=9)
    assert training.starts_at == start.astimezone(UTC)
    assert training.starts_at.hour == 1  # 09:00 in Shanghai is 01:00 UTC
    assert training.ends_at - training.starts_at == timedelta(hours=3)
    assert training.credited_hours == Decimal("3.0")
    assert training.capacity == 40
    assert training.credits_by_time is True
    assert len(training.checkin_secret) == 64
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "training_created"))
    assert entry.actor_id == crew.organiser.id and entry.subject_id == training.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "培训已创建" in page
    assert "已签到 0 / 4" in page  # the east community: three workers and the organiser


def test_create_with_every_audience_kind(app, db, crew):
    """Street, communities, post types and named workers are all stored; trainers assigned."""
    client = logged_in(app, crew.admin)
    data = _good(
        crew,
        whole_street="y",
        communities=[str(crew.west.id)],
        post_types=["head", "deputy"],
        workers=[str(crew.workers[0].user_id)],
        trainers=[str(crew.organiser.id), str(crew.assigned.id)],
    )
    assert post_form(client, "/trainings/new", data).status_code == 303
    training = db.session.scalar(sa.select(Training).order_by(Training.id.desc()))
    rows = db.session.scalars(
        sa.select(TrainingAudience).where(TrainingAudience.training_id == training.id)
    ).all()
    scopes = sorted((r.scope, r.street_id, r.community_id, r.post_type, r.worker_id) for r in rows)
    sid = crew.street.id
    assert scopes == sorted(
        [
            (AudienceScope.STREET, sid, None, None, None),
            (AudienceScope.COMMUNITY, None, crew.west.id, None, None),
            (AudienceScope.POST_TYPE, sid, None, PostType.HEAD, None),
            (AudienceScope.POST_TYPE, sid, None, PostType.DEPUTY, None),
            (AudienceScope.WORKER, None, None, None, crew.workers[0].user_id),
        ]
    )
    staff = db.session.scalars(
        sa.select(TrainingStaff.user_id).where(TrainingStaff.training_id == training.id)
    ).all()
    assert sorted(staff) == sorted([crew.organiser.id, crew.assigned.id])
    # The whole street: the organiser (a worker too) and the five workers; once each.
    assert queries.expected_count(training.id) == 6
    assert roster_queries.expected_counts([training.id]) == {training.id: 6}


def test_online_training_needs_no_place(app, db, crew):
    """An online training may leave the place empty."""
    client = logged_in(app, crew.organiser)
    response = post_form(client, "/trainings/new", _good(crew, kind="online", place=""))
    assert response.status_code == 303


def test_form_offers_the_street_only(app, crew):
    """The form lists the street's communities, workers and other trainers, nobody else's."""
    client = logged_in(app, crew.organiser)
    page = client.get("/trainings/new").get_data(as_text=True)
    assert crew.east.name in page and "王五" in page and "吴助教" in page
    assert "外街道" not in page
    assert 'type="datetime-local"' in page


INVALID = [
    pytest.param({"title": "   "}, "title", "请填写培训名称", id="blank title"),
    pytest.param({"title": "培" * 201}, "title", "培训名称请勿超过200个字", id="long title"),
    pytest.param({"kind": "party"}, "kind", "请从给出的选项中选择", id="unknown kind"),
    pytest.param({"level": "planet"}, "level", "请从给出的选项中选择", id="unknown level"),
    pytest.param({"starts_at": ""}, "starts_at", "请填写开始时间", id="no start"),
    pytest.param({"starts_at": "明天上午"}, "starts_at", "请输入日期和时间", id="garbled start"),
    pytest.param(
        {"ends_at": _local(hour=8)}, "ends_at", "结束时间必须晚于开始时间", id="ends first"
    ),
    pytest.param({"ends_at": _local(day_offset=16)}, "ends_at", "最长14天", id="too long"),
    pytest.param(
        {"starts_at": "2015-03-01T09:00", "ends_at": "2015-03-01T12:00"},
        "ends_at",
        "已经结束",
        id="long over",
    ),
    pytest.param(
        {"starts_at": "2099-03-01T09:00", "ends_at": "2099-03-01T12:00"},
        "starts_at",
        "两年以后",
        id="years ahead",
    ),
    pytest.param({"place": "  "}, "place", "请填写培训地点", id="no place"),
    pytest.param({"credited_hours": ""}, "credited_hours", "请填写学时", id="no hours"),
    pytest.param(
        {"credited_hours": "三"}, "credited_hours", "请输入学时数", id="hours not a number"
    ),
    pytest.param({"credited_hours": "NaN"}, "credited_hours", "请输入学时数", id="hours NaN"),
    pytest.param({"credited_hours": "0.4"}, "credited_hours", "0.5至200", id="too few hours"),
    pytest.param({"credited_hours": "201"}, "credited_hours", "0.5至200", id="too many hours"),
    pytest.param({"credited_hours": "2.25"}, "credited_hours", "一位小数", id="two decimals"),
    pytest.param({"capacity": "0"}, "capacity", "1至100000", id="zero capacity"),
    pytest.param({"capacity": "-5"}, "capacity", "1至100000", id="negative capacity"),
    pytest.param({"capacity": "四十"}, "capacity", "请输入整数", id="capacity not a number"),
    pytest.param({"communities": None}, None, "请选择应参训人员", id="nobody expected"),
    pytest.param(
        {"communities": ["999999"]}, "communities", "只能从给出的选项中选择", id="foreign community"
    ),
    pytest.param(
        {"communities": ["东区"]}, "communities", "只能从给出的选项中选择", id="community not an id"
    ),
    pytest.param(
        {"post_types": ["boss"]}, "post_types", "只能从给出的选项中选择", id="unknown post type"
    ),
    pytest.param(
        {"workers": ["outsider"]}, "workers", "只能从给出的选项中选择", id="worker not an id"
    ),
]


@pytest.mark.parametrize(("change", "field", "message"), INVALID)
def test_invalid_input_saves_nothing(app, db, crew, change, field, message):
    """Each invalid field gets a Chinese message next to it, status 422, and nothing is saved."""
    client = logged_in(app, crew.organiser)
    before = (_count(db, Training), _count(db, TrainingAudience), _count(db, AuditEntry))
    response = post_form(client, "/trainings/new", _good(crew, **change))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert "请修改标出的项目" in page
    if field is not None:
        assert f'id="{field}-err"' in page
    assert (_count(db, Training), _count(db, TrainingAudience), _count(db, AuditEntry)) == before


def test_other_streets_people_cannot_be_chosen(app, db, crew):
    """Workers and trainers of another street are refused even when posted by hand."""
    client = logged_in(app, crew.organiser)
    data = _good(crew, workers=[str(crew.outsider.user_id)])
    response = post_form(client, "/trainings/new", data)
    assert response.status_code == 422
    assert _count(db, TrainingAudience) == 0


def test_input_is_kept_after_an_error(app, crew):
    """After an error the form shows what was typed, so nothing has to be retyped."""
    client = logged_in(app, crew.organiser)
    response = post_form(client, "/trainings/new", _good(crew, credited_hours="0"))
    page = response.get_data(as_text=True)
    assert "新任社工岗前培训" in page
    assert f'value="{_local(hour=9)}"' in page
    checked = f'<input checked id="communities-0" name="communities" type="checkbox" value="{crew.east.id}"'  # noqa: E501
    assert checked in page


def test_trainer_without_street_cannot_create(app, make_user):
    """A trainer not attached to a street has no street to create trainings for."""
    from portal.enums import Role

    client = logged_in(app, make_user(Role.TRAINER, street=None))
    assert client.get("/trainings/new").status_code == 403
    assert client.get("/trainings").status_code == 200
