"""Obligations through the database: chained clocks, decisions, filings, audit, register."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from leaktrack.audit.models import AuditEvent
from leaktrack.auth.models import User
from leaktrack.errors import NotFoundError, ValidationError
from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.obligations import service
from leaktrack.obligations.clock import add_period
from leaktrack.obligations.rules import RulesError
from leaktrack.timeutil import utcnow
from tests.conftest import make_test_app

HOUR = timedelta(hours=1)


def _by_rule(obligations):
    return {o.rule_id: o for o in obligations}


def _audit(action: str, rule_id: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
    if rule_id:
        query = query.where(AuditEvent.object_id == rule_id)
    return list(db.session.scalars(query))


@pytest.fixture
def incident(app, make_incident):
    """incident(**facts) -> the Incident, loaded in the test's app context."""

    def make(**fields):
        ref = make_incident(**fields)
        return incidents.get_incident(ref=ref)

    return make


def test_nis2_final_report_clock_starts_at_the_recorded_notification(ctx, incident):
    aware = utcnow() - 50 * HOUR
    nis2 = incident(jurisdictions=["NL"], severity="high", aware_at=aware)
    assert _by_rule(service.compute(incident=nis2))["EU-NIS2-FINAL"].waiting_for == "EU-NIS2-NOTIF"

    filed = utcnow() - HOUR
    service.record_filing(
        incident=nis2, rule_id="EU-NIS2-NOTIF", filed_at=filed, reference="CSIRT-1"
    )
    db.session.commit()

    obligations = _by_rule(service.compute(incident=nis2))
    assert obligations["EU-NIS2-NOTIF"].status == "met"
    assert obligations["EU-NIS2-NOTIF"].is_filed_on_time is True
    final = obligations["EU-NIS2-FINAL"]
    assert final.waiting_for is None
    assert final.due_at == add_period(filed, 1, "calendar_months", zone=final.rule.regime.zone)


def test_sec_clock_starts_when_materiality_is_recorded(ctx, incident, make_user):
    sec = incident(jurisdictions=["US"], aware_at=utcnow() - 30 * HOUR)
    assert _by_rule(service.compute(incident=sec))["US-SEC-8K-105"].required is False

    determined = utcnow() - 2 * HOUR
    service.record_clock_event(
        incident=sec, event="materiality_determined_at", at=determined, actor=None
    )
    db.session.commit()

    filing = _by_rule(service.compute(incident=sec))["US-SEC-8K-105"]
    assert filing.required is True and filing.status == "pending"
    assert filing.due_at == add_period(
        determined, 4, "business_days", zone=filing.rule.regime.zone, holiday_country="US"
    )
    (event,) = [
        e for e in _audit("incident.updated") if "materiality_determined_at" in (e.after or {})
    ]
    assert event.before == {"materiality_determined_at": None}


def test_singapore_clock_waits_for_the_assessment(ctx, incident):
    sg = incident(jurisdictions=["SG"], risk_level="high", aware_at=utcnow() - 5 * HOUR)
    assert (
        "no assessed_at recorded"
        in _by_rule(service.compute(incident=sg))["SG-PDPA-PDPC"].cannot_compute
    )
    assessed = utcnow() - HOUR
    service.record_clock_event(incident=sg, event="assessed_at", at=assessed, actor=None)
    pdpc = _by_rule(service.compute(incident=sg))["SG-PDPA-PDPC"]
    assert pdpc.cannot_compute is None
    assert pdpc.due_at == assessed + timedelta(days=3)


def test_a_clock_event_in_the_future_or_of_an_unknown_kind_is_refused(ctx, incident):
    sg = incident(jurisdictions=["SG"])
    with pytest.raises(ValidationError):
        service.record_clock_event(incident=sg, event="assessed_at", at=utcnow() + HOUR, actor=None)
    with pytest.raises(ValidationError):
        service.record_clock_event(incident=sg, event="aware_at", at=utcnow(), actor=None)


