"""Fixtures: the app on SQLite (and on PostgreSQL when LEAKTRACK_TEST_DATABASE_URL is set),
clients that sign in through the real login form, and factories for records."""

import base64
import itertools
import os
import re

import flask_migrate
import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from leaktrack import create_app
from leaktrack.auth import service as auth_service
from leaktrack.extensions import db
from leaktrack.incidents import service as incident_service

# Real argon2id, with the cost lowered so that hundreds of test users do not dominate the run.
auth_service._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

TEST_DATA_KEY = "k1:" + base64.urlsafe_b64encode(b"t" * 32).decode()
PASSWORD = "correct horse battery staple"
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("LEAKTRACK_TEST_DATABASE_URL") else [])


def _fresh_postgres_database(base_url: str, purpose: str = "suite") -> tuple[str, object]:
    """A new, empty database for this test process and purpose, and a function that drops it."""
    url = make_url(base_url)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"leaktrack_test_{purpose}_{worker}_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'leaktrack.db'}"
        return
    url, drop = _fresh_postgres_database(os.environ["LEAKTRACK_TEST_DATABASE_URL"])
    yield url
    drop()


def make_test_app(database_url: str, instance_path, **overrides):
    """An app on the given database with test settings (CSRF stays on, as in production)."""
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "LEAKTRACK_DATA_KEY": TEST_DATA_KEY,
        "LOGIN_RATE_LIMIT": "10000 per minute",
        **overrides,
    }
    app = create_app(config)
    app.instance_path = str(instance_path)
    return app


@pytest.fixture(scope="session")
def _migrated_app(database_url, tmp_path_factory):
    app = make_test_app(database_url, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        flask_migrate.upgrade()
    return app


def _empty_all_tables(app) -> None:
    with app.app_context():
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        db.session.remove()


@pytest.fixture
def app(_migrated_app):
    yield _migrated_app
    _empty_all_tables(_migrated_app)


@pytest.fixture
def ctx(app):
    """An app context for calling services directly; the test commits what it needs."""
    with app.app_context():
        yield
        db.session.rollback()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_serial = itertools.count(1)


@pytest.fixture
def make_user(app):
    def make(role: str = "responder", email: str | None = None, password: str = PASSWORD):
        with app.app_context():
            user = auth_service.create_user(
                email=email or f"{role}{next(_serial)}@example.test", role=role, password=password
            )
            db.session.commit()
            return user.id, user.email

    return make


@pytest.fixture
def make_incident(app):
    def make(**fields):
        data = {"title": f"Leak {next(_serial)}", **fields}
        with app.app_context():
            incident = incident_service.create_incident(actor=None, data=data)
            db.session.commit()
            return incident.ref

    return make


CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


class PageClient:
    """A test client signed in through the real login form, posting forms with their CSRF token."""

    def __init__(self, client, email: str | None):
        self.client, self.email = client, email
        self.csrf = self._token_from(client.get("/login"))

    @staticmethod
    def _token_from(response) -> str:
        return CSRF_RE.search(response.get_data(as_text=True)).group(1)

    def login(self, email: str, password: str = PASSWORD):
        return self.client.post(
            "/login", data={"email": email, "password": password, "csrf_token": self.csrf}
        )

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url, data=None, **kwargs):
        return self.client.post(url, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)


@pytest.fixture
def page_client(app, make_user):
    """page_client(role) → a client signed in as a new user with that role."""

    def make(role: str = "responder"):
        _, email = make_user(role)
        browser = PageClient(app.test_client(), email)
        response = browser.login(email)
        assert response.status_code == 302, response.get_data(as_text=True)
        browser.csrf = PageClient._token_from(browser.get("/login"))
        return browser

    return make


@pytest.fixture
def api_headers(app, make_user):
    """api_headers(role) → headers with a bearer token of a new user with that role."""

    def make(role: str = "responder"):
        user_id, _ = make_user(role)
        with app.app_context():
            user = db.session.get(auth_service.User, user_id)
            token = auth_service.create_token(user=user)
            db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def client(app):
    return app.test_client()
