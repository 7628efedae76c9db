"""The live roster in headless Chromium: inline marks, refused marks, self-refresh, search.

Runs on a small server of its own (one street, one running training), so nothing here
touches the demo street the other browser tests share; the browser is the session's one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from playwright.sync_api import Browser, expect

from portal.enums import (
    AttendanceMethod,
    AudienceScope,
    OrganiserLevel,
    Role,
    TrainingKind,
)
from portal.extensions import db
from portal.models import (
    Community,
    District,
    Street,
    Training,
    TrainingAudience,
    User,
)
from portal.timeutil import LOCAL_TZ
from portal.training import operations as training_operations
from tests.browser.conftest import PHONE, log_in, screenshot
from tests.conftest import make_test_app
from tests.factories import new_user, new_worker
from tests.helpers import PASSWORD
from tests.servers import serve

TRAINER = "13700009000"
WORKERS = {"13700009001": "陈晓燕", "13700009002": "林志明", "13700009003": "黄丽华"}


def _seed() -> int:
    street = Street(district=District(name="玄武区"), name="梅园新村街道")
    community = Community(street=street, name="长江路社区")
    db.session.add(street)
    db.session.flush()
    trainer = new_user(Role.TRAINER, street=street, phone=TRAINER, name="周培训")
    for phone, name in WORKERS.items():
        new_worker(community, phone=phone, name=name, started_on=date(2020, 3, 1))
    db.session.flush()
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=10)
    training = Training(
        title="社区矛盾纠纷调解实务",
        kind=TrainingKind.SPECIAL,
        level=OrganiserLevel.STREET,
        street_id=street.id,
        organiser_id=trainer.id,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place="梅园新村街道会议室",
        credited_hours=Decimal("2"),
    )
    training.audience.append(
        TrainingAudience(scope=AudienceScope.COMMUNITY, community_id=community.id)
    )
    db.session.add(training)
    db.session.commit()
    return training.id


@pytest.fixture(scope="module")
def roster_site(tmp_path_factory) -> Iterator[tuple[str, object, int]]:
    """Serve a street with a training running now; yield (URL, app, training id)."""
    tmp = tmp_path_factory.mktemp("training-roster")
    app = make_test_app(f"sqlite:///{tmp / 'roster.db'}", str(tmp))
    with app.app_context():
        upgrade()
        training_id = _seed()
    with serve(app) as url:
        yield url, app, training_id


def _check_in_behind_the_page(app, training_id: int, phone: str) -> None:
    """Check a worker in as if by their own scan (another phone, not this page)."""
    with app.app_context():
        worker = db.session.scalar(sa.select(User).where(User.phone == phone)).worker
        training = db.session.get(Training, training_id)
        training_operations.check_in(
            training, worker, method=AttendanceMethod.SELF_SCAN, actor=worker.user
        )
        db.session.commit()


def test_trainer_marks_on_the_live_roster(browser, roster_site):
    """Marks swap their row in place, refusals show in the row, and the roster refreshes itself."""
    _marks_on_the_live_roster(browser, *roster_site)


def _marks_on_the_live_roster(browser: Browser, url: str, app, training_id: int) -> None:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    log_in(page, url, TRAINER, PASSWORD)
    page.goto(f"{url}/trainings")
    page.get_by_role("link", name="社区矛盾纠纷调解实务").click()
    counts = page.locator(".roster-counts .big")
    expect(counts).to_have_text("已签到 0 / 3")
    page.evaluate("window.stillThisPage = true")  # gone if anything reloads the page

    # A mark without a reason is refused inside the row, with the message.
    row = page.locator("li.roster-row", has_text="林志明")
    row.get_by_role("link", name="手工签到…").click()
    row = page.locator("li.roster-row.editing", has_text="林志明")
    row.get_by_role("button", name="确认签到").click()
    expect(row.get_by_role("alert")).to_have_text("请选择手工签到的原因。")

    # With a reason the row shows the mark and the count goes up, without a reload.
    row.get_by_label("原因").select_option(label="忘带手机")
    row.get_by_role("button", name="确认签到").click()
    done = page.locator("li.roster-row", has_text="林志明")
    expect(done).to_contain_text("手工登记")
    expect(done).to_contain_text("由周培训记录")
    expect(counts).to_have_text("已签到 1 / 3")

    # Someone scans on their own phone: the roster shows it within a poll or two.
    _check_in_behind_the_page(app, training_id, "13700009003")
    expect(page.locator("li.roster-row", has_text="黄丽华")).to_contain_text(
        "本人扫码", timeout=12_000
    )
    expect(counts).to_have_text("已签到 2 / 3")

    # The search box narrows the roster, and keeps doing so across refreshes.
    page.get_by_label("查找人员").fill("陈晓")
    expect(page.locator("li.roster-row", has_text="林志明")).to_be_hidden()
    expect(page.locator("li.roster-row", has_text="陈晓燕")).to_be_visible()
    page.wait_for_timeout(6_000)  # one refresh later
    expect(page.locator("li.roster-row", has_text="林志明")).to_be_hidden()

    assert page.evaluate("window.stillThisPage") is True
    screenshot(page, "training-roster")
    context.close()


def test_trainer_creates_a_training(browser, roster_site):
    """The form takes local date-times and a searched, hand-picked worker; the roster follows."""
    _creates_a_training(browser, roster_site[0])


def _creates_a_training(browser: Browser, url: str) -> None:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    log_in(page, url, TRAINER, PASSWORD)
    page.goto(f"{url}/trainings/new")
    tomorrow = (datetime.now(LOCAL_TZ) + timedelta(days=1)).date().isoformat()
    page.get_by_label("培训名称").fill("新任社工岗前培训")
    page.get_by_label("培训类别").select_option(label="初任培训")
    page.get_by_label("开始时间").fill(f"{tomorrow}T14:00")
    page.get_by_label("结束时间").fill(f"{tomorrow}T17:30")
    page.get_by_label("地点").fill("梅园新村街道会议室")
    page.get_by_label("计入学时").fill("3.5")
    page.get_by_placeholder("按姓名或社区查找").fill("林志")
    expect(page.get_by_label("陈晓燕 · 长江路社区")).to_be_hidden()
    page.get_by_label("林志明 · 长江路社区").check()
    screenshot(page, "training-new")
    page.get_by_role("button", name="创建培训").click()

    expect(page.get_by_role("status")).to_have_text("培训已创建。")
    expect(page.get_by_role("heading", level=1)).to_have_text("新任社工岗前培训")
    expect(page.locator(".roster-counts .big")).to_have_text("已签到 0 / 1")
    expect(page.locator("dl.facts")).to_contain_text("14:00–17:30")
    context.close()
