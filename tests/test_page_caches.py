"""What pages build once and reuse (URLs, the installable-app head) still fits each request."""

from __future__ import annotations

import re

from portal.enums import PostType
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
