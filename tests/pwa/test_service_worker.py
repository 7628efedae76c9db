"""The service worker script: root scope, always revalidated, versioned by the asset hashes."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from portal import PROJECT_ROOT, create_app
from portal import config as portal_config
from portal.pwa import shell
from portal.web import assets
from tests.helpers import login


@pytest.fixture
def worker_script(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    return response


# A published static URL: the file's name carries its content hash (portal/web/asset_build.py).
HASHED = r"/static/\S+\.[0-9a-f]{12}\.[a-z0-9]+"


def _precache(script: str) -> list[str]:
    return json.loads(re.search(r"const PRECACHE = (\[.*?\]);", script).group(1))


def test_service_worker_is_javascript_for_the_root_scope(worker_script):
    """The worker is served as JavaScript and may control every page of the site."""
    assert worker_script.mimetype in {"application/javascript", "text/javascript"}
    assert worker_script.headers["Service-Worker-Allowed"] == "/"


def test_service_worker_is_revalidated_so_deploys_reach_phones(worker_script):
    """The worker script is never kept by the year-long static cache rule."""
    assert worker_script.headers["Cache-Control"] == "no-cache"
    assert "max-age" not in worker_script.headers["Cache-Control"]


def test_unchanged_service_worker_answers_not_modified(client, worker_script):
    """A phone checking for an update gets a tiny 304 when nothing changed."""
    again = client.get("/sw.js", headers={"If-None-Match": worker_script.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def _version(script: str) -> str:
    return re.search(r"const CACHE = CACHE_PREFIX \+ 'static-' \+ \"([0-9a-f]{16})\"", script)[1]


def test_service_worker_precaches_the_app_shell_by_hash(client, worker_script):
    """The worker precaches the layout's assets under today's hashed URLs, and /offline."""
    urls = _precache(worker_script.get_data(as_text=True))
    assert urls[-1] == "/offline"
    assert all(re.fullmatch(HASHED, url) for url in urls[:-1])
    # What the layout and the offline page load is in it, with the very same hash.
    loaded = r'<(?:link rel="(?:stylesheet|icon)" href|script src)="(/static/[^"]+)"'
    for path in ("/login", "/offline"):
        used = set(re.findall(loaded, client.get(path).get_data(as_text=True)))
        assert len(used) >= 3 and used <= set(urls), path


def _app_on_static(tmp_path, change: str | None = None):
    """An app whose static folder is a copy of ours, optionally with one file changed."""
    folder = tmp_path / "static"
    shutil.copytree(PROJECT_ROOT / "static", folder, ignore=shutil.ignore_patterns("build"))
    if change:
        (folder / change).write_bytes((folder / change).read_bytes() + b"\n/* deployed */\n")
    config = portal_config.TestConfig(str(tmp_path), database_url="sqlite://")
    config.STATIC_SOURCE = str(folder)
    return create_app(config)


@pytest.mark.parametrize(
    ("changed", "in_shell"), [("css/pwa.css", True), ("icons/icon-512.png", False)]
)
def test_a_deploy_that_changes_any_asset_changes_the_worker(tmp_path, changed, in_shell):
    """Changing any static file (in the shell or not) renames the cache, so phones replace it."""
    old = _app_on_static(tmp_path / "old").test_client().get("/sw.js").get_data(as_text=True)
    app = _app_on_static(tmp_path / "new", change=changed)
    new = app.test_client().get("/sw.js").get_data(as_text=True)
    assert _version(new) != _version(old)
    assert (_precache(new) != _precache(old)) is in_shell


def test_service_worker_cache_name_follows_the_offline_page(app, client, worker_script):
    """A change to the offline page renames the cache too, so phones fetch the new one."""
    with app.test_request_context():
        current = shell.app_shell(client.get("/offline").get_data(as_text=True))
        changed = shell.app_shell(client.get("/offline").get_data(as_text=True) + "<!-- new -->")
    assert current.version == _version(worker_script.get_data(as_text=True))
    assert changed.version != current.version


def test_service_worker_never_caches_pages(worker_script):
    """Only hashed static files and the offline page are ever written to the cache."""
    script = worker_script.get_data(as_text=True)
    # Every cache write goes through isCacheable(); pages are answered by networkFirst().
    assert script.count("cache.put(") == 2
    assert "function networkFirst" in script and "respondWith(networkFirst(event))" in script
    assert "if (type === 'logout')" in script


def test_service_worker_is_the_same_for_everyone(client, make_worker):
    """The worker script holds nothing personal: it is the same logged in or out."""
    anonymous = client.get("/sw.js").data
    worker = make_worker()
    login(client, worker.user.phone)
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.data == anonymous
    assert response.headers["Cache-Control"] == "no-cache"


def test_service_worker_imports_the_push_handlers_by_hash(app, worker_script):
    """Scripts the worker imports load under hashed URLs, so changing them updates the worker."""
    script = worker_script.get_data(as_text=True)
    with app.test_request_context():
        imports = shell.worker_imports(assets.manifest().files)
    line = re.search(r"^importScripts\((.*)\);$", script, re.M)
    assert (
        [json.loads(url) for url in line.group(1).split(", ")] == imports if imports else not line
    )
    assert all(re.fullmatch(HASHED, url) and url.endswith(".js") for url in imports)
