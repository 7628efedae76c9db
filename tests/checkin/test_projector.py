"""The projector screen: who may open it, the code it shows, and the live count."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import unescape
from urllib.parse import urlsplit

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from portal.checkin.codes import check_projector_code, time_step
from portal.enums import AudienceScope, OrganiserLevel, Role, TrainingKind
from portal.models import Training, TrainingAudience, TrainingStaff
from portal.timeutil import utcnow
from tests.helpers import login

HX = {"HX-Request": "true"}
ROUTES = [
    "/trainings/{id}/projector",
    "/trainings/{id}/projector/code",
    "/trainings/{id}/projector/count",
]


@pytest.fixture
def setting(db, make_street, make_user, make_worker):
    """A street with a worker, an organiser, and a training happening now that expects them."""
    street = make_street()
    worker = make_worker(street=street)
    organiser = make_user(Role.TRAINER, street=street)
    start = utcnow() - timedelta(minutes=5)
    training = Training(
        title="居民议事协商实务",
        kind=TrainingKind.IN_SERVICE,
        level=OrganiserLevel.STREET,
        street_id=street.id,
        organiser_id=organiser.id,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place="街道会议室",
        credited_hours=Decimal("2"),
    )
    training.audience.append(TrainingAudience(scope=AudienceScope.STREET, street_id=street.id))
    db.session.add(training)
    db.session.flush()
    return {"street": street, "worker": worker, "organiser": organiser, "training": training}


def _user_for(who: str, setting, db, make_user, make_street):
    street, training = setting["street"], setting["training"]
    if who == "organiser":
        return setting["organiser"]
    if who == "assigned trainer":
        user = make_user(Role.TRAINER, street=street)
        db.session.add(TrainingStaff(training_id=training.id, user_id=user.id))
        db.session.flush()
        return user
    if who == "street admin":
        return make_user(Role.STREET_ADMIN, street=street)
    if who == "other trainer":
        return make_user(Role.TRAINER, street=street)
    if who == "worker":
        return setting["worker"].user
    if who == "other street's admin":
        return make_user(Role.STREET_ADMIN, street=make_street())
    raise AssertionError(who)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("organiser", True),
        ("assigned trainer", True),
        ("street admin", True),
        ("other trainer", False),
        ("worker", False),
        ("other street's admin", False),
    ],
)
def test_only_those_who_run_the_training_open_the_projector(
    client, db, setting, make_user, make_street, route, who, allowed
):
    """The organiser, assigned trainers and the street's admin see the projector; others get 404."""
    user = _user_for(who, setting, db, make_user, make_street)
    login(client, user.phone)
    response = client.get(route.format(id=setting["training"].id), headers=HX)
    assert response.status_code == (200 if allowed else 404)


@pytest.mark.parametrize("route", ROUTES)
def test_projector_needs_login(client, db, setting, route):
    """An anonymous visitor is sent to log in."""
    response = client.get(route.format(id=setting["training"].id))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_unknown_training_is_404(client, db, setting):
    """A projector for a training that does not exist answers 404."""
    login(client, setting["organiser"].phone)
    assert client.get("/trainings/999999/projector").status_code == 404


def _scan_url(page: str) -> str:
    match = re.search(r'data-scan-url="([^"]+)"', page)
    assert match, page[:3000]
    return unescape(match.group(1))


def _svg_to_image(svg: str, scale: int = 8) -> Image.Image:
    """Draw the QR code's SVG path (unit squares "Mx,yHx2Vy2Hx1z") on white, for a decoder."""
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    squares = re.findall(r"M(\d+),(\d+)H(\d+)V(\d+)H\d+z", svg)
    assert squares
    for x1, y1, x2, y2 in squares:
        box = [int(x1) * scale, int(y1) * scale, int(x2) * scale - 1, int(y2) * scale - 1]
        draw.rectangle(box, fill=0)
    return image


