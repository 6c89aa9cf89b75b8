"""The incident summary: every figure computed in SQL, no personal data anywhere in it."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from leaktrack.audit.models import AuditEvent
from leaktrack.auth.models import User
from leaktrack.extensions import db
from leaktrack.incidents.models import Incident
from leaktrack.incidents.validation import TIME_FIELDS
from leaktrack.notifications import service as notices
from leaktrack.obligations import engine
from leaktrack.obligations import service as obligations
from leaktrack.obligations.models import Filing
from leaktrack.playbooks import service as playbooks
from leaktrack.rendering import render_markdown
from leaktrack.timeutil import iso, utcnow

from . import people
from .sections import compute_sections

TIMELINE_LENGTH = 10
#: audit actions whose free text is safe to show (notes and alert titles); other texts, such as
#: a reason for unlinking a person, may name people and are left out
TEXT_ACTIONS = frozenset(
    {"note.added", "alert.firing", "alert.resolved", "alert.moved", "alert.dismissed"}
)
#: obligation audiences whose first filing counts as a notice, and the duration it ends
NOTICE_AUDIENCES = {"individuals": "to_first_notice", "regulator": "to_regulator_report"}
#: notice audience -> the notifications audience of messages that count as that notice
MESSAGE_AUDIENCES = {"individuals": "affected", "regulator": "regulator"}


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    return int((end - start).total_seconds()) if start and end else None


def _rules_by_audience() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {audience: [] for audience in NOTICE_AUDIENCES}
    for rule in obligations.rule_set().rules:
        if rule.audience in found:
            found[rule.audience].append(rule.id)
    return found


def first_notices(*, incident_ids: list[int] | None = None) -> dict[int, dict[str, datetime]]:
    """The first notice to individuals and to a regulator, per incident: {id: {audience: at}}:
    the earlier of a recorded filing and a message sent through leaktrack."""
    found: dict[int, dict[str, datetime]] = {}
    for audience, rule_ids in _rules_by_audience().items():
        if not rule_ids:
            continue
        query = (
            select(Filing.incident_id, func.min(Filing.filed_at))
            .where(Filing.rule_id.in_(rule_ids))
            .group_by(Filing.incident_id)
        )
        if incident_ids is not None:
            query = query.where(Filing.incident_id.in_(incident_ids))
        for incident_id, at in db.session.execute(query):
            found.setdefault(incident_id, {})[audience] = as_utc(at)
    for audience, sent in _first_sent(incident_ids).items():
        for incident_id, at in sent.items():
            known = found.setdefault(incident_id, {}).get(audience)
            found[incident_id][audience] = min(known, at) if known else at
    return found


def _first_sent(incident_ids: list[int] | None) -> dict[str, dict[int, datetime]]:
    """The first message sent through leaktrack to each notice audience, per incident."""
    found = {}
    for audience, message_audience in MESSAGE_AUDIENCES.items():
        if incident_ids is not None and len(incident_ids) == 1:
            at = notices.first_sent_at(incident_ids[0], message_audience)
            found[audience] = {incident_ids[0]: at} if at else {}
        else:
            sent = notices.first_sent_by_incident(message_audience)
            wanted = None if incident_ids is None else set(incident_ids)
            found[audience] = {i: at for i, at in sent.items() if wanted is None or i in wanted}
    return found


def as_utc(value):
    """An aware UTC datetime from what an aggregate gives back (a string on SQLite at worst)."""
    if value is None or isinstance(value, datetime) and value.tzinfo is UTC:
        return value
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def clock_start(incident: Incident) -> datetime | None:
    """When the notification clocks start: awareness, else detection."""
    return incident.aware_at or incident.detected_at


def durations(incident: Incident, notices: dict[str, datetime]) -> dict[str, int | None]:
    """Seconds from occurrence to detection, detection to containment, awareness to notices."""
    start = clock_start(incident)
    return {
        "to_detect": _seconds(incident.occurred_at, incident.detected_at),
        "to_contain": _seconds(incident.detected_at, incident.contained_at),
        **{
            key: _seconds(start, notices.get(audience))
            for audience, key in NOTICE_AUDIENCES.items()
        },
    }


def affected_section(incident: Incident) -> dict:
    """Affected people by kind, data category and country: counts only."""
    return people.figures(incident).affected_json()


def compute_obligations(incident: Incident) -> list[engine.Obligation]:
    """What obligations.service.compute gives, with the people counted in the summary's pass."""
    found = people.figures(incident)
    counts = (
        engine.AffectedCounts(by_country=found.by_country, by_region=found.by_region)
        if found.by_country
        else engine.AffectedCounts()
    )
    return engine.compute_obligations(
        facts=obligations.incident_facts(incident),
        counts=counts,
        filings=[engine.Filing(f.rule_id, f.filed_at) for f in obligations.filings_of(incident)],
        overrides=[
            engine.Override(o.rule_id, o.is_required, o.rationale, o.decided_by)
            for o in obligations.overrides_of(incident).values()
        ],
        rules=obligations.rule_set(),
        now=utcnow(),
        gettext=_,
    )


def obligations_section(incident: Incident) -> list[dict]:
    """The incident's obligations with due time and status (pending, met, missed, ...)."""
    return [obligations.obligation_json(o) for o in compute_obligations(incident)]


def notifications_section(incident: Incident) -> dict[str, int]:
    """Deliveries of the incident's notifications per status."""
    return notices.delivery_counts(incident.id)


def playbooks_section(incident: Incident) -> list[dict]:
    """Each playbook run: slug, title, version, done and total."""
    return playbooks.run_progress(incident.id)


def _actor(label: str, role: str | None) -> str:
    """Who acted, without naming them: a user's role, "system" or "source:<name>"."""
    if role:
        return role
    if label.startswith("source:") or label == "system":
        return label
    return "user" if "@" in label else "system"


def timeline_section(incident: Incident) -> list[dict]:
    """The last ten events, newest first, without personal data."""
    rows = db.session.execute(
        select(AuditEvent.at, AuditEvent.actor_label, User.role, AuditEvent.action, AuditEvent.text)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.incident_id == incident.id)
        .order_by(AuditEvent.seq.desc())
        .limit(TIMELINE_LENGTH)
    )
    return [
        {
            "at": iso(row.at),
            "actor": _actor(row.actor_label, row.role),
            "action": row.action,
            "text": row.text if row.action in TEXT_ACTIONS else None,
        }
        for row in rows
    ]


def incident_summary(*, incident: Incident) -> dict:
    """The contract's Summary JSON."""
    notices = first_notices(incident_ids=[incident.id]).get(incident.id, {})
    return {
        "ref": incident.ref,
        "title": incident.title,
        "severity": incident.severity,
        "status": incident.status,
        "narrative_html": render_markdown(incident.summary),
        "times": {name: iso(getattr(incident, name)) for name in TIME_FIELDS},
        "durations": durations(incident, notices),
        **compute_sections(incident),
    }
