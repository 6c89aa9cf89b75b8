"""JSON API: notifications of an incident, templates, and SendGrid's signed event webhook."""

from __future__ import annotations

import json
import time

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sendgrid import EventWebhook, EventWebhookHeader

from leaktrack.api.body import json_body
from leaktrack.audit import service as audit
from leaktrack.auth.access import ALL_ROLES, WRITERS, public, roles
from leaktrack.errors import ValidationError, api_error
from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.notifications import events, render, service
from leaktrack.timeutil import iso, parse_iso

api = Blueprint("api_notifications", __name__, url_prefix="/api/v1")

#: how old a signed event post may be (SendGrid documents no window; replays are refused)
EVENT_TOLERANCE = 300
BODY_KEYS = {"audience", "template", "language", "scheduled_for", "filters", "recipients", "values"}


def notification_json(notification, counts: dict[str, int]) -> dict:
    """The contract's notification: id, audience, template, scheduled_for, status, counts."""
    return {
        "id": notification.id,
        "audience": notification.audience,
        "template": notification.template_id,
        "language": notification.language,
        "scheduled_for": iso(notification.scheduled_for),
        "status": service.notification_status(notification, counts),
        "counts": counts,
        "recipients": notification.recipient_count,
        "rule_id": notification.rule_id,
        "created_at": iso(notification.created_at),
        "cancelled_at": iso(notification.cancelled_at),
    }


@api.get("/templates")
@roles(*ALL_ROLES)
def templates():
    return jsonify(render.describe(service.templates().values()))


@api.get("/incidents/<ref>/notifications")
@roles(*ALL_ROLES)
def index(ref: str):
    incident = incidents.get_incident(ref=ref)
    found = service.notifications_of(incident=incident)
    counts = service.counts_of(n.id for n in found)
    return jsonify([notification_json(n, counts[n.id]) for n in found])


def _scheduled_for(value):
    if value is None:
        return None
    try:
        return parse_iso(value)
    except ValueError:
        raise ValidationError(
            {"scheduled_for": _("Give an ISO 8601 time with an offset.")}
        ) from None


@api.post("/incidents/<ref>/notifications")
@roles(*WRITERS)
def create(ref: str):
    incident = incidents.get_incident(ref=ref)
    body = json_body()
    if unknown := sorted(set(body) - BODY_KEYS):
        raise ValidationError({key: _("Unknown field.") for key in unknown})
    notification = service.create_notification(
        incident=incident,
        actor=current_user,
        audience=body.get("audience"),
        template_id=body.get("template"),
        language=body.get("language") or "auto",
        scheduled_for=_scheduled_for(body.get("scheduled_for")),
        filters=body.get("filters"),
        recipients=body.get("recipients"),
        values=body.get("values"),
    )
    db.session.commit()
    counts = service.counts_of([notification.id])[notification.id]
    return jsonify(notification_json(notification, counts)), 201


@api.post("/incidents/<ref>/notifications/<int:notification_id>/cancel")
@roles(*WRITERS)
def cancel(ref: str, notification_id: int):
    incident = incidents.get_incident(ref=ref)
    notification = service.get_notification(notification_id=notification_id, incident=incident)
    service.cancel_notification(notification=notification, actor=current_user)
    db.session.commit()
    counts = service.counts_of([notification.id])[notification.id]
    return jsonify(notification_json(notification, counts))


def _signature_problem(payload: str) -> str | None:
    """Why this post is not SendGrid's (None when it is)."""
    key = current_app.config.get("SENDGRID_WEBHOOK_PUBLIC_KEY")
    if not key:
        return _("The event webhook is not configured.")
    signature = request.headers.get(EventWebhookHeader.SIGNATURE)
    timestamp = request.headers.get(EventWebhookHeader.TIMESTAMP)
    if not signature or not timestamp:
        return _("The post is not signed.")
    try:
        stale = abs(time.time() - int(timestamp)) > EVENT_TOLERANCE
    except ValueError:
        return _("The signature timestamp is not a number.")
    if stale:
        return _("The signature is too old or from the future.")
    try:
        webhook = EventWebhook()
        public_key = webhook.convert_public_key_to_ecdsa(key)
        valid = webhook.verify_signature(payload, signature, timestamp, public_key)
    except Exception:  # malformed signature or key: the helper raises instead of saying no
        valid = False
    return None if valid else _("The signature does not match.")


@api.post("/sendgrid/events")
@public
def sendgrid_events():
    payload = request.get_data(as_text=True)
    if problem := _signature_problem(payload):
        return api_error(401, "unauthorized", problem)
    try:
        found = events.check_events(json.loads(payload))
    except ValueError as exc:  # not JSON, or not SendGrid's shape
        return api_error(400, "validation_error", str(exc) if isinstance(exc, events.BadEvents) else _("The body is not valid JSON."))  # fmt: skip
    result = events.apply_events(found)
    audit.record(
        "notification.events",
        actor_label="sendgrid",
        object_type="sendgrid_events",
        after={**result, "events": len(found)},
    )
    db.session.commit()
    return jsonify(result)
