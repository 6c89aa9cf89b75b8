"""The obligations engine: a pure function from an incident's facts to what the law requires.

compute_obligations(facts, counts, filings, overrides, rules, now) -> [Obligation]: which
notifications each applicable rule requires, to whom, by when, why, and where each stands.
A rule whose facts are missing gets `cannot_compute` (what is missing) and no date, never a
guessed one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from leaktrack.obligations.clock import add_period, start_of_next_year
from leaktrack.obligations.conditions import Gettext, Verdict, evaluate, place_name
from leaktrack.obligations.rules import Rule, RuleSet

PENDING, MET, MISSED, NOT_REQUIRED = "pending", "met", "missed", "not_required"

EU_MEMBER_STATES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)


def _identity(message: str) -> str:
    return message


@dataclass(frozen=True)
class IncidentFacts:
    """What is known about an incident; None (or an empty set) means not recorded yet."""

    data_categories: frozenset[str] = frozenset()
    malicious: bool | None = None
    data_encrypted: bool | None = None
    risk_level: str | None = None
    severity: str | None = None
    cause: str | None = None
    affected_count: int | None = None
    jurisdictions: frozenset[str] = frozenset()
    #: recorded events by name (aware_at, materiality_determined_at, assessed_at, ...)
    events: Mapping[str, datetime | None] = field(default_factory=dict)

    def fact(self, name: str) -> object:
        """The value of a fact or event by name, None when not recorded."""
        if name in self.__dataclass_fields__ and name != "events":
            return getattr(self, name)
        return self.events.get(name)


@dataclass(frozen=True)
class AffectedCounts:
    """Linked people per country (ISO 3166-1) and per region (ISO 3166-2)."""

    by_country: Mapping[str, int] = field(default_factory=dict)
    by_region: Mapping[str, int] = field(default_factory=dict)

    def in_place(self, place: str) -> tuple[int | None, str]:
        """People in a country, a region, or the most affected region ("US-*"); None if unknown."""
        country, _, region = place.partition("-")
        if not region:
            return (self.by_country.get(place, 0) if self.by_country else None), place_name(place)
        regions = {code: n for code, n in self.by_region.items() if code.startswith(f"{country}-")}
        if not regions:
            known_absent = bool(self.by_country) and self.by_country.get(country, 0) == 0
            return (0 if known_absent else None), place_name(place)
        if region == "*":
            top = max(sorted(regions), key=regions.__getitem__)
            return regions[top], place_name(top)
        return regions.get(place, 0), place_name(place)

    def places(self) -> set[str]:
        """Every country and region with at least one affected person."""
        return {code for code, n in (*self.by_country.items(), *self.by_region.items()) if n > 0}


@dataclass(frozen=True)
class Filing:
    """A notification made for a rule (through leaktrack or recorded from elsewhere)."""

    rule_id: str
    filed_at: datetime


@dataclass(frozen=True)
class Override:
    """Counsel's decision that an obligation is, or is not, required."""

    rule_id: str
    required: bool
    rationale: str
    decided_by: str


@dataclass(frozen=True)
class Obligation:
    """One notification the law may require for an incident, and where it stands."""

    rule_id: str
    jurisdiction: str
    recipient: str
    audience: str
    required: bool
    reason: str
    due_at: datetime | None
    status: str
    #: False when due_at is a planning target for "without undue delay", not a legal limit
    is_legal_deadline: bool
    #: what is missing to compute the obligation, e.g. "no aware_at recorded"
    cannot_compute: str | None = None
    #: the rule whose filing starts this clock, while it has not been filed
    waiting_for: str | None = None
    filed_at: datetime | None = None
    is_filed_on_time: bool | None = None
    is_overridden: bool = False
    rule: Rule | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> str:
        """Identifies this deadline for reminders: it changes when the due time does."""
        return f"{self.rule_id}@{self.due_at.isoformat() if self.due_at else '-'}"


@dataclass(frozen=True)
class _Source:
    facts: IncidentFacts
    counts: AffectedCounts

    def fact(self, name: str) -> object:
        return self.facts.fact(name)

    def affected_in(self, place: str) -> tuple[int | None, str]:
        return self.counts.in_place(place)


def compute_obligations(
    *,
    facts: IncidentFacts,
    counts: AffectedCounts,
    filings: Iterable[Filing],
    overrides: Iterable[Override],
    rules: RuleSet,
    now: datetime,
    gettext: Gettext = _identity,
) -> list[Obligation]:
    """Every obligation of every rule that applies to the incident: required ones first,
    soonest due first."""
    first_filed: dict[str, datetime] = {}
    for filing in sorted(filings, key=lambda f: f.filed_at):
        first_filed.setdefault(filing.rule_id, filing.filed_at)
    decisions = {override.rule_id: override for override in overrides}
    source = _Source(facts, counts)
    obligations = []
    for rule in rules.rules:
        applies = _applies(rule, facts, counts)
        if applies is False and rule.id not in decisions:
            continue
        obligations.append(
            _obligation(rule, applies, source, first_filed, decisions.get(rule.id), now, gettext)
        )
    return sorted(obligations, key=_soonest_first)


