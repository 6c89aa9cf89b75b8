"""Incidents: create, update, move through the workflow, add notes, find."""

from blinker import Namespace
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from leaktrack.audit import service as audit
from leaktrack.dbutil import dialect_insert
from leaktrack.errors import ConflictError, NotFoundError, ValidationError
from leaktrack.extensions import db
from leaktrack.timeutil import iso, utcnow
from leaktrack.vocab import STATUSES

from .models import Incident, RefCounter
from .validation import MODEL_NAMES, TIME_FIELDS, clean_incident_input

_signals = Namespace()
#: sent after an update changed facts; receivers get `incident` and `changed` (field names)
facts_changed = _signals.signal("incident-facts-changed")

NOTE_MAX = 20_000
REOPEN_TO = ("open", "investigating", "contained", "notifying")
FACT_FIELDS = (
    "title",
    "summary",
    "severity",
    "cause",
    "data_categories",
    "malicious",
    "data_encrypted",
    "risk_level",
    "jurisdictions",
    *TIME_FIELDS,
    "affected_count",
)


def _get(incident: Incident, name: str):
    return getattr(incident, MODEL_NAMES.get(name, name))


def facts(incident: Incident) -> dict:
    """The incident's editable facts under their API names."""
    return {name: _get(incident, name) for name in FACT_FIELDS}


def _for_audit(values: dict) -> dict:
    return {k: iso(v) if hasattr(v, "isoformat") else v for k, v in values.items()}


def next_ref(*, year: int) -> str:
    """Hand out the next LT-<year>-<NNNN>, atomically even with concurrent writers."""
    table = RefCounter.__table__
    stmt = dialect_insert(db.session, table).values(year=year, last=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.year], set_={"last": table.c.last + 1}
    ).returning(table.c.last)
    number = db.session.execute(stmt).scalar_one()
    return f"LT-{year}-{number:04d}"


def create_incident(*, actor, data: dict, actor_label: str | None = None) -> Incident:
    """Record a new incident; it starts open."""
    now = utcnow()
    clean = clean_incident_input(data, now=now)
    if clean.pop("status", "open") != "open":
        raise ValidationError(
            {"status": _("A new incident starts open; change its status afterwards.")}
        )
    incident = Incident(
        ref=next_ref(year=now.year),
        owner=actor,
        created_by=actor,
        **{MODEL_NAMES.get(k, k): v for k, v in clean.items()},
    )
    db.session.add(incident)
    db.session.flush()
    audit.record(
        "incident.created",
        actor=actor,
        actor_label=actor_label,
        incident=incident,
        object_type="incident",
        object_id=incident.ref,
        after=_for_audit(facts(incident)),
    )
    return incident


def update_incident(*, incident: Incident, actor, data: dict) -> Incident:
    """Change facts (and, when given, the status) of an incident."""
    if incident.is_closed:
        raise ConflictError(_("This incident is closed; it can no longer be changed."))
    current = facts(incident)
    clean = clean_incident_input(data, current=current, now=utcnow())
    status = clean.pop("status", None)
    changed = {name: value for name, value in clean.items() if current[name] != value}
    if changed:
        for name, value in changed.items():
            setattr(incident, MODEL_NAMES.get(name, name), value)
        db.session.flush()
        audit.record(
            "incident.updated",
            actor=actor,
            incident=incident,
            object_type="incident",
            object_id=incident.ref,
            before=_for_audit({k: current[k] for k in changed}),
            after=_for_audit(changed),
        )
        facts_changed.send(incident, changed=set(changed))
    if status and status != incident.status:
        change_status(incident=incident, actor=actor, status=status)
    return incident


def allowed_moves(status: str) -> tuple[str, ...]:
    """The statuses an incident may move to from this one."""
    if status == "closed":
        return ()
    if status == "resolved":
        return (*REOPEN_TO, "closed")
    return (STATUSES[STATUSES.index(status) + 1],)


