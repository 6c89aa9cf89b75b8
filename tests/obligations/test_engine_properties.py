"""Whatever the facts, the engine answers: no crash, no date without the facts behind it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from leaktrack.obligations.conditions import CAUSES, DATA_CATEGORIES, RISK_LEVELS, SEVERITIES
from leaktrack.obligations.engine import AffectedCounts, Filing, IncidentFacts, compute_obligations
from leaktrack.obligations.rules import load_rules

RULES = load_rules()
RULE_IDS = [rule.id for rule in RULES.rules]
PLACES = ["JP", "US", "DE", "FR", "GB", "AU", "SG", "KR", "CA", "BR", "EU", "CN", "NO"]
REGIONS = ["US-CA", "US-NY", "US-TX", "US-FL", "US-WA", "JP-13"]
moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)
maybe = st.none() | st.booleans()

facts = st.builds(
    IncidentFacts,
    data_categories=st.frozensets(st.sampled_from(DATA_CATEGORIES)),
    malicious=maybe,
    data_encrypted=maybe,
    risk_level=st.none() | st.sampled_from(RISK_LEVELS),
    severity=st.none() | st.sampled_from(SEVERITIES),
    cause=st.none() | st.sampled_from(CAUSES),
    affected_count=st.none() | st.integers(0, 10**9),
    jurisdictions=st.frozensets(st.sampled_from(PLACES)),
    events=st.dictionaries(
        st.sampled_from(["aware_at", "materiality_determined_at", "assessed_at", "occurred_at"]),
        st.none() | moments,
    ),
)
counts = st.builds(
    AffectedCounts,
    by_country=st.dictionaries(st.sampled_from(PLACES), st.integers(0, 10**6)),
    by_region=st.dictionaries(st.sampled_from(REGIONS), st.integers(0, 10**6)),
)
filings = st.lists(
    st.builds(Filing, rule_id=st.sampled_from(RULE_IDS), filed_at=moments), max_size=4
)


@settings(max_examples=200, deadline=None)
@given(facts=facts, counts=counts, filings=filings, now=moments)
def test_every_answer_is_consistent(facts, counts, filings, now):
    obligations = compute_obligations(
        facts=facts, counts=counts, filings=filings, overrides=[], rules=RULES, now=now
    )
    filed = {f.rule_id for f in filings}
    for o in obligations:
        assert o.status in ("pending", "met", "missed", "not_required")
        assert o.reason
        if o.due_at is not None:
            assert o.required and o.cannot_compute is None and o.waiting_for is None
            assert o.due_at.tzinfo is not None
        if o.cannot_compute is not None:
            assert o.due_at is None and o.status in ("pending", "met")
        if o.status == "met":
            assert o.rule_id in filed
        if o.status == "missed":
            assert o.is_legal_deadline and now > o.due_at
        if o.required and o.due_at is not None and o.rule.clock.event:
            start = facts.events[o.rule.clock.event]
            assert start < o.due_at <= start + timedelta(days=500)
