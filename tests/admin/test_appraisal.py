"""The appraisal grid: inline saves, publishing (each worker told once), changes after publishing.

Rows save through htmx (``HX-Request``) and answer with the row; a refused row answers
422 with the row showing why, and nothing changes.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.enums import AppraisalResult
from portal.extensions import db
from portal.models import Appraisal, AuditEntry, Notification
from portal.timeutil import local_today
from tests.admin.roster_support import build_team
from tests.helpers import csrf_token, logged_in

YEAR = local_today().year - 1
HX = {"HX-Request": "true"}


@pytest.fixture
def team(db):
    """A street with three workers, a sister street and another district."""
    return build_team(workers=3)


@pytest.fixture
def admin(app, team):
    """The street admin's client."""
    return logged_in(app, team.admin)


def _row_url(worker, year=YEAR) -> str:
    return f"/street/appraisals/{year}/workers/{worker.user_id}"


def save(client, worker, *, result="", score="", comment="", reason=None, year=YEAR, htmx=True):
    """Post one row of the grid as htmx does (the row's own fields, prefixed)."""
    prefix = f"w{worker.user_id}-"
    data = {
        prefix + "csrf_token": csrf_token(client, f"/street/appraisals?year={year}"),
        prefix + "result": result,
        prefix + "score": score,
        prefix + "comment": comment,
    }
    if reason is not None:
        data[prefix + "reason"] = reason
    return client.post(_row_url(worker, year), data=data, headers=HX if htmx else {})


def publish(client, year=YEAR):
    """Press the publish button."""
    token = csrf_token(client, f"/street/appraisals?year={year}")
    return client.post(f"/street/appraisals/{year}/publish", data={"csrf_token": token})


def appraisal(worker, year=YEAR) -> Appraisal | None:
    """Return a worker's stored result (fresh from the database)."""
    db.session.expire_all()
    return db.session.scalar(
        sa.select(Appraisal).where(Appraisal.worker_id == worker.user_id, Appraisal.year == year)
    )


def notices(worker) -> list[Notification]:
    """Return a worker's inbox rows about appraisals."""
    return db.session.scalars(
        sa.select(Notification).where(
            Notification.user_id == worker.user_id, Notification.kind == "appraisal_published"
        )
    ).all()


def entries(action: str) -> list[AuditEntry]:
    """Return the audit entries of an action."""
    return db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    ).all()


def test_grid_lists_every_worker_of_the_street_with_a_row_form(admin, team):
    """The grid has one saving row per worker of the street, none of the sister street."""
    page = admin.get(f"/street/appraisals?year={YEAR}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for worker in team.workers:
        assert f'id="row-{worker.user_id}"' in html
        assert f'hx-post="{_row_url(worker)}"' in html
    assert team.sister_worker.user.name not in html
    assert "X-CSRFToken" in html  # htmx sends the token in a header too


def test_row_saves_inline_and_answers_with_the_row(admin, team):
    """A changed row is saved at once and comes back as the row, marked saved."""
    worker = team.workers[0]
    response = save(admin, worker, result="excellent", score="95.5", comment="工作实绩突出")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith(f'<form id="row-{worker.user_id}"')
    assert "is-saved" in html and "已保存" in html
    assert 'id="publication" hx-swap-oob="true"' in html and "发布 1 条结果" in html
    stored = appraisal(worker)
    assert (stored.result, stored.score, stored.comment) == (
        AppraisalResult.EXCELLENT,
        Decimal("95.5"),
        "工作实绩突出",
    )
    assert stored.published_at is None  # hidden from the worker until published
    [entry] = entries("appraisal_created")
    assert (
        entry.detail["worker_id"] == worker.user_id
        and entry.detail["after"]["result"] == "excellent"
    )


def test_saving_the_same_values_changes_nothing(admin, team):
    """Saving a row unchanged says so and writes no audit entry."""
    worker = team.workers[0]
    save(admin, worker, result="qualified")
    response = save(admin, worker, result="qualified")
    assert response.status_code == 200 and "is-unchanged" in response.get_data(as_text=True)
    assert len(entries("appraisal_created")) == 1 and not entries("appraisal_updated")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"result": "excellent", "score": "101"}, "0 到 100"),
        ({"result": "excellent", "score": "9.55"}, "0 到 100"),
        ({"result": "excellent", "score": "abc"}, "0 到 100"),
        ({"result": "", "score": "80"}, "请同时选择考核等次"),
        ({"result": "superb"}, "请从列表中选择考核等次"),
        ({"result": "qualified", "comment": "长" * 501}, "最多 500 个字"),
    ],
)
def test_bad_row_is_refused_with_a_chinese_message_and_nothing_saved(admin, team, fields, message):
    """A bad score, a score without result, an unknown result: 422, reason shown, nothing saved."""
    worker = team.workers[0]
    response = save(admin, worker, **fields)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and "is-error" in html and "未保存" in html
    assert appraisal(worker) is None
    assert not entries("appraisal_created")


