from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from leaktrack.auth.models import User
from leaktrack.extensions import db
from leaktrack.incidents.models import Incident
from leaktrack.timeutil import UTCDateTime, utcnow


class AlertSource(db.Model):
    """A monitoring system allowed to post alerts to /api/v1/alerts/<name>."""

    __tablename__ = "alert_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the last part of the webhook URL
    name: Mapped[str] = mapped_column(String(64), unique=True)
    #: alertmanager or generic
    format: Mapped[str] = mapped_column(String(20))
    #: hmac (Standard Webhooks) or bearer
    auth: Mapped[str] = mapped_column(String(20))
    #: bearer: SHA-256 of the secret; hmac: the whsec_ secret sealed with the instance data key
    secret: Mapped[str] = mapped_column(String(255))
    #: the secret before the last rotation, stored the same way; accepted until it expires
    previous_secret: Mapped[str | None] = mapped_column(String(255))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: for alerts that carry no severity of their own
    default_severity: Mapped[str] = mapped_column(String(20), default="medium")
    default_cause: Mapped[str] = mapped_column(String(40), default="other")
    #: deliveries accepted per minute; 0 means no limit
    rate_limit_per_minute: Mapped[int] = mapped_column(default=60)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def actor_label(self) -> str:
        """How this source appears as the actor of audit events."""
        return f"source:{self.name}"

    def __repr__(self) -> str:
        return f"<AlertSource {self.name} {self.format}/{self.auth}>"


class Alert(db.Model):
    """One alert (by fingerprint) of a source, attached to the incident it opened or joined."""

    __tablename__ = "alerts"
    __table_args__ = (
        # Two workers receiving the same new fingerprint at once: only one insert can win.
        UniqueConstraint("source_id", "open_fingerprint", name="uq_alerts_source_open_fingerprint"),
        Index("ix_alerts_source_fingerprint", "source_id", "fingerprint"),
        Index("ix_alerts_last_seen_at", "last_seen_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("alert_sources.id"))
    #: Alertmanager's fingerprint or the generic id
    fingerprint: Mapped[str] = mapped_column(String(200))
    #: the fingerprint while its incident is not closed (new deliveries join it); NULL after
    open_fingerprint: Mapped[str | None] = mapped_column(String(200))
    #: firing or resolved, as last reported
    status: Mapped[str] = mapped_column(String(20), default="firing")
    title: Mapped[str] = mapped_column(String(200))
    #: the alert's own severity (contract vocabulary), if it had one
    severity: Mapped[str | None] = mapped_column(String(20))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: deliveries of this alert after the first
    repeat_count: Mapped[int] = mapped_column(default=0)
    #: the alert as received (JSON text, cut at 64 KiB)
    raw: Mapped[str] = mapped_column(Text, default="")
    #: a responder judged it a false positive
    is_dismissed: Mapped[bool] = mapped_column(default=False)
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dismissed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    source: Mapped[AlertSource] = relationship()
    incident: Mapped[Incident | None] = relationship()
    dismissed_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Alert {self.id} {self.fingerprint} {self.status}>"


class SeenWebhookId(db.Model):
    """A `webhook-id` already accepted from a source, so a replay of it is refused."""

    __tablename__ = "seen_webhook_ids"

    source_id: Mapped[int] = mapped_column(ForeignKey("alert_sources.id"), primary_key=True)
    webhook_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class AlertRateWindow(db.Model):
    """How many deliveries a source made in one clock minute (fixed-window rate limit)."""

    __tablename__ = "alert_rate_windows"

    source_id: Mapped[int] = mapped_column(ForeignKey("alert_sources.id"), primary_key=True)
    #: the minute, as whole minutes since the epoch
    minute: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(default=0)
