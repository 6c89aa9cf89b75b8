"""Obligation pages and API: the panel, decisions and filings by form, roles, deadlines, export."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.obligations.models import Filing, ObligationOverride
from leaktrack.timeutil import utcnow

HOUR = timedelta(hours=1)
CONTRACT_FIELDS = {"rule_id", "jurisdiction", "recipient", "required", "reason", "due_at", "status"}


@pytest.fixture
def appi_leak(make_incident):
    """1,001 people in Japan, aware 10 hours ago: PPC reports and individual notices are due."""
    return make_incident(
        jurisdictions=["JP"], affected_count=1001, aware_at=utcnow() - 10 * HOUR, severity="high"
    )


def test_the_incident_page_shows_the_obligations_panel(page_client, appi_leak):
    page = page_client("responder").get(f"/incidents/{appi_leak}").get_data(as_text=True)
    assert 'id="obligations"' in page
    assert "Final report (確報) to the PPC: 30 days" in page
    assert "Personal Information Protection Commission (PPC)" in page
    assert "more than 1,000 people (Rule Art. 7(iv))" in page
    assert "planning target, not law" in page and "legal deadline" in page
    assert "29 d 14 h left" in page or "29 d 13 h left" in page
    assert "https://www.businesslawyers.jp/practices/1433" in page
    assert "Record decision" in page and "Record filing" in page


def test_executives_read_the_panel_without_forms_and_cannot_write(page_client, appi_leak):
    browser = page_client("executive")
    page = browser.get(f"/incidents/{appi_leak}").get_data(as_text=True)
    assert "Final report (確報) to the PPC: 30 days" in page and "Record decision" not in page
    response = browser.post(
        f"/incidents/{appi_leak}/obligations/JP-APPI-PPC-FINAL/override",
        data={"required": "no", "rationale": "x", "decided_by": "Exec"},
    )
    assert response.status_code == 403
    assert browser.get("/deadlines").status_code == 200


def test_counsel_decides_through_the_form(page_client, app, appi_leak):
    browser = page_client("responder")
    response = browser.post(
        f"/incidents/{appi_leak}/obligations/JP-APPI-INDIVIDUALS/override",
        data={"required": "no", "rationale": "Public notice instead", "decided_by": "Counsel Ito"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#obligations")
    with app.app_context():
        (decision,) = db.session.scalars(select(ObligationOverride))
        assert (decision.rule_id, decision.is_required, decision.decided_by) == (
            "JP-APPI-INDIVIDUALS",
            False,
            "Counsel Ito",
        )
    page = browser.get(f"/incidents/{appi_leak}").get_data(as_text=True)
    assert "Not required by decision of Counsel Ito: Public notice instead" in page


def test_a_decision_without_rationale_is_refused_with_a_message(page_client, app, appi_leak):
    browser = page_client("responder")
    browser.post(
        f"/incidents/{appi_leak}/obligations/JP-APPI-INDIVIDUALS/override",
        data={"required": "no", "rationale": " ", "decided_by": "Counsel Ito"},
    )
    page = browser.get(f"/incidents/{appi_leak}").get_data(as_text=True)
    assert "Write down why." in page
    with app.app_context():
        assert db.session.scalars(select(ObligationOverride)).first() is None


def test_a_filing_made_elsewhere_is_recorded_in_local_time(page_client, app, appi_leak):
    app.config["LEAKTRACK_TIMEZONE"] = "Asia/Tokyo"
    filed = (utcnow() - HOUR).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
    try:
        response = page_client("responder").post(
            f"/incidents/{appi_leak}/obligations/JP-APPI-PPC-PRELIM/filings",
            data={
                "filed_at": filed.strftime("%Y-%m-%dT%H:%M"),
                "reference": "PPC-2026-77",
                "text": "速報",
            },
        )
    finally:
        app.config["LEAKTRACK_TIMEZONE"] = "UTC"
    assert response.status_code == 302
    with app.app_context():
        (filing,) = db.session.scalars(select(Filing))
        assert filing.filed_at == filed.replace(second=0, microsecond=0)
        assert (filing.reference, filing.text, filing.via) == ("PPC-2026-77", "速報", "external")


def test_a_met_obligation_shows_its_deadline_without_a_countdown(page_client, appi_leak):
    client = page_client("responder")
    client.post(
        f"/incidents/{appi_leak}/obligations/JP-APPI-PPC-PRELIM/filings",
        data={"filed_at": utcnow().strftime("%Y-%m-%dT%H:%M"), "reference": "R-1", "text": "速報"},
    )
    page = client.get(f"/incidents/{appi_leak}").get_data(as_text=True)
    rows = {row.split('"')[0]: row for row in page.split('id="obligation-')[1:]}
    met, pending = rows["JP-APPI-PPC-PRELIM"], rows["JP-APPI-PPC-FINAL"]
    assert "data-countdown" not in met and "<time datetime=" in met
    assert "data-countdown" in pending


def test_a_clock_event_is_recorded_from_the_panel(page_client, app, make_incident):
    ref = make_incident(jurisdictions=["US"], aware_at=utcnow() - 10 * HOUR)
    at = (utcnow() - HOUR).strftime("%Y-%m-%dT%H:%M")
    response = page_client("responder").post(
        f"/incidents/{ref}/clock-events", data={"event": "materiality_determined_at", "at": at}
    )
    assert response.status_code == 302
    with app.app_context():
        assert (
            incidents.get_incident(ref=ref).materiality_determined_at.strftime("%Y-%m-%dT%H:%M")
            == at
        )


def test_the_api_lists_obligations_as_the_contract_says(client, api_headers, appi_leak):
    response = client.get(
        f"/api/v1/incidents/{appi_leak}/obligations", headers=api_headers("executive")
    )
    assert response.status_code == 200
    by_rule = {o["rule_id"]: o for o in response.json}
    final = by_rule["JP-APPI-PPC-FINAL"]
    assert final.keys() >= CONTRACT_FIELDS
    assert (final["jurisdiction"], final["required"], final["status"]) == ("JP", True, "pending")
    assert final["due_at"].endswith("+00:00") and final["is_legal_deadline"] is True
    assert by_rule["JP-APPI-PPC-FINAL-UNLAWFUL"]["status"] == "not_required"
    dues = [o["due_at"] for o in response.json if o["due_at"]]
    assert dues == sorted(dues)


@pytest.mark.parametrize(
    ("path", "headers_role", "status"),
    [
        ("/api/v1/incidents/LT-2000-0001/obligations", "responder", 404),
        ("/api/v1/incidents/LT-2000-0001/obligations", None, 401),
    ],
)
def test_the_api_refuses_unknown_incidents_and_anonymous_callers(
    client, api_headers, path, headers_role, status
):
    headers = api_headers(headers_role) if headers_role else {}
    response = client.get(path, headers=headers)
    assert response.status_code == status and "error" in response.json


def test_the_deadlines_page_lists_pending_deadlines_soonest_first(page_client, make_incident):
    later = make_incident(
        title="Later leak", jurisdictions=["DE"], risk_level="risk", aware_at=utcnow() - HOUR
    )
    sooner = make_incident(
        title="Sooner leak", jurisdictions=["GB"], risk_level="risk", aware_at=utcnow() - 5 * HOUR
    )
    make_incident(
        title="Harmless leak", jurisdictions=["DE"], risk_level="unlikely", aware_at=utcnow() - HOUR
    )
    page = page_client("executive").get("/deadlines").get_data(as_text=True)
    assert page.index(sooner) < page.index(later)
    assert "Harmless leak" not in page
    assert "Export breach register (CSV)" in page


def test_the_breach_register_downloads_as_csv(page_client, appi_leak):
    response = page_client("executive").get("/obligations/register.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    header, row = response.get_data(as_text=True).splitlines()[:2]
    assert header.startswith("ref,title,status") and row.startswith(appi_leak)


def test_the_openapi_document_describes_the_obligations_endpoint(client):
    document = client.get("/api/openapi.json").json
    assert "/api/v1/incidents/{ref}/obligations" in document["paths"]
    assert set(document["components"]["schemas"]["Obligation"]["required"]) == CONTRACT_FIELDS


def test_the_panel_speaks_japanese(page_client, app, appi_leak):
    browser = page_client("responder")
    page = browser.get(f"/incidents/{appi_leak}", headers={"Accept-Language": "ja"}).get_data(
        as_text=True
    )
    assert "通知義務" in page and "法定期限" in page


@pytest.mark.parametrize(
    "path",
    [
        "/incidents/{ref}/obligations/JP-APPI-PPC-FINAL/override",
        "/incidents/{ref}/obligations/JP-APPI-PPC-FINAL/filings",
        "/incidents/{ref}/clock-events",
    ],
)
def test_executives_cannot_decide_file_or_record_events(page_client, app, appi_leak, path):
    response = page_client("executive").post(
        path.format(ref=appi_leak),
        data={"required": "no", "rationale": "r", "decided_by": "n", "filed_at": "2026-01-01T00:00",
              "event": "assessed_at", "at": "2026-01-01T00:00"},
    )  # fmt: skip
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalars(select(ObligationOverride)).first() is None
        assert db.session.scalars(select(Filing)).first() is None
        assert incidents.get_incident(ref=appi_leak).assessed_at is None
