"""The trigger language: grammar checks, three-valued evaluation, and reasons."""

from __future__ import annotations

import pytest

from leaktrack.obligations.conditions import ConditionError, compile_condition, evaluate
from leaktrack.obligations.engine import AffectedCounts, IncidentFacts
from tests.obligations.cases import counts, facts


class Source:
    def __init__(self, incident: IncidentFacts, affected: AffectedCounts | None = None):
        self.incident, self.affected = incident, affected or AffectedCounts()

    def fact(self, name):
        return self.incident.fact(name)

    def affected_in(self, place):
        return self.affected.in_place(place)


def verdict(table, incident=None, affected=None):
    return evaluate(compile_condition(table), Source(incident or facts(), affected), lambda s: s)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"all": [], "label": "x"}, "non-empty list"),
        ({"fact": "malicious", "is": True, "any": []}, "exactly one of"),
        ({"fact": "malicious"}, "needs exactly one operator"),
        ({"fact": "malicious", "gt": 3}, "does not apply to a bool fact"),
        ({"fact": "risk_level", "is": "severe"}, "unknown value 'severe'"),
        ({"fact": "data_categories", "contains_any": ["dna"]}, "unknown value 'dna'"),
        ({"fact": "affected_count", "ge": True}, "needs a whole number"),
        ({"affected_in": "XX", "gt": 0}, "unknown country 'XX'"),
        ({"affected_in": "US-ZZ", "gt": 0}, "unknown region 'US-ZZ'"),
        ({"always": False}, "always must be true"),
        ({"not": {"fact": "malicious", "is": True}, "extra": 1}, "unexpected key 'extra'"),
        ("malicious", "must be a table"),
    ],
)
def test_grammar_errors_are_refused(table, message):
    with pytest.raises(ConditionError) as error:
        compile_condition(table)
    assert message in str(error.value)


def test_any_holds_on_one_true_branch_even_with_unknown_facts():
    result = verdict(
        {"any": [{"fact": "malicious", "is": True}, {"fact": "affected_count", "gt": 1000}]},
        facts(malicious=True, affected_count=None),
    )
    assert result.holds is True
    assert result.because == ("malicious (unlawful purpose) is yes",)


def test_all_fails_on_one_false_branch_even_with_unknown_facts():
    result = verdict(
        {"all": [{"fact": "risk_level", "is": "high"}, {"fact": "affected_count", "gt": 1000}]},
        facts(risk_level="risk", affected_count=None),
    )
    assert result.holds is False
    assert result.because == ("risk level is risk, not high",)


def test_an_unknown_fact_that_decides_makes_the_answer_unknown():
    result = verdict({"fact": "affected_count", "gt": 1000}, facts(affected_count=None))
    assert result.holds is None and result.because == ("people affected not recorded",)


def test_not_flips_and_keeps_unknown():
    assert verdict({"not": {"fact": "malicious", "is": True}}, facts(malicious=False)).holds is True
    assert verdict({"not": {"fact": "malicious", "is": True}}, facts(malicious=None)).holds is None


def test_a_label_names_the_condition_in_the_reason():
    result = verdict(
        {"fact": "affected_count", "gt": 1000, "label": "more than 1,000 people"},
        facts(affected_count=1001),
    )
    assert result.because == ("more than 1,000 people: yes (people affected: 1,001 > 1,000)",)
    result = verdict(
        {"fact": "affected_count", "gt": 1000, "label": "more than 1,000 people"},
        facts(affected_count=7),
    )
    assert result.because == ("more than 1,000 people: no (people affected: 7, not > 1,000)",)


def test_region_counts_name_the_region():
    result = verdict({"affected_in": "US-CA", "gt": 500}, affected=counts(US_CA=501))
    assert result.holds is True and "California (US-CA)" in result.because[0]


def test_the_most_affected_region_is_used_for_a_wildcard():
    result = verdict({"affected_in": "US-*", "gt": 500}, affected=counts(US_NY=20, US_WA=700))
    assert result.holds is True and "Washington (US-WA): 700 > 500" in result.because[0]


def test_region_counts_are_unknown_without_region_data_for_that_country():
    assert verdict({"affected_in": "US-CA", "gt": 0}, affected=counts(US=40)).holds is None
    assert verdict({"affected_in": "US-CA", "gt": 0}, affected=counts(JP=40)).holds is False


def test_set_operators_report_what_matched_and_what_is_missing():
    incident = facts(data_categories={"name", "payment_card"})
    found = verdict(
        {"fact": "data_categories", "contains_any": ["payment_card", "bank_account"]}, incident
    )
    assert found.because == ("data categories include payment_card",)
    lacking = verdict({"fact": "data_categories", "contains_all": ["name", "sensitive"]}, incident)
    assert lacking.holds is False and lacking.because == ("data categories lack sensitive",)


def test_event_recorded_operator():
    assert verdict({"fact": "assessed_at", "recorded": True}).holds is False
    assert verdict({"fact": "aware_at", "recorded": True}).holds is True
