"""What every request shares: security headers, request logs, sessions, template helpers."""

import json
import logging
import time
import uuid

from flask import Flask, g, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from leaktrack.incidents.events import event_label
from leaktrack.rendering import render_markdown
from leaktrack.vocab import LANGUAGES, vocab_label

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

#: (endpoint, label, icon, roles) — entries whose endpoint is not registered are left out
NAV = (
    ("summaries.dashboard", _l("Dashboard"), "chart", {"admin", "responder", "executive"}),
    ("incidents.index", _l("Incidents"), "incident", {"admin", "responder", "executive"}),
    ("alerts.index", _l("Alerts"), "alert", {"admin", "responder"}),
    ("obligations.deadlines", _l("Deadlines"), "clock", {"admin", "responder", "executive"}),
    ("stakeholders.index", _l("People"), "users", {"admin", "responder"}),
    ("playbooks.index", _l("Playbooks"), "playbook", {"admin", "responder", "executive"}),
    ("auth.users", _l("Users"), "shield", {"admin"}),
)

request_log = logging.getLogger("leaktrack.requests")


class SessionInterface(SecureCookieSessionInterface):
    """Cookie sessions for pages; none for the API, which authenticates by bearer token only."""

    def open_session(self, app, request):
        if request.path.startswith("/api/"):
            return self.null_session_class()
        return super().open_session(app, request)

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(app: Flask) -> None:
    """One handler on the leaktrack logger, text or JSON."""
    logger = logging.getLogger("leaktrack")
    if logger.handlers:
        return
    handler = logging.StreamHandler()
    if app.config["LEAKTRACK_LOG_FORMAT"] == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def _start_request():
    g.request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex
    g.started = time.perf_counter()


def _finish_request(response):
    for name, value in (
        ("Content-Security-Policy", CSP),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Request-Id", g.get("request_id", "")),
    ):
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    _log_request(response)
    return response


def _log_request(response) -> None:
    fields = {
        "request_id": g.get("request_id"),
        "user": current_user.get_id() if current_user and current_user.is_authenticated else None,
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": round(
            (time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1
        ),
    }
    request_log.info(
        "{request_id} {user} {method} {path} {status} {duration_ms}ms".format(**fields),
        extra={"fields": fields},
    )


def select_locale() -> str:
    """The user's chosen language, else the browser's best match (the default outside requests)."""
    if not has_request_context():
        return "en"
    if current_user and current_user.is_authenticated and current_user.language:
        return current_user.language
    if session.get("language") in LANGUAGES:
        return session["language"]
    return request.accept_languages.best_match(LANGUAGES) or "en"


def _nav_items():
    if not current_user.is_authenticated:
        return []
    from flask import current_app

    return [
        {
            "endpoint": endpoint,
            "label": label,
            "icon": icon,
            "is_active": (request.endpoint or "").split(".")[0] == endpoint.split(".")[0],
        }
        for endpoint, label, icon, roles in NAV
        if current_user.role in roles and endpoint in current_app.view_functions
    ]


def _datetime_filter(value, format: str = "medium") -> str:
    return format_datetime(value, format) if value else "—"


def register_web(app: Flask) -> None:
    """Hook request handling, template globals and filters into the app."""
    app.session_interface = SessionInterface()
    app.before_request(_start_request)
    app.after_request(_finish_request)
    app.jinja_env.globals["vocab_label"] = vocab_label
    app.jinja_env.globals["event_label"] = event_label
    app.jinja_env.filters["datetime"] = _datetime_filter
    app.jinja_env.filters["markdown"] = lambda text: Markup(render_markdown(text))

    @app.context_processor
    def _template_context():
        return {"nav_items": _nav_items(), "current_locale": str(get_locale() or "en")}
