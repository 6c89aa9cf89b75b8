"""Fixtures for notification tests: incidents with affected people, a fake SendGrid server."""

import io

import pytest

from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.stakeholders import service as stakeholders
from tests.notifications.fake_sendgrid import API_KEY, FakeSendGrid

HEADER = "external_ref,name,email,phone,address,country,region,language"


def people_csv(n: int, *, start: int = 1, without_email: int = 0, domain="example.test") -> bytes:
    rows = [HEADER]
    for i in range(start, start + n):
        language = "ja" if i % 2 else "en"
        email = "" if i < start + without_email else f"person{i}@{domain}"
        rows.append(f"C-{i},Person {i},{email},,,JP,JP-13,{language}")
    return ("\r\n".join(rows) + "\r\n").encode()


@pytest.fixture
def incident_with_people(app):
    """incident_with_people(n, without_email=0, categories=...) → incident ref."""

    def make(
        n: int,
        *,
        without_email: int = 0,
        categories=("name", "email"),
        kind="customer",
        start: int = 1,
        **fields,
    ):
        with app.app_context():
            incident = incidents.create_incident(
                actor=None,
                data={
                    "title": "Customer list exposed",
                    "data_categories": list(categories),
                    "cause": "unauthorized_access",
                    **fields,
                },
            )
            db.session.flush()
            stakeholders.import_file(
                stream=io.BytesIO(people_csv(n, start=start, without_email=without_email)),
                kind=kind,
                incident=incident,
                categories=list(categories),
            )
            db.session.commit()
            return incident.ref

    return make


@pytest.fixture
def fake():
    with FakeSendGrid() as server:
        yield server


@pytest.fixture
def sendgrid_app(app, fake):
    """The app configured to deliver through the fake SendGrid server."""
    saved = {k: app.config.get(k) for k in ("SENDGRID_API_KEY", "SENDGRID_API_HOST")}
    app.config.update(SENDGRID_API_KEY=API_KEY, SENDGRID_API_HOST=fake.url)
    yield app
    app.config.update(saved)