def test_an_override_is_audited_and_changes_the_obligation(ctx, incident, make_user):
    user_id, _ = make_user("responder")
    actor = db.session.get(User, user_id)
    leak = incident(jurisdictions=["JP"], affected_count=1001, aware_at=utcnow() - HOUR)
    service.sync_states(incident=leak)
    assert _by_rule(service.compute(incident=leak))["JP-APPI-PPC-PRELIM"].required is True

    service.override_obligation(
        incident=leak,
        rule_id="JP-APPI-PPC-PRELIM",
        is_required=False,
        rationale="Duplicated records: 640 people",
        decided_by="Counsel Sato",
        actor=actor,
    )
    db.session.commit()

    prelim = _by_rule(service.compute(incident=leak))["JP-APPI-PPC-PRELIM"]
    assert (prelim.required, prelim.status, prelim.is_overridden) == (False, "not_required", True)
    assert "Counsel Sato: Duplicated records: 640 people" in prelim.reason
    (decision,) = _audit("obligation.overridden", "JP-APPI-PPC-PRELIM")
    assert decision.text == "Duplicated records: 640 people"
    assert decision.actor_id == user_id and decision.incident_id == leak.id
    (change,) = _audit("obligation.changed", "JP-APPI-PPC-PRELIM")
    assert change.before["required"] is True and change.after["required"] is False


def test_the_latest_decision_counts(ctx, incident):
    leak = incident(jurisdictions=["DE"], risk_level="risk", aware_at=utcnow() - HOUR)
    for required in (True, False, True):
        service.override_obligation(
            incident=leak, rule_id="EU-GDPR-34", is_required=required,
            rationale=f"decision {required}", decided_by="Counsel", actor=None,
        )  # fmt: skip
    assert _by_rule(service.compute(incident=leak))["EU-GDPR-34"].required is True
    assert len(_audit("obligation.overridden", "EU-GDPR-34")) == 3


@pytest.mark.parametrize(
    ("rationale", "decided_by", "field"),
    [("", "Counsel", "rationale"), ("why", "", "decided_by"), ("x" * 5001, "Counsel", "rationale")],
)
def test_a_decision_needs_a_rationale_and_a_name(ctx, incident, rationale, decided_by, field):
    leak = incident(jurisdictions=["JP"])
    with pytest.raises(ValidationError) as error:
        service.override_obligation(
            incident=leak, rule_id="JP-APPI-PPC-FINAL", is_required=True,
            rationale=rationale, decided_by=decided_by, actor=None,
        )  # fmt: skip
    assert field in error.value.fields


def test_an_unknown_rule_is_not_found(ctx, incident):
    with pytest.raises(NotFoundError):
        service.record_filing(incident=incident(), rule_id="XX-NOPE", filed_at=utcnow())


def test_a_late_filing_is_met_but_marked_late_and_audited(ctx, incident):
    aware = utcnow() - 100 * HOUR
    leak = incident(jurisdictions=["GB"], risk_level="risk", aware_at=aware)
    service.record_filing(
        incident=leak, rule_id="UK-GDPR-33", filed_at=aware + 80 * HOUR,
        reference="ICO-123", text="We report a breach ...",
    )  # fmt: skip
    ico = _by_rule(service.compute(incident=leak))["UK-GDPR-33"]
    assert (ico.status, ico.is_filed_on_time) == ("met", False)
    (event,) = _audit("obligation.filed", "UK-GDPR-33")
    assert event.after["reference"] == "ICO-123" and event.text == "We report a breach ..."
    assert event.after["is_on_time"] is False
    assert event.after["due_at"] == (aware + 72 * HOUR).isoformat()


def test_a_filing_in_the_future_is_refused(ctx, incident):
    with pytest.raises(ValidationError) as error:
        service.record_filing(incident=incident(), rule_id="UK-GDPR-33", filed_at=utcnow() + HOUR)
    assert "filed_at" in error.value.fields


