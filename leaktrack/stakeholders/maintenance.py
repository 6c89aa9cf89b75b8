"""Retention purges and data-key rotation: set-based, one transaction, one audit event each."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update

from leaktrack.alerts import service as alerts
from leaktrack.audit import service as audit
from leaktrack.extensions import db
from leaktrack.incidents.models import Incident
from leaktrack.timeutil import iso, utcnow

from . import crypto
from .models import IncidentStakeholder, Stakeholder, StakeholderImport
from .service import _erase

ROTATE_BATCH = 2000


def _expired_people(cutoff):
    """People linked to incidents, every one of them closed before the cutoff."""
    still_needed = (
        select(IncidentStakeholder.stakeholder_id)
        .join(Incident, Incident.id == IncidentStakeholder.incident_id)
        .where(db.or_(Incident.closed_at.is_(None), Incident.closed_at > cutoff))
    )
    return db.and_(
        Stakeholder.erased_at.is_(None),
        Stakeholder.id.in_(select(IncidentStakeholder.stakeholder_id)),
        Stakeholder.id.not_in(still_needed),
    )


def purge_expired(*, dry_run: bool = False, now=None, actor_label: str = "system") -> int:
    """Erase the contact data of people whose incidents all ended their retention period."""
    days = current_app.config["LEAKTRACK_RETENTION_DAYS"]
    cutoff = (now or utcnow()) - timedelta(days=days)
    condition = _expired_people(cutoff)
    count = db.session.scalar(select(func.count()).select_from(Stakeholder).where(condition))
    if dry_run:
        return count
    if count:
        _erase(update(Stakeholder).where(condition).execution_options(synchronize_session=False))
    audit.record(
        "retention.purged",
        actor_label=actor_label,
        object_type="stakeholder",
        after={"erased": count, "retention_days": days, "closed_before": iso(cutoff)},
    )
    return count


def scheduled_purge() -> None:
    """The daily job: purge what retention allows."""
    purge_expired(actor_label="scheduler")


def _reseal(row, ring: crypto.KeyRing) -> dict:
    old, new = ring.get(row.key_id), ring.current
    aad = crypto.associated_data(row.kind, row.external_ref)
    values = crypto.open_sealed(old, row.pii, aad)
    return {
        "row_id": row.id,
        "key_id": new.key_id,
        "pii": crypto.seal(new, values, aad),
        "pii_digest": crypto.pii_digest(new, values),
        "email_index": crypto.email_index(new, values[1]),
        "phone_index": crypto.phone_index(new, values[2]),
        "ref_hash": crypto.ref_hash(new, row.kind, row.external_ref),
    }


def rotate_key(*, actor_label: str = "cli") -> int:
    """Re-seal every value still under a retired key with the current one; how many."""
    ring = crypto.key_ring()
    table = Stakeholder.__table__
    stale = (
        select(table.c.id, table.c.kind, table.c.external_ref, table.c.key_id, table.c.pii)
        .where(table.c.pii.is_not(None), table.c.key_id != ring.current.key_id)
        .order_by(table.c.id)
        .limit(ROTATE_BATCH)
    )
    statement = (
        update(table)
        .where(table.c.id == db.bindparam("row_id"))
        .values({name: db.bindparam(name) for name in (
            "key_id", "pii", "pii_digest", "email_index", "phone_index", "ref_hash")})
    )  # fmt: skip
    done = 0
    while rows := db.session.execute(stale).all():
        db.session.execute(statement, [_reseal(row, ring) for row in rows])
        done += len(rows)
    done += _reseal_uploads(ring)
    done += alerts.reseal_source_secrets()
    audit.record(
        "stakeholders.key_rotated",
        actor_label=actor_label,
        object_type="data_key",
        object_id=ring.current.key_id,
        after={"resealed": done},
    )
    return done


def _reseal_uploads(ring: crypto.KeyRing) -> int:
    uploads = db.session.scalars(
        select(StakeholderImport).where(
            StakeholderImport.content.is_not(None),
            StakeholderImport.key_id != ring.current.key_id,
        )
    ).all()
    for upload in uploads:
        content = open_upload(upload, ring)
        seal_upload(upload, content, ring.current)
    return len(uploads)


def _upload_aad(upload: StakeholderImport) -> bytes:
    return f"upload\x1f{upload.id}".encode()


def seal_upload(upload: StakeholderImport, content: bytes, key: crypto.DataKey) -> None:
    """Keep an uploaded file sealed until its import has run."""
    import os

    nonce = os.urandom(12)
    upload.key_id = key.key_id
    upload.content = nonce + key.cipher.encrypt(nonce, content, _upload_aad(upload))


def open_upload(upload: StakeholderImport, ring: crypto.KeyRing | None = None) -> bytes:
    """The uploaded file back."""
    key = (ring or crypto.key_ring()).get(upload.key_id)
    blob = upload.content
    return key.cipher.decrypt(blob[:12], blob[12:], _upload_aad(upload))
