"""What pages build once and reuse (URLs, the installable-app head) still fits each request."""

from __future__ import annotations

import re

from portal.enums import PostType, Role
from tests.helpers import logged_in


def _login_page(client, **headers) -> str:
    response = client.get("/login", headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_head_tags_follow_the_language_of_each_request(client):
    """The install hint in <head> is Chinese or English as the page is, request after request."""
    for _ in range(2):
        chinese = _login_page(client, **{"Accept-Language": "zh-CN"})
        english = _login_page(client, **{"Accept-Language": "en"})
        assert "把本平台添加到主屏幕" in chinese and "Add this portal" not in chinese
        assert "Add this portal to your home screen" in english
        assert "把本平台添加到主屏幕" not in english


def test_urls_follow_the_prefix_the_app_is_mounted_under(client):
    """Behind a path prefix (SCRIPT_NAME) every link and asset carries it; without, none does."""
    for _ in range(2):
        plain = client.get("/login").get_data(as_text=True)
        mounted = client.get("/login", base_url="http://localhost/portal").get_data(as_text=True)
        assert 'href="/static/css/portal.' in plain and "/portal/" not in plain
        assert 'href="/portal/static/css/portal.' in mounted
        assert 'rel="manifest" href="/portal/manifest.webmanifest"' in mounted
        assert 'data-home-url="/portal/"' in mounted
        assert not re.search(r'(href|src|action)="/(?!portal/)', mounted)


def test_card_links_name_each_workers_own_pages(app, client, make_worker):
    """Two workers' homes link to their own detail pages, not to the first one's."""
    for worker in (make_worker(post_type=PostType.STAFF), make_worker(post_type=PostType.STAFF)):
        page = logged_in(app, worker).get("/").get_data(as_text=True)
        assert f'href="/workers/{worker.user_id}/grade"' in page
        assert page.count('href="/workers/') == page.count(f'href="/workers/{worker.user_id}/')


def _menu(page: str) -> list[str]:
    nav = re.search(r'<nav class="rolenav"[^>]*>(.*?)</nav>', page, re.S)
    return re.findall(r">([^<]+)</a>", nav.group(1)) if nav else []


def _hidden(page: str, name: str) -> set[str]:
    return set(re.findall(rf'name="{name}" value="([^"]*)"', page))


def test_header_and_menu_fit_each_user_and_page(app, make_worker):
    """The cached header still shows each user their own menu, session token and return path."""
    worker = make_worker(post_type=PostType.STAFF)
    mentor = make_worker(post_type=PostType.STAFF, extra_roles=(Role.MENTOR,))
    first, second = logged_in(app, worker), logged_in(app, mentor)
    for _ in range(2):
        plain = first.get("/").get_data(as_text=True)
        both = second.get("/").get_data(as_text=True)
        assert _menu(plain) == ["首页", "我的签到码"]
        assert _menu(both) == ["首页", "我的签到码", "我的带教对象"]
        # Each session's forms carry its own CSRF token, and the language switch returns here.
        (token,) = _hidden(plain, "csrf_token")
        assert _hidden(both, "csrf_token") != {token}
        refused = second.post("/language/en", data={"csrf_token": token, "next": "/"})
        assert refused.status_code == 400
        assert _hidden(plain, "next") == {"/"}
        path = f"/workers/{worker.user_id}/grade"
        grade = first.get(f"{path}?tab=all&x=<b>").get_data(as_text=True)
        assert _hidden(grade, "next") == {f"{path}?tab=all&amp;x=&lt;b&gt;"}
        assert "退出登录" in grade
        (token,) = _hidden(grade, "csrf_token")
        switched = first.post("/language/en", data={"csrf_token": token, "next": "/"})
        assert switched.status_code == 302
        assert _menu(first.get("/").get_data(as_text=True)) == ["Home", "My check-in code"]
        first.post("/language/zh_Hans_CN", data={"csrf_token": token, "next": "/"})


def test_header_for_someone_not_signed_in_has_no_menu_or_log_out(client):
    """The login page's header has the language switch but no menu, bell or log-out."""
    page = _login_page(client, **{"Accept-Language": "zh-CN"})
    assert _menu(page) == [] and "退出登录" not in page and 'id="bell"' not in page
    assert _hidden(page, "next") == {"/login"}
    assert "English" in page