def test_row_without_htmx_redirects_back_to_the_grid(admin, team):
    """Without JavaScript the row form posts normally and the grid comes back."""
    response = save(admin, team.workers[0], result="qualified", htmx=False)
    assert response.status_code == 303
    assert f"year={YEAR}" in response.headers["Location"]
    assert appraisal(team.workers[0]).result is AppraisalResult.QUALIFIED


def test_publish_notifies_each_worker_once_and_a_second_publish_sends_nothing(admin, team):
    """Publishing shows the results and notifies each worker once; publishing again adds nothing."""
    for worker, result in zip(team.workers[:2], ["excellent", "basic"], strict=True):
        save(admin, worker, result=result)
    response = publish(admin)
    assert response.status_code == 303
    for worker in team.workers[:2]:
        assert appraisal(worker).published_at is not None
        [notice] = notices(worker)
        assert str(YEAR) in notice.title
    assert not notices(team.workers[2])  # no result, no notice
    assert len(entries("appraisals_published")) == 1

    again = publish(admin)
    assert again.status_code == 303
    for worker in team.workers[:2]:
        assert len(notices(worker)) == 1
    assert len(entries("appraisals_published")) == 1
    page = admin.get(again.headers["Location"]).get_data(as_text=True)
    assert "没有新的考核结果可发布" in page


def test_publish_touches_only_the_admins_street(app, admin, team):
    """Publishing the street's year leaves the sister street's results unpublished."""
    db.session.add(
        Appraisal(worker_id=team.sister_worker.user_id, year=YEAR, result=AppraisalResult.QUALIFIED)
    )
    save(admin, team.workers[0], result="qualified")
    publish(admin)
    assert appraisal(team.sister_worker).published_at is None
    assert not notices(team.sister_worker)


def test_worker_sees_the_result_on_their_home_only_after_publishing(app, admin, team):
    """The worker's appraisal page shows the year's result once published, not before."""
    worker = team.workers[0]
    save(admin, worker, result="excellent", comment="工作实绩突出")
    own = logged_in(app, worker.user)
    assert "工作实绩突出" not in own.get(f"/workers/{worker.user_id}/appraisals").get_data(
        as_text=True
    )
    publish(admin)
    assert "工作实绩突出" in own.get(f"/workers/{worker.user_id}/appraisals").get_data(as_text=True)


def test_scheduler_does_not_notify_again_after_publish(app, admin, team):
    """The scheduler's "result published" reminder finds the notice already issued."""
    from notifications.issue import issue
    from notifications.reminders import collect_appraisal
    from portal.timeutil import utcnow

    worker = team.workers[0]
    save(admin, worker, result="qualified")
    publish(admin)
    report = issue(list(collect_appraisal(utcnow())), now=utcnow())
    assert report.issued == 0 and report.already >= 1
    assert len(notices(worker)) == 1


def test_change_after_publishing_needs_a_reason_and_is_audited(admin, team):
    """After publishing, a change needs a reason; with one it is saved, audited and told."""
    worker = team.workers[0]
    save(admin, worker, result="qualified", score="80")
    publish(admin)
    grid = admin.get(f"/street/appraisals?year={YEAR}").get_data(as_text=True)
    assert f'name="w{worker.user_id}-reason"' in grid  # the reason box appears

    refused = save(admin, worker, result="excellent", score="80", reason="")
    assert refused.status_code == 422
    assert "请填写修改原因" in refused.get_data(as_text=True)
    assert appraisal(worker).result is AppraisalResult.QUALIFIED
    assert not entries("appraisal_updated")

    saved = save(admin, worker, result="excellent", score="90", reason="复核后更正")
    assert saved.status_code == 200
    assert appraisal(worker).result is AppraisalResult.EXCELLENT
    [entry] = entries("appraisal_updated")
    assert entry.detail["reason"] == "复核后更正" and entry.detail["published"] is True
    assert entry.detail["before"] == {"result": "qualified", "score": "80.0"}
    assert entry.detail["after"] == {"result": "excellent", "score": "90.0"}
    assert entry.actor_id == team.admin.id
    titles = [n.title for n in notices(worker)]
    assert len(titles) == 2 and any("更正" in t or "变更" in t for t in titles)


