"""The platform admin's /platform pages: access, writes through the org operations, preview."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from portal.basis.listing import rule_listing
from portal.enums import AppraisalResult, HiringRoute, PostType, Role
from portal.models import AuditEntry, User
from portal.org.models import Community, District, Street
from portal.platform import rules as platform_rules
from portal.platform.rules import WorkerFacts
from portal.policy.profiles import available_profiles, load_profile
from tests.helpers import csrf_token, logged_in


@pytest.fixture
def platform_admin(make_user):
    return make_user(Role.PLATFORM_ADMIN)


def _counts(db) -> tuple[int, ...]:
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (District, Street, Community, User, AuditEntry)
    )


def _post(client, path, data, page):
    return client.post(path, data={"csrf_token": csrf_token(client, page), **data})


def _platform_routes(app, ids: dict[str, int]) -> list[tuple[str, str]]:
    """Every (method, URL) under /platform, read from the URL map with real ids."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("platform."):
            url = rule.rule
            for name, value in ids.items():
                url = url.replace(f"<int:{name}>", str(value))
            found += [(m, url) for m in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


NOT_PLATFORM = [role for role in Role if role is not Role.PLATFORM_ADMIN]


@pytest.mark.parametrize("role", NOT_PLATFORM)
def test_every_platform_route_is_403_to_every_other_role(app, db, make_street, make_user, role):
    """Every /platform page and write answers 403 to every other role and changes nothing."""
    street = make_street(communities=1)
    ids = {
        "district_id": street.district_id,
        "street_id": street.id,
        "community_id": street.communities[0].id,
    }
    routes = _platform_routes(app, ids)
    assert len(routes) >= 12 and all("<" not in url for _m, url in routes), routes
    other = make_user(role, street=street, district_id=street.district_id)
    client = logged_in(app, other)
    token = csrf_token(client, "/")
    before = _counts(db)
    data = {"name": "新区", "profile": "national", "rename-name": "改名", "admin-name": "王芳"}
    for method, url in routes:
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token, **data})
        assert response.status_code == 403, (method, url)
        assert "您无权访问此页面" in response.get_data(as_text=True), (method, url)
    db.session.expire_all()
    assert _counts(db) == before and street.district.policy_code == "jiangsu"


def test_writes_without_the_csrf_token_are_refused(app, db, make_street, platform_admin):
    """A platform admin's POST without its token is refused with 400, nothing changed."""
    street = make_street(communities=1)
    client = logged_in(app, platform_admin)
    before = _counts(db)
    for path, data in [
        ("/platform/districts", {"name": "新区", "profile": "national"}),
        (f"/platform/districts/{street.district_id}/policy", {"profile": "national"}),
        (
            f"/platform/streets/{street.id}/admins",
            {"admin-name": "王芳", "admin-phone": "13912340001"},
        ),
    ]:
        assert client.post(path, data=data).status_code == 400, path
    db.session.expire_all()
    assert _counts(db) == before and street.district.policy_code == "jiangsu"


def test_a_missing_district_street_or_community_is_404(app, platform_admin):
    """Ids that do not exist answer 404 to the platform admin."""
    client = logged_in(app, platform_admin)
    for path in ("/platform/districts/999999", "/platform/streets/999999"):
        assert client.get(path).status_code == 404
    token = csrf_token(client, "/platform")
    response = client.post(
        "/platform/communities/999999/rename", data={"csrf_token": token, "c999999-name": "x"}
    )
    assert response.status_code == 404


def test_tree_page_lists_everything_in_a_few_queries(
    app, make_street, platform_admin, count_queries
):
    """The tree page shows districts, streets and communities with a fixed number of queries."""
    streets = [make_street(communities=3) for _ in range(3)]
    client = logged_in(app, platform_admin)
    with count_queries() as statements:
        page = client.get("/platform")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    for street in streets:
        assert street.name in text and street.district.name in text
        assert street.communities[2].name in text
    assert len(statements) <= 10, statements


def test_district_street_community_created_and_renamed_with_audit(app, db, platform_admin):
    """Each write goes through the org operations and leaves an audit entry; renames say old→new."""
    client = logged_in(app, platform_admin)
    assert (
        _post(
            client, "/platform/districts", {"name": "新城区", "profile": "jiangsu"}, "/platform"
        ).status_code
        == 303
    )
    district = db.session.scalar(sa.select(District).where(District.name == "新城区"))
    assert district.policy_code == "jiangsu"
    page = f"/platform/districts/{district.id}"
    assert _post(client, f"{page}/streets", {"street-name": "东湖街道"}, page).status_code == 303
    street = db.session.scalar(sa.select(Street).where(Street.name == "东湖街道"))
    spage = f"/platform/streets/{street.id}"
    assert (
        _post(client, f"{spage}/communities", {"community-name": "柳岸社区"}, spage).status_code
        == 303
    )
    community = db.session.scalar(sa.select(Community).where(Community.name == "柳岸社区"))
    assert (
        _post(
            client,
            f"/platform/communities/{community.id}/rename",
            {f"c{community.id}-name": "柳岸新村"},
            spage,
        ).status_code
        == 303
    )
    assert _post(client, f"{page}/rename", {"rename-name": "新城新区"}, page).status_code == 303
    db.session.expire_all()
    assert community.name == "柳岸新村" and district.name == "新城新区"
    entries = {e.action: e for e in db.session.scalars(sa.select(AuditEntry))}
    assert {"org.district_added", "org.street_added", "org.community_added"} <= set(entries)
    assert entries["org.community_renamed"].detail["old"] == "柳岸社区"
    assert entries["org.district_renamed"].detail["new"] == "新城新区"
    assert entries["org.district_renamed"].actor_id == platform_admin.id


