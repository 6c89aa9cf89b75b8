"""Affected-people figures of one incident in a single pass over its links, cached.

One grouped query (kind × country × region × exposed categories) gives every breakdown the
summary and the obligations engine need. The result is kept per process, keyed by the
incident's last audit event: linking, unlinking, importing and estimating are all audited on
the incident, so any of them changes the key. A person's country corrected on their own page is
audited on the person only; entries therefore also expire after CACHE_SECONDS.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from leaktrack.audit.models import AuditEvent
from leaktrack.extensions import db
from leaktrack.incidents.models import Incident
from leaktrack.stakeholders.categories import BIT
from leaktrack.stakeholders.models import AffectedEstimate, IncidentStakeholder, Stakeholder

CACHE_SECONDS = 60
CACHE_SIZE = 256


@dataclass(frozen=True)
class PeopleFigures:
    identified: int
    estimated_unidentified: int
    by_kind: dict[str, int]
    by_category: dict[str, int]
    by_country: dict[str, int]
    by_region: dict[str, int]

    def affected_json(self) -> dict:
        """The contract's Affected counts JSON."""
        return {
            "total": self.identified + self.estimated_unidentified,
            "identified": self.identified,
            "estimated_unidentified": self.estimated_unidentified,
            "by_kind": self.by_kind,
            "by_category": self.by_category,
            "by_country": self.by_country,
        }


def _ranked(counter: Counter) -> dict[str, int]:
    """Most people first, then by key (the order the stakeholders API uses)."""
    return dict(sorted(counter.items(), key=lambda item: (-item[1], item[0])))


def compute(incident: Incident) -> PeopleFigures:
    """Every breakdown from one grouped query over the incident's current links."""
    link, person = IncidentStakeholder, Stakeholder
    rows = db.session.execute(
        select(person.kind, person.country, person.region, link.category_bits, func.count())
        .select_from(link)
        .join(person, person.id == link.stakeholder_id)
        .where(link.incident_id == incident.id, link.unlinked_at.is_(None))
        .group_by(person.kind, person.country, person.region, link.category_bits)
    )
    kinds, countries, regions, bits = Counter(), Counter(), Counter(), Counter()
    for kind, country, region, category_bits, n in rows:
        kinds[kind] += n
        countries[country] += n
        if region:
            regions[region] += n
        bits[category_bits or 0] += n
    categories = {
        category: sum(n for value, n in bits.items() if value & bit)
        for category, bit in BIT.items()
    }
    estimate = db.session.get(AffectedEstimate, incident.id)
    return PeopleFigures(
        identified=sum(kinds.values()),
        estimated_unidentified=estimate.estimated_unidentified if estimate else 0,
        by_kind=_ranked(kinds),
        by_category={c: n for c, n in categories.items() if n},
        by_country=_ranked(countries),
        by_region=_ranked(regions),
    )


def _last_event(incident: Incident) -> tuple | None:
    """The seq and hash of the incident's last event (the hash tells a reset database apart)."""
    return db.session.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.incident_id == incident.id)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()


def figures(incident: Incident) -> PeopleFigures:
    """The incident's figures, from the cache while nothing on the incident has changed."""
    cache: dict = current_app.extensions.setdefault("leaktrack_people_figures", {})
    key = (incident.id, tuple(_last_event(incident) or ()))
    hit = cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    found = compute(incident)
    if len(cache) >= CACHE_SIZE:
        cache.pop(next(iter(cache)), None)
    cache[key] = (time.monotonic(), found)
    return found
