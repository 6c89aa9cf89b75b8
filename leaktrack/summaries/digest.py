"""The weekly digest for executives: when it is due, the claim that sends it once a week, and
its figures (no personal data)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from flask import current_app, url_for
from flask_babel import force_locale
from sqlalchemy import case, func, select

from leaktrack.audit import service as audit
from leaktrack.auth.models import User
from leaktrack.dbutil import dialect_insert
from leaktrack.extensions import db
from leaktrack.incidents.models import Incident
from leaktrack.notifications import service as messages
from leaktrack.obligations.models import ObligationState
from leaktrack.timeutil import utcnow
from leaktrack.vocab import SEVERITIES, vocab_label

from .models import DigestClaim
from .portfolio import OPEN_STATUSES, deadlines
from .service import first_notices

INCIDENT_ROWS = 20
DIGEST_TEMPLATE = "internal-weekly-digest"


def week_key(moment: datetime, zone: ZoneInfo) -> str:
    """The ISO week of a moment in the zone, e.g. "2026-W49"."""
    year, week, _ = moment.astimezone(zone).isocalendar()
    return f"{year}-W{week:02d}"


def due_week(*, now: datetime, cron: str, zone: ZoneInfo) -> str | None:
    """The ISO week whose digest is due at `now`: the cron's first time this week has come."""
    local = now.astimezone(zone)
    monday = (local - timedelta(days=local.weekday())).date()
    week_start = datetime(monday.year, monday.month, monday.day, tzinfo=zone)
    first = CronTrigger.from_crontab(cron, timezone=zone).get_next_fire_time(None, week_start)
    if first is None or first > now or first >= week_start + timedelta(days=7):
        return None
    return week_key(now, zone)


def claim_week(*, week: str, recipients: int, now: datetime) -> bool:
    """Insert the week's claim; False when another scheduler already has it (the key decides)."""
    table = DigestClaim.__table__
    statement = (
        dialect_insert(db.session, table)
        .values(week=week, claimed_at=now, recipients=recipients)
        .on_conflict_do_nothing(index_elements=["week"])
        .returning(table.c.week)
    )
    return db.session.execute(statement).scalar_one_or_none() is not None


def _messages_out(incident_id: int) -> int:
    """Messages of the incident's notifications that went out (sent or delivered)."""
    counts = messages.delivery_counts(incident_id)
    return counts.get("sent", 0) + counts.get("delivered", 0)


def _local_time(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})" if moment else None


def _label(vocab: str, value: str, language: str) -> str:
    with force_locale(language):
        return vocab_label(vocab, value)


def _local_date(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).date().isoformat()


def _next_deadlines(now: datetime) -> dict[int, datetime]:
    rows = db.session.execute(
        select(ObligationState.incident_id, func.min(ObligationState.due_at))
        .where(
            ObligationState.is_required.is_(True),
            ObligationState.status == "pending",
            ObligationState.due_at >= now,
        )
        .group_by(ObligationState.incident_id)
    )
    column = ObligationState.due_at.type
    return {incident_id: column.process_result_value(at, None) for incident_id, at in rows}


def link(endpoint: str, **values) -> str:
    """An absolute link into the app, on LEAKTRACK_BASE_URL (scheduled jobs have no request)."""
    with current_app.test_request_context(base_url=current_app.config["LEAKTRACK_BASE_URL"]):
        return url_for(endpoint, _external=True, **values)


def digest_values(*, now: datetime, language: str = "en") -> dict:
    """The digest template's values: period, totals, open incidents (figures and links only)."""
    zone = ZoneInfo(current_app.config["LEAKTRACK_TIMEZONE"])
    start = now - timedelta(days=7)
    severity_rank = case({s: n for n, s in enumerate(SEVERITIES)}, value=Incident.severity)
    open_incidents = db.session.execute(
        select(
            Incident.id,
            Incident.ref,
            Incident.title,
            Incident.severity,
            Incident.status,
            Incident.affected_count,
        )  # fmt: skip
        .where(Incident.status.in_(OPEN_STATUSES))
        .order_by(severity_rank.desc(), Incident.ref)
    ).all()
    new = db.session.scalar(
        select(func.count()).select_from(Incident).where(Incident.created_at >= start)
    )
    notices = first_notices()
    affected = dict(db.session.execute(select(Incident.id, Incident.affected_count)).all())
    notified = sum(
        affected.get(incident_id, 0)
        for incident_id, first in notices.items()
        if (at := first.get("individuals")) and start <= at <= now
    )
    (_soon, _soon_total), (_missed, missed_total) = deadlines(now, limit=0)
    upcoming = _next_deadlines(now)
    return {
        "period": {"start": _local_date(start, zone), "end": _local_date(now, zone)},
        "totals": {
            "open": len(open_incidents),
            "new": new,
            "notified": notified,
            "overdue": missed_total,
        },
        "incidents": [
            {
                "ref": row.ref,
                "title": row.title,
                "severity": _label("severity", row.severity, language),
                "status": _label("status", row.status, language),
                "affected": row.affected_count,
                "notified": _messages_out(row.id),
                "next_deadline": _local_time(upcoming.get(row.id), zone),
                "url": link("summaries.incident_summary", ref=row.ref),
            }
            for row in open_incidents[:INCIDENT_ROWS]
        ],
        "dashboard_url": link("summaries.dashboard"),
    }


def _executives() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == "executive", User.is_enabled.is_(True))
            .order_by(User.id)
        )
    )


def send_weekly_digest(now: datetime | None = None) -> int:
    """Queue this week's digest for every executive once it is due; how many it went to.

    Run by the scheduler every few minutes: the week's claim row makes it go once, however
    many schedulers run and whenever the first of them gets to it after the cron's time.
    """
    now = now or utcnow()
    config = current_app.config
    zone = ZoneInfo(config["LEAKTRACK_TIMEZONE"])
    week = due_week(now=now, cron=config["LEAKTRACK_DIGEST_CRON"], zone=zone)
    executives = _executives() if week else []
    if not executives or not claim_week(week=week, recipients=len(executives), now=now):
        return 0
    by_language: dict[str, list[User]] = {}
    for user in executives:
        by_language.setdefault("ja" if user.language == "ja" else "en", []).append(user)
    for language, users in sorted(by_language.items()):
        messages.queue_internal(
            template_id=DIGEST_TEMPLATE,
            values=digest_values(now=now, language=language),
            recipients=users,
            language=language,
        )
    audit.record(
        "digest.queued",
        object_type="digest",
        object_id=week,
        after={"recipients": len(executives), "languages": sorted(by_language)},
    )
    return len(executives)
