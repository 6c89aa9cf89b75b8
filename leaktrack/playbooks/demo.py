"""Demo data: playbook runs on the demo incidents, part-way worked through."""

from __future__ import annotations

import random

from sqlalchemy import select

from leaktrack.auth.access import WRITERS
from leaktrack.auth.models import User
from leaktrack.extensions import db

from . import service

NOTES = (
    "Done; confirmation filed in the ticket.",
    "Checked with the team lead.",
    "Recorded in the incident folder.",
    "Confirmed by phone, follow-up e-mail sent.",
)
SET_ASIDE = "Does not apply to this incident: no such system involved."


def demo_step(rng: random.Random, incidents) -> None:
    """Start the matching playbook on most open incidents and tick the earlier steps."""
    users = list(
        db.session.scalars(select(User).where(User.role.in_(sorted(WRITERS))).order_by(User.id))
    )
    for incident in incidents:
        if incident.is_closed or rng.random() < 0.15:
            continue
        suggested = service.suggestions(incident=incident)
        if not suggested:
            continue
        actor = rng.choice(users) if users else None
        run = service.start_run(incident=incident, slug=suggested[0].slug, actor=actor)
        _work_through(rng, run, users, actor)


def _work_through(rng: random.Random, run, users: list, actor) -> None:
    """Tick a leading share of the items, assign some of the rest, set one aside now and then."""
    share = rng.choice((0.0, 0.2, 0.4, 0.6, 0.8, 1.0))
    items = list(run.items)
    ticked = round(len(items) * share)
    for index, item in enumerate(items):
        if index < ticked:
            if rng.random() < 0.08:
                service.set_not_applicable(
                    item=item, actor=actor, is_not_applicable=True, reason=SET_ASIDE
                )
                continue
            service.set_done(item=item, actor=actor, is_done=True, note=rng.choice(NOTES))
        elif users and rng.random() < 0.5:
            service.assign(item=item, actor=actor, assignee=rng.choice(users))
