"""Playbooks' records: the versions that runs follow, runs on incidents, and their items."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from leaktrack.auth.models import User
from leaktrack.extensions import db
from leaktrack.incidents.models import Incident
from leaktrack.timeutil import UTCDateTime, utcnow


class PlaybookVersion(db.Model):
    """A playbook file as it was when a run first used this version; never changed afterwards."""

    __tablename__ = "playbook_versions"
    __table_args__ = (UniqueConstraint("slug", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    #: sha256 of the file (line endings and trailing spaces ignored): a change needs a new version
    content_hash: Mapped[str] = mapped_column(String(64))
    #: title, summary, introduction and phase guidance, as the file had them
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlaybookRun(db.Model):
    """One playbook version being worked through on one incident."""

    __tablename__ = "playbook_runs"
    #: one run of a playbook per incident, even when two people start it at once
    __table_args__ = (UniqueConstraint("incident_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("playbook_versions.id"))
    slug: Mapped[str] = mapped_column(String(64))
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    incident: Mapped[Incident] = relationship()
    version: Mapped[PlaybookVersion] = relationship(lazy="joined")
    started_by: Mapped[User | None] = relationship()
    items: Mapped[list["RunItem"]] = relationship(
        back_populates="run", order_by="RunItem.position", cascade="all, delete-orphan"
    )


class RunItem(db.Model):
    """A checklist line of a run: copied from the playbook, or added by hand for this incident."""

    __tablename__ = "playbook_run_items"
    __table_args__ = (Index("ix_playbook_run_items_run_id_position", "run_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("playbook_runs.id"))
    position: Mapped[int]
    phase: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    #: the team function the playbook names (legal, communications, ...), if any
    role: Mapped[str | None] = mapped_column(String(40))
    #: minutes after the incident's aware_at; due_at follows it when aware_at is corrected
    due_offset_minutes: Mapped[int | None]
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    is_done: Mapped[bool] = mapped_column(default=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: the last tick or untick note
    note: Mapped[str] = mapped_column(Text, default="")
    evidence_url: Mapped[str | None] = mapped_column(String(2000))
    is_not_applicable: Mapped[bool] = mapped_column(default=False)
    not_applicable_reason: Mapped[str] = mapped_column(Text, default="")
    #: added to this run by hand rather than copied from the playbook
    is_added_by_hand: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    run: Mapped[PlaybookRun] = relationship(back_populates="items")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])