def test_refusals_change_nothing_and_say_why(app, db, make_street, platform_admin):
    """A duplicate name among siblings, an empty name or a bad phone is refused in Chinese."""
    street = make_street(communities=2)
    first, second = street.communities
    client = logged_in(app, platform_admin)
    spage = f"/platform/streets/{street.id}"
    before = _counts(db)
    response = _post(
        client,
        f"/platform/communities/{second.id}/rename",
        {f"c{second.id}-name": first.name},
        spage,
    )
    assert response.status_code == 422
    assert "已有名为" in response.get_data(as_text=True) or first.name in response.get_data(
        as_text=True
    )
    response = _post(client, f"{spage}/admins", {"admin-name": "王芳", "admin-phone": "123"}, spage)
    assert response.status_code == 422 and "11" in response.get_data(as_text=True)
    response = _post(client, f"{spage}/communities", {"community-name": ""}, spage)
    assert response.status_code == 422
    db.session.expire_all()
    assert _counts(db) == before
    assert second.name != first.name


def test_street_admin_created_with_one_time_password_shown_once(
    app, db, make_street, platform_admin
):
    """A new street admin must change the password; the page is never cached."""
    street = make_street()
    client = logged_in(app, platform_admin)
    spage = f"/platform/streets/{street.id}"
    response = _post(
        client, f"{spage}/admins", {"admin-name": "王芳", "admin-phone": "13912340001"}, spage
    )
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    admin = db.session.scalar(sa.select(User).where(User.phone == "13912340001"))
    assert admin.has_role(Role.STREET_ADMIN) and admin.street_id == street.id
    assert admin.must_change_password


def test_cli_adds_a_platform_admin(runner, db):
    """`flask org add-platform-admin` prints a one-time password; a duplicate phone exits 1."""
    args = ["org", "add-platform-admin", "--phone", "13912340009", "--name", "林志远"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "一次性密码" in result.output
    user = db.session.scalar(sa.select(User).where(User.phone == "13912340009"))
    assert user.roles == {Role.PLATFORM_ADMIN} and user.must_change_password
    assert runner.invoke(args=args).exit_code == 1


def _facts(**fields) -> WorkerFacts:
    base = dict(
        worker_id=1,
        post_type=PostType.STAFF,
        started_on=date(2015, 3, 1),
        hiring_route=HiringRoute.RECRUITED,
        exam_eligible_on=None,
        certified=False,
        appraisals={},
    )
    return WorkerFacts(**{**base, **fields})


def test_preview_counts_follow_the_rules_of_both_profiles():
    """The counts are the policy rules run under both profiles, worker by worker."""
    old, new = load_profile("jiangsu"), load_profile("national")
    today = date(2026, 6, 1)
    workers = [_facts(worker_id=i, post_type=p) for i, p in enumerate(PostType)]
    streak = {2024: AppraisalResult.BASIC, 2025: AppraisalResult.BASIC}
    workers.append(_facts(worker_id=9, appraisals=streak))
    workers.append(_facts(worker_id=10, exam_eligible_on=date(2023, 1, 1)))
    changes = platform_rules.worker_changes(old, new, workers, today)
    from portal.policy import rules

    def required(profile, w):
        return rules.annual_training_requirement(profile, w.post_type, new_entrant=False)

    assert changes.workers == 5
    assert changes.training_changed == sum(required(old, w) != required(new, w) for w in workers)
    risk = [
        bool(rules.exit_risks(p, streak, hiring_route=HiringRoute.RECRUITED)) for p in (old, new)
    ]
    assert changes.newly_at_exit_risk == int(risk[1] and not risk[0])
    assert changes.no_longer_at_exit_risk == int(risk[0] and not risk[1])
    moved = rules.certificate_deadline(old, date(2023, 1, 1)) != rules.certificate_deadline(
        new, date(2023, 1, 1)
    )
    assert changes.deadlines_moved == int(moved)


def test_policy_preview_then_apply_is_audited(app, db, make_worker, platform_admin):
    """The page lists each profile with sources, previews the change, and the confirm applies it."""
    worker = make_worker(policy="jiangsu")
    district = worker.community.street.district
    client = logged_in(app, platform_admin)
    page = f"/platform/districts/{district.id}/policy"
    preview = client.get(f"{page}?profile=national").get_data(as_text=True)
    assert load_profile("national").name in preview and load_profile("jiangsu").name in preview
    assert "依据" in preview or "第" in preview
    assert district.policy_code == "jiangsu"
    response = _post(client, page, {"profile": "national"}, f"{page}?profile=national")
    assert response.status_code == 303
    db.session.expire_all()
    assert district.policy_code == "national"
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "org.policy_changed")
    )
    assert entry.detail == {"old": "jiangsu", "new": "national"}
    again = _post(client, page, {"profile": "national"}, page)
    assert again.status_code == 422


