"""Hostile input never causes a server error, whoever sends it, on SQLite and PostgreSQL.

On the demo street (built inside the test's rolled-back transaction), each role — worker,
trainer, mentor, talk leader, district admin, street admin, anonymous — crawls the pages
it can reach from the home page (same-site links, bounded), then:

- posts hostile values (NUL, control characters, 1e309, NaN, blanks, 2^63, impossible
  dates, 5,000 characters, markup, bidi overrides…) into every field of every form it
  found, with the page's CSRF token: all fields at once, then one field at a time;
- requests every page and form action with its numeric segments replaced by 0, -1,
  2^31, 2^63 and 2^64, and every query parameter with hostile values.

No answer may be a 5xx (or an exception), an id beyond the database's range answers 404,
NUL in a query string answers 400, and a refused post (4xx) leaves the row counts of the
main tables as they were. The counts go to test-artifacts/fuzz-<dialect>.json.
"""

from __future__ import annotations

import json
import os
import re
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
import sqlalchemy as sa

from portal.demo import build_demo
from portal.enums import Role
from portal.models import Street
from portal.timeutil import local_today
from tests.helpers import PASSWORD

ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR", "test-artifacts"))
DEMO_PHONES = {
    "worker": "13800000001",
    "trainer": "13800000002",
    "mentor": "13800000003",
    "talk leader": "13800000004",
    "street admin": "13800000005",
}
# Street admin last: its hostile posts may change records the others read.
ROLES = ("anonymous", "worker", "trainer", "mentor", "talk leader", "district admin")
ROLES += ("street admin",)
MAX_PAGES_PER_ROLE = 60
PAGES_PER_PATTERN = 3  # e.g. an upcoming, a running and a past training
SKIPPED_ACTIONS = ("/logout", "/language/")
HOSTILE = (
    "\x00",
    "a\x00b",
    "\x01",
    "1e309",
    "-1e309",
    "1e30",
    "NaN",
    "   ",
    str(2**63),
    "-1",
    "2026-02-30",
    "2026-02-30T25:61",
    "x" * 5000,
    "<script>alert(1)</script>",
    "\u202egnp.exe",
    "１２",
)
PER_FIELD = ("\x00", "1e309", "   ", str(2**63), "x" * 5000)
BIG_IDS = (2**31, 2**63, 2**64)
IDS = (0, -1, *BIG_IDS)
QUERY_VALUES = ("\x00", str(2**63), "1e309", "-1", "x" * 5000, "   ")
COUNTED_TABLES = (
    "users",
    "worker_profiles",
    "grade_changes",
    "trainings",
    "attendances",
    "join_requests",
    "outside_trainings",
    "uploads",
    "appraisals",
    "certificates",
    "care_records",
    "care_entitlements",
    "mentor_pairings",
    "mentor_sessions",
    "growth_items",
    "talks",
    "talk_follow_ups",
    "talk_responsibilities",
    "notification_settings",
    "push_subscriptions",
)
_NUMBER = re.compile(r"(?<=/)\d+(?=/|$)")
_JSON_PAGE = re.compile(r"^/trainings/\d+/scan$")  # the scanner page; its sync posts JSON


# -- reading pages ---------------------------------------------------------------------


@dataclass
class FormField:
    """A named input of a form as the page renders it."""

    name: str
    kind: str  # text, textarea, select, checkbox, radio, hidden, date, number, …
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)


@dataclass
class PageForm:
    """A form found on a page: where it posts and what it holds."""

    method: str
    action: str
    fields: list[FormField] = field(default_factory=list)
    has_file: bool = False


