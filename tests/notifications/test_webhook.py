"""SendGrid's signed event webhook: ECDSA signatures made with the test's own key pair."""

import base64
import json
import time

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sendgrid import EventWebhookHeader
from sqlalchemy import func, select

from leaktrack.audit.models import AuditEvent
from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.notifications import sending, service
from leaktrack.notifications.models import Delivery, DeliveryEvent
from leaktrack.notifications.transports import CaptureTransport

KEY = ec.generate_private_key(ec.SECP256R1())
PUBLIC = base64.b64encode(
    KEY.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
).decode()
URL = "/api/v1/sendgrid/events"


@pytest.fixture
def signed_app(app):
    app.config["SENDGRID_WEBHOOK_PUBLIC_KEY"] = PUBLIC
    yield app
    app.config["SENDGRID_WEBHOOK_PUBLIC_KEY"] = None


def sign(payload: str, timestamp=None, key=KEY) -> dict:
    timestamp = str(int(time.time())) if timestamp is None else str(timestamp)
    signature = key.sign((timestamp + payload).encode(), ec.ECDSA(hashes.SHA256()))
    return {
        EventWebhookHeader.SIGNATURE: base64.b64encode(signature).decode(),
        EventWebhookHeader.TIMESTAMP: timestamp,
    }


def post(client, events, **options):
    payload = json.dumps(events, separators=(",", ":")) + "\r\n"
    headers = sign(payload, **options)
    return client.post(URL, data=payload, content_type="application/json", headers=headers)


@pytest.fixture
def sent(signed_app, incident_with_people):
    """Three deliveries sent through the capture transport; their ids."""
    ref = incident_with_people(3)
    with signed_app.app_context():
        service.create_notification(
            incident=incidents.get_incident(ref=ref),
            actor=None,
            audience="affected",
            template_id="customer-notice",
            language="en",
        )
        db.session.commit()
        sending.dispatch_due(transport_=CaptureTransport(), budget=None)
        return list(db.session.scalars(select(Delivery.id).order_by(Delivery.id)))


def event(delivery_id, name, sg_id, **extra):
    return {
        "email": "x@example.test",
        "timestamp": int(time.time()),
        "event": name,
        "sg_event_id": sg_id,
        "sg_message_id": "abc.filter",
        "delivery_id": str(delivery_id),
        "notification_id": "1",
        **extra,
    }


def status_of(app, delivery_id):
    with app.app_context():
        return db.session.get(Delivery, delivery_id)


def test_signed_events_move_deliveries_and_repeats_are_harmless(signed_app, client, sent):
    a, b, c = sent
    events = [
        event(a, "processed", "e1"),
        event(a, "delivered", "e2"),
        event(b, "deferred", "e3", response="try later"),
        event(c, "bounce", "e4", type="bounce", reason="550 no such user"),
        event(a, "open", "e5"),
    ]
    response = post(client, events)
    assert response.status_code == 200 and response.json == {"applied": 5, "repeated": 0}
    assert status_of(signed_app, a).status == "delivered"
    assert status_of(signed_app, b).status == "sent"  # deferred: SendGrid is still trying
    bounced = status_of(signed_app, c)
    assert bounced.status == "bounced" and bounced.reason == "bounce; 550 no such user"
    again = post(client, events + [event(b, "dropped", "e6", reason="Bounced Address")])
    assert again.json == {"applied": 1, "repeated": 5}
    assert status_of(signed_app, b).status == "dropped"
    # a late "processed" never moves a delivered message back
    post(client, [event(a, "processed", "e7")])
    assert status_of(signed_app, a).status == "delivered"
    with signed_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DeliveryEvent)) == 7
        assert (
            db.session.scalar(
                select(func.count()).where(AuditEvent.action == "notification.events")
            )
            == 3
        )


def test_unsigned_wrongly_signed_and_stale_posts_are_refused(signed_app, client, sent):
    payload = json.dumps([event(sent[0], "delivered", "x1")]) + "\r\n"
    assert client.post(URL, data=payload, content_type="application/json").status_code == 401
    other = ec.generate_private_key(ec.SECP256R1())
    assert (
        client.post(
            URL, data=payload, content_type="application/json", headers=sign(payload, key=other)
        ).status_code
        == 401
    )
    assert (
        post(
            client, [event(sent[0], "delivered", "x1")], timestamp=int(time.time()) - 600
        ).status_code
        == 401
    )
    tampered = sign(payload)
    assert (
        client.post(
            URL,
            data=payload.replace("delivered", "bounce"),
            content_type="application/json",
            headers=tampered,
        ).status_code
        == 401
    )
    bad = {
        EventWebhookHeader.SIGNATURE: "not base64!",
        EventWebhookHeader.TIMESTAMP: str(int(time.time())),
    }
    assert (
        client.post(URL, data=payload, content_type="application/json", headers=bad).status_code
        == 401
    )
    assert status_of(signed_app, sent[0]).status == "sent"


def test_without_a_configured_key_every_post_is_refused(app, client):
    payload = "[]\r\n"
    response = client.post(
        URL, data=payload, content_type="application/json", headers=sign(payload)
    )
    assert response.status_code == 401


@pytest.mark.parametrize("body", [{"a": 1}, [1], [{"event": "delivered"}], "not json"])
def test_signed_but_malformed_bodies_are_400(signed_app, client, body):
    payload = body if isinstance(body, str) else json.dumps(body)
    response = client.post(
        URL, data=payload, content_type="application/json", headers=sign(payload)
    )
    assert response.status_code == 400


def test_an_event_settles_an_uncertain_delivery(signed_app, client, sent):
    with signed_app.app_context():
        db.session.execute(Delivery.__table__.update().values(status="uncertain"))
        db.session.commit()
    post(client, [event(i, "processed", f"p{i}") for i in sent])
    with signed_app.app_context():
        assert set(db.session.scalars(select(Delivery.status))) == {"sent"}


def test_out_of_range_ids_and_times_are_recorded_not_crashed_on(signed_app, client, sent):
    huge = event(10**30, "delivered", "big1", timestamp=10**30)
    response = post(client, [huge, event("x", "delivered", "big2"), event(-5, "bounce", "big3")])
    assert response.status_code == 200 and response.json == {"applied": 3, "repeated": 0}
