from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from leaktrack.extensions import db
from leaktrack.timeutil import UTCDateTime, utcnow


class AuditEvent(db.Model):
    """One recorded change. Rows are only ever added; `hash` chains each to the one before."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_incident_at", "incident_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: position in the chain, 1, 2, 3 … with no gaps
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: who acted, as shown: a user's e-mail, "system", or "source:<name>" for a webhook
    actor_label: Mapped[str] = mapped_column(String(254))
    #: dotted verb, e.g. "incident.created", "incident.status_changed", "note.added"
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    #: free text, e.g. a timeline note in Markdown
    text: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
