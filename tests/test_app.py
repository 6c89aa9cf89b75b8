import json
import logging

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from leaktrack.extensions import db


def test_healthz_and_readyz_need_no_login(client):
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/readyz").json == {"status": "ready"}


def test_readyz_reports_an_unreachable_database(tmp_path):
    from tests.conftest import make_test_app

    app = make_test_app("postgresql+psycopg://nobody@127.0.0.1:1/none", tmp_path)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["error"] == "database_unavailable"


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert differences == []


def test_every_page_carries_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_is_secure_and_httponly_over_https(app, make_user):
    _, email = make_user("responder")
    client = app.test_client()
    page = client.get("/login", base_url="https://localhost")
    token = page.get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]
    response = client.post(
        "/login",
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
        data={"email": email, "password": "correct horse battery staple", "csrf_token": token},
    )
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie
    assert "Strict-Transport-Security" in response.headers


def test_one_log_line_per_request(client, caplog):
    with caplog.at_level(logging.INFO, logger="leaktrack.requests"):
        client.get("/healthz", headers={"X-Request-Id": "abc123"})
    lines = [r for r in caplog.records if r.name == "leaktrack.requests"]
    assert len(lines) == 1
    assert lines[0].fields == {
        "request_id": "abc123",
        "user": None,
        "method": "GET",
        "path": "/healthz",
        "status": 200,
        "duration_ms": lines[0].fields["duration_ms"],
    }


def test_json_log_format_is_one_json_object():
    from leaktrack.web import JsonFormatter

    record = logging.LogRecord(
        "leaktrack.requests", logging.INFO, __file__, 1, "GET /x 200", None, None
    )
    record.fields = {"status": 200, "path": "/x"}
    entry = json.loads(JsonFormatter().format(record))
    assert entry["status"] == 200 and entry["message"] == "GET /x 200"


def test_openapi_document_lists_the_incident_api(client):
    document = client.get("/api/openapi.json").json
    assert document["openapi"].startswith("3.")
    assert {"get", "post"} <= set(document["paths"]["/api/v1/incidents"])
    assert {"get", "patch"} <= set(document["paths"]["/api/v1/incidents/{ref}"])