class PageParser(HTMLParser):
    """Collect the same-site links and the forms of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._select: FormField | None = None
        self._textarea: FormField | None = None

    def handle_starttag(self, tag, attrs):  # noqa: D102
        a = {key: value or "" for key, value in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            hx = a.get("hx-post")
            method = "post" if hx else (a.get("method") or "get").lower()
            self._form = PageForm(method=method, action=hx or a.get("action", ""))
            self.forms.append(self._form)
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind == "file":
                self._form.has_file = True
                return
            if kind in {"submit", "button", "image", "reset"}:
                return
            if a.get("inputmode") in {"numeric", "decimal"} and kind == "text":
                kind = "number"
            self._form.fields.append(
                FormField(a["name"], kind, a.get("value", ""), checked="checked" in a)
            )
        elif tag == "textarea":
            self._textarea = FormField(a["name"], "textarea")
            self._form.fields.append(self._textarea)
        elif tag == "select":
            self._select = FormField(a["name"], "select")
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))
            if "selected" in a:
                self._select.value = a.get("value", "")

    def handle_data(self, data):  # noqa: D102
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):  # noqa: D102
        if tag == "form":
            self._form = None
        elif tag == "select":
            if self._select is not None and not self._select.value and self._select.options:
                self._select.value = next((o for o in self._select.options if o), "")
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _pattern(url: str) -> str:
    parts = urlsplit(url)
    keys = sorted({key for key, _v in parse_qsl(parts.query, keep_blank_values=True)})
    return _NUMBER.sub("{n}", parts.path) + ("?" + "&".join(keys) if keys else "")


def _same_site(base: str, href: str) -> str | None:
    url = urljoin(base, href)
    parts = urlsplit(url)
    if parts.scheme not in {"", "http"} or parts.netloc not in {"", "localhost"}:
        return None
    if not parts.path.startswith("/") or parts.path.startswith("/static/"):
        return None
    return parts.path + ("?" + parts.query if parts.query else "")


def _baseline(form_field: FormField) -> list[str]:
    """Return a plausible value for a field, so that one hostile field gets far."""
    today = local_today()
    value = form_field.value.strip()
    if form_field.kind in {"checkbox", "radio"}:
        return [form_field.value or "y"] if form_field.checked else []
    if value:
        return [form_field.value]
    return [
        {
            "date": today.isoformat(),
            "datetime-local": (today + timedelta(days=1)).isoformat() + "T09:00",
            "time": "09:00",
            "number": "1",
            "tel": "13800009999",
            "hidden": "",
            "password": PASSWORD,
        }.get(form_field.kind, "测试内容")
    ]


# -- the attack ------------------------------------------------------------------------


@dataclass
class Tally:
    """What was sent and what went wrong."""

    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    wrong_status: list[str] = field(default_factory=list)
    written_on_refusal: list[str] = field(default_factory=list)
    pages: dict[str, int] = field(default_factory=dict)
    visited: dict[str, list[str]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    forms: int = 0


class Attacker:
    """One role's crawl and hostile requests."""

    def __init__(self, app, db, tally: Tally, role: str):
        self.client = app.test_client()
        self.db = db
        self.tally = tally
        self.role = role
        self.token = ""
        self.last_counts: tuple = ()
        self._count_sql = sa.select(
            *(
                sa.select(sa.func.count()).select_from(sa.table(t)).scalar_subquery()
                for t in COUNTED_TABLES
            )
        )

    def request(self, method: str, url: str, *, data=None, expect: set[int] | None = None):
        """Send one request; record 5xx, exceptions and unexpected statuses."""
        self.tally.requests += 1
        label = f"{self.role}: {method.upper()} {url[:120]!r}"
        started = time.perf_counter()
        try:
            response = self.client.open(url, method=method.upper(), data=data)
        except Exception as error:  # noqa: BLE001 - the test reports what escaped
            # The request's own session went with its app context: nothing to roll back here.
            where = traceback.extract_tb(error.__traceback__)[-1]
            self.tally.server_errors.append(
                f"{label} {_short(data)} → {type(error).__name__}: {str(error)[:160]}"
                f" at {where.filename.rsplit('/', 2)[-1]}:{where.lineno}"
            )
            return None
        finally:
            key = f"{method} {_pattern(url)}"
            self.tally.seconds[key] = self.tally.seconds.get(key, 0) + time.perf_counter() - started
        if response.status_code >= 500:
            self.tally.server_errors.append(f"{label} {_short(data)} → {response.status_code}")
        elif expect is not None and response.status_code not in expect:
            self.tally.wrong_status.append(f"{label} → {response.status_code}, not {expect}")
        return response

    def counts(self) -> tuple:
        """Return the row counts of the main tables."""
        return tuple(self.db.session.execute(self._count_sql).one())

    def log_in(self) -> None:
        """Log in through the form, as the user would."""
        if self.role == "anonymous":
            return
        phone = DEMO_PHONES.get(self.role, "13800000099")
        page = self.client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        response = self.client.post(
            "/login", data={"username": phone, "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302, (self.role, _messages(response))

    def crawl(self) -> tuple[list[str], list[PageForm]]:
        """Visit the pages reachable from the home page; return them and their forms."""
        # The password page is linked from nowhere but the forced change: start there too.
        start = ["/"] if self.role == "anonymous" else ["/", "/password"]
        queue, seen, per_pattern = deque(start), set(), {}
        visited, forms = [], []
        while queue and len(visited) < MAX_PAGES_PER_ROLE:
            url = queue.popleft()
            pattern = _pattern(url)
            if url in seen or per_pattern.get(pattern, 0) >= PAGES_PER_PATTERN:
                continue
            seen.add(url)
            per_pattern[pattern] = per_pattern.get(pattern, 0) + 1
            response = self.request("get", url)
            if response is None:
                continue
            if response.status_code in {301, 302, 303, 307, 308}:
                target = _same_site(url, response.headers.get("Location", ""))
                if target:
                    queue.append(target)
                continue
            if "text/html" not in response.content_type:
                continue
            visited.append(url)
            parser = PageParser()
            parser.feed(response.get_data(as_text=True))
            for href in parser.links:
                target = _same_site(url, href)
                if target and target not in seen:
                    queue.append(target)
            for form in parser.forms:
                form.action = _same_site(url, form.action or url) or url
                forms.append(form)
                self.token = next(
                    (f.value for f in form.fields if f.name.endswith("csrf_token")), self.token
                )
        self.tally.pages[self.role] = len(visited)
        self.tally.visited[self.role] = sorted({_pattern(url) for url in visited})
        return visited, forms

    def post(self, form: PageForm, data: dict) -> None:
        """Post hostile data; a refusal must leave the main tables as they were."""
        response = self.request(form.method, form.action, data=data)
        if response is None:
            return
        before, self.last_counts = self.last_counts, self.counts()
        if 400 <= response.status_code < 500 and self.last_counts != before:
            changed = [
                t
                for t, b, a in zip(COUNTED_TABLES, before, self.last_counts, strict=True)
                if b != a
            ]
            self.tally.written_on_refusal.append(
                f"{self.role}: {form.action} {_short(data)} → {response.status_code},"
                f" wrote {changed}"
            )

    def attack_form(self, form: PageForm) -> None:
        """Post every hostile value into all fields, then into each field alone."""
        self.tally.forms += 1
        self.last_counts = self.counts()
        fuzzable = [f for f in form.fields if not f.name.endswith("csrf_token")]
        token = {f.name: f.value for f in form.fields if f.name.endswith("csrf_token")}
        baseline = {f.name: _baseline(f) for f in fuzzable}
        if form.method == "get":
            for value in HOSTILE[:3] + HOSTILE[8:9] + HOSTILE[12:13]:
                query = urlencode([(f.name, value) for f in fuzzable])
                expect = {400} if "\x00" in value or "\x01" in value else None
                self.request("get", f"{form.action.split('?')[0]}?{query}", expect=expect)
            return
        for value in HOSTILE:
            self.post(form, {**token, **{f.name: [value] for f in fuzzable}})
        # One field of each kind: a table of sixty "days-<id>" inputs is one field here.
        kinds = {_field_kind(f.name): f for f in reversed(fuzzable)}
        for target in kinds.values():
            for value in PER_FIELD:
                self.post(form, {**token, **baseline, target.name: [value]})

    def attack_ids(self, url: str, method: str = "get") -> None:
        """Replace the numeric segments of a URL with ids out of every range."""
        path, _sep, query = url.partition("?")
        if not _NUMBER.search(path):
            return
        for number in IDS:
            target = _NUMBER.sub(str(number), path) + ("?" + query if query else "")
            data = {"csrf_token": self.token} if method == "post" else None
            # A POST may match the GET-only twin of a route: 405 is as good as 404 there.
            expect = ({404} if method == "get" else {404, 405}) if number in BIG_IDS else None
            self.request(method, target, data=data, expect=expect)

    def attack_json(self, url: str) -> None:
        """Post hostile JSON, as the offline scanner's sync would, with the CSRF header."""
        headers = {"X-CSRFToken": self.token}
        bodies = [{"code": v, "scanned_at": v, "client_id": v} for v in HOSTILE]
        bodies += [{"code": "1", "scanned_at": 1e309}, [], "x", None, {"code": ["\x00"]}]
        for body in bodies:
            self.tally.requests += 1
            label = f"{self.role}: POST {url} json={str(body)[:40]!r}"
            try:
                response = self.client.post(url, json=body, headers=headers)
            except Exception as error:  # noqa: BLE001 - the test reports what escaped
                self.tally.server_errors.append(f"{label} → {type(error).__name__}: {error}")
                continue
            if response.status_code >= 500:
                self.tally.server_errors.append(f"{label} → {response.status_code}")
            elif "\x00" in str(body) and response.status_code != 400:
                self.tally.wrong_status.append(f"{label} → {response.status_code}, not 400")

    def attack_query(self, url: str) -> None:
        """Send hostile values in each query parameter of a page."""
        path, _sep, query = url.partition("?")
        keys = [key for key, _v in parse_qsl(query, keep_blank_values=True)] or ["q"]
        for key in dict.fromkeys(keys):
            for value in QUERY_VALUES:
                expect = {400} if "\x00" in value else None
                self.request("get", f"{path}?{urlencode({key: value})}", expect=expect)


def _field_kind(name: str) -> str:
    return re.sub(r"\d+", "{n}", name)


def _messages(response) -> list[str]:
    """Return the error messages shown on a page."""
    page = response.get_data(as_text=True)
    return re.findall(r'class="[^"]*(?:error|err)[^"]*"[^>]*>([^<]+)', page)


def _short(data) -> str:
    if not data:
        return ""
    shown = {k: (v[0] if isinstance(v, list) and v else v) for k, v in data.items()}
    return repr(
        {
            k: (v[:12] + "…" if isinstance(v, str) and len(v) > 12 else v)
            for k, v in shown.items()
            if not k.endswith("csrf_token")
        }
    )[:200]


# -- the test --------------------------------------------------------------------------


@pytest.fixture
def demo(db, make_user):
    """The demo street, with a district admin of its district besides the demo logins."""
    build_demo(password=PASSWORD, today=local_today())
    street = db.session.scalar(sa.select(Street).where(Street.name == "湖南路街道"))
    make_user(Role.DISTRICT_ADMIN, phone="13800000099", district_id=street.district_id)
    db.session.commit()  # ends the test session's savepoint; the db fixture still rolls back
    return street


def test_no_hostile_request_causes_a_server_error(app, db, demo):
    """Every role's every form, URL and query answers hostile input without a 5xx."""
    from portal.extensions import limiter

    tally = Tally()
    dialect = db.engine.dialect.name
    pages_done, forms_done, actions_done = set(), set(), set()
    for role in ROLES:
        limiter.reset()
        attacker = Attacker(app, db, tally, role)
        attacker.log_in()
        visited, forms = attacker.crawl()
        for url in visited:
            pattern = _pattern(url)
            if pattern in pages_done:
                continue
            pages_done.add(pattern)
            attacker.attack_ids(url)
            attacker.attack_query(url)
            if _JSON_PAGE.search(url):
                attacker.attack_json(url)
        if role != "anonymous":
            attacker.attack_json("/push/unsubscribe")
        for form in forms:
            if any(skip in form.action for skip in SKIPPED_ACTIONS):
                continue
            names = tuple(
                sorted(_NUMBER.sub("{n}", re.sub(r"\d+", "{n}", f.name)) for f in form.fields)
            )
            # Each form once, by the first role that reaches it (checking a password is slow).
            signature = (form.method, _pattern(form.action), names)
            if signature in forms_done:
                continue
            forms_done.add(signature)
            if form.method == "post" and _pattern(form.action) not in actions_done:
                actions_done.add(_pattern(form.action))
                attacker.attack_ids(form.action, "post")
            attacker.attack_form(form)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    summary = {
        "dialect": dialect,
        "requests": tally.requests,
        "server_errors": len(tally.server_errors),
        "pages_per_role": tally.pages,
        "forms_attacked": tally.forms,
        "pages": tally.visited,
        "slowest": sorted(tally.seconds.items(), key=lambda kv: -kv[1])[:15],
        "form_actions": sorted({pattern for _m, pattern, _n in forms_done}),
        "wrong_status": len(tally.wrong_status),
        "written_on_refusal": len(tally.written_on_refusal),
        "failures": (tally.server_errors + tally.wrong_status + tally.written_on_refusal)[:200],
    }
    (ARTIFACTS / f"fuzz-{dialect}.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=1)
    )
    print(f"fuzz {dialect}: {tally.requests} requests, {len(tally.server_errors)} 5xx")
    signed_in = {role: n for role, n in tally.pages.items() if role != "anonymous"}
    assert all(count >= 5 for count in signed_in.values()), tally.pages  # the crawl got in
    assert tally.server_errors == []
    assert tally.wrong_status == []
    assert tally.written_on_refusal == []
