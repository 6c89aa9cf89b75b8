"""Write audit events in the caller's transaction, and check the chain."""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import select, text

from leaktrack.dbutil import is_postgresql
from leaktrack.extensions import db
from leaktrack.timeutil import utcnow

from .models import AuditEvent

GENESIS = "0" * 64
# Any constant: serialises writers of the chain on PostgreSQL for the rest of the transaction.
_CHAIN_LOCK_KEY = 7_242_001


def _jsonable(value):
    """What a JSON column will hand back, so the hash is over exactly what is stored."""
    return None if value is None else json.loads(json.dumps(value, default=str))


def _digest(event: AuditEvent) -> str:
    content = {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "incident_id": event.incident_id,
        "before": event.before,
        "after": event.after,
        "text": event.text,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _resolve_actor(actor, actor_label):
    if actor is not None:
        return actor.id, actor.email
    if actor_label:
        return None, actor_label
    if has_request_context() and current_user.is_authenticated:
        return current_user.id, current_user.email
    return None, "system"


def _lock_chain(session) -> None:
    """Serialise writers of the chain until the transaction ends, before reading its tail."""
    if is_postgresql(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    else:
        # A write that touches nothing still takes SQLite's write lock, so a reader of the tail
        # that has not written yet cannot pick the same seq as a concurrent writer.
        session.execute(text("UPDATE audit_events SET seq = seq WHERE 0"))


def record(
    action: str,
    *,
    actor=None,
    actor_label: str | None = None,
    incident=None,
    object_type: str | None = None,
    object_id=None,
    before: dict | None = None,
    after: dict | None = None,
    text_: str | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the current transaction."""
    session = db.session
    _lock_chain(session)
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    actor_id, label = _resolve_actor(actor, actor_label)
    event = AuditEvent(
        seq=(last.seq + 1) if last else 1,
        at=utcnow(),
        actor_id=actor_id,
        actor_label=label,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        incident_id=incident.id if incident is not None else None,
        before=_jsonable(before),
        after=_jsonable(after),
        text=text_,
        prev_hash=last.hash if last else GENESIS,
    )
    event.hash = _digest(event)
    session.add(event)
    session.flush()
    return event


def incident_timeline(*, incident_id: int, limit: int | None = None) -> list[AuditEvent]:
    """The incident's events, newest first."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.incident_id == incident_id)
        .order_by(AuditEvent.seq.desc())
    )
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    event_id: int | None
    message: str


def _events_in_order() -> Iterator[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=1000)
    yield from db.session.scalars(query)


def verify_chain() -> tuple[int, ChainProblem | None]:
    """Walk the chain from the start; return how many events were checked and the first problem."""
    expected_seq, prev_hash, checked = 1, GENESIS, 0
    for event in _events_in_order():
        if event.seq != expected_seq:
            return checked, ChainProblem(
                expected_seq, None, f"event #{expected_seq} is missing (deleted)"
            )
        if event.prev_hash != prev_hash:
            return checked, ChainProblem(
                event.seq, event.id, f"event #{event.seq} does not follow event #{event.seq - 1}"
            )
        if _digest(event) != event.hash:
            return checked, ChainProblem(
                event.seq, event.id, f"event #{event.seq} ({event.action}) was altered"
            )
        expected_seq, prev_hash, checked = event.seq + 1, event.hash, checked + 1
    return checked, None
