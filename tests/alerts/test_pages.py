import re

import pytest
from sqlalchemy import select

from leaktrack.alerts import service
from leaktrack.alerts.models import Alert, AlertSource
from leaktrack.audit.models import AuditEvent
from leaktrack.extensions import db
from tests.alerts import samples
from tests.alerts.conftest import Sender

SECRET_RE = re.compile(r'<code class="secret">([^<]+)</code>')


def _source_form(**fields):
    return {
        "name": "dlp-gateway",
        "format": "generic",
        "auth": "bearer",
        "default_severity": "high",
        "default_cause": "insider",
        "rate_limit_per_minute": "30",
        **fields,
    }


def test_admin_creates_a_source_and_sees_its_secret_once(app, page_client):
    admin = page_client("admin")
    response = admin.post("/alerts/sources", data=_source_form())
    assert response.status_code == 200
    secret = SECRET_RE.search(response.get_data(as_text=True)).group(1)
    assert secret not in admin.get("/alerts/sources").get_data(as_text=True)
    answer = Sender(app.test_client(), "dlp-gateway", secret, "bearer").post(samples.generic())
    assert answer.status_code == 202
    with app.app_context():
        source = service.get_source(name="dlp-gateway")
        assert (source.default_severity, source.rate_limit_per_minute) == ("high", 30)


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"name": "Has Spaces"}, "name"),
        ({"format": "syslog"}, "format"),
        ({"rate_limit_per_minute": "lots"}, "rate_limit_per_minute"),
    ],
)
def test_source_form_names_the_bad_field(app, page_client, fields, bad):
    response = page_client("admin").post("/alerts/sources", data=_source_form(**fields))
    assert response.status_code == 400
    assert "field--error" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(AlertSource)) is None


def test_admin_disables_and_rotates_a_source(app, page_client, make_source):
    name, old_secret = make_source("generic", "bearer")
    admin = page_client("admin")
    response = admin.post(f"/alerts/sources/{name}/rotate", data={"overlap_hours": "2"})
    new_secret = SECRET_RE.search(response.get_data(as_text=True)).group(1)
    for secret in (old_secret, new_secret):
        sender = Sender(app.test_client(), name, secret, "bearer")
        assert sender.post({**samples.generic(), "id": secret[:8]}).status_code == 202
    admin.post(f"/alerts/sources/{name}/enabled", data={"is_enabled": "0"})
    assert (
        Sender(app.test_client(), name, new_secret, "bearer").post(samples.generic()).status_code
        == 404
    )
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "alert_source")
            .order_by(AuditEvent.seq)
        ).all()
    assert actions == [
        "alert_source.created",
        "alert_source.secret_rotated",
        "alert_source.disabled",
    ]


def test_responders_may_not_manage_sources(page_client):
    responder = page_client("responder")
    assert responder.get("/alerts/sources").status_code == 403
    assert responder.post("/alerts/sources", data=_source_form()).status_code == 403


def test_executives_do_not_see_the_alerts_page(page_client):
    assert page_client("executive").get("/alerts").status_code == 403


def test_alerts_page_lists_alerts_with_incident_and_raw_payload(app, page_client, sender):
    source = sender()
    answer = source.post(samples.alertmanager()).get_json()
    page = page_client("responder").get(f"/alerts?source={source.name}").get_data(as_text=True)
    assert "Bulk export of customer records from fileserver-02" in page
    assert answer["incident_ref"] in page
    assert "c6d2a1f0b3e47a19" in page  # inside the raw payload


def test_incident_page_shows_its_alerts(app, page_client, sender):
    answer = sender().post(samples.alertmanager()).get_json()
    page = (
        page_client("responder").get(f"/incidents/{answer['incident_ref']}").get_data(as_text=True)
    )
    assert 'id="alerts"' in page
    assert "generatorURL" in page


def test_responder_moves_an_alert_to_another_incident(app, page_client, sender, make_incident):
    source = sender()
    answer = source.post(samples.alertmanager()).get_json()
    target = make_incident(title="Fileserver breach")
    responder = page_client("responder")
    responder.post(f"/alerts/{answer['alert_id']}/move", data={"incident_ref": target.lower()})
    with app.app_context():
        alert = db.session.get(Alert, answer["alert_id"])
        assert alert.incident.ref == target
        moved = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "alert.moved")
        ).all()
    assert len(moved) == 2  # on the timeline of both incidents
    assert {e.actor_label for e in moved} == {responder.email}
    assert source.post(samples.alertmanager()).get_json()["incident_ref"] == target


def test_moving_to_an_unknown_incident_changes_nothing(app, page_client, sender):
    answer = sender().post(samples.alertmanager()).get_json()
    response = page_client("responder").post(
        f"/alerts/{answer['alert_id']}/move", data={"incident_ref": "LT-1999-0001"}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Alert, answer["alert_id"]).incident.ref == answer["incident_ref"]


def test_responder_dismisses_a_false_positive(app, page_client, sender):
    source = sender()
    answer = source.post(samples.alertmanager()).get_json()
    responder = page_client("responder")
    responder.post(f"/alerts/{answer['alert_id']}/dismiss")
    with app.app_context():
        alert = db.session.get(Alert, answer["alert_id"])
        assert alert.is_dismissed and alert.dismissed_by.email == responder.email
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "alert.dismissed"))
    assert event.incident_id == alert.incident_id
    timeline = responder.get(f"/incidents/{answer['incident_ref']}").get_data(as_text=True)
    assert "as a false positive" in timeline
    assert source.post(samples.alertmanager()).get_json()["deduplicated"] is True


def test_sources_create_command_prints_a_working_secret(app, runner):
    result = runner.invoke(
        args=["sources", "create", "prom", "--format", "alertmanager", "--auth", "hmac"]
    )
    assert result.exit_code == 0, result.output
    secret = re.search(r"whsec_\S+", result.output).group(0)
    assert (
        Sender(app.test_client(), "prom", secret, "hmac").post(samples.alertmanager()).status_code
        == 202
    )


def test_sources_create_command_refuses_a_taken_name(runner, make_source):
    name, _ = make_source()
    result = runner.invoke(
        args=["sources", "create", name, "--format", "generic", "--auth", "bearer"]
    )
    assert result.exit_code == 1
    assert "name" in result.output


def test_alerts_page_and_webhook_errors_speak_japanese(app, page_client, sender):
    page = page_client("responder").get("/alerts", headers={"Accept-Language": "ja"})
    assert "アラートはまだありません。" in page.get_data(as_text=True)
    response = sender("generic").post({"title": "x"}, headers={"Accept-Language": "ja"})
    assert response.get_json()["fields"]["id"] == "必須です（空でない文字列）。"
