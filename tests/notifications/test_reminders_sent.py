"""Deadline reminders go out as e-mails through the outbox, exactly once each."""

from datetime import timedelta

from sqlalchemy import select

from leaktrack.extensions import db
from leaktrack.notifications import sending
from leaktrack.notifications.models import Delivery, Notification
from leaktrack.notifications.transports import CaptureTransport
from leaktrack.obligations.models import ReminderSent
from leaktrack.obligations.tasks import send_deadline_reminders
from leaktrack.timeutil import utcnow

HOUR = timedelta(hours=1)


def test_a_reminder_is_queued_once_and_sent_to_owner_and_responders(app, make_incident, make_user):
    _, responder = make_user("responder")
    make_user("executive")
    aware = utcnow() - 50 * HOUR  # GDPR Art. 33: due in 22 h → the 24 h reminder
    ref = make_incident(jurisdictions=["DE"], risk_level="risk", aware_at=aware)
    for _ in range(3):  # the scheduler runs again and again
        with app.app_context():
            send_deadline_reminders()
            db.session.commit()
    with app.app_context():
        reminders = db.session.scalars(select(ReminderSent)).all()
        notifications = db.session.scalars(select(Notification)).all()
        assert len(notifications) == len(reminders) >= 1
        assert {n.template_id for n in notifications} == {"internal-reminder"}
        capture = CaptureTransport()
        sending.dispatch_due(transport_=capture, budget=None)
        gdpr = next(r for r in reminders if r.rule_id == "EU-GDPR-33")
        message = next(m for m in capture.messages if m.content.subject == gdpr.subject)
        assert ref in gdpr.subject and "24 hours" in gdpr.subject
        assert [p.email for p in message.personalizations] == [responder]
        assert "Rule: EU-GDPR-33" in message.content.text
        statuses = set(db.session.scalars(select(Delivery.status)))
        assert statuses == {"sent"}