def test_district_admin_created_shows_the_password_once_and_is_audited(
    app, db, make_street, platform_admin
):
    """The password page shows the one-time password; the audit entry names the role, not it."""
    street = make_street()
    client = logged_in(app, platform_admin)
    page = f"/platform/districts/{street.district_id}"
    response = _post(
        client, f"{page}/admins", {"admin-name": "李强", "admin-phone": "139 1234 0002"}, page
    )
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    text = response.get_data(as_text=True)
    admin = db.session.scalar(sa.select(User).where(User.phone == "13912340002"))
    assert admin.roles == {Role.DISTRICT_ADMIN} and admin.district_id == street.district_id
    assert admin.street_id is None and admin.must_change_password
    password = re.search(r'<code class="one-time-password">([^<]+)</code>', text).group(1)
    assert admin.check_password(password)
    assert "区级管理员" in text and "首次登录时必须修改" in text
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "org.admin_added"))
    assert entry.actor_id == platform_admin.id and entry.detail["role"] == "district_admin"
    assert password not in str(entry.detail)
    # The district page lists the new admin, and never the password again.
    again = client.get(page).get_data(as_text=True)
    assert "李强" in again and "13912340002" in again and password not in again


def test_refusals_name_the_reason_in_chinese(app, db, make_street, make_user, platform_admin):
    """Duplicates, a taken phone, an unknown profile, a "/": 422 in Chinese, nothing changed."""
    street = make_street()
    other = make_street()
    holder = make_user(Role.WORKER, street=street, name="张三", phone="13912340005")
    client = logged_in(app, platform_admin)
    page = f"/platform/districts/{street.district_id}"
    before = _counts(db)
    cases = [
        (f"{page}/streets", {"street-name": street.name}, f"已有名为 {street.name} 的街道"),
        (
            f"{page}/rename",
            {"rename-name": other.district.name},
            f"名为 {other.district.name} 的区",
        ),
        (f"{page}/rename", {"rename-name": street.district.name}, "名称未改变"),
        (
            f"{page}/admins",
            {"admin-name": "王芳", "admin-phone": holder.phone},
            f"手机号 {holder.phone} 已有账号（张三）",
        ),
        (
            "/platform/districts",
            {"name": "新区", "profile": "mars"},
            "请从列出的政策标准中选择一个",
        ),
        (f"{page}/policy", {"profile": "mars"}, "没有政策配置 mars"),
        (f"/platform/streets/{street.id}/communities", {"community-name": "a/b"}, "不能包含"),
    ]
    for path, data, message in cases:
        response = _post(client, path, data, page)
        assert response.status_code == 422, path
        assert message in response.get_data(as_text=True), (path, message)
    db.session.expire_all()
    assert _counts(db) == before and street.district.policy_code == "jiangsu"


@pytest.mark.parametrize("which", ["district", "street", "policy"])
def test_district_street_and_policy_pages_take_a_few_queries(
    app, make_worker, make_street, platform_admin, count_queries, which
):
    """The pages' query counts do not grow with workers, streets or communities."""
    worker = make_worker(policy="jiangsu")
    street = worker.community.street
    for _ in range(5):
        make_worker(street=street)
    paths = {
        "district": f"/platform/districts/{street.district_id}",
        "street": f"/platform/streets/{street.id}",
        "policy": f"/platform/districts/{street.district_id}/policy?profile=national",
    }
    client = logged_in(app, platform_admin)
    with count_queries() as statements:
        page = client.get(paths[which])
    assert page.status_code == 200
    assert len(statements) <= 10, statements


def test_policy_page_cites_documents_not_seed_codes(app, make_street, platform_admin):
    """Every profile's rules appear with their resolved sources; raw seed codes never show."""
    street = make_street()
    client = logged_in(app, platform_admin)
    text = client.get(f"/platform/districts/{street.district_id}/policy").get_data(as_text=True)
    for code, _name in available_profiles():
        for section in rule_listing(load_profile(code)):
            assert section.title in text
            for line in section.lines:
                assert line.rule in text
                for cited in line.sources:
                    assert cited.document.named in text and cited.label in text
                for raw in line.citation.split(";"):
                    if "§" in raw:
                        assert raw.strip() not in text, raw
    assert 'id="preview"' not in text  # no preview until a profile is chosen
    assert "new entrants" not in text and "新入职社区工作者每年" in text  # jiangsu's rotation


def test_platform_admin_home_links_to_the_organisation(app, platform_admin):
    """The platform admin's home and menu lead to /platform."""
    text = logged_in(app, platform_admin).get("/", follow_redirects=True).get_data(as_text=True)
    assert 'href="/platform"' in text and "组织架构" in text