def _soonest_first(obligation: Obligation) -> tuple:
    due_at = obligation.due_at
    return (not obligation.required, due_at is None, due_at or datetime.max, obligation.rule_id)


def _obligation(
    rule: Rule,
    applies: bool | None,
    source: _Source,
    first_filed: Mapping[str, datetime],
    override: Override | None,
    now: datetime,
    gettext: Gettext,
) -> Obligation:
    verdict = evaluate(rule.trigger, source, gettext)
    required = override.required if override else verdict.holds is not False
    missing = (
        _missing_facts(rule, applies, verdict, source, gettext) if required and not override else []
    )
    reason = _reason(verdict, applies, override, gettext)
    due_at = waiting_for = None
    if required:
        start, waiting_for, clock_missing = _clock_start(rule, source.facts, first_filed, gettext)
        missing += clock_missing
        if start is not None and not missing:
            due_at = _due(rule, start)
    filed_at = first_filed.get(rule.id)
    if waiting_for:
        reason += " " + gettext("The clock starts when %(rule)s is filed.") % {"rule": waiting_for}
    return Obligation(
        rule_id=rule.id,
        jurisdiction=rule.jurisdiction,
        recipient=rule.recipient.name,
        audience=rule.audience,
        required=required,
        reason=reason,
        due_at=due_at,
        status=_status(required, due_at, filed_at, rule.deadline.is_legal, now),
        is_legal_deadline=rule.deadline.is_legal,
        cannot_compute="; ".join(missing) or None,
        waiting_for=waiting_for,
        filed_at=filed_at,
        is_filed_on_time=(filed_at <= due_at) if filed_at and due_at else None,
        is_overridden=override is not None,
        rule=rule,
    )


def _applies(rule: Rule, facts: IncidentFacts, counts: AffectedCounts) -> bool | None:
    """Whether the rule's regime covers the incident; None when the jurisdictions are unknown."""
    places = set(facts.jurisdictions) | counts.places()
    if "EU" in rule.regime.applies_in and places & EU_MEMBER_STATES:
        return True
    if "*" in rule.regime.applies_in or places & set(rule.regime.applies_in):
        return True
    if not places:
        return None
    for place in rule.regime.applies_in:
        country, _, region = place.partition("-")
        if region and country in places and counts.in_place(place)[0] is None:
            return None
    return False


def _missing_facts(
    rule: Rule, applies: bool | None, verdict: Verdict, source: _Source, gettext: Gettext
) -> list[str]:
    missing = []
    if applies is None:
        regions = [p for p in rule.regime.applies_in if "-" in p]
        if regions and source.facts.jurisdictions | source.counts.places():
            missing.append(
                gettext("affected people per region unknown (%(places)s)")
                % {"places": ", ".join(regions)}
            )
        else:
            missing.append(gettext("jurisdictions unknown"))
    if verdict.holds is None:
        missing.append("; ".join(verdict.because))
    return missing


def _reason(
    verdict: Verdict, applies: bool | None, override: Override | None, gettext: Gettext
) -> str:
    computed = "; ".join(verdict.because)
    if override:
        message = (
            gettext("Required by decision of %(name)s: %(rationale)s (rules: %(computed)s)")
            if override.required
            else gettext(
                "Not required by decision of %(name)s: %(rationale)s (rules: %(computed)s)"
            )
        )
        values = {"name": override.decided_by, "rationale": override.rationale}
        return message % {**values, "computed": computed}
    if verdict.holds is False:
        return gettext("Not required: %(why)s.") % {"why": computed}
    if verdict.holds is None or applies is None:
        return gettext("May be required; facts missing: %(why)s.") % {"why": computed}
    return gettext("Required: %(why)s.") % {"why": computed}


def _clock_start(
    rule: Rule, facts: IncidentFacts, first_filed: Mapping[str, datetime], gettext: Gettext
) -> tuple[datetime | None, str | None, list[str]]:
    """The clock's start, or the rule it waits for, or what is missing."""
    if rule.clock.after_filing:
        start = first_filed.get(rule.clock.after_filing)
        return start, None if start else rule.clock.after_filing, []
    start = facts.events.get(rule.clock.event)
    if start is None:
        return None, None, [gettext("no %(event)s recorded") % {"event": rule.clock.event}]
    if rule.clock.anchor == "end_of_calendar_year":
        start = start_of_next_year(start, rule.regime.zone)
    return start, None, []


def _due(rule: Rule, start: datetime) -> datetime:
    deadline = rule.deadline
    amount = deadline.amount if deadline.is_legal else deadline.target_amount
    unit = deadline.unit if deadline.is_legal else deadline.target_unit
    return add_period(
        start,
        amount,
        unit,
        zone=rule.regime.zone,
        holiday_country=rule.regime.holiday_country,
        holiday_subdivision=rule.regime.holiday_subdivision,
    )


def _status(
    required: bool,
    due_at: datetime | None,
    filed_at: datetime | None,
    is_legal: bool,
    now: datetime,
) -> str:
    if filed_at is not None:
        return MET
    if not required:
        return NOT_REQUIRED
    if due_at is not None and is_legal and now > due_at:
        return MISSED
    return PENDING
