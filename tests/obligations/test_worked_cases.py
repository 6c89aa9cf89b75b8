"""Worked cases: one rule, one set of facts, the obligation the law gives.

Each case names the rule and the facts it rests on. Times are UTC; the default awareness is
1 April 2026 10:00 Tokyo time (01:00 UTC).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from leaktrack.obligations.engine import (
    AffectedCounts,
    Filing,
    IncidentFacts,
    Override,
    compute_obligations,
)
from leaktrack.obligations.rules import load_rules
from tests.obligations.cases import AWARE, at, counts, facts

RULES = load_rules()
BEFORE_ANY_DEADLINE = AWARE + timedelta(hours=1)


@dataclass
class Case:
    rule_id: str
    facts: IncidentFacts
    required: bool | None  # None: the rule does not apply and is not listed
    status: str = "pending"
    due_at: datetime | None = None
    counts: AffectedCounts = field(default_factory=AffectedCounts)
    filings: tuple[Filing, ...] = ()
    overrides: tuple[Override, ...] = ()
    now: datetime = BEFORE_ANY_DEADLINE
    reason_has: str = ""
    cannot_compute_has: str | None = None
    is_legal_deadline: bool | None = None
    waiting_for: str | None = None
    is_filed_on_time: bool | None = None


CASES = {
    # --- Japan, APPI Art. 26 and PPC Rule Art. 7-8 ---------------------------------------
    "APPI prelim: 1,000 people, names only -> not reportable (Rule 7(iv) needs more than 1,000)": Case(
        "JP-APPI-PPC-PRELIM",
        facts(affected_count=1000),
        False,
        "not_required",
        reason_has="people affected: 1,000, not > 1,000",
    ),
    "APPI final: 1,000 people, names only -> not reportable": Case(
        "JP-APPI-PPC-FINAL", facts(affected_count=1000), False, "not_required"
    ),
    "APPI final: 1,001 people, names only -> reportable, due 30 days from awareness (Rule 8(2))": Case(
        "JP-APPI-PPC-FINAL",
        facts(affected_count=1001),
        True,
        due_at=AWARE + timedelta(days=30),
        reason_has="more than 1,000 people",
        is_legal_deadline=True,
    ),
    "APPI prelim: 1,001 people -> planning target 3 days, not a legal deadline (Rule 8(1) 'promptly')": Case(
        "JP-APPI-PPC-PRELIM",
        facts(affected_count=1001),
        True,
        due_at=AWARE + timedelta(days=3),
        is_legal_deadline=False,
    ),
    "APPI final, unlawful purpose: unauthorized access, 3 people -> due 60 days (Rule 7(iii), 8(2))": Case(
        "JP-APPI-PPC-FINAL-UNLAWFUL",
        facts(
            malicious=True,
            cause="unauthorized_access",
            affected_count=3,
            data_categories={"name", "email"},
        ),
        True,
        due_at=AWARE + timedelta(days=60),
        reason_has="unlawful purpose",
    ),
    "APPI final 30-day rule: unauthorized access, 3 people, names -> not this rule": Case(
        "JP-APPI-PPC-FINAL", facts(malicious=True, affected_count=3), False, "not_required"
    ),
    "APPI prelim: strongly encrypted payment card data -> not reportable (Rule 7 exemption)": Case(
        "JP-APPI-PPC-PRELIM",
        facts(data_categories={"payment_card"}, data_encrypted=True),
        False,
        "not_required",
        reason_has="strongly encrypted is yes",
    ),
    "APPI final: unencrypted payment card data, 1 person -> property damage, 30 days (Rule 7(ii))": Case(
        "JP-APPI-PPC-FINAL",
        facts(data_categories={"payment_card"}, affected_count=1),
        True,
        due_at=AWARE + timedelta(days=30),
        reason_has="risk of property damage",
    ),
    "APPI final: medical history (sensitive), 1 person -> 30 days (Rule 7(i))": Case(
        "JP-APPI-PPC-FINAL",
        facts(data_categories={"sensitive"}, affected_count=1),
        True,
        due_at=AWARE + timedelta(days=30),
        reason_has="special care-required",
    ),
    "APPI final: attack on card data -> conservative 30 days, not 60 (Rule 8(2) reading)": Case(
        "JP-APPI-PPC-FINAL",
        facts(data_categories={"payment_card"}, malicious=True),
        True,
        due_at=AWARE + timedelta(days=30),
    ),
    "APPI 60-day rule: attack on card data -> not this rule, the 30-day one applies": Case(
        "JP-APPI-PPC-FINAL-UNLAWFUL",
        facts(data_categories={"payment_card"}, malicious=True),
        False,
        "not_required",
    ),
    "APPI individuals: sensitive data -> notice, planning target 5 days (Art. 26(2))": Case(
        "JP-APPI-INDIVIDUALS",
        facts(data_categories={"sensitive"}),
        True,
        due_at=AWARE + timedelta(days=5),
        is_legal_deadline=False,
    ),
    "APPI final: 1,001 people but no aware_at -> cannot compute, no date": Case(
        "JP-APPI-PPC-FINAL",
        facts(affected_count=1001, events={}),
        True,
        cannot_compute_has="no aware_at recorded",
    ),
    "APPI final: names only, affected count unknown -> may be required, count missing": Case(
        "JP-APPI-PPC-FINAL",
        facts(affected_count=None),
        True,
        cannot_compute_has="people affected not recorded",
        reason_has="May be required",
    ),
    "APPI: incident only in Germany -> Japanese rules do not apply": Case(
        "JP-APPI-PPC-FINAL", facts(affected_count=5000, jurisdictions={"DE"}), None
    ),
    "APPI final: 1,001 people, jurisdictions unknown -> cannot compute": Case(
        "JP-APPI-PPC-FINAL",
        facts(affected_count=1001, jurisdictions=set()),
        True,
        cannot_compute_has="jurisdictions unknown",
    ),
    "APPI final: jurisdictions empty but linked people live in Japan -> applies": Case(
        "JP-APPI-PPC-FINAL",
        facts(affected_count=1001, jurisdictions=set()),
        True,
        counts=counts(JP=1001),
        due_at=AWARE + timedelta(days=30),
    ),
    "APPI final: 1,001 people, day 31, nothing filed -> missed": Case(
        "JP-APPI-PPC-FINAL",
        facts(affected_count=1001),
        True,
        "missed",
        due_at=AWARE + timedelta(days=30),
        now=AWARE + timedelta(days=31),
    ),
    "APPI prelim: planning target passed -> still pending (target, not law)": Case(
        "JP-APPI-PPC-PRELIM",
        facts(affected_count=1001),
        True,
        "pending",
        due_at=AWARE + timedelta(days=3),
        now=AWARE + timedelta(days=4),
    ),
    "APPI final: filed on day 20 -> met, on time": Case(
        "JP-APPI-PPC-FINAL",
        facts(affected_count=1001),
        True,
        "met",
        due_at=AWARE + timedelta(days=30),
        now=AWARE + timedelta(days=40),
        filings=(Filing("JP-APPI-PPC-FINAL", AWARE + timedelta(days=20)),),
        is_filed_on_time=True,
    ),
    "APPI final: filed on day 33 -> met, late": Case(
        "JP-APPI-PPC-FINAL",
        facts(affected_count=1001),
        True,
        "met",
        due_at=AWARE + timedelta(days=30),
        now=AWARE + timedelta(days=40),
        filings=(Filing("JP-APPI-PPC-FINAL", AWARE + timedelta(days=33)),),
        is_filed_on_time=False,
    ),
    # --- EU GDPR Art. 33 and 34, UK GDPR ---------------------------------------------------
    "GDPR 33: EU residents, risk unlikely -> not required": Case(
        "EU-GDPR-33",
        facts(jurisdictions={"DE"}, risk_level="unlikely"),
        False,
        "not_required",
        reason_has="unlikely to result in a risk",
    ),
    "GDPR 33: EU residents, risk -> SA within 72 hours": Case(
        "EU-GDPR-33",
        facts(jurisdictions={"DE"}, risk_level="risk"),
        True,
        due_at=AWARE + timedelta(hours=72),
        is_legal_deadline=True,
    ),
    "GDPR 34: high risk -> individuals required, planning target 3 days": Case(
        "EU-GDPR-34",
        facts(jurisdictions={"FR"}, risk_level="high"),
        True,
        due_at=AWARE + timedelta(days=3),
        is_legal_deadline=False,
        reason_has="high risk",
    ),
    "GDPR 34: risk (not high) -> individuals not required": Case(
        "EU-GDPR-34", facts(jurisdictions={"FR"}, risk_level="risk"), False, "not_required"
    ),
    "GDPR 34: high risk but strongly encrypted -> not required (Art. 34(3)(a))": Case(
        "EU-GDPR-34",
        facts(jurisdictions={"FR"}, risk_level="high", data_encrypted=True),
        False,
        "not_required",
    ),
    "GDPR 33: risk not yet assessed -> may be required, risk level missing": Case(
        "EU-GDPR-33",
        facts(jurisdictions={"DE"}, risk_level=None),
        True,
        cannot_compute_has="risk level not recorded",
    ),
    "GDPR 33: jurisdiction given as EU": Case(
        "EU-GDPR-33", facts(jurisdictions={"EU"}), True, due_at=AWARE + timedelta(hours=72)
    ),
    "GDPR 33: incident in Japan, linked people in France -> applies": Case(
        "EU-GDPR-33",
        facts(jurisdictions={"JP"}),
        True,
        counts=counts(JP=5, FR=2),
        due_at=AWARE + timedelta(hours=72),
    ),
    "GDPR 33: Norway (EEA) -> applies": Case(
        "EU-GDPR-33", facts(jurisdictions={"NO"}), True, due_at=AWARE + timedelta(hours=72)
    ),
    "UK GDPR 33: UK residents, risk -> ICO within 72 hours": Case(
        "UK-GDPR-33", facts(jurisdictions={"GB"}), True, due_at=AWARE + timedelta(hours=72)
    ),
    # --- NIS2 Art. 23 ------------------------------------------------------------------------
    "NIS2 early warning: critical incident in NL -> 24 hours": Case(
        "EU-NIS2-EARLY",
        facts(jurisdictions={"NL"}, severity="critical"),
        True,
        due_at=AWARE + timedelta(hours=24),
    ),
    "NIS2 notification: high-severity incident -> 72 hours": Case(
        "EU-NIS2-NOTIF",
        facts(jurisdictions={"NL"}, severity="high"),
        True,
        due_at=AWARE + timedelta(hours=72),
    ),
    "NIS2 early warning: medium severity -> not a significant incident": Case(
        "EU-NIS2-EARLY", facts(jurisdictions={"NL"}, severity="medium"), False, "not_required"
    ),
    "NIS2 final: notification not filed yet -> clock waits for it": Case(
        "EU-NIS2-FINAL",
        facts(jurisdictions={"NL"}, severity="high"),
        True,
        waiting_for="EU-NIS2-NOTIF",
        reason_has="The clock starts when EU-NIS2-NOTIF is filed",
    ),
    "NIS2 final: notification filed 31 Jan -> one calendar month, 28 Feb": Case(
        "EU-NIS2-FINAL",
        facts(jurisdictions={"NL"}, severity="high"),
        True,
        filings=(Filing("EU-NIS2-NOTIF", at("2027-01-31 09:00")),),
        now=at("2027-02-01 00:00"),
        due_at=at("2027-02-28 09:00"),
    ),
    # --- HIPAA ---------------------------------------------------------------------------------
    "HIPAA individuals: unsecured health data in the US -> 60 calendar days": Case(
        "US-HIPAA-IND",
        facts(jurisdictions={"US"}, data_categories={"sensitive"}),
        True,
        due_at=AWARE + timedelta(days=60),
    ),
    "HIPAA media: 501 Texas residents -> required, names Texas": Case(
        "US-HIPAA-MEDIA",
        facts(jurisdictions={"US"}, data_categories={"sensitive"}),
        True,
        counts=counts(US_TX=501, US_CA=20),
        due_at=AWARE + timedelta(days=60),
        reason_has="Texas (US-TX)",
    ),
    "HIPAA media: 500 residents of the most affected State -> not required (more than 500)": Case(
        "US-HIPAA-MEDIA",
        facts(jurisdictions={"US"}, data_categories={"sensitive"}),
        False,
        "not_required",
        counts=counts(US_TX=500, US_CA=400),
    ),
    "HIPAA HHS: 500 individuals -> with the individual notice, 60 days": Case(
        "US-HIPAA-HHS-500PLUS",
        facts(jurisdictions={"US"}, data_categories={"sensitive"}, affected_count=500),
        True,
        due_at=AWARE + timedelta(days=60),
    ),
    "HIPAA HHS annual log: 499 individuals -> 60 days after year end (2 Mar 2027, New York)": Case(
        "US-HIPAA-HHS-UNDER500",
        facts(jurisdictions={"US"}, data_categories={"sensitive"}, affected_count=499),
        True,
        due_at=at("2027-03-02 05:00"),
    ),
    # --- SEC 8-K Item 1.05 -------------------------------------------------------------------
    "SEC 8-K: material on Tue 24 Nov 2026 -> 4 business days skip Thanksgiving and a weekend": Case(
        "US-SEC-8K-105",
        facts(
            jurisdictions={"JP"},
            events={"aware_at": AWARE, "materiality_determined_at": at("2026-11-24 15:00")},
        ),
        True,
        due_at=at("2026-12-01 15:00"),
        now=at("2026-11-24 16:00"),
        is_legal_deadline=True,
    ),
    "SEC 8-K: material on Thu 2 Jul 2026 -> skips the 3 Jul holiday and a weekend": Case(
        "US-SEC-8K-105",
        facts(
            jurisdictions={"US"},
            events={"aware_at": AWARE, "materiality_determined_at": at("2026-07-02 14:00")},
        ),
        True,
        due_at=at("2026-07-09 14:00"),
        now=at("2026-07-02 15:00"),
    ),
    "SEC 8-K: no materiality determination -> not required": Case(
        "US-SEC-8K-105",
        facts(jurisdictions={"US"}),
        False,
        "not_required",
        reason_has="materiality determined at not recorded",
    ),
    # --- California, New York, Texas, Florida ----------------------------------------------
    "California individuals: 10 residents, SSNs -> 30 days": Case(
        "US-CA-1798.82-IND",
        facts(jurisdictions={"US"}, data_categories={"government_id"}),
        True,
        counts=counts(US_CA=10),
        due_at=AWARE + timedelta(days=30),
    ),
    "California AG: 501 residents, notices sent 10 Apr -> sample copy within 15 days": Case(
        "US-CA-1798.82-AG",
        facts(jurisdictions={"US"}, data_categories={"government_id"}),
        True,
        counts=counts(US_CA=501),
        filings=(Filing("US-CA-1798.82-IND", at("2026-04-10 18:00")),),
        due_at=at("2026-04-25 18:00"),
        now=at("2026-04-11 00:00"),
    ),
    "California AG: exactly 500 residents -> not required (more than 500)": Case(
        "US-CA-1798.82-AG",
        facts(jurisdictions={"US"}, data_categories={"government_id"}),
        False,
        "not_required",
        counts=counts(US_CA=500),
    ),
    "California AG: 501 residents, notices not sent yet -> waits for them": Case(
        "US-CA-1798.82-AG",
        facts(jurisdictions={"US"}, data_categories={"government_id"}),
        True,
        counts=counts(US_CA=501),
        waiting_for="US-CA-1798.82-IND",
    ),
    "California individuals: US incident without counts per state -> cannot compute": Case(
        "US-CA-1798.82-IND",
        facts(jurisdictions={"US"}, data_categories={"government_id"}),
        True,
        cannot_compute_has="affected people per region unknown (US-CA)",
    ),
    "California: people only in New York -> California rules do not apply": Case(
        "US-CA-1798.82-IND",
        facts(jurisdictions={"US"}, data_categories={"government_id"}),
        None,
        counts=counts(US_NY=30),
    ),
    "New York individuals: 30 residents, bank accounts -> 30 days": Case(
        "US-NY-899AA-IND",
        facts(jurisdictions={"US"}, data_categories={"bank_account"}),
        True,
        counts=counts(US_NY=30),
        due_at=AWARE + timedelta(days=30),
    ),
    "New York agencies: after the residents' notices -> planning target 1 day": Case(
        "US-NY-899AA-AGENCIES",
        facts(jurisdictions={"US"}, data_categories={"bank_account"}),
        True,
        counts=counts(US_NY=30),
        filings=(Filing("US-NY-899AA-IND", at("2026-04-20 12:00")),),
        due_at=at("2026-04-21 12:00"),
        is_legal_deadline=False,
        now=at("2026-04-20 13:00"),
    ),
    "Texas AG: 250 Texas residents -> 30 days": Case(
        "US-TX-521-AG",
        facts(jurisdictions={"US"}, data_categories={"credentials"}),
        True,
        counts=counts(US_TX=250),
        due_at=AWARE + timedelta(days=30),
    ),
    "Texas AG: 249 Texas residents -> not required": Case(
        "US-TX-521-AG",
        facts(jurisdictions={"US"}, data_categories={"credentials"}),
        False,
        "not_required",
        counts=counts(US_TX=249),
    ),
    "Florida Department of Legal Affairs: 500 Floridians -> 30 days": Case(
        "US-FL-501.171-AG",
        facts(jurisdictions={"US"}, data_categories={"payment_card"}),
        True,
        counts=counts(US_FL=500),
        due_at=AWARE + timedelta(days=30),
    ),
    # --- Australia, Singapore, Korea, Canada, Brazil --------------------------------------------
    "Australia OAIC: serious harm, assessed 5 Apr -> statement, planning target 2 days": Case(
        "AU-NDB-OAIC",
        facts(
            jurisdictions={"AU"},
            risk_level="high",
            events={"aware_at": AWARE, "assessed_at": at("2026-04-05 00:00")},
        ),
        True,
        due_at=at("2026-04-07 00:00"),
        is_legal_deadline=False,
    ),
    "Australia OAIC: serious harm, not assessed yet -> cannot compute": Case(
        "AU-NDB-OAIC",
        facts(jurisdictions={"AU"}, risk_level="high"),
        True,
        cannot_compute_has="no assessed_at recorded",
    ),
    "Australia assessment: suspected breach -> 30 days on Sydney's clock, across the end of DST": Case(
        "AU-NDB-ASSESS", facts(jurisdictions={"AU"}), True, due_at=at("2026-05-01 02:00")
    ),
    "Singapore PDPC: 500 people, assessed 3 Apr -> 3 calendar days": Case(
        "SG-PDPA-PDPC",
        facts(
            jurisdictions={"SG"},
            affected_count=500,
            events={"aware_at": AWARE, "assessed_at": at("2026-04-03 02:00")},
        ),
        True,
        due_at=at("2026-04-06 02:00"),
        reason_has="significant scale",
    ),
    "Singapore PDPC: 499 people, harm not significant -> not required": Case(
        "SG-PDPA-PDPC", facts(jurisdictions={"SG"}, affected_count=499), False, "not_required"
    ),
    "Korea individuals: any leak -> 72 hours": Case(
        "KR-PIPA-IND",
        facts(jurisdictions={"KR"}),
        True,
        due_at=AWARE + timedelta(hours=72),
        reason_has="every personal-data breach",
    ),
    "Korea PIPC: hacking, 20 people -> 72 hours": Case(
        "KR-PIPA-PIPC",
        facts(jurisdictions={"KR"}, cause="unauthorized_access", affected_count=20),
        True,
        due_at=AWARE + timedelta(hours=72),
    ),
    "Korea PIPC: misdelivery of 999 names -> not required": Case(
        "KR-PIPA-PIPC", facts(jurisdictions={"KR"}, affected_count=999), False, "not_required"
    ),
    "Canada OPC: real risk of significant harm -> planning target 3 days": Case(
        "CA-PIPEDA-OPC",
        facts(jurisdictions={"CA"}, risk_level="high"),
        True,
        due_at=AWARE + timedelta(days=3),
        is_legal_deadline=False,
    ),
    "Brazil ANPD: aware Fri 17 Apr 2026 -> 3 business days skip the weekend and Tiradentes (21 Apr)": Case(
        "BR-LGPD-ANPD",
        facts(
            jurisdictions={"BR"},
            risk_level="high",
            data_categories={"bank_account"},
            events={"aware_at": at("2026-04-17 13:00")},
        ),
        True,
        due_at=at("2026-04-23 13:00"),
        now=at("2026-04-17 14:00"),
    ),
    # --- Decisions by counsel ---------------------------------------------------------------
    "Override: counsel decides the APPI prelim is not required -> not_required with rationale": Case(
        "JP-APPI-PPC-PRELIM",
        facts(affected_count=1001),
        False,
        "not_required",
        overrides=(
            Override("JP-APPI-PPC-PRELIM", False, "Duplicate records; 800 people", "Counsel Sato"),
        ),
        reason_has="Counsel Sato: Duplicate records; 800 people",
    ),
    "Override: counsel requires GDPR Art. 34 at risk level 'risk' -> due on the target": Case(
        "EU-GDPR-34",
        facts(jurisdictions={"DE"}),
        True,
        overrides=(Override("EU-GDPR-34", True, "Vulnerable customers", "Counsel Weber"),),
        due_at=AWARE + timedelta(days=3),
        reason_has="Required by decision of Counsel Weber",
    ),
    "Override: required in a jurisdiction the facts do not name -> listed and computed": Case(
        "UK-GDPR-33",
        facts(jurisdictions={"JP"}),
        True,
        overrides=(Override("UK-GDPR-33", True, "UK branch processes the data", "Counsel Lee"),),
        due_at=AWARE + timedelta(hours=72),
    ),
    "Override: jurisdictions unknown but counsel requires the APPI final -> date computed": Case(
        "JP-APPI-PPC-FINAL",
        facts(jurisdictions=set(), affected_count=1001),
        True,
        overrides=(Override("JP-APPI-PPC-FINAL", True, "Japanese customers", "Counsel Sato"),),
        due_at=AWARE + timedelta(days=30),
    ),
}


def _obligation_for(case: Case):
    obligations = compute_obligations(
        facts=case.facts,
        counts=case.counts,
        filings=case.filings,
        overrides=case.overrides,
        rules=RULES,
        now=case.now,
    )
    return next((o for o in obligations if o.rule_id == case.rule_id), None)


def test_there_are_at_least_forty_worked_cases():
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_worked_case(case: Case):
    obligation = _obligation_for(case)
    if case.required is None:
        assert obligation is None
        return
    assert obligation is not None
    assert (obligation.required, obligation.status) == (case.required, case.status), (
        obligation.reason
    )
    assert obligation.due_at == case.due_at
    assert case.reason_has in obligation.reason
    if case.cannot_compute_has is None:
        assert obligation.cannot_compute is None
    else:
        assert case.cannot_compute_has in (obligation.cannot_compute or "")
        assert obligation.due_at is None
    if case.is_legal_deadline is not None:
        assert obligation.is_legal_deadline is case.is_legal_deadline
    assert obligation.waiting_for == case.waiting_for
    assert obligation.is_filed_on_time is case.is_filed_on_time
