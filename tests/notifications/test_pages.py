"""Compose with a preview, schedule, progress, drill-down, cancel and retry, through the pages."""

import pytest
from sqlalchemy import select

from leaktrack.audit.models import AuditEvent
from leaktrack.extensions import db
from leaktrack.notifications import sending, service
from leaktrack.notifications.models import Delivery, Notification
from leaktrack.notifications.transports import CaptureTransport


def form(**extra):
    return {
        "audience": "affected",
        "template": "customer-notice",
        "language": "auto",
        "field_contact": "Help desk 0120-000-000",
        **extra,
    }


def test_compose_preview_schedule_and_follow_progress(app, page_client, incident_with_people):
    ref = incident_with_people(4, without_email=1)
    browser = page_client("responder")
    page = browser.get(f"/incidents/{ref}/notifications/new?audience=regulator&template=gdpr-art33")
    assert page.status_code == 200 and "Art. 33(3)(b)" in page.get_data(as_text=True)
    assert '<option value="en">en</option>' in page.get_data(as_text=True)
    page = browser.get(
        f"/incidents/{ref}/notifications/new?audience=regulator&template=ppc-preliminary"
    )
    assert "Personal Information Protection Commission (PPC)" in page.get_data(as_text=True)
    page = browser.get(f"/incidents/{ref}/notifications/new")
    assert "What we are doing" in page.get_data(as_text=True)

    shown = browser.post(f"/incidents/{ref}/notifications/preview", data=form()).get_data(
        as_text=True
    )
    assert "Person 2" in shown and "person2@example.test" in shown  # the first with an address
    assert "Help desk 0120-000-000" in shown and "-lt-" not in shown
    with app.app_context():
        viewed = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "stakeholder.viewed")
        ).all()
        assert viewed and viewed[-1].after["where"] == "notification preview"

    response = browser.post(f"/incidents/{ref}/notifications", data=form())
    assert response.status_code == 302
    notification_url = response.headers["Location"]
    page = browser.get(notification_url).get_data(as_text=True)
    assert 'data-field="done">1</span>' in page  # the one without an address: failed at once
    with app.app_context():
        sending.dispatch_due(transport_=CaptureTransport(), budget=None)
    page = browser.get(notification_url).get_data(as_text=True)
    assert (
        'data-field="done">4</span>' in page
        and "Help desk 0120-000-000" in page
        and "What went out" in page
    )
    progress = browser.get(notification_url + "/progress.json").json
    assert (
        progress["done"] == 4
        and progress["counts"]["sent"] == 3
        and progress["counts"]["failed"] == 1
    )

    failed = browser.get(notification_url + "/deliveries?status=failed").get_data(as_text=True)
    assert "C-1" in failed and "no address" in failed
    incident_page = browser.get(f"/incidents/{ref}").get_data(as_text=True)
    assert "customer-notice" in incident_page and "Compose a notification" in incident_page


def test_cancel_and_retry_from_the_page(app, page_client, incident_with_people):
    ref = incident_with_people(2)
    browser = page_client("responder")
    url = browser.post(
        f"/incidents/{ref}/notifications", data=form(scheduled_for="2999-01-01T09:00")
    ).headers["Location"]
    assert browser.post(url + "/cancel").status_code == 302
    with app.app_context():
        assert set(db.session.scalars(select(Delivery.status))) == {"cancelled"}
    # cancelling again is a conflict, shown as a page
    assert browser.post(url + "/cancel").status_code == 409
    url = browser.post(f"/incidents/{ref}/notifications", data=form()).headers["Location"]
    with app.app_context():
        db.session.execute(
            Delivery.__table__.update()
            .where(Delivery.status == "scheduled")
            .values(status="failed", reason="500")
        )
        db.session.commit()
    assert browser.post(url + "/retry").status_code == 302
    with app.app_context():
        notification_id = int(url.rsplit("/", 1)[1])
        assert service.counts_of([notification_id])[notification_id]["scheduled"] == 2


def test_a_bad_compose_shows_the_problem(page_client, incident_with_people):
    ref = incident_with_people(1)
    browser = page_client("responder")
    response = browser.post(
        f"/incidents/{ref}/notifications",
        data=form(audience="regulator", template="gdpr-art33", recipients="not-an-address"),
    )
    assert response.status_code == 400 and "Not an e-mail address" in response.get_data(
        as_text=True
    )
    response = browser.post(f"/incidents/{ref}/notifications", data=form(scheduled_for="soon"))
    assert response.status_code == 400


def test_executives_see_progress_but_no_addresses(app, page_client, incident_with_people):
    ref = incident_with_people(1)
    with app.app_context():
        from leaktrack.incidents import service as incidents

        service.create_notification(
            incident=incidents.get_incident(ref=ref),
            actor=None,
            audience="affected",
            template_id="customer-notice",
        )
        db.session.commit()
        notification_id = db.session.scalar(select(Notification.id))
    executive = page_client("executive")
    assert executive.get(f"/notifications/{notification_id}").status_code == 200
    assert executive.get(f"/notifications/{notification_id}/deliveries").status_code == 403
    assert executive.get(f"/incidents/{ref}/notifications/new").status_code == 403


JUNK = [
    {},
    {"audience": "affected", "template": "nope"},
    {"audience": "press", "template": "customer-notice"},
    {"audience": "affected", "template": "customer-notice", "language": "fr"},
    {"audience": "affected", "template": "gdpr-art33", "language": "en"},
    {"audience": "regulator", "template": "gdpr-art33", "language": "en", "recipients": ""},
    {"audience": "internal", "template": "internal-reminder", "recipients": "a@example.test"},
    {
        "audience": "affected",
        "template": "customer-notice",
        "kinds": "alien",
        "data_categories": "x",
    },
    {"audience": "affected", "template": "customer-notice", "scheduled_for": "2026-13-45T99:99"},
    {"audience": "affected", "template": "customer-notice", "field_contact": "x" * 30_000},
]


@pytest.mark.parametrize("data", JUNK)
def test_junk_compose_input_never_gives_a_500(page_client, incident_with_people, data):
    ref = incident_with_people(1)
    browser = page_client("responder")
    for url in (f"/incidents/{ref}/notifications/preview", f"/incidents/{ref}/notifications"):
        response = browser.post(url, data=data)
        assert response.status_code < 500, (url, response.status_code)
    for query in ("?audience=x&template=y", "?template=../../etc/passwd", ""):
        assert browser.get(f"/incidents/{ref}/notifications/new{query}").status_code == 200
    assert browser.get("/notifications/999999").status_code == 404
    assert browser.get("/notifications/99999999999999999999999").status_code == 404
    assert browser.get("/notifications/1/deliveries?status=zzz&page=-4").status_code in (200, 404)


def test_internal_users_are_named_from_a_list(app, page_client, make_user, make_incident):
    _, colleague = make_user("responder")
    ref = make_incident()
    browser = page_client("responder")
    page = browser.get(
        f"/incidents/{ref}/notifications/new?audience=internal&template=internal-weekly-digest"
    )
    assert f'value="{colleague}"' in page.get_data(as_text=True)
    response = browser.post(
        f"/incidents/{ref}/notifications",
        data={
            "audience": "internal",
            "template": "internal-weekly-digest",
            "language": "en",
            "users": [colleague],
            "recipients": "ops@example.test",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert set(db.session.scalars(select(Delivery.email))) == {colleague, "ops@example.test"}
