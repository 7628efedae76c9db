"""Configuration from environment variables, with safe defaults."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def load_or_create_secret_key(instance_path: str) -> str:
    """Read the secret key from the instance folder, generating it on first run."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: two processes starting together must not overwrite each other's key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


class Config:
    """Production-safe defaults; every value can be overridden from the environment."""

    def __init__(self, instance_path: str) -> None:
        self.INSTANCE_PATH = instance_path
        self.SECRET_KEY = os.environ.get("PORTAL_SECRET_KEY") or load_or_create_secret_key(
            instance_path
        )
        # Proof files live outside static/, served only through access-checked routes.
        self.UPLOAD_FOLDER = os.environ.get(
            "PORTAL_UPLOAD_FOLDER", str(Path(instance_path) / "uploads")
        )
        self.UPLOAD_MAX_BYTES = int(os.environ.get("PORTAL_UPLOAD_MAX_BYTES", 5 * 1024 * 1024))
        self.MAX_CONTENT_LENGTH = 20 * 1024 * 1024  # routes set tighter limits of their own
        # Excel imports (portal/imports/limits.py): checked before and while reading.
        self.IMPORT_MAX_BYTES = int(os.environ.get("PORTAL_IMPORT_MAX_BYTES", 10 * 1024 * 1024))
        self.IMPORT_MAX_ROWS = int(os.environ.get("PORTAL_IMPORT_MAX_ROWS", 20_000))
        self.IMPORT_MAX_CELLS = int(os.environ.get("PORTAL_IMPORT_MAX_CELLS", 500_000))
        self.IMPORT_MAX_UNPACKED_BYTES = int(
            os.environ.get("PORTAL_IMPORT_MAX_UNPACKED_BYTES", 100 * 1024 * 1024)
        )
        self.SQLALCHEMY_DATABASE_URI = os.environ.get(
            "DATABASE_URL", f"sqlite:///{Path(instance_path) / 'portal.db'}"
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        # SQLite: how long a CLI command or scheduler job waits for the write lock before it
        # gives up, changing nothing (portal.database.writing). Requests wait 15 s.
        self.WRITE_LOCK_TIMEOUT = float(os.environ.get("PORTAL_WRITE_LOCK_TIMEOUT", "30"))
        self.SQLALCHEMY_RECORD_QUERIES = False
        # Cookies: Secure by default (browsers accept Secure cookies on http://127.0.0.1 too).
        secure = _bool("PORTAL_SECURE_COOKIES", True)
        self.SESSION_COOKIE_SECURE = secure
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # Our remember-me cookie (portal.auth.sessions; 30 days, portal.auth.models).
        self.REMEMBER_COOKIE_SECURE = secure
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
        self.FORCE_HTTPS = _bool("PORTAL_FORCE_HTTPS", False)
        self.WTF_CSRF_TIME_LIMIT = None  # tied to the session instead; phones keep pages open
        # Flask-Limiter's route limits (e.g. the test notification): per process unless set.
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or "memory://"
        self.RATELIMIT_HEADERS_ENABLED = True
        # Failed logins (portal/auth/throttle.py): counted in the portal's database unless
        # RATELIMIT_STORAGE_URI names a shared store such as redis://host:6379/0.
        self.LOGIN_THROTTLE_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or "database://"
        # Only failures count. Per (account, address): slows guessing one password. Per
        # address: generous, since a whole training room may share one Wi-Fi address. Per
        # account: a ceiling for addresses that have failed for it themselves, so guesses
        # spread over many addresses stop while the owner elsewhere still signs in.
        self.LOGIN_FAILURES_PER_ACCOUNT_ADDRESS = os.environ.get(
            "PORTAL_LOGIN_FAILURES_PER_ACCOUNT_ADDRESS", "5 per minute;20 per hour"
        )
        self.LOGIN_FAILURES_PER_ADDRESS = os.environ.get(
            "PORTAL_LOGIN_FAILURES_PER_ADDRESS", "30 per minute;300 per hour"
        )
        self.LOGIN_FAILURES_PER_ACCOUNT = os.environ.get(
            "PORTAL_LOGIN_FAILURES_PER_ACCOUNT", "100 per day"
        )
        self.BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
        self.BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
        self.BABEL_TRANSLATION_DIRECTORIES = str(Path(__file__).parent / "translations")
        self.LANGUAGES = ("zh_Hans_CN", "en")
        # Weak phone networks: compress pages and assets (brotli, else gzip).
        self.COMPRESS_ALGORITHM = ["br", "gzip"]
        self.COMPRESS_MIN_SIZE = 512
        # Streamed (file) responses pass through: static assets are cached for a year
        # under content-hashed URLs instead (see portal/web/assets.py).
        self.COMPRESS_STREAMS = False
        self.SEND_FILE_MAX_AGE_DEFAULT = 365 * 24 * 3600
        self.COMPRESS_MIMETYPES = [
            "text/html",
            "text/css",
            "application/javascript",
            "text/javascript",
            "application/json",
            "image/svg+xml",
            "application/manifest+json",
        ]
        # Notifications: the inbox is the record; web push and WeCom deliver it.
        self.VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY")  # else instance/ (push init)
        self.VAPID_PUBLIC_KEY = os.environ.get("VAPID_PUBLIC_KEY")
        self.VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "mailto:admin@localhost")
        self.PUSH_TIMEOUT = float(os.environ.get("PUSH_TIMEOUT", "10"))
        self.PUSH_TTL = int(os.environ.get("PUSH_TTL", "86400"))
        self.PUSH_WORKERS = int(os.environ.get("PUSH_WORKERS", "16"))
        if os.environ.get("PUSH_ENDPOINT_HOSTS"):
            self.PUSH_ENDPOINT_HOSTS = os.environ["PUSH_ENDPOINT_HOSTS"]
        self.WECOM_BASE_URL = os.environ.get("WECOM_BASE_URL", "https://qyapi.weixin.qq.com")
        self.WECOM_CORP_ID = os.environ.get("WECOM_CORP_ID")
        self.WECOM_AGENT_ID = os.environ.get("WECOM_AGENT_ID")
        self.WECOM_SECRET = os.environ.get("WECOM_SECRET")
        self.PORTAL_PUBLIC_URL = os.environ.get("PORTAL_PUBLIC_URL")
        self.NOTIFY_QUIET_HOURS = os.environ.get("NOTIFY_QUIET_HOURS", "21:00-08:00")
        self.NOTIFY_DELIVER_SECONDS = int(os.environ.get("NOTIFY_DELIVER_SECONDS", "30"))
        # A claimed delivery whose sender died goes back to pending after this long.
        self.NOTIFY_LEASE_SECONDS = float(os.environ.get("NOTIFY_LEASE_SECONDS", "300"))
        self.TRUST_PROXY_HOPS = int(os.environ.get("PORTAL_TRUST_PROXY_HOPS", "0"))
        self.LOG_FORMAT = os.environ.get("PORTAL_LOG_FORMAT", "json")  # json | text | "" (none)
        self.METRICS_ALLOW = os.environ.get("PORTAL_METRICS_ALLOW", "127.0.0.1,::1")


