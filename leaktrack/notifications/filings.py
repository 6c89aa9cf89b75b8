"""A regulator report sent through leaktrack becomes a filing on its obligation, with the
exact text that went out."""

from __future__ import annotations

import logging

from sqlalchemy import select

from leaktrack.errors import NotFoundError, ValidationError
from leaktrack.extensions import db
from leaktrack.notifications import render
from leaktrack.notifications.models import Notification
from leaktrack.notifications.transports import Message, Outcome
from leaktrack.timeutil import utcnow

log = logging.getLogger(__name__)


def exact_text(message: Message) -> str:
    """Subject and plain text as the first recipient of the request received them."""
    personal = render.personalize(message.content, message.personalizations[0].substitutions)
    return f"Subject: {personal.subject}\n\n{personal.text}"


def file_report(*, notification: Notification, message: Message, outcome: Outcome) -> None:
    """Record the filing once per notification (its first accepted request)."""
    from leaktrack.obligations.models import Filing
    from leaktrack.obligations.service import record_filing

    already = db.session.scalar(
        select(Filing.id).where(Filing.notification_id == notification.id).limit(1)
    )
    if already is not None:
        return
    try:
        record_filing(
            incident=notification.incident,
            rule_id=notification.rule_id,
            filed_at=utcnow(),
            reference=outcome.message_id or "",
            text=exact_text(message),
            via="notification",
            notification_id=notification.id,
            actor=notification.created_by,
        )
    except (NotFoundError, ValidationError) as exc:
        log.warning("report %s sent but not filed for %s: %s", notification.id,
                    notification.rule_id, exc)  # fmt: skip


def file_settled(*, delivery) -> None:
    """A regulator report we were unsure of (a crash, a timeout) that SendGrid's events show
    went out: file it, with the text rendered again for its recipient."""
    from leaktrack.notifications.service import render_for
    from leaktrack.notifications.transports import Personalization

    notification = delivery.notification
    if notification.audience != "regulator" or not notification.rule_id:
        return
    if notification.incident is None or not delivery.email:
        return
    content = render_for(notification, delivery.language)
    person = Personalization(
        delivery.id, delivery.email, render.substitutions({"email": delivery.email})
    )
    message = Message(content, "", (person,), {"notification_id": str(notification.id)})
    file_report(notification=notification, message=message,
                outcome=Outcome("accepted", message_id=delivery.message_id))  # fmt: skip
