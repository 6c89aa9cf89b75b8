"""Summaries' one record: which weekly digests went out."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from leaktrack.extensions import db
from leaktrack.timeutil import UTCDateTime, utcnow


class DigestClaim(db.Model):
    """The weekly digest of one ISO week. Its primary key is the claim: one digest a week,
    however many schedulers run."""

    __tablename__ = "digest_claims"

    #: ISO week in LEAKTRACK_TIMEZONE, e.g. "2026-W49"
    week: Mapped[str] = mapped_column(String(10), primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: how many executives it was queued for
    recipients: Mapped[int] = mapped_column(default=0)
