"""A local server that speaks WeCom's (企业微信) gettoken + message/send API on 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from tests.servers import FakeServer


@dataclass
class WeComService:
    """The fake corp: its credentials, the tokens it issued, the messages it got."""

    corp_id: str = "ww-test-corp"
    secret: str = "test-secret-" + "s" * 20
    agent_id: int = 1000002
    expires_in: int = 7200
    known_users: set[str] = field(default_factory=lambda: {"lixiaowen", "zhouzq"})
    tokens: set[str] = field(default_factory=set)
    token_requests: int = 0
    messages: list[dict] = field(default_factory=list)
    send_requests: int = 0
    script: deque = field(default_factory=deque)  # forced errcodes for the next sends
    lock: threading.Lock = field(default_factory=threading.Lock)
    base_url: str = ""
    stall: float = 0.0  # seconds to hold back the answer to message/send, after taking it
    unstall: threading.Event = field(default_factory=threading.Event)

    def expire_tokens(self) -> None:
        """Invalidate every token issued so far (as WeCom does when a token is reset)."""
        with self.lock:
            self.tokens.clear()


def _handler(service: WeComService):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            """Keep the test output quiet."""

        def _json(self, data: dict, status: int = 200) -> None:
            body = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the sender may have given up waiting
                self.wfile.write(body)

        def do_GET(self):  # noqa: N802
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            if parts.path != "/cgi-bin/gettoken":
                return self._json({"errcode": 404, "errmsg": "not found"}, 404)
            with service.lock:
                service.token_requests += 1
                if query.get("corpid") != service.corp_id:
                    return self._json({"errcode": 40013, "errmsg": "invalid corpid"})
                if query.get("corpsecret") != service.secret:
                    return self._json({"errcode": 40001, "errmsg": "invalid credential"})
                token = os.urandom(16).hex()
                service.tokens.add(token)
            return self._json(
                {
                    "errcode": 0,
                    "errmsg": "ok",
                    "access_token": token,
                    "expires_in": service.expires_in,
                }
            )

        def do_POST(self):  # noqa: N802
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if parts.path != "/cgi-bin/message/send":
                return self._json({"errcode": 404, "errmsg": "not found"}, 404)
            with service.lock:
                service.send_requests += 1
                if query.get("access_token") not in service.tokens:
                    return self._json({"errcode": 42001, "errmsg": "access_token expired"})
                if service.script:
                    errcode = service.script.popleft()
                    return self._json({"errcode": errcode, "errmsg": "scripted"})
                if body.get("agentid") != service.agent_id:
                    return self._json({"errcode": 40056, "errmsg": "invalid agentid"})
                if body.get("msgtype") != "text" or not body.get("text", {}).get("content"):
                    return self._json({"errcode": 44004, "errmsg": "empty content"})
                users = str(body.get("touser", "")).split("|")
                invalid = [u for u in users if u not in service.known_users]
                if invalid and len(invalid) == len(users):
                    return self._json(
                        {"errcode": 81013, "errmsg": "user & party & tag all invalid"}
                    )
                service.messages.append(body)
            if service.stall:
                service.unstall.wait(service.stall)  # a slow WeCom: the answer comes late
            return self._json(
                {
                    "errcode": 0,
                    "errmsg": "ok",
                    "invaliduser": "|".join(invalid),
                    "msgid": os.urandom(8).hex(),
                }
            )

    return Handler


class WeComServer(FakeServer[WeComService]):
    """Run a WeComService over HTTP on 127.0.0.1 in a background thread."""

    def __init__(self, service: WeComService | None = None) -> None:
        super().__init__(service or WeComService(), _handler)

    def __exit__(self, *exc) -> None:
        self.service.unstall.set()  # let a stalled answer go so the server stops at once
        super().__exit__(*exc)
