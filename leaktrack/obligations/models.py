"""Obligations' records: counsel's decisions, filings, reminders sent, last computed states."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from leaktrack.auth.models import User
from leaktrack.extensions import db
from leaktrack.incidents.models import Incident
from leaktrack.timeutil import UTCDateTime, utcnow


class ObligationOverride(db.Model):
    """Counsel's decision that an obligation is, or is not, required. The latest one counts."""

    __tablename__ = "obligation_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    rule_id: Mapped[str] = mapped_column(String(64))
    is_required: Mapped[bool]
    rationale: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: the name counsel signs the decision with
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    incident: Mapped[Incident] = relationship()
    decided_by_user: Mapped[User | None] = relationship()


class Filing(db.Model):
    """A notification made to meet an obligation: sent through leaktrack or filed elsewhere."""

    __tablename__ = "obligation_filings"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    rule_id: Mapped[str] = mapped_column(String(64))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: the regulator's reference or receipt number
    reference: Mapped[str] = mapped_column(String(200), default="")
    #: the exact text filed
    text: Mapped[str] = mapped_column(Text, default="")
    #: "notification" (sent through leaktrack) or "external" (a regulator's web form, ...)
    via: Mapped[str] = mapped_column(String(20), default="external")
    #: the notification that carried it, when sent through leaktrack
    notification_id: Mapped[int | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recorded_by: Mapped[User | None] = relationship()


class ReminderSent(db.Model):
    """One deadline reminder. Its unique key is the claim that makes each reminder go once."""

    __tablename__ = "obligation_reminders"
    __table_args__ = (UniqueConstraint("incident_id", "obligation_key", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    #: rule id and due time: a new due time is a new deadline with its own reminders
    obligation_key: Mapped[str] = mapped_column(String(120))
    #: 24h, 4h or passed
    kind: Mapped[str] = mapped_column(String(10))
    rule_id: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recipients: Mapped[list] = mapped_column(JSON, default=list)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ObligationState(db.Model):
    """The last computed state of an obligation, so a recomputation that changes it is audited."""

    __tablename__ = "obligation_states"
    __table_args__ = (UniqueConstraint("incident_id", "rule_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    rule_id: Mapped[str] = mapped_column(String(64))
    is_required: Mapped[bool]
    status: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
