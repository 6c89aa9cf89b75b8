"""SendGrid's event webhook: events move deliveries on, each event applied once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update

from leaktrack.dbutil import dialect_insert
from leaktrack.extensions import db
from leaktrack.notifications.models import Delivery, DeliveryEvent
from leaktrack.notifications.transports import DELIVERY_ARG
from leaktrack.timeutil import utcnow

#: SendGrid event → delivery status (deferred: SendGrid is still trying, it stays "sent")
TARGET = {
    "processed": "sent",
    "deferred": "sent",
    "delivered": "delivered",
    "bounce": "bounced",
    "dropped": "dropped",
}
#: how far along a status is; an event never moves a delivery back
RANK = {"scheduled": 0, "sending": 1, "uncertain": 1, "failed": 1, "sent": 2,
        "delivered": 3, "bounced": 3, "dropped": 3}  # fmt: skip
MAX_EVENTS = 10_000


class BadEvents(ValueError):
    """A payload that is not a list of SendGrid events."""


def _delivery_id(event: dict) -> int | None:
    value = event.get(DELIVERY_ARG)
    try:
        number = int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
    return number if number is not None and 0 < number < 2**63 else None


def _when(event: dict) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(event["timestamp"]), UTC)
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        return None


def _detail(event: dict) -> str | None:
    parts = [str(event[k]) for k in ("type", "reason", "response", "status") if event.get(k)]
    return "; ".join(parts)[:500] or None


def check_events(payload) -> list[dict]:
    """The events of a payload, or BadEvents naming what is wrong."""
    if not isinstance(payload, list):
        raise BadEvents("the body must be a JSON array of events")
    if len(payload) > MAX_EVENTS:
        raise BadEvents(f"at most {MAX_EVENTS} events per post")
    for index, event in enumerate(payload):
        if not isinstance(event, dict):
            raise BadEvents(f"event {index} is not an object")
        sg_id = event.get("sg_event_id")
        if not isinstance(sg_id, str) or not 0 < len(sg_id) <= 100:
            raise BadEvents(f"event {index} has no sg_event_id")
        if not isinstance(event.get("event"), str):
            raise BadEvents(f"event {index} has no event name")
    return payload


def apply_events(events: list[dict]) -> dict[str, int]:
    """Record each new event (a repeated sg_event_id is skipped) and move its delivery on."""
    applied = repeated = 0
    table = DeliveryEvent.__table__
    for event in events:
        delivery_id = _delivery_id(event)
        inserted = db.session.execute(
            dialect_insert(db.session, table)
            .values(
                sg_event_id=event["sg_event_id"],
                delivery_id=delivery_id,
                event=event["event"][:30],
                detail=_detail(event),
                occurred_at=_when(event),
                received_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["sg_event_id"])
            .returning(table.c.id)
        ).scalar_one_or_none()
        if inserted is None:
            repeated += 1
            continue
        applied += 1
        if delivery_id is not None:
            _move(delivery_id, event)
    return {"applied": applied, "repeated": repeated}


def _move(delivery_id: int, event: dict) -> None:
    status = db.session.scalar(select(Delivery.status).where(Delivery.id == delivery_id))
    if status is None or status == "cancelled":
        return
    values: dict = {"event_at": utcnow()}
    target = TARGET.get(event["event"])
    if target and RANK[target] > RANK.get(status, 0) or (target and status == "uncertain"):
        values["status"] = target
        values["claim_token"] = None
        values["lease_until"] = None
        if target in ("bounced", "dropped"):
            values["reason"] = _detail(event)
        if status in ("scheduled", "uncertain", "failed", "sending"):
            values["sent_at"] = _when(event) or utcnow()
            values["reason"] = values.get("reason")
    db.session.execute(
        update(Delivery.__table__).where(Delivery.id == delivery_id).values(**values)
    )
