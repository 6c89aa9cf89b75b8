"""Alert sources and the alerts they send: authenticate, deduplicate, open or join incidents."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from leaktrack.audit import service as audit
from leaktrack.dbutil import dialect_insert
from leaktrack.errors import ConflictError, NotFoundError, ValidationError
from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.incidents.models import Incident
from leaktrack.timeutil import iso, utcnow
from leaktrack.vocab import CAUSES, SEVERITIES

from . import sealing, signing
from .models import Alert, AlertRateWindow, AlertSource, SeenWebhookId
from .parse import FORMATS, AlertRecord

AUTH_MODES = ("hmac", "bearer")
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
DEFAULT_OVERLAP = timedelta(hours=24)
MAX_OVERLAP = timedelta(days=30)
#: a webhook-id older than the signature tolerance can no longer be replayed, so it is forgotten
SEEN_ID_RETENTION = 2 * signing.TOLERANCE


class Replayed(Exception):
    """This webhook-id was already accepted from this source."""


@dataclass(frozen=True)
class Outcome:
    """What happened to one alert of a delivery: the contract's answer."""

    alert_id: int
    incident_ref: str
    deduplicated: bool

    def as_json(self) -> dict:
        return {
            "alert_id": self.alert_id,
            "incident_ref": self.incident_ref,
            "deduplicated": self.deduplicated,
        }


# Sources


def _data_key() -> str:
    return current_app.config["LEAKTRACK_DATA_KEY"]


def _data_keys() -> tuple[str, ...]:
    """The current data key first, then the retired ones that may still open old secrets."""
    retired = current_app.config.get("LEAKTRACK_RETIRED_DATA_KEYS") or ""
    return (_data_key(), *(item.strip() for item in retired.split(",") if item.strip()))


def _store_secret(auth: str, secret: str) -> str:
    if auth == "bearer":
        return signing.hash_bearer_secret(secret)
    return sealing.seal(secret, data_key=_data_key())


def _new_secret(auth: str) -> str:
    return signing.generate_bearer_secret() if auth == "bearer" else signing.generate_hmac_secret()


def _check_source_input(
    *, name: str, format: str, auth: str, default_severity: str, default_cause: str, rate_limit: int
) -> None:
    errors = {}
    if not NAME_PATTERN.fullmatch(name or ""):
        errors["name"] = _("Lower-case letters, digits, - and _; at most 64 characters.")
    elif db.session.scalar(select(AlertSource.id).where(AlertSource.name == name)):
        errors["name"] = _("A source with this name exists.")
    checks = {
        "format": (format, FORMATS),
        "auth": (auth, AUTH_MODES),
        "default_severity": (default_severity, SEVERITIES),
        "default_cause": (default_cause, CAUSES),
    }
    for field, (value, vocab) in checks.items():
        if value not in vocab:
            errors[field] = _("Must be one of: %(values)s.", values=", ".join(vocab))
    if (
        isinstance(rate_limit, bool)
        or not isinstance(rate_limit, int)
        or not 0 <= rate_limit <= 100_000
    ):
        errors["rate_limit_per_minute"] = _("A whole number from 0 (no limit) to 100000.")
    if errors:
        raise ValidationError(errors)


def create_source(
    *,
    name: str,
    format: str,
    auth: str,
    actor,
    default_severity: str = "medium",
    default_cause: str = "other",
    rate_limit_per_minute: int = 60,
) -> tuple[AlertSource, str]:
    """Register a monitoring source; return it with its secret, which is not kept readable."""
    _check_source_input(
        name=name,
        format=format,
        auth=auth,
        default_severity=default_severity,
        default_cause=default_cause,
        rate_limit=rate_limit_per_minute,
    )
    secret = _new_secret(auth)
    source = AlertSource(
        name=name,
        format=format,
        auth=auth,
        secret=_store_secret(auth, secret),
        default_severity=default_severity,
        default_cause=default_cause,
        rate_limit_per_minute=rate_limit_per_minute,
        is_enabled=True,
    )
    db.session.add(source)
    db.session.flush()
    audit.record(
        "alert_source.created",
        actor=actor,
        object_type="alert_source",
        object_id=source.name,
        after={
            "format": format,
            "auth": auth,
            "default_severity": default_severity,
            "default_cause": default_cause,
            "rate_limit_per_minute": rate_limit_per_minute,
        },
    )
    return source, secret


