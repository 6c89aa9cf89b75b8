import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from leaktrack.alerts.models import Alert, AlertSource, SeenWebhookId
from leaktrack.audit.models import AuditEvent
from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.incidents.models import Incident
from tests.alerts import samples
from tests.alerts.conftest import Sender


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def incident(app, ref) -> dict:
    with app.app_context():
        found = incidents.get_incident(ref=ref)
        return incidents.incident_json(found) | {"id": found.id}


def timeline(app, ref) -> list[tuple[str, str, str | None]]:
    with app.app_context():
        found = incidents.get_incident(ref=ref)
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.incident_id == found.id).order_by(AuditEvent.seq)
        )
        return [(e.action, e.actor_label, e.text) for e in events]


def alert_row(app, alert_id) -> Alert:
    with app.app_context():
        alert = db.session.get(Alert, alert_id)
        db.session.expunge(alert)
        return alert


def close(app, ref) -> None:
    with app.app_context():
        found = incidents.get_incident(ref=ref)
        for status in ("investigating", "contained", "notifying", "resolved", "closed"):
            incidents.change_status(incident=found, actor=None, status=status)
        db.session.commit()


# Accepted alerts


def test_alertmanager_alert_opens_an_incident(app, sender):
    response = sender("alertmanager", "hmac").post(samples.alertmanager())
    assert response.status_code == 202
    answer = response.get_json()
    assert answer["deduplicated"] is False
    assert answer["incident_ref"].startswith("LT-")
    opened = incident(app, answer["incident_ref"])
    assert opened["title"] == "Bulk export of customer records from fileserver-02"
    assert opened["status"] == "open"
    assert opened["severity"] == "critical"
    assert opened["detected_at"] == "2026-11-27T22:14:05.123456+00:00"
    assert opened["summary"].startswith("12,400 rows")


def test_new_incident_is_audited_with_the_source_as_actor(app, sender):
    source = sender("alertmanager", "bearer")
    ref = source.post(samples.alertmanager()).get_json()["incident_ref"]
    assert timeline(app, ref) == [("incident.created", f"source:{source.name}", None)]


def test_alert_keeps_its_raw_payload(app, sender):
    answer = sender().post(samples.alertmanager()).get_json()
    raw = json.loads(alert_row(app, answer["alert_id"]).raw)
    assert raw["alert"]["fingerprint"] == "c6d2a1f0b3e47a19"
    assert raw["receiver"] == "leaktrack"


def test_grafana_payload_records_each_alert(app, sender):
    response = sender("alertmanager", "bearer").post(samples.grafana())
    assert response.status_code == 202
    answer = response.get_json()
    assert len(answer["alerts"]) == 2
    assert answer["alerts"][0] == {
        k: answer[k] for k in ("alert_id", "incident_ref", "deduplicated")
    }
    firing, resolved = (alert_row(app, a["alert_id"]) for a in answer["alerts"])
    assert (firing.status, resolved.status) == ("firing", "resolved")
    assert incident(app, answer["alerts"][0]["incident_ref"])["severity"] == "medium"


def test_source_defaults_fill_what_the_alert_leaves_out(app, sender):
    source = sender("generic", "hmac", default_severity="high", default_cause="misconfiguration")
    answer = source.post({"id": "cfg-1", "title": "Public bucket"}).get_json()
    opened = incident(app, answer["incident_ref"])
    assert (opened["severity"], opened["cause"]) == ("high", "misconfiguration")


def test_generic_alert_prefills_the_incident(app, sender):
    answer = sender("generic", "bearer").post(samples.generic()).get_json()
    opened = incident(app, answer["incident_ref"])
    assert set(opened["data_categories"]) == {"email", "payment_card", "name"}
    assert opened["affected_count"] == 3180
    assert opened["severity"] == "high"
    assert opened["occurred_at"] == opened["detected_at"] == "2026-11-27T19:12:09+00:00"


def test_alert_start_in_the_future_is_detected_now(app, sender):
    payload = samples.alertmanager()
    payload["alerts"][0]["startsAt"] = "2099-01-01T00:00:00Z"
    answer = sender().post(payload).get_json()
    detected = datetime.fromisoformat(incident(app, answer["incident_ref"])["detected_at"])
    assert abs(detected - datetime.now(UTC)) < timedelta(minutes=1)


