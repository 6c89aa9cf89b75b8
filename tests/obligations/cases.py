"""Builders shared by the obligations tests: incident facts with sensible defaults."""

from __future__ import annotations

from datetime import UTC, datetime

from leaktrack.obligations.engine import AffectedCounts, IncidentFacts

#: 1 April 2026, 10:00 in Tokyo: when the organisation became aware, unless a case says otherwise
AWARE = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    """A UTC moment from 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def facts(**changes) -> IncidentFacts:
    """A modest leak of names in Japan, not malicious, not encrypted, with `changes` applied."""
    values = {
        "data_categories": {"name"},
        "malicious": False,
        "data_encrypted": False,
        "risk_level": "risk",
        "severity": "medium",
        "cause": "misdelivery",
        "affected_count": 10,
        "jurisdictions": {"JP"},
        "events": {"aware_at": AWARE},
    }
    values.update(changes)
    return IncidentFacts(
        data_categories=frozenset(values.pop("data_categories")),
        jurisdictions=frozenset(values.pop("jurisdictions")),
        **values,
    )


def counts(**by_place: int) -> AffectedCounts:
    """Affected people per place: counts(JP=3, US=600, US_CA=501) (underscore for the dash)."""
    by_country = {place: n for place, n in by_place.items() if "_" not in place}
    by_region = {place.replace("_", "-"): n for place, n in by_place.items() if "_" in place}
    for region, n in by_region.items():
        country = region.split("-")[0]
        by_country[country] = max(by_country.get(country, 0), n)
    return AffectedCounts(by_country=by_country, by_region=by_region)
