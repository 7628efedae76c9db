"""The production stack on 127.0.0.1: nginx (TLS, static) → two gunicorn servers → PostgreSQL,
with Redis for the login limits and two schedulers, from deploy/ and Debian's packages."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")
TIMEOUT = 60


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    """Wait until something accepts on the port; fail with the log if the process died."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited {process.returncode}:\n{log.read_text()[-3000:]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing on port {port}:\n{log.read_text()[-3000:]}")


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (and its key), valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "portal.crt", folder / "portal.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def site_config(*, http: int, https: int, upstreams: list[str], cert: Path, key: Path) -> str:
    """deploy/nginx/portal.conf with its @NAMES@ filled in, as an operator does."""
    text = (DEPLOY / "nginx" / "portal.conf").read_text()
    values = {
        "@SERVER_NAME@": "127.0.0.1",
        "@HTTP_LISTEN@": f"127.0.0.1:{http}",
        "@HTTPS_LISTEN@": f"127.0.0.1:{https}",
        "@HTTPS_ORIGIN@": f"https://127.0.0.1:{https}",
        "@CERT@": str(cert),
        "@KEY@": str(key),
        "@STATIC@": str(ROOT / "static"),
        "@UPSTREAMS@": " ".join(f"server {address};" for address in upstreams),
    }
    for name, value in values.items():
        text = text.replace(name, value)
    assert "@" not in "".join(line.split("#")[0] for line in text.splitlines())
    return text


def main_config(folder: Path) -> str:
    """The nginx.conf around the site: everything in ``folder``, Debian's module loaded."""
    user = "user root;" if os.geteuid() == 0 else ""  # workers read the test's 0700 folders
    temp = " ".join(
        f"{kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""
daemon off;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
load_module {BROTLI_MODULE};
{user}
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {folder / "access.log"};
    {temp}
    include {folder / "portal.conf"};
}}
"""


@contextmanager
def nginx(folder: Path, *, upstreams: list[str]) -> Iterator[tuple[str, str, Path]]:
    """Run Debian's nginx with deploy/'s site; yield the https and http origins and the cert."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(binary).exists(), "nginx is not installed: run scripts/install-test-deps"
    assert BROTLI_MODULE.exists(), "libnginx-mod-http-brotli-static is not installed"
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = self_signed(folder)
    http, https = free_port(), free_port()
    (folder / "portal.conf").write_text(
        site_config(http=http, https=https, upstreams=upstreams, cert=cert, key=key)
    )
    (folder / "nginx.conf").write_text(main_config(folder))
    log = folder / "error.log"
    log.touch()
    process = subprocess.Popen(  # noqa: S603 - Debian's nginx on our own config
        [binary, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(log)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(https, process, log)
        yield f"https://127.0.0.1:{https}", f"http://127.0.0.1:{http}", cert
    finally:
        process.terminate()
        try:
            process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=TIMEOUT)