class TestConfig(Config):
    """Configuration for tests: nothing leaves the machine, nothing persists by accident."""

    TESTING = True

    def __init__(self, instance_path: str, database_url: str | None = None) -> None:
        super().__init__(instance_path)
        self.TESTING = True
        self.SECRET_KEY = "test-secret-key-" + "x" * 32  # noqa: S105 - test only
        self.SQLALCHEMY_DATABASE_URI = database_url or os.environ.get(
            "TEST_DATABASE_URL", "sqlite://"
        )
        self.SQLALCHEMY_RECORD_QUERIES = True
        self.RATELIMIT_STORAGE_URI = "memory://"
        # Failed logins are counted in the test's database, rolled back with it.
        self.LOGIN_THROTTLE_STORAGE_URI = "database://"
        # Never a real host from tests (indico sets its SMTP port to 0 for the same reason).
        self.PUSH_ENDPOINT_HOSTS = "127.0.0.1,localhost"
        self.WECOM_BASE_URL = "http://127.0.0.1:9"
        self.WECOM_CORP_ID = self.WECOM_AGENT_ID = self.WECOM_SECRET = None
        self.VAPID_PRIVATE_KEY = self.VAPID_PUBLIC_KEY = None
        self.PORTAL_PUBLIC_URL = None
        self.LOG_FORMAT = ""  # pytest captures the records
