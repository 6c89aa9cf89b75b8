"""Demo data: customer notices that went out (delivered, a few bounced or dropped), one still
scheduled, and a weekly digest for executives waiting in the outbox."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import and_, select, update

from leaktrack.auth.models import User
from leaktrack.extensions import db
from leaktrack.incidents.models import Incident
from leaktrack.notifications import service
from leaktrack.notifications.models import Delivery, SentMessage
from leaktrack.stakeholders.models import IncidentStakeholder
from leaktrack.timeutil import utcnow

#: (status, reason) of every n-th delivery of a notice that went out
OUTCOMES = ((53, "bounced", "bounce; 550 5.1.1 mailbox unavailable"),
            (211, "dropped", "Bounced Address"))  # fmt: skip


def _linked(incident: Incident) -> bool:
    query = select(IncidentStakeholder.stakeholder_id).where(
        IncidentStakeholder.incident_id == incident.id
    )
    return db.session.scalar(query.limit(1)) is not None


def _went_out(rng: random.Random, notification, incident: Incident) -> None:
    """Record the notice as sent some days after awareness, and SendGrid's answers to it."""
    aware = incident.aware_at or incident.detected_at or incident.created_at
    sent_at = min(aware + timedelta(days=rng.uniform(1, 12)), utcnow() - timedelta(hours=1))
    table = Delivery.__table__
    mine = and_(table.c.notification_id == notification.id, table.c.status == "scheduled")
    for every, status, reason in OUTCOMES:
        db.session.execute(
            update(table).where(mine, table.c.id % every == 0)
            .values(status=status, reason=reason, sent_at=sent_at, event_at=sent_at)
        )  # fmt: skip
    db.session.execute(
        update(table).where(mine).values(status="delivered", sent_at=sent_at, event_at=sent_at)
    )
    notification.scheduled_for = notification.created_at = sent_at
    for language in service.template_languages(notification.template_id):
        content = service.render_for(notification, language)
        db.session.add(
            SentMessage(
                notification_id=notification.id, language=language, subject=content.subject,
                html=content.html, text=content.text, transport="capture",
                message_id=f"demo-{notification.id}-{language}", recipients=0, created_at=sent_at,
            )
        )  # fmt: skip


def demo_step(rng: random.Random, made: list[Incident]) -> None:
    """Notices for incidents that reached notifying, one scheduled ahead, a digest queued."""
    scheduled_one = False
    for incident in made:
        if incident.status not in ("notifying", "resolved") or not _linked(incident):
            continue
        later = not scheduled_one and incident.status == "notifying"
        notification = service.create_notification(
            incident=incident, actor=None, audience="affected", template_id="customer-notice",
            scheduled_for=utcnow() + timedelta(days=2) if later else None,
        )  # fmt: skip
        if later:
            scheduled_one = True
        else:
            _went_out(rng, notification, incident)
    executives = list(db.session.scalars(select(User).where(User.role == "executive")))
    open_ones = [i for i in made if i.status not in ("resolved", "closed")][:5]
    service.queue_internal(
        template_id="internal-weekly-digest",
        values={
            "period": {
                "start": (utcnow() - timedelta(days=7)).date().isoformat(),
                "end": utcnow().date().isoformat(),
            },  # fmt: skip
            "totals": {"open": len(open_ones)},
            "incidents": [
                {"ref": i.ref, "title": i.title, "severity": i.severity, "status": i.status}
                for i in open_ones
            ],  # fmt: skip
        },
        # the demo command creates its executive after the steps: address it by e-mail
        recipients=executives or ["executive@demo.example"],
    )
