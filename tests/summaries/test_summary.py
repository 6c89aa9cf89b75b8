"""The incident summary against hand-computed figures, and without anyone's personal data."""

import json

import pytest

from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.summaries import service

from .conftest import PERSONAL_DATA

HOUR = 3600


@pytest.fixture
def summary(app, worked_incident):
    with app.app_context():
        return service.incident_summary(incident=incidents.get_incident(ref=worked_incident))


def test_times_and_durations(summary):
    assert summary["times"] == {
        "occurred_at": "2026-01-10T00:00:00+00:00",
        "detected_at": "2026-01-10T06:00:00+00:00",
        "aware_at": "2026-01-10T08:00:00+00:00",
        "contained_at": "2026-01-11T08:00:00+00:00",
        "resolved_at": None,
    }
    assert summary["durations"] == {
        "to_detect": 6 * HOUR,
        "to_contain": 26 * HOUR,
        "to_first_notice": 50 * HOUR,
        "to_regulator_report": 30 * HOUR,
    }


def test_affected_people_by_kind_and_category(summary):
    # five imported, C-2 (a customer with name and e-mail exposed) unlinked again
    affected = summary["affected"]
    assert affected["total"] == 4
    assert affected["estimated_unidentified"] == 0
    assert affected["by_kind"] == {"customer": 2, "employee": 2}
    assert affected["by_category"] == {"name": 4, "email": 2, "bank_account": 2}
    assert affected["by_country"] == {"JP": 2, "US": 1, "GB": 1}


def test_obligations_met_and_missed(summary):
    by_rule = {o["rule_id"]: o for o in summary["obligations"]}
    assert by_rule["JP-APPI-PPC-PRELIM"]["status"] == "met"
    assert by_rule["JP-APPI-PPC-PRELIM"]["filed_at"] == "2026-01-11T14:00:00+00:00"
    assert by_rule["JP-APPI-INDIVIDUALS"]["status"] == "met"
    # the final report is due 30 days after awareness and was never filed
    final = by_rule["JP-APPI-PPC-FINAL"]
    assert final["due_at"] == "2026-02-09T08:00:00+00:00"
    assert final["status"] == "missed"


def test_timeline_is_the_last_ten_events_newest_first(app, summary, worked_incident):
    timeline = summary["timeline"]
    assert len(timeline) == 10
    assert [e["at"] for e in timeline] == sorted((e["at"] for e in timeline), reverse=True)
    assert timeline[0] == {
        "at": timeline[0]["at"],
        "actor": "responder",
        "action": "note.added",
        "text": "Courier confirmed the batch.",
    }
    with app.app_context():
        incident = incidents.get_incident(ref=worked_incident)
        from leaktrack.audit import service as audit

        newest = audit.incident_timeline(incident_id=incident.id, limit=10)
    assert [e["action"] for e in timeline] == [e.action for e in newest]
    unlinked = [e for e in timeline if e["action"] == "stakeholders.unlinked"]
    assert unlinked and unlinked[0]["text"] is None


def test_narrative_is_rendered_and_sanitised(summary):
    assert "<strong>posted</strong>" in summary["narrative_html"]
    assert "<script" not in summary["narrative_html"]


def test_api_matches_service_and_sections_are_all_there(app, worked_incident, summary, api_headers):
    response = app.test_client().get(
        f"/api/v1/incidents/{worked_incident}/summary", headers=api_headers("executive")
    )
    assert response.status_code == 200
    assert response.get_json() == json.loads(json.dumps(summary))
    assert {"ref", "title", "severity", "status", "narrative_html", "times", "durations",
            "affected", "obligations", "timeline"} <= set(response.get_json())  # fmt: skip


def test_no_personal_data_in_page_or_json(app, worked_incident, page_client, api_headers):
    page = page_client("executive").get(f"/incidents/{worked_incident}/summary")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    body = app.test_client().get(
        f"/api/v1/incidents/{worked_incident}/summary", headers=api_headers("executive")
    )
    text = json.dumps(body.get_json(), ensure_ascii=False)
    assert "Misdelivered statements" in html and "Misdelivered statements" in text
    for value in [*PERSONAL_DATA, "resp.one@example.test", "listed twice"]:
        assert value not in html, value
        assert value not in text, value
    assert "@" not in text


def test_page_shows_each_section_only_with_data(app, page_client, make_incident):
    ref = make_incident(severity="low")
    html = page_client("executive").get(f"/incidents/{ref}/summary").get_data(as_text=True)
    assert 'id="times"' in html and 'id="timeline"' in html
    assert 'id="affected"' not in html


def test_page_for_a_worked_incident_has_every_section(worked_incident, page_client):
    html = (
        page_client("responder").get(f"/incidents/{worked_incident}/summary").get_data(as_text=True)
    )
    for section in ("times", "affected", "obligations", "timeline"):
        assert f'id="{section}"' in html
    assert "1 d 2 h" in html  # time to contain
    assert "2 d 2 h" in html  # time to first notice


@pytest.mark.parametrize(
    "url", ["/api/v1/incidents/LT-1999-0001/summary", "/api/v1/incidents/%00/summary"]
)
def test_unknown_incident_is_404_json(app, api_headers, url):
    response = app.test_client().get(url, headers=api_headers("executive"))
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_unknown_incident_page_is_404(page_client):
    assert page_client("executive").get("/incidents/LT-1999-0001/summary").status_code == 404


def test_anonymous_callers_are_refused(app, make_incident):
    ref = make_incident()
    client = app.test_client()
    assert client.get(f"/api/v1/incidents/{ref}/summary").status_code == 401
    assert client.get(f"/incidents/{ref}/summary").status_code == 302


def test_summary_ignores_other_incidents(app, worked_incident, make_incident):
    other = make_incident(title="Other")
    with app.app_context():
        summary = service.incident_summary(incident=incidents.get_incident(ref=other))
        db.session.rollback()
    assert summary["affected"]["total"] == 0
    assert summary["durations"]["to_regulator_report"] is None
    assert [e["action"] for e in summary["timeline"]] == ["incident.created"]


def test_stylesheet_is_served_without_login(app):
    response = app.test_client().get("/summaries/static/summaries.css")
    assert response.status_code == 200 and b".summary__stats" in response.data
    assert app.test_client().get("/summaries/static/../views.py").status_code == 404


def test_incident_page_links_to_its_summary(worked_incident, page_client):
    html = page_client("executive").get(f"/incidents/{worked_incident}").get_data(as_text=True)
    assert 'id="executive-summary"' in html
    assert f'href="/incidents/{worked_incident}/summary"' in html
    assert f'href="/incidents/{worked_incident}/summary.pdf"' in html


def test_nul_in_an_incident_text_is_a_400(app, api_headers):
    # PostgreSQL cannot store NUL in text: refused as invalid input, on every database
    response = app.test_client().post(
        "/api/v1/incidents", headers=api_headers("responder"), json={"title": "a\u0000b"}
    )
    assert response.status_code == 400
    assert "title" in response.get_json()["fields"]


def test_summary_page_in_japanese(worked_incident, page_client):
    client = page_client("executive")
    html = client.get(
        f"/incidents/{worked_incident}/summary", headers={"Accept-Language": "ja"}
    ).get_data(as_text=True)
    assert "主な日時" in html and "1日2時間" in html  # key times; time to contain
