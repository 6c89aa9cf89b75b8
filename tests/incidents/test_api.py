from datetime import UTC, datetime, timedelta

import pytest


def _create(client, headers, **fields):
    return client.post(
        "/api/v1/incidents",
        json={"title": "Mail sent to the wrong customer", **fields},
        headers=headers,
    )


def test_create_returns_the_contract_fields(client, api_headers):
    headers = api_headers("responder")
    response = _create(
        client,
        headers,
        severity="high",
        cause="misdelivery",
        data_categories=["email", "name"],
        jurisdictions=["jp", "EU"],
        aware_at="2026-03-01T09:00:00+09:00",
        malicious=False,
    )
    assert response.status_code == 201
    body = response.json
    year = datetime.now(UTC).year
    assert body["ref"] == f"LT-{year}-0001"
    assert response.headers["Location"].endswith(f"/api/v1/incidents/{body['ref']}")
    assert body["status"] == "open" and body["severity"] == "high"
    assert body["data_categories"] == ["name", "email"]
    assert body["jurisdictions"] == ["EU", "JP"]
    assert body["aware_at"] == "2026-03-01T00:00:00+00:00"
    for name in (
        "summary",
        "cause",
        "malicious",
        "data_encrypted",
        "risk_level",
        "occurred_at",
        "detected_at",
        "contained_at",
        "resolved_at",
        "affected_count",
    ):
        assert name in body


def test_refs_count_up_within_the_year(client, api_headers):
    headers = api_headers("responder")
    refs = [_create(client, headers).json["ref"] for _ in range(3)]
    assert [r[-4:] for r in refs] == ["0001", "0002", "0003"]


