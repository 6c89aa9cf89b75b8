"""Notifications and their outbox: one delivery row per recipient, claimed by schedulers."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from leaktrack.auth.models import User
from leaktrack.extensions import db
from leaktrack.incidents.models import Incident
from leaktrack.timeutil import UTCDateTime, utcnow

#: every status a delivery can have, in the order pages show them
DELIVERY_STATUSES = (
    "scheduled",
    "sending",
    "sent",
    "delivered",
    "bounced",
    "dropped",
    "failed",
    "cancelled",
    "uncertain",
)
#: statuses that have not gone out (cancel and retry act on these)
PENDING = ("scheduled",)
#: statuses that mean SendGrid accepted the message (a filing counts from these)
GONE_OUT = ("sent", "delivered", "bounced", "dropped", "uncertain")


class Notification(db.Model):
    """A message to a group of recipients: customers, a regulator, or internal users."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    #: affected, regulator or internal (the contract's words)
    audience: Mapped[str] = mapped_column(String(20))
    template_id: Mapped[str] = mapped_column(String(100))
    #: auto (each person's preferred language), ja or en
    language: Mapped[str] = mapped_column(String(8))
    #: {"kinds": [...], "data_categories": [...]} narrowing the affected people
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    #: the sender's field values and, for internal messages, the template's values
    values: Mapped[dict] = mapped_column(JSON, default=dict)
    #: obligation rule a regulator report files for (from the template)
    rule_id: Mapped[str | None] = mapped_column(String(64))
    recipient_count: Mapped[int] = mapped_column(default=0)
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    incident: Mapped[Incident | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])


class Delivery(db.Model):
    """One recipient of a notification, moving scheduled → sending → sent → delivered …"""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        Index("ix_notification_deliveries_claim", "status", "due_at", "id"),
        Index("ix_notification_deliveries_notification", "notification_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"))
    #: the affected person (address unsealed at send time, never copied here)
    stakeholder_id: Mapped[int | None] = mapped_column(ForeignKey("stakeholders.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: regulator and internal recipients' address
    email: Mapped[str | None] = mapped_column(String(254))
    #: ja or en: the template language this recipient gets
    language: Mapped[str] = mapped_column(String(2))
    #: see DELIVERY_STATUSES
    status: Mapped[str] = mapped_column(String(12), default="scheduled")
    #: not sent before this time (retries push it later)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: a claim: the scheduler holding it, and until when (expired leases are reclaimed)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: set just before the request goes out, cleared when SendGrid surely did not take it:
    #: an expired lease with this set means "maybe accepted" (uncertain)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    #: SendGrid's X-Message-Id of the request that carried it
    message_id: Mapped[str | None] = mapped_column(String(100))
    #: why it failed, bounced or was dropped
    reason: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the time of the last event from SendGrid
    event_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    notification: Mapped[Notification] = relationship()


class SentMessage(db.Model):
    """The content of one request as it went out (tags in place of recipients' values)."""

    __tablename__ = "notification_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), index=True)
    language: Mapped[str] = mapped_column(String(2))
    subject: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    #: capture or sendgrid
    transport: Mapped[str] = mapped_column(String(20))
    message_id: Mapped[str | None] = mapped_column(String(100))
    recipients: Mapped[int] = mapped_column(default=0)
    first_delivery_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeliveryEvent(db.Model):
    """An event SendGrid posted; the unique sg_event_id makes a repeated post harmless."""

    __tablename__ = "notification_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    sg_event_id: Mapped[str] = mapped_column(String(100), unique=True)
    delivery_id: Mapped[int | None] = mapped_column(index=True)
    event: Mapped[str] = mapped_column(String(30))
    #: bounce or drop reason, deferral response (no addresses)
    detail: Mapped[str | None] = mapped_column(String(500))
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
