from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from leaktrack.auth.models import User
from leaktrack.extensions import db
from leaktrack.incidents.models import Incident
from leaktrack.timeutil import UTCDateTime, utcnow


class Stakeholder(db.Model):
    """A person whose data the organisation holds; contact data only ever stored sealed."""

    __tablename__ = "stakeholders"
    __table_args__ = (
        UniqueConstraint("kind", "external_ref", name="uq_stakeholders_kind_external_ref"),
        Index("ix_stakeholders_email_index", "email_index"),
        Index("ix_stakeholders_phone_index", "phone_index"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: contract vocabulary: customer, vendor, employee, ...
    kind: Mapped[str] = mapped_column(String(20))
    #: the id in the source system; NULL once erased (the ref_hash stays)
    external_ref: Mapped[str | None] = mapped_column(String(200))
    #: keyed HMAC of kind and external_ref, kept after erasure so figures stay explainable
    ref_hash: Mapped[str] = mapped_column(String(64))
    #: id of the data key that sealed `pii` (see stakeholders/crypto.py)
    key_id: Mapped[str | None] = mapped_column(String(32))
    #: AES-256-GCM nonce + ciphertext of name, e-mail, phone and address
    pii: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: keyed digest of the sealed plaintext: an unchanged re-import writes nothing
    pii_digest: Mapped[str | None] = mapped_column(String(32))
    #: blind indexes: keyed HMAC of the normalised e-mail and phone, for exact look-up
    email_index: Mapped[str | None] = mapped_column(String(32))
    phone_index: Mapped[str | None] = mapped_column(String(32))
    #: ISO 3166-1 alpha-2
    country: Mapped[str] = mapped_column(String(2))
    #: ISO 3166-2, e.g. JP-13, US-CA
    region: Mapped[str | None] = mapped_column(String(6))
    #: ja or en
    language: Mapped[str] = mapped_column(String(2))
    #: when the contact data was erased (on request, or at the end of retention)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Stakeholder {self.kind}:{self.external_ref}>"


class IncidentStakeholder(db.Model):
    """A person affected by an incident, with the data categories exposed for them."""

    __tablename__ = "incident_stakeholders"
    __table_args__ = (
        Index("ix_incident_stakeholders_stakeholder_id", "stakeholder_id"),
        Index("ix_incident_stakeholders_incident_unlinked", "incident_id", "unlinked_at"),
    )

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    stakeholder_id: Mapped[int] = mapped_column(ForeignKey("stakeholders.id"), primary_key=True)
    #: exposed data categories as bits, in the order of vocab.DATA_CATEGORIES (bit 0 = name);
    #: read and filter them with stakeholders.categories
    category_bits: Mapped[int] = mapped_column(Integer, default=0)
    #: import, list, search or api
    linked_via: Mapped[str] = mapped_column(String(20), default="list")
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: set when unlinked: the link stays, with why, and no longer counts
    unlinked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unlinked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    unlink_reason: Mapped[str | None] = mapped_column(Text)

    stakeholder: Mapped[Stakeholder] = relationship()
    incident: Mapped[Incident] = relationship()
    linked_by: Mapped[User | None] = relationship(foreign_keys=[linked_by_id])


class AffectedEstimate(db.Model):
    """People affected by an incident but not yet identified (counted apart from the links)."""

    __tablename__ = "affected_estimates"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    estimated_unidentified: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class StakeholderImport(db.Model):
    """An import uploaded from a page, run by the scheduler, polled by the page."""

    __tablename__ = "stakeholder_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255))
    #: auto, utf-8 or cp932
    encoding: Mapped[str] = mapped_column(String(10), default="auto")
    #: source header -> field, for files whose headers are not ours
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    categories: Mapped[list] = mapped_column(JSON, default=list)
    #: queued, running, done or failed
    status: Mapped[str] = mapped_column(String(20), default="queued")
    #: the upload, sealed with the data key; deleted once imported
    key_id: Mapped[str | None] = mapped_column(String(32))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: {read, inserted, updated, unchanged, linked, invalid}
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    #: "line,reason" CSV of the invalid rows (no personal data)
    errors_csv: Mapped[str] = mapped_column(Text, default="")
    message: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    incident: Mapped[Incident | None] = relationship()
