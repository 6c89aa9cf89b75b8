"""Portfolio figures for the dashboard and the weekly digest, each one set-based SQL query.

Months are calendar months in LEAKTRACK_TIMEZONE (on SQLite at the zone's current offset, on
PostgreSQL exactly). A duration belongs to the month it ended in: time to contain to the month
of containment, time to notify to the month of the first notice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import BigInteger, Integer, and_, cast, func, or_, select

from leaktrack.dbutil import is_postgresql
from leaktrack.extensions import db
from leaktrack.incidents.models import Incident
from leaktrack.obligations import service as obligations
from leaktrack.obligations.models import ObligationState
from leaktrack.timeutil import utcnow
from leaktrack.vocab import SEVERITIES, STATUSES

from .service import as_utc, first_notices

OPEN_STATUSES = tuple(s for s in STATUSES if s not in ("resolved", "closed"))
MONTHS = 12
SOON = timedelta(days=7)
DEADLINE_ROWS = 8


@dataclass
class Deadline:
    ref: str
    title: str
    rule_id: str
    rule_title: str
    due_at: datetime
    status: str


@dataclass
class Portfolio:
    #: {status: {severity: n}} for incidents not resolved or closed
    open_matrix: dict[str, dict[str, int]]
    open_total: int
    #: required obligations due within 7 days, soonest first (at most DEADLINE_ROWS)
    due_soon: list[Deadline]
    due_soon_total: int
    #: required obligations whose legal deadline passed unmet, on incidents not closed
    missed: list[Deadline]
    missed_total: int
    #: "YYYY-MM" of the last 12 months, oldest first
    months: list[str]
    people_by_month: dict[str, int]
    #: {month: (median seconds, incidents)}; months without any are left out
    contain_by_month: dict[str, tuple[int, int]] = field(default_factory=dict)
    notify_by_month: dict[str, tuple[int, int]] = field(default_factory=dict)


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["LEAKTRACK_TIMEZONE"])


def last_months(now: datetime, zone: ZoneInfo, count: int = MONTHS) -> tuple[list[str], datetime]:
    """The last `count` months ("YYYY-MM", oldest first, this one last) and when the first began."""
    local = now.astimezone(zone)
    year, month = local.year, local.month
    months = []
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    months.reverse()
    first_year, first_month = (int(part) for part in months[0].split("-"))
    start = datetime(first_year, first_month, 1, tzinfo=zone).astimezone(UTC)
    return months, start


def _month(column, zone: ZoneInfo, now: datetime):
    """SQL: the "YYYY-MM" of a stored UTC time, in the zone."""
    if is_postgresql(db.session):
        return func.to_char(func.timezone(zone.key, column), "YYYY-MM")
    minutes = int(now.astimezone(zone).utcoffset().total_seconds() // 60)
    return func.strftime("%Y-%m", func.datetime(column, f"{minutes:+d} minutes"))


def _seconds(start, end):
    """SQL: whole seconds from start to end."""
    if is_postgresql(db.session):
        return cast(func.extract("epoch", end - start), BigInteger)
    return cast(func.round((func.julianday(end) - func.julianday(start)) * 86400), Integer)


def _open_matrix() -> tuple[dict[str, dict[str, int]], int]:
    rows = db.session.execute(
        select(Incident.status, Incident.severity, func.count())
        .where(Incident.status.in_(OPEN_STATUSES))
        .group_by(Incident.status, Incident.severity)
    )
    matrix = {status: dict.fromkeys(SEVERITIES, 0) for status in OPEN_STATUSES}
    total = 0
    for status, severity, n in rows:
        matrix[status][severity] = n
        total += n
    return matrix, total


def _legal_rule_ids() -> list[str]:
    return [rule.id for rule in obligations.rule_set().rules if rule.deadline.is_legal]


def _deadlines(condition, order, limit: int | None) -> tuple[list[Deadline], int]:
    base = (
        select(Incident.ref, Incident.title, ObligationState.rule_id, ObligationState.due_at)
        .join(Incident, Incident.id == ObligationState.incident_id)
        .where(Incident.status != "closed", ObligationState.is_required.is_(True), condition)
    )
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    rules = obligations.rule_set()
    rows = db.session.execute(base.order_by(order, Incident.ref).limit(limit))
    found = []
    for ref, title, rule_id, due_at in rows:
        rule = rules.get(rule_id)
        found.append(Deadline(ref, title, rule_id, rule.title if rule else rule_id, due_at, ""))
    return found, total


def deadlines(
    now: datetime, limit: int | None = DEADLINE_ROWS
) -> tuple[tuple[list[Deadline], int], tuple[list[Deadline], int]]:
    """(due in the next 7 days, missed), each as (first `limit` rows, total)."""
    pending = ObligationState.status == "pending"
    soon = _deadlines(
        and_(pending, ObligationState.due_at >= now, ObligationState.due_at < now + SOON),
        ObligationState.due_at,
        limit,
    )
    missed = _deadlines(
        or_(
            ObligationState.status == "missed",
            and_(
                pending,
                ObligationState.due_at < now,
                ObligationState.rule_id.in_(_legal_rule_ids() or [""]),
            ),
        ),
        ObligationState.due_at.desc(),
        limit,
    )
    for item in soon[0]:
        item.status = "pending"
    for item in missed[0]:
        item.status = "missed"
    return soon, missed


def _people_by_month(zone, now, start, months) -> dict[str, int]:
    when = func.coalesce(Incident.detected_at, Incident.created_at)
    month = _month(when, zone, now)
    rows = db.session.execute(
        select(month, func.sum(Incident.affected_count)).where(when >= start).group_by(month)
    )
    found = {m: int(n or 0) for m, n in rows}
    return {m: found.get(m, 0) for m in months}


def _medians(month, seconds, *conditions) -> dict[str, tuple[int, int]]:
    """{month: (median of seconds, count)} with window functions, portable to both databases."""
    durations = select(month.label("month"), seconds.label("secs")).where(*conditions).subquery()
    ranked = select(
        durations.c.month,
        durations.c.secs,
        func.row_number()
        .over(partition_by=durations.c.month, order_by=durations.c.secs)
        .label("rn"),
        func.count().over(partition_by=durations.c.month).label("n"),
    ).subquery()
    rows = db.session.execute(
        select(ranked.c.month, func.avg(ranked.c.secs), func.max(ranked.c.n))
        .where(or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2))
        .group_by(ranked.c.month)
    )
    return {m: (int(round(float(median))), int(n)) for m, median, n in rows}


def _contain_by_month(zone, now, start) -> dict[str, tuple[int, int]]:
    return _medians(
        _month(Incident.contained_at, zone, now),
        _seconds(Incident.detected_at, Incident.contained_at),
        Incident.contained_at >= start,
        Incident.detected_at.is_not(None),
    )


def _notify_by_month(zone, now, start) -> dict[str, tuple[int, int]]:
    """Median of awareness (else detection) to the first notice, by month of that notice.

    The first notices come from every source first_notices() knows (filings, and messages sent
    through leaktrack), so the medians are taken here rather than in SQL.
    """
    firsts = {
        incident_id: min(found.values())
        for incident_id, found in first_notices().items()
        if found and min(found.values()) >= start
    }
    if not firsts:
        return {}
    clocks = db.session.execute(
        select(Incident.id, func.coalesce(Incident.aware_at, Incident.detected_at)).where(
            Incident.id.in_(list(firsts))
        )
    )
    by_month: dict[str, list[float]] = {}
    for incident_id, clock in clocks:
        if clock is None:
            continue
        clock = as_utc(clock)
        notice = firsts[incident_id]
        month = notice.astimezone(zone).strftime("%Y-%m")
        by_month.setdefault(month, []).append((notice - clock).total_seconds())
    return {m: (int(round(median(v))), len(v)) for m, v in by_month.items()}


def portfolio(
    *, now: datetime | None = None, deadline_rows: int | None = DEADLINE_ROWS
) -> Portfolio:
    """Every dashboard figure, as of `now`."""
    now = now or utcnow()
    zone = _zone()
    months, start = last_months(now, zone)
    matrix, open_total = _open_matrix()
    (soon, soon_total), (missed, missed_total) = deadlines(now, deadline_rows)
    return Portfolio(
        open_matrix=matrix,
        open_total=open_total,
        due_soon=soon,
        due_soon_total=soon_total,
        missed=missed,
        missed_total=missed_total,
        months=months,
        people_by_month=_people_by_month(zone, now, start, months),
        contain_by_month=_contain_by_month(zone, now, start),
        notify_by_month=_notify_by_month(zone, now, start),
    )