def _stamp_times(incident: Incident, status: str) -> None:
    now = utcnow()
    if status == "contained" and incident.contained_at is None:
        incident.contained_at = now
    elif status == "resolved" and incident.resolved_at is None:
        incident.resolved_at = now
    elif status == "closed":
        incident.closed_at = now
    elif incident.status == "resolved" and status in REOPEN_TO:
        incident.resolved_at = None


def change_status(*, incident: Incident, actor, status: str) -> Incident:
    """Move the incident one step along the workflow (or re-open a resolved one)."""
    if status not in STATUSES:
        raise ValidationError(
            {"status": _("Must be one of: %(values)s.", values=", ".join(STATUSES))}
        )
    moves = allowed_moves(incident.status)
    if status not in moves:
        message = (
            _("A closed incident cannot change its status.")
            if not moves
            else _(
                "An incident that is %(current)s can move only to: %(allowed)s.",
                current=incident.status,
                allowed=", ".join(moves),
            )
        )
        raise ConflictError(message)
    before = {"status": incident.status, "resolved_at": iso(incident.resolved_at)}
    _stamp_times(incident, status)
    incident.status = status
    db.session.flush()
    audit.record(
        "incident.status_changed",
        actor=actor,
        incident=incident,
        object_type="incident",
        object_id=incident.ref,
        before=before,
        after={
            "status": status,
            "contained_at": iso(incident.contained_at),
            "resolved_at": iso(incident.resolved_at),
            "closed_at": iso(incident.closed_at),
        },
    )
    return incident


def add_note(*, incident: Incident, actor, text: str) -> None:
    """Add a Markdown note to the incident's timeline."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write something first.")})
    if len(text) > NOTE_MAX:
        raise ValidationError({"text": _("At most %(n)d characters.", n=NOTE_MAX)})
    audit.record(
        "note.added",
        actor=actor,
        incident=incident,
        object_type="incident",
        object_id=incident.ref,
        text_=text,
    )


def get_incident(*, ref: str) -> Incident:
    """The incident with this reference, or NotFoundError."""
    if "\x00" in ref:  # PostgreSQL refuses NUL in text parameters; no ref can hold one
        raise NotFoundError(_("No incident %(ref)s.", ref=ref.replace("\x00", "")))
    incident = db.session.scalar(select(Incident).where(Incident.ref == ref))
    if incident is None:
        raise NotFoundError(_("No incident %(ref)s.", ref=ref))
    return incident


def list_incidents(
    *,
    status: str | None = None,
    severity: str | None = None,
    query: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[Incident], int]:
    """Incidents matching the filters, newest first, one page of them, and the total."""
    conditions = []
    if status:
        conditions.append(Incident.status == status)
    if severity:
        conditions.append(Incident.severity == severity)
    if query:
        pattern = f"%{query.strip().lower()}%"
        conditions.append(
            or_(func.lower(Incident.title).like(pattern), func.lower(Incident.ref).like(pattern))
        )
    total = db.session.scalar(select(func.count()).select_from(Incident).where(*conditions))
    items = db.session.scalars(
        select(Incident)
        .where(*conditions)
        .order_by(Incident.created_at.desc(), Incident.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return list(items), total


def incident_json(incident: Incident) -> dict:
    """The contract's Incident JSON."""
    return {
        "ref": incident.ref,
        "title": incident.title,
        "summary": incident.summary,
        "status": incident.status,
        "severity": incident.severity,
        "cause": incident.cause,
        "data_categories": list(incident.data_categories or []),
        "malicious": incident.is_malicious,
        "data_encrypted": incident.is_data_encrypted,
        "risk_level": incident.risk_level,
        "jurisdictions": list(incident.jurisdictions or []),
        **{name: iso(getattr(incident, name)) for name in TIME_FIELDS},
        "closed_at": iso(incident.closed_at),
        "affected_count": incident.affected_count,
        "owner": incident.owner.email if incident.owner else None,
        "created_at": iso(incident.created_at),
        "updated_at": iso(incident.updated_at),
    }
