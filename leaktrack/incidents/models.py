from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from leaktrack.auth.models import User
from leaktrack.extensions import db
from leaktrack.timeutil import UTCDateTime, utcnow


class RefCounter(db.Model):
    """The last incident number handed out per year, bumped atomically."""

    __tablename__ = "ref_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int]


class Incident(db.Model):
    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_status_severity", "status", "severity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: LT-<year>-<NNNN>
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    #: Markdown
    summary: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open")
    severity: Mapped[str] = mapped_column(String(20), default="medium")
    cause: Mapped[str] = mapped_column(String(40), default="other")
    data_categories: Mapped[list] = mapped_column(JSON, default=list)
    #: the leak served an unlawful purpose (an attack, theft)
    is_malicious: Mapped[bool] = mapped_column(default=False)
    #: the leaked data was strongly encrypted and its key did not leak
    is_data_encrypted: Mapped[bool] = mapped_column(default=False)
    #: unlikely, risk or high: the assessed risk to the people affected
    risk_level: Mapped[str | None] = mapped_column(String(20))
    #: ISO 3166-1 alpha-2 codes, plus "EU"
    jurisdictions: Mapped[list] = mapped_column(JSON, default=list)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    detected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when the organisation became aware: most regulators' clocks start here
    aware_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contained_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when the registrant determined the incident material (SEC 8-K clock)
    materiality_determined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when the breach was assessed as notifiable (Singapore, Australia clocks)
    assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    affected_count: Mapped[int] = mapped_column(default=0)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def is_closed(self) -> bool:
        return self.status == "closed"

    def __repr__(self) -> str:
        return f"<Incident {self.ref}>"
