"""Settings from the environment, with secrets generated once into the instance folder."""

import base64
import logging
import os
import secrets
import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PRODUCT_DIR = PACKAGE_DIR.parent

log = logging.getLogger(__name__)


def _instance_secret(instance: Path, name: str, make, warn: str | None = None) -> str:
    """Read a secret kept in the instance folder, creating it on first use."""
    path = instance / name
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    value = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    if warn:
        log.warning(warn, path)
    return value


def _shipped_or_packaged(folder: str) -> str:
    """The content folder beside the package (source checkout), else the copy the wheel installs."""
    beside = PRODUCT_DIR / folder
    return str(beside if beside.is_dir() else Path(sys.prefix) / "share" / "leaktrack" / folder)


def from_environment(instance_path: str, given: dict) -> dict:
    """Build the configuration from environment variables; keys in `given` are left to it."""
    instance = Path(instance_path)
    env = os.environ.get
    values = {
        "SQLALCHEMY_DATABASE_URI": env("DATABASE_URL") or f"sqlite:///{instance / 'leaktrack.db'}",
        "LEAKTRACK_TIMEZONE": env("LEAKTRACK_TIMEZONE", "UTC"),
        "LEAKTRACK_DIGEST_CRON": env("LEAKTRACK_DIGEST_CRON", "0 9 * * mon"),
        "LEAKTRACK_BASE_URL": env("LEAKTRACK_BASE_URL", "http://127.0.0.1:5000"),
        "SENDGRID_API_KEY": env("SENDGRID_API_KEY"),
        "SENDGRID_API_HOST": env("SENDGRID_API_HOST", "https://api.sendgrid.com"),
        "SENDGRID_FROM": env("SENDGRID_FROM", "leaktrack@localhost"),
        "SENDGRID_WEBHOOK_PUBLIC_KEY": env("SENDGRID_WEBHOOK_PUBLIC_KEY"),
        "LEAKTRACK_PLAYBOOKS_DIR": env("LEAKTRACK_PLAYBOOKS_DIR")
        or _shipped_or_packaged("playbooks"),
        "LEAKTRACK_TEMPLATES_DIR": env("LEAKTRACK_TEMPLATES_DIR")
        or _shipped_or_packaged("notifications"),
        "LEAKTRACK_RULES_DIR": env("LEAKTRACK_RULES_DIR"),
        "LEAKTRACK_REGULATORS_FILE": env("LEAKTRACK_REGULATORS_FILE"),
        "LEAKTRACK_LOG_FORMAT": env("LEAKTRACK_LOG_FORMAT", "text"),
        "LOGIN_RATE_LIMIT": env("LEAKTRACK_LOGIN_RATE_LIMIT", "10 per minute"),
        "LEAKTRACK_RETIRED_DATA_KEYS": env("LEAKTRACK_RETIRED_DATA_KEYS", ""),
        "LEAKTRACK_RETENTION_DAYS": int(env("LEAKTRACK_RETENTION_DAYS") or 1095),
    }
    if "SECRET_KEY" not in given:
        values["SECRET_KEY"] = env("SECRET_KEY") or _instance_secret(
            instance, "secret_key", lambda: secrets.token_hex(32)
        )
    if "LEAKTRACK_DATA_KEY" not in given:
        values["LEAKTRACK_DATA_KEY"] = env("LEAKTRACK_DATA_KEY") or _instance_secret(
            instance,
            "data_key",
            lambda: "k1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            warn="LEAKTRACK_DATA_KEY is not set: generated a data key into %s; back it up, "
            "personal data cannot be read without it",
        )
    return values


DEFAULTS = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": True,
    "BABEL_DEFAULT_LOCALE": "en",
    "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
    "JSON_SORT_KEYS": False,
}
