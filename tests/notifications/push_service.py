"""A local web push service on 127.0.0.1 that checks what a real one would.

It verifies the VAPID JWT of every request (RFC 8292: ES256 signature with the key in
``Authorization: vapid t=…, k=…``, ``aud`` = the endpoint's origin, ``exp`` in the
future and at most 24 h away, ``sub`` present) and decrypts the aes128gcm body
(RFC 8188/8291) with the subscription's private key and auth secret, as the browser
would. Answers can be scripted per subscription (503 once, then 201; 410; 429 with
Retry-After). Used by the tests and by the push benchmark.

Browsers' side is simulated by ``BrowserKeys``: a P-256 key pair and a 16-byte auth
secret, exactly what ``PushManager.subscribe()`` creates.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import struct
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tests.servers import FakeServer


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class BrowserKeys:
    """What a browser generates when it subscribes: an ECDH key pair and an auth secret."""

    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes

    @classmethod
    def generate(cls) -> BrowserKeys:
        return cls(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))

    @property
    def public_bytes(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )

    @property
    def p256dh(self) -> str:
        return b64url(self.public_bytes)

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


class DecryptError(ValueError):
    """The body is not a valid aes128gcm web push message for these keys."""


def decrypt_aes128gcm(body: bytes, keys: BrowserKeys) -> bytes:
    """Decrypt a web push message body as the browser does (RFC 8291 with RFC 8188)."""
    if len(body) < 21:
        raise DecryptError("body shorter than the aes128gcm header")
    salt = body[:16]
    (record_size,) = struct.unpack("!I", body[16:20])
    id_length = body[20]
    sender_public = body[21 : 21 + id_length]
    ciphertext = body[21 + id_length :]
    if id_length != 65 or record_size < 18:
        raise DecryptError("header keyid is not a P-256 public key")
    try:
        sender = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), sender_public)
    except ValueError as error:
        raise DecryptError("keyid is not on the curve") from error
    shared = keys.private_key.exchange(ec.ECDH(), sender)
    # RFC 8291 §3.3–3.4: combine the ECDH secret with the auth secret, then RFC 8188 keys.
    prk_key = _hmac(keys.auth_secret, shared)
    key_info = b"WebPush: info\x00" + keys.public_bytes + sender_public
    ikm = _hmac(prk_key, key_info + b"\x01")
    prk = _hmac(salt, ikm)
    cek = _hmac(prk, b"Content-Encoding: aes128gcm\x00\x01")[:16]
    base_nonce = _hmac(prk, b"Content-Encoding: nonce\x00\x01")[:12]
    aead = AESGCM(cek)
    plain = b""
    records = [ciphertext[i : i + record_size] for i in range(0, len(ciphertext), record_size)]
    for sequence, record in enumerate(records):
        nonce = (int.from_bytes(base_nonce, "big") ^ sequence).to_bytes(12, "big")
        try:
            padded = aead.decrypt(nonce, record, None)
        except InvalidTag as error:
            raise DecryptError("authentication tag does not match") from error
        content = padded.rstrip(b"\x00")
        last = sequence == len(records) - 1
        if not content or content[-1] != (2 if last else 1):
            raise DecryptError("bad padding delimiter")
        plain += content[:-1]
    return plain


class VapidError(ValueError):
    """The Authorization header is not a valid VAPID token for the endpoint."""


def verify_vapid(header: str, audience: str, *, now: float | None = None) -> tuple[dict, str]:
    """Check ``Authorization: vapid t=…, k=…``; return (claims, public key)."""
    scheme, _, rest = (header or "").partition(" ")
    if scheme.lower() != "vapid":
        raise VapidError(f"scheme {scheme!r} is not vapid")
    params = {}
    for part in rest.split(","):
        name, _, value = part.strip().partition("=")
        params[name] = value
    token, key = params.get("t"), params.get("k")
    if not token or not key:
        raise VapidError("t= or k= missing")
    try:
        signing_input, signature = token.rsplit(".", 1)
        header_b64, claims_b64 = signing_input.split(".")
        jwt_header = json.loads(unb64url(header_b64))
        claims = json.loads(unb64url(claims_b64))
        raw_signature = unb64url(signature)
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
    except (ValueError, TypeError) as error:
        raise VapidError(f"malformed token: {error}") from error
    if jwt_header.get("alg") != "ES256" or len(raw_signature) != 64:
        raise VapidError("not an ES256 JWT")
    der = encode_dss_signature(
        int.from_bytes(raw_signature[:32], "big"), int.from_bytes(raw_signature[32:], "big")
    )
    try:
        public.verify(der, signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as error:
        raise VapidError("signature does not verify with k") from error
    now = time.time() if now is None else now
    if claims.get("aud") != audience:
        raise VapidError(f"aud {claims.get('aud')!r} is not {audience!r}")
    exp = claims.get("exp")
    if not isinstance(exp, int) or exp <= now or exp > now + 24 * 3600:
        raise VapidError(f"exp {exp!r} not in the next 24 hours")
    if not claims.get("sub"):
        raise VapidError("sub missing")
    return claims, key


@dataclass
class Received:
    """One request the push service answered."""

    token: str
    status: int
    headers: dict
    payload: dict | None = None
    claims: dict | None = None
    vapid_key: str | None = None
    error: str | None = None


@dataclass
class PushService:
    """The service's state: subscriptions' keys, scripted answers, what arrived."""

    verify_every: int = 1  # decrypt and verify every n-th message (1 = all)
    keys: dict[str, BrowserKeys] = field(default_factory=dict)
    script: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    base_url: str = ""
    count: int = 0
    key_source: object = None  # token -> BrowserKeys, for subscriptions not in `keys`
    stall: float = 0.0  # seconds to hold each answer back after accepting the message
    unstall: threading.Event = field(default_factory=threading.Event)  # set: answer at once

    def subscribe(self, token: str | None = None) -> tuple[dict, BrowserKeys]:
        """Create a browser subscription at this service: (toJSON() dict, its keys)."""
        token = token or os.urandom(12).hex()
        keys = BrowserKeys.generate()
        self.keys[token] = keys
        info = {
            "endpoint": f"{self.base_url}/push/{token}",
            "keys": {"p256dh": keys.p256dh, "auth": keys.auth},
        }
        return info, keys

    def answer(self, token: str, *answers: tuple[int, dict] | int) -> None:
        """Script the next answers for a subscription (then 201 again)."""
        for answer in answers:
            status, headers = answer if isinstance(answer, tuple) else (answer, {})
            self.script[token].append((status, headers))

    def delivered(self, token: str | None = None) -> list[Received]:
        """Return the messages accepted (2xx), for one subscription or all."""
        with self.lock:
            return [
                r
                for r in self.received
                if 200 <= r.status < 300 and (token is None or r.token == token)
            ]

    def errors(self) -> list[Received]:
        """Return requests that failed verification or decryption."""
        with self.lock:
            return [r for r in self.received if r.error]


def _handler(service: PushService):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: the sender's pooled sessions reuse sockets

        def log_message(self, *args):
            """Keep the test output quiet."""

        def _reply(self, status: int, headers: dict | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self):  # noqa: N802 - http.server's naming
            if urlsplit(self.path).path != "/_stats":
                return self._reply(404)
            with service.lock:
                body = json.dumps(
                    {
                        "count": service.count,
                        "accepted": sum(1 for r in service.received if 200 <= r.status < 300),
                        "verified": sum(1 for r in service.received if r.payload is not None),
                        "errors": [r.error for r in service.received if r.error][:5],
                    }
                ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            path = urlsplit(self.path).path
            token = path.rsplit("/", 1)[-1]
            headers = {k.lower(): v for k, v in self.headers.items()}
            with service.lock:
                service.count += 1
                check = service.verify_every <= 1 or service.count % service.verify_every == 1
                scripted = service.script[token].popleft() if service.script[token] else None
            record = Received(token=token, status=201, headers=headers)
            keys = service.keys.get(token)
            if keys is None and service.key_source is not None:
                keys = service.key_source(token)
            if keys is None:
                record.status = 404
            elif check:
                try:
                    if headers.get("content-encoding") != "aes128gcm":
                        raise DecryptError("Content-Encoding is not aes128gcm")
                    if "ttl" not in headers:
                        raise VapidError("TTL header missing")
                    record.claims, record.vapid_key = verify_vapid(
                        headers.get("authorization", ""), service.base_url
                    )
                    record.payload = json.loads(decrypt_aes128gcm(body, keys))
                except (DecryptError, VapidError, ValueError) as error:
                    record.error = f"{type(error).__name__}: {error}"
                    record.status = 400 if isinstance(error, DecryptError) else 401
            extra = {}
            if record.status == 201 and scripted is not None:
                record.status, extra = scripted
            if record.status == 201:
                extra = {"Location": f"{service.base_url}/message/{service.count}"}
            with service.lock:
                service.received.append(record)
            if service.stall:
                service.unstall.wait(service.stall)  # a slow service: the answer comes late
            with contextlib.suppress(OSError):  # the sender may have given up waiting
                self._reply(record.status, extra)

    return Handler


class PushServer(FakeServer[PushService]):
    """Run a PushService over HTTP on 127.0.0.1 in a background thread."""

    def __init__(self, service: PushService | None = None) -> None:
        super().__init__(service or PushService(), _handler)

    def __exit__(self, *exc) -> None:
        self.service.unstall.set()  # let stalled answers go so the server stops at once
        super().__exit__(*exc)
