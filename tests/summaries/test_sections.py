"""Notification and playbook progress on the summary, from their domains' interfaces."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.notifications import service as notices
from leaktrack.notifications.models import Delivery
from leaktrack.playbooks import service as playbooks
from leaktrack.summaries import portfolio, service

from .conftest import PERSONAL_DATA, T

HOUR = 3600


@pytest.fixture
def notified(app, worked_incident):
    """The worked incident with a customer notice (2 delivered 20 h after awareness, 1 bounced,
    1 scheduled) and a playbook run with two items done."""
    with app.app_context():
        incident = incidents.get_incident(ref=worked_incident)
        notification = notices.create_notification(
            incident=incident, actor=None, audience="affected", template_id="customer-notice"
        )
        ids = list(db.session.scalars(
            select(Delivery.id).where(Delivery.notification_id == notification.id).order_by(Delivery.id)
        ))  # fmt: skip
        assert len(ids) == 4
        sent = T["aware_at"] + timedelta(hours=20)
        for delivery_id, status in zip(ids, ("delivered", "delivered", "bounced"), strict=False):
            db.session.execute(
                update(Delivery).where(Delivery.id == delivery_id).values(status=status, sent_at=sent)
            )  # fmt: skip
        run = playbooks.start_run(incident=incident, slug="misdelivery", actor=None)
        for item in run.items[:2]:
            playbooks.set_done(item=item, actor=None, is_done=True)
        total = len(run.items)
        db.session.commit()
        return worked_incident, total


def test_notifications_and_playbooks_in_the_summary(app, notified):
    ref, total = notified
    with app.app_context():
        summary = service.incident_summary(incident=incidents.get_incident(ref=ref))
    counts = summary["notifications"]
    assert {k: v for k, v in counts.items() if v} == {"delivered": 2, "bounced": 1, "scheduled": 1}
    assert [(p["slug"], p["done"], p["total"]) for p in summary["playbooks"]] == [
        ("misdelivery", 2, total)
    ]
    # the notice sent 20 h after awareness comes before the filing recorded at 50 h
    assert summary["durations"]["to_first_notice"] == 20 * HOUR
    assert summary["durations"]["to_regulator_report"] == 30 * HOUR


def test_sections_show_on_the_page_without_personal_data(app, notified, page_client):
    ref, _total = notified
    html = page_client("executive").get(f"/incidents/{ref}/summary").get_data(as_text=True)
    assert 'id="notifications"' in html and 'id="playbooks"' in html
    for value in PERSONAL_DATA:
        assert value not in html, value


def test_json_has_empty_sections_the_page_hides(app, make_incident, page_client, api_headers):
    ref = make_incident()
    body = app.test_client().get(f"/api/v1/incidents/{ref}/summary", headers=api_headers("executive")).get_json()  # fmt: skip
    assert body["playbooks"] == [] and not any(body["notifications"].values())
    html = page_client("executive").get(f"/incidents/{ref}/summary").get_data(as_text=True)
    assert 'id="notifications"' not in html and 'id="playbooks"' not in html
    assert "@" not in json.dumps(body)


def test_dashboard_time_to_notify_counts_messages(app, notified):
    with app.app_context():
        figures = portfolio.portfolio(now=T["aware_at"] + timedelta(days=30))
    # first notice: the message 20 h after awareness
    assert figures.notify_by_month == {"2026-01": (20 * HOUR, 1)}