def test_changed_facts_recompute_and_audit_the_obligations(ctx, incident):
    leak = incident(jurisdictions=["DE"], risk_level="risk", aware_at=utcnow() - HOUR)
    service.sync_states(incident=leak)
    incidents.update_incident(incident=leak, actor=None, data={"risk_level": "unlikely"})
    (change,) = _audit("obligation.changed", "EU-GDPR-33")
    assert (change.before["status"], change.after["status"]) == ("pending", "not_required")


def test_a_missed_deadline_is_audited_once_by_the_recomputation(ctx, incident):
    aware = utcnow() - 10 * HOUR
    leak = incident(jurisdictions=["DE"], risk_level="risk", aware_at=aware)
    service.sync_states(incident=leak, now=aware + HOUR)
    service.sync_states(incident=leak, now=aware + 73 * HOUR)
    service.sync_states(incident=leak, now=aware + 74 * HOUR)
    (change,) = _audit("obligation.changed", "EU-GDPR-33")
    assert change.after["status"] == "missed" and change.actor_label == "system"


def test_the_breach_register_lists_every_incident_with_decisions(ctx, incident):
    notified = incident(
        title="Card data stolen", jurisdictions=["JP"], data_categories=["payment_card"],
        malicious=True, aware_at=utcnow() - 48 * HOUR, affected_count=12,
    )  # fmt: skip
    quiet = incident(title='=HYPERLINK("evil")', jurisdictions=["DE"], risk_level="unlikely")
    service.record_filing(incident=notified, rule_id="JP-APPI-PPC-PRELIM", filed_at=utcnow() - HOUR)
    service.override_obligation(
        incident=quiet, rule_id="EU-GDPR-33", is_required=False,
        rationale="Encrypted backup tape recovered unopened", decided_by="DPO Weber", actor=None,
    )  # fmt: skip
    db.session.commit()

    rows = list(csv.DictReader(io.StringIO(service.breach_register_csv())))
    assert [row["ref"] for row in rows] == [notified.ref, quiet.ref]
    assert rows[0]["notified"].startswith("JP-APPI-PPC-PRELIM ")
    assert "JP-APPI-PPC-FINAL: pending" in rows[0]["obligations"]
    assert rows[0]["affected_count"] == "12" and rows[0]["malicious"] == "yes"
    assert rows[1]["notified"] == "no"
    assert "EU-GDPR-33: not required by DPO Weber" in rows[1]["decisions"]
    assert rows[1]["title"].startswith("'=")


def test_a_bad_rule_file_in_the_organisation_folder_stops_the_app(tmp_path):
    (tmp_path / "jp_appi.toml").write_text('[regime]\nname = "x"\njurisdiction = "JP"\n')
    with pytest.raises(RulesError) as error:
        make_test_app("sqlite://", tmp_path, LEAKTRACK_RULES_DIR=str(tmp_path))
    assert f"{tmp_path / 'jp_appi.toml'}:1: " in str(error.value)


def test_the_organisation_folder_is_used(tmp_path, app):
    (tmp_path / "us_sec.toml").write_text("[regime]\nenabled = false\n")
    other = make_test_app("sqlite://", tmp_path, LEAKTRACK_RULES_DIR=str(tmp_path))
    with other.app_context():
        assert service.rule_set().get("US-SEC-8K-105") is None
    with app.app_context():
        assert service.rule_set().get("US-SEC-8K-105") is not None


def test_the_register_command_writes_the_csv(runner, make_incident, tmp_path):
    ref = make_incident(jurisdictions=["JP"])
    result = runner.invoke(args=["obligations", "register", "-o", str(tmp_path / "register.csv")])
    assert result.exit_code == 0
    lines = (tmp_path / "register.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("ref,") and lines[1].startswith(ref)
