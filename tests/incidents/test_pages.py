from leaktrack.extensions import db
from leaktrack.incidents.models import Incident


def _incident(app, ref):
    with app.app_context():
        return db.session.query(Incident).filter_by(ref=ref).one()


def test_responder_creates_an_incident_with_local_times(page_client, app):
    app.config["LEAKTRACK_TIMEZONE"] = "Asia/Tokyo"
    try:
        browser = page_client("responder")
        response = browser.post(
            "/incidents/new",
            data={
                "title": "USB stick lost on a train",
                "summary": "**Lost** at 9:00",
                "severity": "high",
                "cause": "loss_or_theft",
                "data_categories": ["name", "address"],
                "risk_level": "risk",
                "jurisdictions": "jp",
                "aware_at": "2026-03-02T09:30",
            },
        )
    finally:
        app.config["LEAKTRACK_TIMEZONE"] = "UTC"
    assert response.status_code == 302
    ref = response.headers["Location"].rsplit("/", 1)[1]
    incident = _incident(app, ref)
    assert incident.aware_at.isoformat() == "2026-03-02T00:30:00+00:00"
    assert incident.data_categories == ["name", "address"] and incident.jurisdictions == ["JP"]
    page = browser.get(f"/incidents/{ref}").get_data(as_text=True)
    assert "<strong>Lost</strong>" in page and "USB stick lost on a train" in page


def test_form_errors_show_next_to_the_field_and_save_nothing(page_client, app):
    browser = page_client("responder")
    response = browser.post(
        "/incidents/new",
        data={
            "title": "",
            "severity": "high",
            "cause": "other",
            "jurisdictions": "ZZ",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This field is required." in page and "Unknown country codes" in page
    with app.app_context():
        assert db.session.query(Incident).count() == 0


def test_status_change_and_note_appear_on_the_timeline(page_client, make_incident):
    browser = page_client("responder")
    ref = make_incident()
    assert (
        browser.post(f"/incidents/{ref}/status", data={"status": "investigating"}).status_code
        == 302
    )
    browser.post(
        f"/incidents/{ref}/notes",
        data={"text": "Called the courier <script>alert(1)</script> [x](javascript:alert(1))"},
    )
    page = browser.get(f"/incidents/{ref}").get_data(as_text=True)
    assert "Changed the status from Open to Investigating." in page
    assert "Called the courier" in page
    assert "<script>alert(1)" not in page and "javascript:alert" not in page


def test_a_skipping_status_move_is_refused_with_a_message(page_client, make_incident, app):
    browser = page_client("responder")
    ref = make_incident()
    response = browser.post(
        f"/incidents/{ref}/status", data={"status": "closed"}, follow_redirects=True
    )
    assert "can move only to: investigating" in response.get_data(as_text=True)
    assert _incident(app, ref).status == "open"


def test_edit_prefills_and_saves(page_client, make_incident, app):
    browser = page_client("responder")
    ref = make_incident(severity="low", aware_at="2026-01-05T10:00:00+00:00")
    form = browser.get(f"/incidents/{ref}/edit").get_data(as_text=True)
    assert 'value="2026-01-05T10:00"' in form
    response = browser.post(
        f"/incidents/{ref}/edit",
        data={
            "title": "Renamed",
            "severity": "critical",
            "cause": "other",
            "aware_at": "2026-01-05T10:00",
        },
    )
    assert response.status_code == 302
    assert _incident(app, ref).severity == "critical"


def test_list_filters_and_searches(page_client, make_incident):
    browser = page_client("executive")
    make_incident(title="Bucket left public", severity="high")
    make_incident(title="Laptop stolen", severity="low")
    page = browser.get("/incidents?q=bucket").get_data(as_text=True)
    assert "Bucket left public" in page and "Laptop stolen" not in page
    page = browser.get("/incidents?severity=low").get_data(as_text=True)
    assert "Laptop stolen" in page and "Bucket left public" not in page


def test_markdown_preview_is_sanitised(page_client):
    browser = page_client("responder")
    response = browser.client.post(
        "/preview",
        json={"text": "# Hi <img src=x onerror=alert(1)>"},
        headers={"X-CSRFToken": browser.csrf},
    )
    assert response.json["html"].startswith("<h1>Hi")
    assert "onerror" not in response.json["html"]


def test_executive_sees_no_write_controls(page_client, make_incident):
    browser = page_client("executive")
    ref = make_incident()
    page = browser.get(f"/incidents/{ref}").get_data(as_text=True)
    assert "/edit" not in page and "Add note" not in page and "Change status" not in page
