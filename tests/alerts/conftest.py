"""Fixtures for the webhook: sources made through the service, and senders that sign like
Alertmanager (bearer) or a Standard Webhooks sender (hmac)."""

import itertools
import json
import time

import pytest

from leaktrack.alerts import service
from leaktrack.alerts.signing import sign
from leaktrack.extensions import db

_ids = itertools.count(1)


@pytest.fixture
def make_source(app):
    """make_source(format, auth, **options) → (name, secret)."""

    def make(format: str = "alertmanager", auth: str = "hmac", **options):
        name = options.pop("name", f"{format}-{auth}-{next(_ids)}")
        with app.app_context():
            _, secret = service.create_source(
                name=name, format=format, auth=auth, actor=None, **options
            )
            db.session.commit()
        return name, secret

    return make


def signed_headers(secret: str, body: bytes, *, webhook_id=None, timestamp=None) -> dict:
    webhook_id = webhook_id or f"msg_{next(_ids)}_{time.time_ns()}"
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(
            secret=secret, webhook_id=webhook_id, timestamp=timestamp, body=body
        ),
    }


class Sender:
    """Posts alerts to one source the way a real monitoring system would."""

    def __init__(self, client, name: str, secret: str, auth: str):
        self.client, self.name, self.secret, self.auth = client, name, secret, auth

    def post(
        self,
        payload=None,
        *,
        body: bytes | None = None,
        content_type="application/json",
        headers=None,
        **signing,
    ):
        body = json.dumps(payload).encode() if body is None else body
        sent = {"Content-Type": content_type}
        if self.auth == "hmac":
            sent.update(signed_headers(self.secret, body, **signing))
        else:
            sent["Authorization"] = f"Bearer {self.secret}"
        sent.update(headers or {})
        return self.client.post(f"/api/v1/alerts/{self.name}", data=body, headers=sent)


@pytest.fixture
def sender(app, make_source):
    """sender(format, auth, **options) → a Sender for a new source."""

    def make(format: str = "alertmanager", auth: str = "hmac", **options):
        name, secret = make_source(format, auth, **options)
        return Sender(app.test_client(), name, secret, auth)

    return make