@pytest.mark.parametrize(
    "fields, bad_field",
    [
        ({"severity": "apocalyptic"}, "severity"),
        ({"cause": "aliens"}, "cause"),
        ({"data_categories": ["email", "dna"]}, "data_categories"),
        ({"data_categories": "email"}, "data_categories"),
        ({"jurisdictions": ["XX"]}, "jurisdictions"),
        ({"title": "x" * 201}, "title"),
        ({"title": ""}, "title"),
        ({"title": 42}, "title"),
        ({"aware_at": "2999-01-01T00:00:00Z"}, "aware_at"),
        ({"aware_at": "yesterday"}, "aware_at"),
        ({"aware_at": "2026-01-01T10:00:00"}, "aware_at"),
        ({"occurred_at": "0001-01-01T00:19:22+03:06"}, "occurred_at"),
        (
            {"occurred_at": "2026-02-01T00:00:00Z", "contained_at": "2026-01-01T00:00:00Z"},
            "contained_at",
        ),
        ({"malicious": "yes"}, "malicious"),
        ({"affected_count": -1}, "affected_count"),
        ({"affected_count": True}, "affected_count"),
        ({"status": "closed"}, "status"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_fields_get_400_naming_the_field_and_nothing_is_saved(
    client, api_headers, fields, bad_field
):
    headers = api_headers("responder")
    response = _create(client, headers, **fields)
    assert response.status_code == 400
    assert response.json["error"] == "validation_error"
    assert bad_field in response.json["fields"]
    assert client.get("/api/v1/incidents", headers=headers).headers["X-Total-Count"] == "0"


def test_missing_title_is_required(client, api_headers):
    response = client.post("/api/v1/incidents", json={}, headers=api_headers("responder"))
    assert response.status_code == 400 and "title" in response.json["fields"]


@pytest.mark.parametrize(
    "body, content_type, status",
    [
        (b"{not json", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b"\xff\xfe", "application/json", 400),
        (b"title=x", "application/x-www-form-urlencoded", 415),
        (b"", "text/plain", 415),
    ],
)
def test_malformed_bodies_are_4xx(client, api_headers, body, content_type, status):
    response = client.post(
        "/api/v1/incidents", data=body, content_type=content_type, headers=api_headers("responder")
    )
    assert response.status_code == status
    assert set(response.json) >= {"error", "message"}


def test_list_filters_by_status_and_severity(client, api_headers):
    headers = api_headers("responder")
    _create(client, headers, severity="low")
    high = _create(client, headers, severity="high").json["ref"]
    client.patch(f"/api/v1/incidents/{high}", json={"status": "investigating"}, headers=headers)
    listed = client.get("/api/v1/incidents?severity=high&status=investigating", headers=headers)
    assert [i["ref"] for i in listed.json] == [high]
    assert client.get("/api/v1/incidents?status=bogus", headers=headers).status_code == 400
    assert client.get("/api/v1/incidents?per_page=0", headers=headers).status_code == 400


def test_patch_changes_facts_and_records_before_and_after(client, api_headers, app):
    headers = api_headers("responder")
    ref = _create(client, headers, severity="low").json["ref"]
    response = client.patch(
        f"/api/v1/incidents/{ref}", json={"severity": "critical", "ref": "ignored"}, headers=headers
    )
    assert response.status_code == 200 and response.json["severity"] == "critical"
    with app.app_context():
        from leaktrack.audit.models import AuditEvent
        from leaktrack.extensions import db

        event = db.session.query(AuditEvent).filter_by(action="incident.updated").one()
    assert event.before == {"severity": "low"} and event.after == {"severity": "critical"}


def test_patch_checks_times_against_the_stored_ones(client, api_headers):
    headers = api_headers("responder")
    ref = _create(client, headers, occurred_at="2026-02-01T00:00:00Z").json["ref"]
    response = client.patch(
        f"/api/v1/incidents/{ref}", json={"contained_at": "2026-01-01T00:00:00Z"}, headers=headers
    )
    assert response.status_code == 400 and "contained_at" in response.json["fields"]


@pytest.mark.parametrize(
    "path, expected",
    [
        (["investigating", "contained", "notifying", "resolved", "closed"], [200] * 5),
        (["contained"], [409]),
        (["investigating", "open"], [200, 409]),
        (["investigating", "contained", "notifying", "resolved", "investigating"], [200] * 5),
    ],
)
def test_status_workflow(client, api_headers, path, expected):
    headers = api_headers("responder")
    ref = _create(client, headers).json["ref"]
    codes = [
        client.patch(f"/api/v1/incidents/{ref}", json={"status": s}, headers=headers).status_code
        for s in path
    ]
    assert codes == expected


def test_status_moves_stamp_their_times(client, api_headers):
    headers = api_headers("responder")
    ref = _create(client, headers).json["ref"]
    for status in ("investigating", "contained"):
        body = client.patch(
            f"/api/v1/incidents/{ref}", json={"status": status}, headers=headers
        ).json
    stamped = datetime.fromisoformat(body["contained_at"])
    assert abs(stamped - datetime.now(UTC)) < timedelta(minutes=1)


def test_a_closed_incident_refuses_changes(client, api_headers):
    headers = api_headers("responder")
    ref = _create(client, headers).json["ref"]
    for status in ("investigating", "contained", "notifying", "resolved", "closed"):
        client.patch(f"/api/v1/incidents/{ref}", json={"status": status}, headers=headers)
    response = client.patch(f"/api/v1/incidents/{ref}", json={"title": "new"}, headers=headers)
    assert response.status_code == 409 and response.json["error"] == "conflict"


def test_unknown_incident_is_404(client, api_headers):
    response = client.get("/api/v1/incidents/LT-1999-0001", headers=api_headers("executive"))
    assert response.status_code == 404 and response.json["error"] == "not_found"


@pytest.mark.parametrize(
    "path", ["", "/obligations", "/playbooks", "/notifications", "/summary", "/affected"]
)
def test_a_ref_with_a_nul_is_404_everywhere(client, api_headers, path):
    response = client.get(f"/api/v1/incidents/LT-2026-%000001{path}", headers=api_headers("admin"))
    assert response.status_code == 404 and response.json["error"] == "not_found"


def test_executives_read_but_never_write(client, api_headers, make_incident):
    headers = api_headers("executive")
    ref = make_incident()
    assert client.get(f"/api/v1/incidents/{ref}", headers=headers).status_code == 200
    assert _create(client, headers).status_code == 403
    assert (
        client.patch(f"/api/v1/incidents/{ref}", json={"title": "x"}, headers=headers).status_code
        == 403
    )
