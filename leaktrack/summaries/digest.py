"""The weekly digest for executives: when it is due, the claim that sends it once a week, and
its figures (no personal data)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from flask import current_app, url_for
from sqlalchemy import case, func, select

from leaktrack.dbutil import dialect_insert
from leaktrack.extensions import db
from leaktrack.incidents.models import Incident
from leaktrack.obligations.models import ObligationState
from leaktrack.timeutil import iso
from leaktrack.vocab import SEVERITIES

from .models import DigestClaim
from .portfolio import OPEN_STATUSES, deadlines
from .service import first_notices

INCIDENT_ROWS = 20


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


def digest_values(*, now: datetime) -> dict:
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
                "severity": row.severity,
                "status": row.status,
                "affected": row.affected_count,
                "notified": "individuals" in notices.get(row.id, {}),
                "next_deadline": iso(upcoming.get(row.id)),
                "url": link("summaries.incident_summary", ref=row.ref),
            }
            for row in open_incidents[:INCIDENT_ROWS]
        ],
        "dashboard_url": link("summaries.dashboard"),
    }