def rotate_secret(*, source: AlertSource, actor, overlap: timedelta = DEFAULT_OVERLAP) -> str:
    """Give the source a new secret; the old one keeps working for the overlap period."""
    if not timedelta(0) <= overlap <= MAX_OVERLAP:
        raise ValidationError({"overlap_hours": _("From 0 to 720 hours.")})
    secret = _new_secret(source.auth)
    source.previous_secret = source.secret
    source.previous_secret_expires_at = utcnow() + overlap
    source.secret = _store_secret(source.auth, secret)
    db.session.flush()
    audit.record(
        "alert_source.secret_rotated",
        actor=actor,
        object_type="alert_source",
        object_id=source.name,
        after={"previous_secret_expires_at": iso(source.previous_secret_expires_at)},
    )
    return secret


def reseal_source_secrets() -> int:
    """Re-seal HMAC secrets still under a retired data key with the current one; how many."""
    current = sealing.sealed_with(sealing.seal("", data_key=_data_key()))
    sources = db.session.scalars(select(AlertSource).where(AlertSource.auth == "hmac")).all()
    resealed = 0
    for source in sources:
        for column in ("secret", "previous_secret"):
            stored = getattr(source, column)
            if stored and sealing.sealed_with(stored) != current:
                secret = sealing.unseal(stored, data_keys=_data_keys())
                setattr(source, column, sealing.seal(secret, data_key=_data_key()))
                resealed += 1
    db.session.flush()
    return resealed


def set_source_enabled(*, source: AlertSource, actor, is_enabled: bool) -> None:
    """Enable or disable a source; a disabled source's webhook answers 404."""
    if source.is_enabled == is_enabled:
        return
    source.is_enabled = is_enabled
    db.session.flush()
    audit.record(
        "alert_source.enabled" if is_enabled else "alert_source.disabled",
        actor=actor,
        object_type="alert_source",
        object_id=source.name,
    )


def list_sources() -> list[AlertSource]:
    """Every source, by name."""
    return list(db.session.scalars(select(AlertSource).order_by(AlertSource.name)))


def get_source(*, name: str) -> AlertSource:
    """The source with this name, or NotFoundError."""
    source = db.session.scalar(select(AlertSource).where(AlertSource.name == name))
    if source is None:
        raise NotFoundError(_("No alert source %(name)s.", name=name))
    return source


def get_receiving_source(*, name: str) -> AlertSource:
    """The enabled source with this name, or NotFoundError (a disabled one is not revealed)."""
    source = db.session.scalar(
        select(AlertSource).where(AlertSource.name == name, AlertSource.is_enabled.is_(True))
    )
    if source is None:
        raise NotFoundError(_("No alert source %(name)s.", name=name))
    return source


# Receiving


def _stored_secrets(source: AlertSource, now: datetime) -> list[str]:
    stored = [source.secret]
    if (
        source.previous_secret
        and source.previous_secret_expires_at
        and now < source.previous_secret_expires_at
    ):
        stored.append(source.previous_secret)
    return stored


def authenticate(
    *, source: AlertSource, headers: Mapping[str, str], body: bytes, now: datetime
) -> signing.SignedDelivery | None:
    """Check the request's signature or token; raise signing.SignatureError if it fails."""
    stored = _stored_secrets(source, now)
    if source.auth == "bearer":
        signing.verify_bearer(secret_hashes=stored, authorization=headers.get("authorization"))
        return None
    secrets = [sealing.unseal(s, data_keys=_data_keys()) for s in stored]
    return signing.verify_signature(hmac_secrets=secrets, headers=headers, body=body, now=now)


def is_replay(*, source: AlertSource, webhook_id: str) -> bool:
    """Whether this webhook-id was already accepted from the source."""
    return db.session.get(SeenWebhookId, (source.id, webhook_id)) is not None