# Deduplication and resolution


def test_repeat_joins_the_incident_and_bumps_the_counter(app, sender):
    source = sender()
    first = source.post(samples.alertmanager()).get_json()
    second = source.post(samples.alertmanager()).get_json()
    third = source.post(samples.alertmanager()).get_json()
    assert second == {
        **first,
        "deduplicated": True,
        "alerts": [{**first["alerts"][0], "deduplicated": True}],
    }
    assert third["deduplicated"] is True
    alert = alert_row(app, first["alert_id"])
    assert alert.repeat_count == 2
    assert alert.last_seen_at > alert.first_seen_at
    assert count(app, Incident) == 1
    assert [e[0] for e in timeline(app, first["incident_ref"])] == ["incident.created"]


def test_same_fingerprint_from_another_source_is_another_alert(app, sender):
    one = sender().post(samples.alertmanager()).get_json()
    other = sender().post(samples.alertmanager()).get_json()
    assert other["deduplicated"] is False
    assert other["incident_ref"] != one["incident_ref"]


def test_resolved_alert_goes_on_the_timeline_without_closing(app, sender):
    source = sender()
    first = source.post(samples.alertmanager()).get_json()
    resolved = samples.alertmanager()
    resolved["status"] = resolved["alerts"][0]["status"] = "resolved"
    resolved["alerts"][0]["endsAt"] = "2026-11-27T22:30:00Z"
    answer = source.post(resolved).get_json()
    assert (answer["incident_ref"], answer["deduplicated"]) == (first["incident_ref"], True)
    assert incident(app, first["incident_ref"])["status"] == "open"
    actions = timeline(app, first["incident_ref"])
    assert actions[-1] == (
        "alert.resolved",
        f"source:{source.name}",
        "Bulk export of customer records from fileserver-02",
    )
    alert = alert_row(app, first["alert_id"])
    assert alert.status == "resolved"
    assert alert.ended_at == datetime(2026, 11, 27, 22, 30, tzinfo=UTC)


def test_firing_again_after_resolution_is_noted(app, sender):
    source = sender()
    first = source.post(samples.alertmanager()).get_json()
    resolved = samples.alertmanager()
    resolved["alerts"][0]["status"] = "resolved"
    source.post(resolved)
    source.post(samples.alertmanager())
    actions = [e[0] for e in timeline(app, first["incident_ref"])]
    assert actions == ["incident.created", "alert.resolved", "alert.firing"]


def test_after_the_incident_closes_the_fingerprint_opens_a_new_one(app, sender):
    source = sender()
    first = source.post(samples.alertmanager()).get_json()
    close(app, first["incident_ref"])
    again = source.post(samples.alertmanager()).get_json()
    assert again["deduplicated"] is False
    assert again["incident_ref"] != first["incident_ref"]
    assert again["alert_id"] != first["alert_id"]
    assert source.post(samples.alertmanager()).get_json()["incident_ref"] == again["incident_ref"]


def test_late_resolution_of_a_closed_incident_opens_nothing(app, sender):
    source = sender()
    first = source.post(samples.alertmanager()).get_json()
    close(app, first["incident_ref"])
    resolved = samples.alertmanager()
    resolved["alerts"][0]["status"] = "resolved"
    answer = source.post(resolved).get_json()
    assert answer["incident_ref"] == first["incident_ref"]
    assert count(app, Incident) == 1
    assert timeline(app, first["incident_ref"])[-1][0] == "alert.resolved"


def test_dedup_survives_a_non_closing_status(app, sender):
    source = sender()
    first = source.post(samples.alertmanager()).get_json()
    with app.app_context():
        found = incidents.get_incident(ref=first["incident_ref"])
        for status in ("investigating", "contained", "notifying", "resolved"):
            incidents.change_status(incident=found, actor=None, status=status)
        db.session.commit()
    assert source.post(samples.alertmanager()).get_json()["incident_ref"] == first["incident_ref"]


# Refusals