def test_result_entered_after_publishing_is_published_with_it(admin, team):
    """A late result in a published year needs a reason, is published at once and told once."""
    save(admin, team.workers[0], result="qualified")
    publish(admin)
    late = team.workers[1]
    assert save(admin, late, result="basic").status_code == 422
    assert appraisal(late) is None
    assert save(admin, late, result="basic", reason="补录").status_code == 200
    assert appraisal(late).published_at is not None
    assert len(notices(late)) == 1


def test_published_result_cannot_be_cleared(admin, team):
    """A published result can be corrected, not removed."""
    worker = team.workers[0]
    save(admin, worker, result="qualified")
    publish(admin)
    response = save(admin, worker, result="", reason="删除")
    assert response.status_code == 422
    assert appraisal(worker) is not None


def test_unpublished_result_can_be_cleared_and_the_removal_is_audited(admin, team):
    """Before publishing, choosing "—" removes a result; the audit keeps what it was."""
    worker = team.workers[0]
    save(admin, worker, result="basic")
    assert save(admin, worker, result="").status_code == 200
    assert appraisal(worker) is None
    [entry] = entries("appraisal_deleted")
    assert (
        entry.detail["before"]["result"] == "basic" and entry.detail["worker_id"] == worker.user_id
    )


def test_grid_year_outside_the_range_is_not_found(admin):
    """Years before 2000 or after this year have no grid."""
    assert admin.get("/street/appraisals?year=1999").status_code == 404
    assert admin.get(f"/street/appraisals?year={local_today().year + 1}").status_code == 404


def test_grid_query_count_does_not_grow_with_the_street(app, db, count_queries):
    """The grid is the same handful of queries for 5 workers as for 40."""
    counts = []
    for size in (5, 40):
        team = build_team(workers=size)
        client = logged_in(app, team.admin)
        with count_queries() as statements:
            assert client.get(f"/street/appraisals?year={YEAR}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert counts[0] <= 10


def test_grid_row_markup_has_labels_for_each_field(admin, team):
    """Every input of a row has a label that names the worker (screen readers)."""
    html = admin.get(f"/street/appraisals?year={YEAR}").get_data(as_text=True)
    worker = team.workers[0]
    for name in ("result", "score", "comment"):
        assert re.search(
            rf'<label for="w{worker.user_id}-{name}">[^<]*<span class="vh"> · {worker.user.name}',
            html,
        )


# -- paging, community filter and search ------------------------------------------------


def _rows_shown(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'<form id="row-(\d+)" class="grid-row', html)}


@pytest.fixture
def big_team(db):
    """A street with 53 workers: two pages of the grid."""
    return build_team(workers=53)


def test_grid_shows_50_rows_a_page_and_links_to_the_next(app, big_team):
    """A large street is paged by 50: the first page links to the second, which has the rest."""
    client = logged_in(app, big_team.admin)
    first = client.get(f"/street/appraisals?year={YEAR}").get_data(as_text=True)
    assert len(_rows_shown(first)) == 50
    assert "第 1 / 2 页" in first
    assert f'href="/street/appraisals?year={YEAR}&amp;page=2">下一页' in first
    second = client.get(f"/street/appraisals?year={YEAR}&page=2").get_data(as_text=True)
    assert len(_rows_shown(second)) == 3 and "上一页" in second
    everyone = {w.user_id for w in big_team.workers}
    assert _rows_shown(first) | _rows_shown(second) == everyone
    # the counts and the publish button are about the whole street, not the page
    assert "53 名社工中已录入 0 名" in second