def count_delivery(*, source: AlertSource, now: datetime) -> int | None:
    """Count a delivery against the source's rate; seconds to wait if it is over, else None.

    Counted in its own short transaction: the count holds no lock during the delivery's work,
    and a refused delivery still counts.
    """
    if not source.rate_limit_per_minute:
        return None
    minute = int(now.timestamp()) // 60
    table = AlertRateWindow.__table__
    stmt = (
        dialect_insert(db.session, table)
        .values(source_id=source.id, minute=minute, count=1)
        .on_conflict_do_update(
            index_elements=[table.c.source_id, table.c.minute], set_={"count": table.c.count + 1}
        )
        .returning(table.c.count)
    )
    with db.engine.begin() as connection:
        count = connection.execute(stmt).scalar_one()
    if count <= source.rate_limit_per_minute:
        return None
    return 60 - int(now.timestamp()) % 60


def receive(
    *, source: AlertSource, records: list[AlertRecord], webhook_id: str | None, now: datetime
) -> list[Outcome]:
    """Record a delivery's alerts, each opening or joining an incident.

    The webhook-id is written last, so that on SQLite the database's single write lock is
    held as briefly as possible; a concurrent replay still fails there and rolls back.
    """
    outcomes = [record_alert(source=source, record=record, now=now) for record in records]
    if webhook_id is not None:
        _remember_webhook_id(source, webhook_id, now)
    return outcomes


def _remember_webhook_id(source: AlertSource, webhook_id: str, now: datetime) -> None:
    table = SeenWebhookId.__table__
    stmt = (
        dialect_insert(db.session, table)
        .values(source_id=source.id, webhook_id=webhook_id, seen_at=now)
        .on_conflict_do_nothing()
        .returning(table.c.source_id)
    )
    if db.session.execute(stmt).first() is None:
        raise Replayed(webhook_id)


def record_alert(*, source: AlertSource, record: AlertRecord, now: datetime) -> Outcome:
    """Join the incident this fingerprint has open, or open a new one."""
    if record.is_resolved:
        known = _open_alert(source, record.fingerprint) or _latest_alert(source, record.fingerprint)
        if known is not None:
            return _update(known, record, now)
    alert = _open_alert(source, record.fingerprint)
    if alert is not None and alert.incident.is_closed:
        _release(alert)
        alert = None
    if alert is not None:
        return _update(alert, record, now)
    alert_id = _claim(source, record, now)
    if alert_id is None:  # a concurrent delivery of the same fingerprint won the insert
        return _update(_open_alert(source, record.fingerprint), record, now)
    return _open_incident(source, db.session.get(Alert, alert_id), record, now)


def _open_alert(source: AlertSource, fingerprint: str) -> Alert | None:
    return db.session.scalar(
        select(Alert)
        .options(joinedload(Alert.incident))
        .where(Alert.source_id == source.id, Alert.open_fingerprint == fingerprint)
    )


def _latest_alert(source: AlertSource, fingerprint: str) -> Alert | None:
    return db.session.scalar(
        select(Alert)
        .where(Alert.source_id == source.id, Alert.fingerprint == fingerprint)
        .order_by(Alert.id.desc())
        .limit(1)
    )


