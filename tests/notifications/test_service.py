"""Compose, fan out, dispatch through the real client to the fake server, count, cancel."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from leaktrack.audit.models import AuditEvent
from leaktrack.errors import ConflictError, ValidationError
from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.notifications import sending, service
from leaktrack.notifications.models import Delivery, SentMessage
from leaktrack.notifications.transports import CaptureTransport
from leaktrack.timeutil import utcnow


def compose(ref, **options):
    incident = incidents.get_incident(ref=ref)
    values = {
        "audience": "affected",
        "template_id": "customer-notice",
        "language": "auto",
        **options,
    }
    notification = service.create_notification(incident=incident, actor=None, **values)
    db.session.commit()
    return notification


def statuses(notification_id):
    return service.counts_of([notification_id])[notification_id]


def test_fan_out_makes_one_delivery_per_person_and_counts_those_without_address(
    app, incident_with_people
):
    ref = incident_with_people(10, without_email=2)
    with app.app_context():
        notification = compose(ref)
        assert notification.recipient_count == 10
        counts = statuses(notification.id)
        assert counts["scheduled"] == 8 and counts["failed"] == 2
        reasons = db.session.scalars(
            select(Delivery.reason).where(Delivery.status == "failed")
        ).all()
        assert reasons == ["no address", "no address"]
        languages = dict(
            db.session.execute(
                select(Delivery.language, func.count()).group_by(Delivery.language)
            ).all()
        )
        assert languages == {"ja": 5, "en": 5}
        audit = db.session.scalars(select(AuditEvent.action)).all()
        assert "notification.scheduled" in audit


def test_filters_narrow_by_kind_and_category(app, incident_with_people):
    ref = incident_with_people(4, categories=("name",))
    with app.app_context():
        assert compose(ref, filters={"kinds": ["employee"]}).recipient_count == 0
        assert compose(ref, filters={"data_categories": ["payment_card"]}).recipient_count == 0
        assert (
            compose(
                ref, filters={"kinds": ["customer"], "data_categories": ["name"]}
            ).recipient_count
            == 4
        )


def test_dispatch_sends_each_person_once_in_their_language(
    sendgrid_app, fake, incident_with_people
):
    ref = incident_with_people(2500, categories=("name", "credentials"))
    with sendgrid_app.app_context():
        notification = compose(ref)
        stats = sending.dispatch_due(budget=None)
        assert stats.sent == 2500 and stats.failed == 0
        assert fake.violations == []
        assert len(fake.requests) == 4  # ceil(1250/1000) per language
        assert sorted(fake.delivery_ids()) == sorted(db.session.scalars(select(Delivery.id)).all())
        counts = statuses(notification.id)
        assert counts["sent"] == 2500 and counts["scheduled"] == 0
        assert db.session.scalar(select(func.count()).select_from(SentMessage)) == 4
        ja = next(r for r in fake.requests if "個人情報" in r["subject"])
        person = ja["personalizations"][0]
        assert "、" in person["substitutions"]["-lt-data-"]  # two categories, in Japanese
        en = next(r for r in fake.requests if r["subject"].startswith("Important"))
        assert en["personalizations"][0]["substitutions"]["-lt-data-"] == "Name, Login credentials"
        assert person["to"][0]["email"].startswith("person")
        ids = db.session.scalars(select(Delivery.message_id).distinct()).all()
        assert len(ids) == 4 and all(ids)
        assert service.delivery_counts(notification.incident_id)["sent"] == 2500
        assert service.first_sent_at(notification.incident_id, "affected") is not None
        assert service.first_sent_at(notification.incident_id, "regulator") is None
        assert notification.incident_id in service.first_sent_by_incident("customer")


def test_a_429_is_waited_out_and_a_500_retried(sendgrid_app, fake, incident_with_people):
    ref = incident_with_people(3)
    waits = []
    fake.script = ["429", "500"]
    with sendgrid_app.app_context():
        notification = compose(ref, language="en")
        stats = sending.dispatch_due(budget=None, sleep=waits.append)
        assert stats.sent == 3 and stats.retries == 2
        assert len(fake.requests) == 3 and fake.delivery_ids() == sorted(fake.delivery_ids())
        assert 0 <= waits[0] <= 2  # from X-RateLimit-Reset
        assert statuses(notification.id)["sent"] == 3
        attempts = db.session.scalars(select(Delivery.attempts)).all()
        assert attempts == [3, 3, 3]


def test_5xx_gives_up_after_bounded_attempts(sendgrid_app, fake, incident_with_people):
    ref = incident_with_people(2)
    fake.default = "500"
    waits = []
    with sendgrid_app.app_context():
        notification = compose(ref, language="en")
        stats = sending.dispatch_due(budget=None, sleep=waits.append, max_attempts=4)
        assert len(fake.requests) == 4 and len(waits) == 3
        assert waits[0] <= 1 and waits[2] <= 4  # exponential with jitter
        assert stats.failed == 2
        reasons = db.session.scalars(select(Delivery.reason)).all()
        assert reasons == ["gave up after 4 attempts: 500 internal error"] * 2
        assert statuses(notification.id)["failed"] == 2


def test_a_400_fails_at_once_and_retry_sends_again(sendgrid_app, fake, incident_with_people):
    ref = incident_with_people(2)
    fake.script = ["400"]
    with sendgrid_app.app_context():
        notification = compose(ref, language="en")
        sending.dispatch_due(budget=None, sleep=lambda s: None)
        assert len(fake.requests) == 1
        assert statuses(notification.id)["failed"] == 2
        assert "verified Sender Identity" in db.session.scalars(select(Delivery.reason)).first()
        assert service.retry_failed(notification=notification, actor=None) == 2
        db.session.commit()
        sending.dispatch_due(budget=None)
        assert statuses(notification.id)["sent"] == 2


def test_not_due_yet_is_not_sent_and_past_means_now(app, incident_with_people):
    ref = incident_with_people(2)
    with app.app_context():
        later = compose(ref, scheduled_for=utcnow() + timedelta(hours=1), language="en")
        past = compose(ref, scheduled_for=utcnow() - timedelta(days=3), language="en")
        assert past.scheduled_for >= utcnow() - timedelta(seconds=5)
        capture = CaptureTransport()
        sending.dispatch_due(transport_=capture, budget=None)
        assert statuses(later.id)["scheduled"] == 2 and statuses(past.id)["sent"] == 2
        assert len(capture.messages) == 1


def test_cancel_stops_what_has_not_gone_out_and_409_after(app, incident_with_people):
    ref = incident_with_people(3)
    with app.app_context():
        notification = compose(ref, scheduled_for=utcnow() + timedelta(hours=1))
        assert service.cancel_notification(notification=notification, actor=None) == 3
        db.session.commit()
        sending.dispatch_due(transport_=CaptureTransport(), budget=None)
        assert statuses(notification.id)["cancelled"] == 3
        with pytest.raises(ConflictError):
            service.cancel_notification(notification=notification, actor=None)
        sent = compose(ref, language="en")
        sending.dispatch_due(transport_=CaptureTransport(), budget=None)
        with pytest.raises(ConflictError):
            service.cancel_notification(notification=sent, actor=None)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"audience": "press"}, "audience"),
        ({"template_id": "nope"}, "template"),
        ({"language": "fr"}, "language"),
        ({"template_id": "gdpr-art33", "language": "en"}, "template"),
        ({"audience": "regulator", "template_id": "gdpr-art33", "language": "en"}, "recipients"),
        ({"filters": {"kinds": ["alien"]}}, "filters"),
        ({"recipients": ["a@example.test"]}, "recipients"),
        (
            {
                "audience": "internal",
                "template_id": "internal-reminder",
                "recipients": ["not an address"],
            },
            "recipients",
        ),
        ({"values": {"fields": {"contact": 3}}}, "values"),
    ],
)
def test_bad_input_is_refused_with_the_field(app, incident_with_people, options, field):
    ref = incident_with_people(1)
    with app.app_context(), pytest.raises(ValidationError) as caught:
        compose(ref, **options)
    assert field in caught.value.fields


def test_a_template_that_cannot_render_is_refused_at_compose_with_its_line(
    app, incident_with_people
):
    ref = incident_with_people(1)
    with app.app_context(), pytest.raises(ValidationError) as caught:
        incident = incidents.get_incident(ref=ref)
        service.queue_internal(
            template_id="internal-reminder",
            values={"incident": {"ref": ref}},
            recipients=["a@example.test"],
            incident=incident,
        )
    assert caught.value.fields["template"].startswith("internal-reminder.en.md:")
    assert "reminder" in caught.value.fields["template"]


def test_queue_internal_goes_through_the_outbox(app, make_user):
    user_id, email = make_user("responder")
    with app.app_context():
        from leaktrack.auth.models import User

        user = db.session.get(User, user_id)
        notification = service.queue_internal(
            template_id="internal-weekly-digest",
            values={
                "period": {"start": "1 Dec", "end": "7 Dec"},
                "totals": {"open": 2},
                "incidents": [{"ref": "LT-2026-0001", "title": "Leak", "severity": "high"}],
            },
            recipients=[user, "exec@example.test"],
        )
        db.session.commit()
        capture = CaptureTransport()
        sending.dispatch_due(transport_=capture, budget=None)
        assert statuses(notification.id)["sent"] == 2
        message = capture.messages[0]
        assert message.content.subject == "leaktrack weekly digest: 1 Dec to 7 Dec"
        assert "LT-2026-0001: Leak" in message.content.text
        assert {p.email for p in message.personalizations} == {email, "exec@example.test"}
        assert (
            db.session.scalars(select(Delivery.user_id).where(Delivery.email == email)).one()
            == user_id
        )


def test_a_rate_limit_resetting_far_ahead_hands_the_batch_back(
    sendgrid_app, fake, incident_with_people
):
    ref = incident_with_people(3)
    fake.script = [("429", 3600)]
    waits = []
    with sendgrid_app.app_context():
        notification = compose(ref, language="en")
        sending.dispatch_due(budget=None, sleep=waits.append)
        assert waits == [] and len(fake.requests) == 1
        assert statuses(notification.id)["scheduled"] == 3
        due = db.session.scalars(select(Delivery.due_at)).all()
        assert all(at > utcnow() + timedelta(minutes=59) for at in due)
        sending.dispatch_due(budget=None, clock=lambda: utcnow() + timedelta(hours=1, minutes=1))
        assert statuses(notification.id)["sent"] == 3 and len(fake.requests) == 2
