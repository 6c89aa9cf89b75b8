"""Obligations of incidents: compute them, decide, record filings, audit changes, export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from leaktrack.audit import service as audit
from leaktrack.errors import NotFoundError, ValidationError
from leaktrack.extensions import db
from leaktrack.incidents.models import Incident
from leaktrack.obligations import engine
from leaktrack.obligations.engine import AffectedCounts, IncidentFacts, Obligation
from leaktrack.obligations.models import Filing, ObligationOverride, ObligationState
from leaktrack.obligations.rules import RuleSet, load_rules
from leaktrack.timeutil import iso, utcnow

RATIONALE_MAX = 5_000
FILING_TEXT_MAX = 100_000
CLOCK_EVENTS = ("materiality_determined_at", "assessed_at")
FILING_VIA = ("external", "notification")


def rule_set() -> RuleSet:
    """The rules loaded when the app started (shipped rules with the organisation's folder)."""
    rules = current_app.extensions.get("leaktrack_rules")
    if rules is None:
        rules = current_app.extensions["leaktrack_rules"] = load_rules(
            current_app.config.get("LEAKTRACK_RULES_DIR")
        )
    return rules


def incident_facts(incident: Incident) -> IncidentFacts:
    """The engine's view of an incident's recorded facts and clock events."""
    return IncidentFacts(
        data_categories=frozenset(incident.data_categories or ()),
        malicious=incident.is_malicious,
        data_encrypted=incident.is_data_encrypted,
        risk_level=incident.risk_level,
        severity=incident.severity,
        cause=incident.cause,
        affected_count=incident.affected_count,
        jurisdictions=frozenset(incident.jurisdictions or ()),
        events={
            name: getattr(incident, name)
            for name in ("occurred_at", "detected_at", "aware_at", "contained_at", *CLOCK_EVENTS)
        },
    )


def affected_counts(incident: Incident) -> AffectedCounts:
    """Linked people per country and region.

    With nobody linked yet, no per-place counts are known: rules then decide from the
    incident's jurisdictions and affected_count, and rules that need counts per region say so
    ("cannot compute").
    """
    from leaktrack.stakeholders.service import counts_by_place

    by_country, by_region = counts_by_place(incident=incident)
    if not by_country:
        return AffectedCounts()
    return AffectedCounts(by_country=by_country, by_region=by_region)


def filings_of(incident: Incident) -> list[Filing]:
    """Every filing recorded for the incident, oldest first."""
    query = select(Filing).where(Filing.incident_id == incident.id).order_by(Filing.filed_at)
    return list(db.session.scalars(query))


def overrides_of(incident: Incident) -> dict[str, ObligationOverride]:
    """The current (latest) decision per rule."""
    query = (
        select(ObligationOverride)
        .where(ObligationOverride.incident_id == incident.id)
        .order_by(ObligationOverride.decided_at, ObligationOverride.id)
    )
    return {override.rule_id: override for override in db.session.scalars(query)}


def compute(*, incident: Incident, now: datetime | None = None) -> list[Obligation]:
    """The incident's obligations as of `now`, with reasons in the current language."""
    return engine.compute_obligations(
        facts=incident_facts(incident),
        counts=affected_counts(incident),
        filings=[engine.Filing(f.rule_id, f.filed_at) for f in filings_of(incident)],
        overrides=[
            engine.Override(o.rule_id, o.is_required, o.rationale, o.decided_by)
            for o in overrides_of(incident).values()
        ],
        rules=rule_set(),
        now=now or utcnow(),
        gettext=_,
    )


def _rule_or_404(rule_id: str):
    rule = rule_set().get(rule_id)
    if rule is None:
        raise NotFoundError(_("No obligation rule %(rule)s.", rule=rule_id))
    return rule


def override_obligation(
    *, incident: Incident, rule_id: str, is_required: bool, rationale: str, decided_by: str, actor
) -> ObligationOverride:
    """Record counsel's decision that an obligation is (not) required, with their rationale."""
    _rule_or_404(rule_id)
    rationale, decided_by = (rationale or "").strip(), (decided_by or "").strip()
    errors = {}
    if not rationale:
        errors["rationale"] = _("Write down why.")
    elif len(rationale) > RATIONALE_MAX:
        errors["rationale"] = _("At most %(n)d characters.", n=RATIONALE_MAX)
    if not decided_by or len(decided_by) > 200:
        errors["decided_by"] = _("Give the name of who decided (at most 200 characters).")
    if errors:
        raise ValidationError(errors)
    override = ObligationOverride(
        incident_id=incident.id,
        rule_id=rule_id,
        is_required=is_required,
        rationale=rationale,
        decided_by=decided_by,
        decided_by_user=actor,
    )
    db.session.add(override)
    db.session.flush()
    audit.record(
        "obligation.overridden",
        actor=actor,
        incident=incident,
        object_type="obligation",
        object_id=rule_id,
        after={"required": is_required, "decided_by": decided_by},
        text_=rationale,
    )
    sync_states(incident=incident, actor=actor)
    return override


def record_filing(
    *,
    incident: Incident,
    rule_id: str,
    filed_at: datetime | None,
    reference: str = "",
    text: str = "",
    via: str = "external",
    notification_id: int | None = None,
    actor=None,
) -> Filing:
    """Record that an obligation's notification was made (here or on a regulator's form)."""
    _rule_or_404(rule_id)
    errors = {}
    if filed_at is None or filed_at.tzinfo is None:
        errors["filed_at"] = _("Give the time of filing.")
    elif filed_at > utcnow():
        errors["filed_at"] = _("A filing cannot be in the future.")
    if len(reference or "") > 200:
        errors["reference"] = _("At most %(n)d characters.", n=200)
    if len(text or "") > FILING_TEXT_MAX:
        errors["text"] = _("At most %(n)d characters.", n=FILING_TEXT_MAX)
    if via not in FILING_VIA:
        errors["via"] = _("Must be one of: %(values)s.", values=", ".join(FILING_VIA))
    if errors:
        raise ValidationError(errors)
    filing = Filing(
        incident_id=incident.id,
        rule_id=rule_id,
        filed_at=filed_at,
        reference=(reference or "").strip(),
        text=text or "",
        via=via,
        notification_id=notification_id,
        recorded_by=actor,
    )
    db.session.add(filing)
    db.session.flush()
    met = next((o for o in compute(incident=incident) if o.rule_id == rule_id), None)
    audit.record(
        "obligation.filed",
        actor=actor,
        incident=incident,
        object_type="obligation",
        object_id=rule_id,
        after={
            "filed_at": iso(filed_at),
            "reference": filing.reference,
            "via": via,
            "due_at": iso(met.due_at) if met else None,
            "is_on_time": met.is_filed_on_time if met else None,
        },
        text_=filing.text or None,
    )
    sync_states(incident=incident, actor=actor)
    return filing


def record_clock_event(*, incident: Incident, event: str, at: datetime | None, actor) -> None:
    """Set (or clear) an event that starts a regulator's clock, e.g. materiality_determined_at."""
    if event not in CLOCK_EVENTS:
        raise ValidationError(
            {"event": _("Must be one of: %(values)s.", values=", ".join(CLOCK_EVENTS))}
        )
    if at is not None and at > utcnow():
        raise ValidationError({"at": _("This cannot be in the future.")})
    before = getattr(incident, event)
    if before == at:
        return
    setattr(incident, event, at)
    db.session.flush()
    audit.record(
        "incident.updated",
        actor=actor,
        incident=incident,
        object_type="incident",
        object_id=incident.ref,
        before={event: iso(before)},
        after={event: iso(at)},
    )
    sync_states(incident=incident, actor=actor)


def _state_values(obligation: Obligation) -> dict:
    return {
        "required": obligation.required,
        "status": obligation.status,
        "due_at": iso(obligation.due_at),
    }


def sync_states(*, incident: Incident, actor=None, now: datetime | None = None) -> list[Obligation]:
    """Recompute the obligations; audit each one whose requirement, status or due time changed."""
    obligations = compute(incident=incident, now=now)
    stored = {
        state.rule_id: state
        for state in db.session.scalars(
            select(ObligationState).where(ObligationState.incident_id == incident.id)
        )
    }
    for obligation in obligations:
        state = stored.get(obligation.rule_id)
        after = _state_values(obligation)
        if state is None:
            state = ObligationState(incident_id=incident.id, rule_id=obligation.rule_id)
            db.session.add(state)
        else:
            before = {
                "required": state.is_required,
                "status": state.status,
                "due_at": iso(state.due_at),
            }
            if before != after:
                audit.record(
                    "obligation.changed",
                    actor=actor,
                    incident=incident,
                    object_type="obligation",
                    object_id=obligation.rule_id,
                    before=before,
                    after=after,
                    text_=obligation.reason,
                )
        state.is_required, state.status, state.due_at = (
            obligation.required,
            obligation.status,
            obligation.due_at,
        )
    db.session.flush()
    return obligations


def open_incidents() -> list[Incident]:
    """Incidents whose obligations are still watched (every status but closed)."""
    return list(db.session.scalars(select(Incident).where(Incident.status != "closed")))


def pending_deadlines(*, now: datetime | None = None) -> list[tuple[Incident, Obligation]]:
    """Every required obligation not yet met across open incidents, soonest due first."""
    now = now or utcnow()
    found = [
        (incident, obligation)
        for incident in open_incidents()
        for obligation in compute(incident=incident, now=now)
        if obligation.required and obligation.status in ("pending", "missed")
    ]
    return sorted(
        found,
        key=lambda pair: (pair[1].due_at is None, pair[1].due_at or now, pair[0].ref),
    )


def obligation_json(obligation: Obligation) -> dict:
    """The contract's Obligation JSON, with the details the panel shows."""
    rule = obligation.rule
    return {
        "rule_id": obligation.rule_id,
        "jurisdiction": obligation.jurisdiction,
        "recipient": obligation.recipient,
        "required": obligation.required,
        "reason": obligation.reason,
        "due_at": iso(obligation.due_at),
        "status": obligation.status,
        "audience": obligation.audience,
        "is_legal_deadline": obligation.is_legal_deadline,
        "cannot_compute": obligation.cannot_compute,
        "waiting_for": obligation.waiting_for,
        "filed_at": iso(obligation.filed_at),
        "is_filed_on_time": obligation.is_filed_on_time,
        "is_overridden": obligation.is_overridden,
        "title": rule.title,
        "law": f"{rule.law}, {rule.article}",
        "sources": list(rule.sources),
        "verification": rule.verification,
    }


REGISTER_COLUMNS = (
    "ref",
    "title",
    "status",
    "severity",
    "cause",
    "data_categories",
    "malicious",
    "data_encrypted",
    "risk_level",
    "jurisdictions",
    "affected_count",
    "occurred_at",
    "detected_at",
    "aware_at",
    "contained_at",
    "resolved_at",
    "summary",
    "notified",
    "obligations",
    "decisions",
)


def _register_row(incident: Incident, now: datetime) -> dict:
    obligations = compute(incident=incident, now=now)
    overrides = overrides_of(incident)
    met = [o for o in obligations if o.status == "met"]
    return {
        "ref": incident.ref,
        "title": incident.title,
        "status": incident.status,
        "severity": incident.severity,
        "cause": incident.cause,
        "data_categories": " ".join(incident.data_categories or ()),
        "malicious": "yes" if incident.is_malicious else "no",
        "data_encrypted": "yes" if incident.is_data_encrypted else "no",
        "risk_level": incident.risk_level or "",
        "jurisdictions": " ".join(incident.jurisdictions or ()),
        "affected_count": incident.affected_count,
        **{
            name: iso(getattr(incident, name)) or ""
            for name in ("occurred_at", "detected_at", "aware_at", "contained_at", "resolved_at")
        },
        "summary": incident.summary,
        "notified": "; ".join(f"{o.rule_id} {iso(o.filed_at)}" for o in met) or "no",
        "obligations": "; ".join(
            f"{o.rule_id}: {o.status}" for o in obligations if o.required or o.status == "met"
        ),
        "decisions": "; ".join(
            f"{o.rule_id}: {'required' if o.is_required else 'not required'} "
            f"by {o.decided_by} at {iso(o.decided_at)}: {o.rationale}"
            for o in overrides.values()
        ),
    }


def _safe_cell(value) -> object:
    """Keep spreadsheet programs from running a cell as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def breach_register_csv(*, incidents: Iterable[Incident] | None = None) -> str:
    """The breach register (GDPR Art. 33(5)): every incident, notified or not, as CSV."""
    now = utcnow()
    if incidents is None:
        incidents = db.session.scalars(select(Incident).order_by(Incident.created_at, Incident.id))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=REGISTER_COLUMNS)
    writer.writeheader()
    for incident in incidents:
        row = _register_row(incident, now)
        writer.writerow({key: _safe_cell(value) for key, value in row.items()})
    return out.getvalue()