def _release(alert: Alert) -> None:
    """Its incident is closed: let the next delivery of this fingerprint open a new one."""
    db.session.execute(
        update(Alert)
        .where(Alert.id == alert.id)
        .values(open_fingerprint=None)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(alert)


def _claim(source: AlertSource, record: AlertRecord, now: datetime) -> int | None:
    """Insert the alert as its fingerprint's open one; None if another delivery holds it."""
    table = Alert.__table__
    stmt = (
        dialect_insert(db.session, table)
        .values(
            source_id=source.id,
            fingerprint=record.fingerprint,
            open_fingerprint=record.fingerprint,
            status=record.status,
            title=record.title,
            severity=record.severity,
            started_at=record.started_at,
            ended_at=record.ended_at,
            first_seen_at=now,
            last_seen_at=now,
            repeat_count=0,
            raw=record.raw,
            is_dismissed=False,
        )
        .on_conflict_do_nothing(index_elements=[table.c.source_id, table.c.open_fingerprint])
        .returning(table.c.id)
    )
    return db.session.execute(stmt).scalar()


def _incident_input(source: AlertSource, record: AlertRecord, now: datetime) -> dict:
    started = min(record.started_at or now, now)
    data = {
        "title": record.title,
        "summary": record.text,
        "severity": record.severity or source.default_severity,
        "cause": source.default_cause,
        "detected_at": started,
        "data_categories": list(record.data_categories),
    }
    if source.format == "generic" and record.started_at:
        data["occurred_at"] = started
    if record.affected_count is not None:
        data["affected_count"] = record.affected_count
    return data


def _open_incident(
    source: AlertSource, alert: Alert, record: AlertRecord, now: datetime
) -> Outcome:
    incident = incidents.create_incident(
        actor=None, actor_label=source.actor_label, data=_incident_input(source, record, now)
    )
    alert.incident = incident
    db.session.flush()
    if record.is_resolved:
        _note(alert, "alert.resolved", source)
    return Outcome(alert_id=alert.id, incident_ref=incident.ref, deduplicated=False)


def _update(alert: Alert, record: AlertRecord, now: datetime) -> Outcome:
    """A repeat bumps the counter; a change between firing and resolved goes on the timeline."""
    changed = alert.status != record.status
    # One UPDATE with the increment done by the database: concurrent repeats all count.
    db.session.execute(
        update(Alert)
        .where(Alert.id == alert.id)
        .values(
            repeat_count=Alert.repeat_count + 1,
            last_seen_at=now,
            status=record.status,
            ended_at=record.ended_at,
        )
        .execution_options(synchronize_session=False)
    )
    if changed:
        db.session.expire(alert, ["status", "ended_at"])
        _note(alert, "alert.resolved" if record.is_resolved else "alert.firing", alert.source)
    return Outcome(alert_id=alert.id, incident_ref=alert.incident.ref, deduplicated=True)


def _note(alert: Alert, action: str, source: AlertSource) -> None:
    audit.record(
        action,
        actor_label=source.actor_label,
        incident=alert.incident,
        object_type="alert",
        object_id=alert.id,
        after={"fingerprint": alert.fingerprint, "ended_at": iso(alert.ended_at)},
        text_=alert.title,
    )


def forget_old_deliveries(*, now: datetime | None = None) -> None:
    """Scheduled: drop webhook-ids past replay age and finished rate windows."""
    now = now or utcnow()
    db.session.execute(delete(SeenWebhookId).where(SeenWebhookId.seen_at < now - SEEN_ID_RETENTION))
    current_minute = int(now.timestamp()) // 60
    db.session.execute(delete(AlertRateWindow).where(AlertRateWindow.minute < current_minute))


# Responders' work on alerts


def recent_alerts(*, source: AlertSource | None = None, limit: int = 100) -> list[Alert]:
    """The most recently seen alerts, of one source or all."""
    query = select(Alert).order_by(Alert.last_seen_at.desc(), Alert.id.desc()).limit(limit)
    if source is not None:
        query = query.where(Alert.source_id == source.id)
    return list(db.session.scalars(query))


def alerts_of_incident(*, incident: Incident) -> list[Alert]:
    """The alerts attached to an incident, oldest first."""
    return list(
        db.session.scalars(select(Alert).where(Alert.incident_id == incident.id).order_by(Alert.id))
    )


def get_alert(*, alert_id: int) -> Alert:
    """The alert with this id, or NotFoundError."""
    alert = db.session.get(Alert, alert_id)
    if alert is None:
        raise NotFoundError(_("No alert %(id)s.", id=alert_id))
    return alert


def move_alert(*, alert: Alert, incident: Incident, actor) -> None:
    """Attach the alert to another incident; its later deliveries join that one."""
    if incident.is_closed:
        raise ConflictError(_("Incident %(ref)s is closed.", ref=incident.ref))
    if alert.incident_id == incident.id:
        return
    before = alert.incident
    alert.incident = incident
    db.session.flush()
    for side in (before, incident):
        audit.record(
            "alert.moved",
            actor=actor,
            incident=side,
            object_type="alert",
            object_id=alert.id,
            before={"incident": before.ref},
            after={"incident": incident.ref},
            text_=alert.title,
        )


def dismiss_alert(*, alert: Alert, actor) -> None:
    """Mark the alert a false positive; its incident stays for a person to close."""
    if alert.is_dismissed:
        return
    alert.is_dismissed = True
    alert.dismissed_at = utcnow()
    alert.dismissed_by = actor
    db.session.flush()
    audit.record(
        "alert.dismissed",
        actor=actor,
        incident=alert.incident,
        object_type="alert",
        object_id=alert.id,
        text_=alert.title,
    )
