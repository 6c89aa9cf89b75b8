"""The notifications API as in the contract, and a regulator report becoming a filing."""

import pytest
from sqlalchemy import select

from leaktrack.extensions import db
from leaktrack.notifications import sending
from leaktrack.notifications.models import DELIVERY_STATUSES
from leaktrack.notifications.transports import CaptureTransport
from leaktrack.obligations.models import Filing


def test_templates_list_id_audience_language_subject(client, api_headers):
    response = client.get("/api/v1/templates", headers=api_headers("executive"))
    assert response.status_code == 200
    found = {(t["id"], t["language"]): t for t in response.json}
    assert found[("customer-notice", "ja")]["audience"] == "customer"
    assert found[("ppc-preliminary", "ja")]["audience"] == "regulator"
    assert set(found[("gdpr-art33", "en")]) == {"id", "audience", "language", "subject"}


def test_schedule_list_and_cancel(client, api_headers, incident_with_people):
    ref = incident_with_people(5, without_email=1)
    headers = api_headers("responder")
    body = {
        "audience": "affected",
        "template": "customer-notice",
        "language": "auto",
        "scheduled_for": "2999-01-01T09:00:00+09:00",
        "filters": {"kinds": [], "data_categories": []},
    }
    response = client.post(f"/api/v1/incidents/{ref}/notifications", json=body, headers=headers)
    assert response.status_code == 201, response.json
    created = response.json
    assert set(created["counts"]) == set(DELIVERY_STATUSES)
    assert created["counts"]["scheduled"] == 4 and created["counts"]["failed"] == 1
    assert (
        created["status"] == "scheduled" and created["scheduled_for"] == "2999-01-01T00:00:00+00:00"
    )
    listed = client.get(f"/api/v1/incidents/{ref}/notifications", headers=api_headers("executive"))
    assert [n["id"] for n in listed.json] == [created["id"]]
    cancel = f"/api/v1/incidents/{ref}/notifications/{created['id']}/cancel"
    response = client.post(cancel, headers=headers)
    assert response.status_code == 200 and response.json["counts"]["cancelled"] == 4
    assert response.json["status"] == "cancelled"
    assert client.post(cancel, headers=headers).status_code == 409


def test_cancelling_a_sent_notification_is_409(app, client, api_headers, incident_with_people):
    ref = incident_with_people(2)
    headers = api_headers("responder")
    body = {"audience": "affected", "template": "customer-notice", "scheduled_for": None}
    created = client.post(f"/api/v1/incidents/{ref}/notifications", json=body, headers=headers).json
    with app.app_context():
        sending.dispatch_due(transport_=CaptureTransport(), budget=None)
    response = client.post(
        f"/api/v1/incidents/{ref}/notifications/{created['id']}/cancel", headers=headers
    )
    assert response.status_code == 409 and response.json["error"] == "conflict"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"audience": "affected", "template": "nope"}, 400, "template"),
        (
            {"audience": "affected", "template": "customer-notice", "scheduled_for": "tomorrow"},
            400,
            "scheduled_for",
        ),
        (
            {
                "audience": "affected",
                "template": "customer-notice",
                "scheduled_for": "2030-01-01T00:00:00",
            },
            400,
            "scheduled_for",
        ),
        ({"audience": "regulator", "template": "gdpr-art33", "recipients": "x"}, 400, "recipients"),
        (
            {
                "audience": "affected",
                "template": "customer-notice",
                "scheduled_for": "0001-01-01T00:19:22+03:06",
            },
            400,
            "scheduled_for",
        ),
        (
            {"audience": "affected", "template": "customer-notice", "scheduled_for": 5},
            400,
            "scheduled_for",
        ),
        ({"audience": "affected", "template": "customer-notice", "colour": 1}, 400, "colour"),
        ({"audience": 3, "template": []}, 400, "audience"),
    ],
)
def test_bad_bodies_get_clear_400s(client, api_headers, incident_with_people, body, status, field):
    ref = incident_with_people(1)
    response = client.post(
        f"/api/v1/incidents/{ref}/notifications", json=body, headers=api_headers()
    )
    assert response.status_code == status
    assert field in response.json["fields"]


def test_roles_and_unknown_things(client, api_headers, incident_with_people):
    ref = incident_with_people(1)
    body = {"audience": "affected", "template": "customer-notice"}
    url = f"/api/v1/incidents/{ref}/notifications"
    assert client.post(url, json=body, headers=api_headers("executive")).status_code == 403
    assert client.post(url, json=body).status_code == 401
    assert (
        client.post(
            "/api/v1/incidents/LT-1999-0001/notifications", json=body, headers=api_headers()
        ).status_code
        == 404
    )
    assert client.post(url + "/999/cancel", headers=api_headers()).status_code == 404
    assert client.post(url, data="x", headers=api_headers()).status_code == 415


def test_a_regulator_report_sent_is_filed_with_the_exact_text(
    app, client, api_headers, make_incident
):
    ref = make_incident(
        jurisdictions=["JP"], data_categories=["payment_card"], aware_at="2026-12-01T00:00:00+00:00"
    )
    body = {
        "audience": "regulator",
        "template": "ppc-preliminary",
        "language": "ja",
        "recipients": ["leak-report@ppc.example.test"],
        "values": {"fields": {"reporter": "Example K.K., Tokyo", "outline": "Card data copied"}},
    }
    response = client.post(
        f"/api/v1/incidents/{ref}/notifications", json=body, headers=api_headers()
    )
    assert response.status_code == 201, response.json
    assert response.json["rule_id"] == "JP-APPI-PPC-PRELIM"
    with app.app_context():
        capture = CaptureTransport()
        sending.dispatch_due(transport_=capture, budget=None)
        sending.dispatch_due(transport_=capture, budget=None)
        (filing,) = db.session.scalars(select(Filing)).all()
        assert filing.rule_id == "JP-APPI-PPC-PRELIM" and filing.via == "notification"
        assert filing.notification_id == response.json["id"]
        assert filing.reference.startswith("capture-")
        assert filing.text.startswith("Subject: 個人データの漏えい等事案に関する速報")
        assert "Example K.K., Tokyo" in filing.text and "Card data copied" in filing.text
        assert capture.messages[0].content.text in filing.text
    obligations = client.get(f"/api/v1/incidents/{ref}/obligations", headers=api_headers()).json
    prelim = next(o for o in obligations if o["rule_id"] == "JP-APPI-PPC-PRELIM")
    assert prelim["status"] == "met"