@pytest.mark.parametrize(
    ("query", "page_shown"),
    [("page=abc&community=x", 1), ("page=-3", 1), ("page=99", 2), ("community=999999", 1)],
)
def test_a_garbled_or_stale_grid_link_shows_the_nearest_page(app, big_team, query, page_shown):
    """A bad page or community in the link is not an error: the nearest page, all communities."""
    client = logged_in(app, big_team.admin)
    response = client.get(f"/street/appraisals?year={YEAR}&{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"第 {page_shown} / 2 页" in html
    assert len(_rows_shown(html)) == (50 if page_shown == 1 else 3)


def test_community_filter_narrows_the_grid_to_a_community(admin, team):
    """Choosing a community shows only its workers."""
    html = admin.get(f"/street/appraisals?year={YEAR}&community={team.east.id}").get_data(
        as_text=True
    )
    east = {w.user_id for w in team.workers if w.community_id == team.east.id}
    assert east and _rows_shown(html) == east
    assert f'<option value="{team.east.id}" selected>{team.east.name}</option>' in html


@pytest.mark.parametrize("by", ["name", "phone", "staff_no"])
def test_search_finds_a_worker_by_name_phone_or_staff_number(admin, team, by):
    """The one search box finds a worker by name, phone number or staff number."""
    worker = team.workers[1]
    needle = getattr(worker.user, by)
    html = admin.get("/street/appraisals", query_string={"year": YEAR, "q": needle}).get_data(
        as_text=True
    )
    assert _rows_shown(html) == {worker.user_id}
    assert "共 1 人" in html


def test_search_without_a_match_says_so(admin):
    """A search that matches no one says so."""
    html = admin.get(f"/street/appraisals?year={YEAR}&q=无此人").get_data(as_text=True)
    assert not _rows_shown(html) and "没有符合条件的社工" in html


def test_a_worker_of_another_street_never_appears(admin, team):
    """Searching for, or filtering by the community of, another street's worker shows none."""
    for other in (team.sister_worker, team.other_worker):
        found = admin.get("/street/appraisals", query_string={"year": YEAR, "q": other.user.name})
        html = found.get_data(as_text=True)
        assert not _rows_shown(html) and "没有符合条件的社工" in html
        assert f"/street/workers/{other.user_id}" not in html
        html = admin.get(f"/street/appraisals?year={YEAR}&community={other.community_id}").get_data(
            as_text=True
        )
        assert other.user.name not in html  # a foreign community is ignored: the own street
        assert _rows_shown(html) == {w.user_id for w in team.workers}


def test_saving_without_htmx_returns_to_the_same_view(app, big_team):
    """A row saved from page 2 of a community, searched, comes back to that view."""
    client = logged_in(app, big_team.admin)
    view = f"year={YEAR}&community={big_team.west.id}&q=%E7%A4%BE%E5%B7%A5"
    html = client.get(f"/street/appraisals?{view}").get_data(as_text=True)
    worker_id = sorted(_rows_shown(html))[0]
    action = re.search(rf'<form id="row-{worker_id}"[^>]*action="([^"]+)"', html, re.S)
    action_url = action.group(1).replace("&amp;", "&")
    assert f"community={big_team.west.id}" in action_url and "q=" in action_url
    prefix = f"w{worker_id}-"
    response = client.post(
        action_url,
        data={
            prefix + "csrf_token": csrf_token(client, f"/street/appraisals?{view}"),
            prefix + "result": "qualified",
            prefix + "score": "",
            prefix + "comment": "",
        },
    )
    assert response.status_code == 303
    location = response.headers["Location"]
    assert f"community={big_team.west.id}" in location and "q=" in location
    assert location.endswith(f"#row-{worker_id}")
    back = client.get(location).get_data(as_text=True)
    assert _rows_shown(back) == _rows_shown(html) and "已保存" in back


def test_paged_save_and_publish_keep_the_page(app, big_team):
    """Saving a row of page 2 without htmx, then publishing, both come back to page 2."""
    client = logged_in(app, big_team.admin)
    html = client.get(f"/street/appraisals?year={YEAR}&page=2").get_data(as_text=True)
    worker = next(w for w in big_team.workers if w.user_id in _rows_shown(html))
    prefix = f"w{worker.user_id}-"
    response = client.post(
        f"/street/appraisals/{YEAR}/workers/{worker.user_id}?page=2",
        data={
            prefix + "csrf_token": csrf_token(client, f"/street/appraisals?year={YEAR}"),
            prefix + "result": "excellent",
            prefix + "score": "",
            prefix + "comment": "",
        },
    )
    assert "page=2" in response.headers["Location"]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'action="/street/appraisals/{YEAR}/publish?page=2"' in html
    token = csrf_token(client, f"/street/appraisals?year={YEAR}")
    published = client.post(f"/street/appraisals/{YEAR}/publish?page=2", data={"csrf_token": token})
    assert published.status_code == 303 and "page=2" in published.headers["Location"]
    assert appraisal(worker).published_at is not None
    page = client.get(published.headers["Location"]).get_data(as_text=True)
    assert _rows_shown(page) == _rows_shown(html) and "已通知 1 名社工" in page
    assert re.search(r"已于 \S+ 发布", page)  # the whole street's year is published


def test_publish_without_the_view_still_needs_csrf(admin):
    """The publish button without its token is refused, whatever view it came from."""
    assert admin.post(f"/street/appraisals/{YEAR}/publish?page=2", data={}).status_code == 400
