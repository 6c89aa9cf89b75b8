"""Sending: the scheduler's dispatch job wired to the database, the data key and a transport.

The delivery core (dispatch.py) claims, posts and records; this module gives it what it needs
from the app: the transport chosen by the settings, and the preparer that renders each
notification once per language and unseals each recipient's address.
"""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select

from leaktrack.errors import NotFoundError
from leaktrack.extensions import db
from leaktrack.notifications import render
from leaktrack.notifications.dispatch import Claimed, Dispatcher, Prepared
from leaktrack.notifications.models import Delivery, Notification, SentMessage
from leaktrack.notifications.render import TemplateProblem
from leaktrack.notifications.service import data_words, render_for
from leaktrack.notifications.transports import (
    CaptureTransport,
    Message,
    Outcome,
    Personalization,
    SendGridTransport,
    batches,
)
from leaktrack.stakeholders.models import Stakeholder

log = logging.getLogger(__name__)


def transport():
    """SendGrid when SENDGRID_API_KEY is set, else the capture transport."""
    config = current_app.config
    if config.get("SENDGRID_API_KEY"):
        return SendGridTransport(api_key=config["SENDGRID_API_KEY"], host=config["SENDGRID_API_HOST"])  # fmt: skip
    return CaptureTransport()


def _contacts(rows: list[Claimed]) -> dict[int, tuple[str, str]]:
    """stakeholder id → (name, email) for claimed customer rows, unsealed."""
    from leaktrack.stakeholders.crypto import associated_data, key_ring, open_sealed

    claimed = [row for row in rows if row.stakeholder_id is not None]
    if not claimed:
        return {}
    wanted = {row.stakeholder_id for row in claimed}
    columns = (Stakeholder.id, Stakeholder.kind, Stakeholder.external_ref, Stakeholder.key_id,
               Stakeholder.pii)  # fmt: skip
    lo, hi = claimed[0].id, claimed[-1].id
    if hi - lo < 2 * len(claimed):
        # dense (the usual case): walk the deliveries' primary key range, then each person's
        query = (
            select(*columns)
            .select_from(Delivery)
            .join(Stakeholder, Stakeholder.id == Delivery.stakeholder_id)
            .where(Delivery.id.between(lo, hi))
        )
    else:
        query = select(*columns).where(Stakeholder.id.in_(sorted(wanted)))
    ring, keys, found = key_ring(), {}, {}
    # the session's connection: the ORM's handling of 1,000 result rows costs more than the query
    for sid, kind, ref, key_id, pii in db.session.connection().execute(query).all():
        if pii is None or sid not in wanted:
            continue
        try:
            key = keys.get(key_id) or keys.setdefault(key_id, ring.get(key_id))
            name, email, _phone, _address = open_sealed(key, pii, associated_data(kind, ref))
        except (KeyError, ValueError):
            continue
        found[sid] = (name, email)
    return found


class _Preparer:
    """Turns claimed rows into messages: render once per notification and language."""

    def __init__(self):
        self.content: dict[tuple[int, str], render.Rendered] = {}
        self.sender = current_app.config.get("SENDGRID_FROM") or "leaktrack@localhost"
        #: notification id → whether its accepted requests are filed (a regulator report)
        self.files_report: dict[int, bool] = {}
        #: first delivery id of each prepared message → its language
        self.languages: dict[int, str] = {}

    def _content(self, notification_id: int, language: str) -> render.Rendered:
        key = (notification_id, language)
        if key not in self.content:
            notification = db.session.get(Notification, notification_id)
            self.content[key] = render_for(notification, language)
            self.files_report[notification_id] = bool(
                notification.audience == "regulator"
                and notification.rule_id
                and notification.incident_id
            )
        return self.content[key]

    def __call__(self, rows: list[Claimed]) -> Prepared:
        prepared = Prepared()
        contacts = _contacts(rows)
        groups: dict[tuple[int, str], list[Claimed]] = {}
        for row in rows:
            groups.setdefault((row.notification_id, row.language), []).append(row)
        for (notification_id, language), members in groups.items():
            try:
                content = self._content(notification_id, language)
            except (TemplateProblem, NotFoundError) as problem:
                for row in members:
                    prepared.failed[row.id] = f"template: {problem}"[:500]
                continue
            substitutions = render.substituter(render.used_fields(content))
            people = []
            for row in members:
                if row.stakeholder_id is not None:
                    name, email = contacts.get(row.stakeholder_id, ("", ""))
                    data = data_words(row.category_bits, language)
                else:
                    name, email, data = "", row.email or "", ""
                if not email:
                    prepared.failed[row.id] = "no address"
                    continue
                values = {"name": name, "email": email, "data": data}
                people.append(Personalization(row.id, email, substitutions(values)))
            extra = {"notification_id": str(notification_id)}
            for batch in batches(people):
                self.languages[batch[0].delivery_id] = language
                prepared.messages.append(Message(content, self.sender, tuple(batch), extra))
        return prepared

    def record(self, message: Message, outcome: Outcome, transport_name: str) -> None:
        """Keep the content of an accepted request; a regulator report becomes a filing."""
        notification_id = int(message.custom_args["notification_id"])
        language = self.languages.pop(message.personalizations[0].delivery_id, None)
        _record_message(message, outcome, transport_name, language=language,
                        files_report=self.files_report.get(notification_id))  # fmt: skip


def _record_message(message: Message, outcome: Outcome, transport_name: str, *,
                    language: str | None = None, files_report: bool | None = None) -> None:  # fmt: skip
    """Keep the content of an accepted request; a regulator report becomes a filing."""
    notification_id = int(message.custom_args["notification_id"])
    first = message.personalizations[0]
    if language is None:
        language = db.session.execute(
            select(Delivery.language).where(Delivery.id == first.delivery_id)
        ).scalar_one()
    db.session.add(
        SentMessage(
            notification_id=notification_id,
            language=language,
            subject=message.content.subject,
            html=message.content.html,
            text=message.content.text,
            transport=transport_name,
            message_id=outcome.message_id,
            recipients=len(message.personalizations),
            first_delivery_id=first.delivery_id,
        )
    )
    if files_report is False:
        return
    notification = db.session.get(Notification, notification_id)
    if notification.audience == "regulator" and notification.rule_id and notification.incident:
        from leaktrack.notifications.filings import file_report

        file_report(notification=notification, message=message, outcome=outcome)


def dispatch_due(*, transport_=None, budget: float | None = 50.0, sleep=None, clock=None,
                 claim_size: int = 1000, max_attempts: int | None = None):  # fmt: skip
    """The scheduler job: reclaim expired leases, then send what is due (commits per step)."""
    chosen = transport_ or transport()
    options = {}
    if sleep is not None:
        options["sleep"] = sleep
    if clock is not None:
        options["clock"] = clock
    if max_attempts is not None:
        options["max_attempts"] = max_attempts
    preparer = _Preparer()
    dispatcher = Dispatcher(
        db.session,
        Delivery.__table__,
        transport=chosen,
        prepare=preparer,
        on_accepted=lambda message, outcome: preparer.record(message, outcome, chosen.name),
        **options,
    )
    dispatcher.resend_unsettled()
    stats = dispatcher.run(claim_size=claim_size, budget=budget)
    db.session.commit()
    return stats