def test_code_fragment_is_a_qr_code_of_a_valid_absolute_url(client, db, setting):
    """The rotating fragment holds an SVG QR code that decodes to this step's valid scan URL."""
    training = setting["training"]
    login(client, setting["organiser"].phone)
    before = utcnow()
    response = client.get(f"/trainings/{training.id}/projector/code", headers=HX)
    after = utcnow()
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in page  # a fragment, not the whole page
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)

    url = _scan_url(page)
    [decoded] = zxingcpp.read_barcodes(_svg_to_image(svg))
    assert decoded.text == url
    parts = urlsplit(url)
    assert parts.scheme in {"http", "https"} and parts.netloc  # absolute: a camera opens it
    _, c, training_id, step, mac = parts.path.split("/")
    assert (c, int(training_id)) == ("c", training.id)
    assert time_step(before) <= int(step) <= time_step(after)
    check = check_projector_code(training.checkin_secret, training.id, int(step), mac, now=after)
    assert check.ok
    assert f'data-step="{step}"' in page


def test_projector_page_tells_the_script_the_server_time(client, db, setting):
    """The page embeds the server's time and step, the countdown, the title and the count."""
    training = setting["training"]
    login(client, setting["organiser"].phone)
    before = utcnow()
    page = client.get(f"/trainings/{training.id}/projector").get_data(as_text=True)
    after = utcnow()
    server_ms = int(re.search(r'data-server-now-ms="(\d+)"', page).group(1))
    assert before.timestamp() * 1000 - 1 <= server_ms <= after.timestamp() * 1000 + 1
    step = int(re.search(r'data-step="(\d+)"', page).group(1))
    assert step == time_step(datetime.fromtimestamp(server_ms / 1000, UTC))
    assert 'data-step-ms="15000"' in page
    assert re.search(r"data-seconds-left>\d+</span> 秒后刷新", page)
    assert training.title in page
    assert "已签到 0 / 1" in page
    assert re.search(r"js/projector\.[0-9a-f]{12}\.js", page) and "css/portal." in page


def test_refreshing_the_projector_keeps_the_same_code(client, db, setting, monkeypatch):
    """Two loads within one step show the same code: a refresh never invalidates codes."""
    moment = datetime.fromtimestamp(time_step(utcnow()) * 15 + 5, UTC)
    monkeypatch.setattr("portal.checkin.views.utcnow", lambda: moment)
    login(client, setting["organiser"].phone)
    path = f"/trainings/{setting['training'].id}/projector"
    first = _scan_url(client.get(path).get_data(as_text=True))
    second = _scan_url(client.get(path).get_data(as_text=True))
    assert first == second
    later = moment + timedelta(seconds=15)
    monkeypatch.setattr("portal.checkin.views.utcnow", lambda: later)
    assert _scan_url(client.get(path).get_data(as_text=True)) != first


def test_count_goes_up_after_a_check_in(app, client, db, setting):
    """The polled count reads 已签到 0 / 1, then 已签到 1 / 1 once the worker has scanned."""
    training = setting["training"]
    login(client, setting["organiser"].phone)
    count_path = f"/trainings/{training.id}/projector/count"
    assert "已签到 0 / 1" in client.get(count_path, headers=HX).get_data(as_text=True)

    url = _scan_url(
        client.get(f"/trainings/{training.id}/projector/code", headers=HX).get_data(as_text=True)
    )
    phone = app.test_client()
    login(phone, setting["worker"].user.phone)
    assert phone.get(urlsplit(url).path).status_code == 200

    fragment = client.get(count_path, headers=HX).get_data(as_text=True)
    assert "已签到 1 / 1" in fragment
    assert 'hx-trigger="every 3s"' in fragment  # keeps polling after the swap


@pytest.mark.parametrize("part", ["code", "count"])
def test_fragment_urls_opened_directly_go_to_the_projector_page(client, db, setting, part):
    """Opening a fragment URL in the address bar leads to the whole projector page."""
    training = setting["training"]
    login(client, setting["organiser"].phone)
    response = client.get(f"/trainings/{training.id}/projector/{part}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/trainings/{training.id}/projector"


def test_projector_fragments_take_a_handful_of_queries(client, db, setting, count_queries):
    """Each 15 s rotation and each 3 s count poll runs a handful of queries."""
    training = setting["training"]
    login(client, setting["organiser"].phone)
    for part in ("code", "count"):
        with count_queries() as statements:
            response = client.get(f"/trainings/{training.id}/projector/{part}", headers=HX)
        assert response.status_code == 200
        assert len(statements) <= 6, statements
