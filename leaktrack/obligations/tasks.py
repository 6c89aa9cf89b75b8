"""Scheduled work: deadline reminders, each sent exactly once even with two schedulers."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from leaktrack.auth.models import User
from leaktrack.dbutil import dialect_insert
from leaktrack.extensions import db
from leaktrack.incidents.models import Incident
from leaktrack.obligations.engine import Obligation
from leaktrack.obligations.models import ReminderSent
from leaktrack.obligations.service import sync_states
from leaktrack.timeutil import iso, utcnow

log = logging.getLogger(__name__)

#: reminder kind -> how long before the due time it goes out (the latest one that applies wins)
REMINDERS = (("passed", timedelta(0)), ("4h", timedelta(hours=4)), ("24h", timedelta(hours=24)))


def reminder_due(obligation: Obligation, now: datetime) -> str | None:
    """The reminder this obligation calls for now: 24h, 4h, passed, or None."""
    if not obligation.required or obligation.status not in ("pending", "missed"):
        return None
    if obligation.due_at is None:
        return None
    for kind, ahead in REMINDERS:
        if now >= obligation.due_at - ahead:
            return kind
    return None


def send_deadline_reminders(now: datetime | None = None) -> int:
    """Remind owner and responders 24 h and 4 h before each required deadline, and when it passes."""
    now = now or utcnow()
    sent = 0
    # Locking the open incidents serialises two schedulers: the second sees the first's rows.
    incidents = db.session.scalars(
        select(Incident).where(Incident.status != "closed").order_by(Incident.id).with_for_update()
    ).all()
    for incident in incidents:
        for obligation in sync_states(incident=incident, now=now):
            kind = reminder_due(obligation, now)
            reminder = (
                claim_reminder(incident=incident, obligation=obligation, kind=kind)
                if kind
                else None
            )
            if reminder is not None:
                send_reminder(reminder=reminder)
                sent += 1
    return sent


def claim_reminder(*, incident: Incident, obligation: Obligation, kind: str) -> ReminderSent | None:
    """Insert the reminder's row; None when another run already has it (the unique key decides)."""
    subject, body = _compose(incident, obligation, kind)
    table = ReminderSent.__table__
    statement = (
        dialect_insert(db.session, table)
        .values(
            incident_id=incident.id,
            obligation_key=obligation.key,
            kind=kind,
            rule_id=obligation.rule_id,
            due_at=obligation.due_at,
            recipients=_recipients(incident),
            subject=subject,
            body=body,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["incident_id", "obligation_key", "kind"])
        .returning(table.c.id)
    )
    reminder_id = db.session.execute(statement).scalar_one_or_none()
    return db.session.get(ReminderSent, reminder_id) if reminder_id is not None else None


def send_reminder(*, reminder: ReminderSent) -> None:
    """Queue the reminder as an e-mail through the notifications outbox, in the claim's
    transaction: the claim and the message exist together or not at all."""
    from leaktrack.notifications.service import queue_internal

    if not reminder.recipients:
        log.warning("deadline reminder %s for %s: nobody to tell", reminder.kind,
                    reminder.obligation_key)  # fmt: skip
        return
    incident = db.session.get(Incident, reminder.incident_id)
    queue_internal(
        template_id="internal-reminder",
        values={
            "incident": {"ref": incident.ref, "title": incident.title},
            "reminder": {
                "subject": reminder.subject,
                "body": reminder.body,
                "kind": reminder.kind,
                "rule_id": reminder.rule_id,
                "due": iso(reminder.due_at),
            },
        },
        recipients=list(reminder.recipients),
        incident=incident,
    )


def _recipients(incident: Incident) -> list[str]:
    responders = db.session.scalars(
        select(User.email).where(User.role == "responder", User.is_enabled.is_(True))
    ).all()
    owner = [incident.owner.email] if incident.owner and incident.owner.is_enabled else []
    return sorted(set(owner) | set(responders))


def _compose(incident: Incident, obligation: Obligation, kind: str) -> tuple[str, str]:
    values = {
        "ref": incident.ref,
        "title": obligation.rule.title,
        "recipient": obligation.recipient,
        "due": iso(obligation.due_at),
    }
    subjects = {
        "24h": _("%(ref)s: %(title)s is due within 24 hours"),
        "4h": _("%(ref)s: %(title)s is due within 4 hours"),
        "passed": _("%(ref)s: the deadline for %(title)s has passed"),
    }
    kind_of_date = (
        _("legal deadline") if obligation.is_legal_deadline else _("planning target, not law")
    )
    body = _(
        "Incident %(ref)s (%(incident)s)\n"
        "Obligation: %(title)s\nRecipient: %(recipient)s\nDue: %(due)s (%(kind)s)\n\n%(reason)s"
    ) % {**values, "incident": incident.title, "kind": kind_of_date, "reason": obligation.reason}
    return subjects[kind] % values, body