def test_unknown_source_is_404(client):
    response = client.post("/api/v1/alerts/nobody", json=samples.generic())
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_disabled_source_is_404(app, sender):
    source = sender()
    with app.app_context():
        found = db.session.scalar(select(AlertSource).where(AlertSource.name == source.name))
        found.is_enabled = False
        db.session.commit()
    assert source.post(samples.alertmanager()).status_code == 404


def _nothing_stored(app) -> bool:
    return count(app, Alert) == count(app, Incident) == count(app, SeenWebhookId) == 0


@pytest.mark.parametrize(
    "tamper",
    [
        {"headers": {"webhook-signature": "v1,c2lnbmF0dXJl"}},
        {"headers": {"webhook-id": "msg_other"}},
        {"timestamp": 1_700_000_000},
        {"headers": {"webhook-timestamp": ""}},
    ],
)
def test_bad_signature_is_401_and_stores_nothing(app, sender, tamper):
    response = sender().post(samples.alertmanager(), **tamper)
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"
    assert _nothing_stored(app)


def test_stale_timestamp_is_401(app, sender):
    stale = int(datetime.now(UTC).timestamp()) - 301
    assert sender().post(samples.alertmanager(), timestamp=stale).status_code == 401


@pytest.mark.parametrize("authorization", ["", "Bearer wrong", "Basic dXNlcjpwYXNz"])
def test_bad_bearer_is_401_and_stores_nothing(app, sender, authorization):
    response = sender("generic", "bearer").post(
        samples.generic(), headers={"Authorization": authorization}
    )
    assert response.status_code == 401
    assert _nothing_stored(app)


def test_a_user_api_token_is_not_a_source_secret(app, sender, api_headers):
    response = sender("generic", "bearer").post(samples.generic(), headers=api_headers("admin"))
    assert response.status_code == 401


def test_hmac_secret_of_one_source_does_not_open_another(app, make_source, client):
    _, secret = make_source("alertmanager", "hmac")
    other, _ = make_source("alertmanager", "hmac")
    response = Sender(client, other, secret, "hmac").post(samples.alertmanager())
    assert response.status_code == 401


def _oversized() -> dict:
    payload = samples.alertmanager()
    payload["alerts"][0]["annotations"]["description"] = "x" * (1024 * 1024)
    return payload


@pytest.mark.parametrize("auth", ["hmac", "bearer"])
def test_body_over_one_mebibyte_is_413(app, sender, auth):
    response = sender("alertmanager", auth).post(_oversized())
    assert response.status_code == 413
    assert _nothing_stored(app)


def test_body_of_exactly_one_mebibyte_is_read(sender):
    payload = samples.generic()
    body = json.dumps(payload).encode()
    padded = body[:-1] + b" " * (1024 * 1024 - len(body)) + b"}"
    assert len(padded) == 1024 * 1024
    assert sender("generic").post(body=padded).status_code == 202


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_non_json_content_type_is_415(sender, content_type):
    response = sender("generic").post(samples.generic(), content_type=content_type)
    assert response.status_code == 415


def test_json_suffix_content_type_is_accepted(sender):
    response = sender("generic").post(samples.generic(), content_type="application/vnd.alert+json")
    assert response.status_code == 202


def test_replayed_webhook_id_is_409(app, sender):
    source = sender("generic")
    assert source.post(samples.generic(), webhook_id="msg_once").status_code == 202
    response = source.post(samples.generic(), webhook_id="msg_once")
    assert response.status_code == 409
    assert response.get_json()["error"] == "replayed"
    assert count(app, Alert) == 1


def test_refused_delivery_can_be_retried_with_its_webhook_id(sender):
    source = sender("generic")
    assert source.post({"id": "x"}, webhook_id="msg_retry").status_code == 400
    assert source.post(samples.generic(), webhook_id="msg_retry").status_code == 202


def test_schema_error_is_400_with_fields(app, sender):
    response = sender("generic").post({"severity": "apocalyptic"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "validation_error"
    assert set(body["fields"]) == {"id", "title", "severity"}
    assert _nothing_stored(app)


def test_malformed_json_is_400(sender):
    response = sender("alertmanager", "bearer").post(body=b'{"alerts": [')
    assert response.status_code == 400
    assert "body" in response.get_json()["fields"]


def test_over_the_rate_is_429_with_retry_after(app, sender):
    source = sender("generic", "bearer", rate_limit_per_minute=2)
    statuses = [source.post({**samples.generic(), "id": f"r{i}"}).status_code for i in range(3)]
    assert statuses[:2] == [202, 202]
    if statuses[2] == 202:  # the first two fell into the previous minute
        statuses.append(source.post({**samples.generic(), "id": "r9"}).status_code)
    response = source.post({**samples.generic(), "id": "r10"})
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert response.get_json()["error"] == "rate_limited"


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ({"payload": _oversized(), "headers": {"webhook-signature": "v1,AAAA"}}, 401),
        ({"content_type": "text/plain", "headers": {"webhook-signature": "v1,AAAA"}}, 401),
        ({"payload": _oversized(), "content_type": "text/plain"}, 413),
        ({"payload": {"not": "alertmanager"}, "content_type": "text/plain"}, 415),
    ],
)
def test_refusals_come_in_the_contract_order(sender, case, expected):
    source = sender()
    options = dict(case)  # the parameter dict is shared by both database runs
    payload = options.pop("payload", samples.alertmanager())
    assert source.post(payload, **options).status_code == expected


def test_replay_is_refused_before_the_schema_is_read(sender):
    source = sender()
    assert source.post(samples.alertmanager(), webhook_id="msg_1").status_code == 202
    assert source.post({"alerts": "no"}, webhook_id="msg_1").status_code == 409


# Rotation


@pytest.mark.parametrize("auth", ["hmac", "bearer"])
def test_rotation_keeps_the_old_secret_working_during_the_overlap(app, sender, auth):
    from leaktrack.alerts import service

    source = sender("generic", auth)
    old_secret = source.secret
    with app.app_context():
        found = service.get_source(name=source.name)
        new_secret = service.rotate_secret(source=found, actor=None, overlap=timedelta(hours=1))
        db.session.commit()
    assert new_secret != old_secret
    assert source.post({**samples.generic(), "id": "old"}).status_code == 202
    source.secret = new_secret
    assert source.post({**samples.generic(), "id": "new"}).status_code == 202

    with app.app_context():
        found = service.get_source(name=source.name)
        found.previous_secret_expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
    assert source.post({**samples.generic(), "id": "new2"}).status_code == 202
    source.secret = old_secret
    assert source.post({**samples.generic(), "id": "old2"}).status_code == 401


def test_secrets_are_not_stored_readable(app, make_source):
    bearer_name, bearer_secret = make_source("generic", "bearer")
    hmac_name, hmac_secret = make_source("generic", "hmac")
    with app.app_context():
        stored = {s.name: s.secret for s in db.session.scalars(select(AlertSource))}
    assert bearer_secret not in stored[bearer_name]
    assert hmac_secret not in stored[hmac_name]
    assert hmac_secret.removeprefix("whsec_") not in stored[hmac_name]


def test_data_key_rotation_keeps_hmac_sources_working(app, sender, runner):
    from leaktrack.alerts import service

    new_key = "k9:" + "bmV3LWRhdGEta2V5LWZvci1hbGVydC1zb3VyY2VzLXRlc3Q="
    source = sender("generic", "hmac")
    original = dict(app.config)
    app.config.update(
        LEAKTRACK_DATA_KEY=new_key, LEAKTRACK_RETIRED_DATA_KEYS=original["LEAKTRACK_DATA_KEY"]
    )
    try:
        assert source.post({**samples.generic(), "id": "before"}).status_code == 202
        assert runner.invoke(args=["stakeholders", "rotate-key"]).exit_code == 0
        app.config["LEAKTRACK_RETIRED_DATA_KEYS"] = ""
        with app.app_context():
            assert service.get_source(name=source.name).secret.startswith("k9:")
        assert source.post({**samples.generic(), "id": "after"}).status_code == 202
    finally:
        app.config.update(
            LEAKTRACK_DATA_KEY=original["LEAKTRACK_DATA_KEY"],
            LEAKTRACK_RETIRED_DATA_KEYS=original.get("LEAKTRACK_RETIRED_DATA_KEYS", ""),
        )
