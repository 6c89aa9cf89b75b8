"""The demo step: runs on the demo incidents, partly done, every change audited."""

import random

from leaktrack.audit.service import verify_chain
from leaktrack.auth import service as auth
from leaktrack.incidents import service as incidents
from leaktrack.playbooks import service
from leaktrack.playbooks.demo import demo_step
from leaktrack.vocab import CAUSES


def test_demo_step_starts_matching_runs_and_works_them(ctx):
    auth.create_user(email="demo@example.test", role="responder", password="x" * 12)
    made = [
        incidents.create_incident(
            actor=None,
            data={
                "title": f"Demo {n}",
                "cause": CAUSES[n % len(CAUSES)],
                "aware_at": "2026-01-05T09:00:00+00:00",
            },
        )
        for n in range(24)
    ]
    demo_step(random.Random(7), made)
    progress = service.progress_by_incident()
    assert len(progress) >= 10
    assert not any(i.id in progress for i in made if i.cause == "other")
    done = [d for d, _ in progress.values()]
    assert sum(done) > 0 and any(d < t for d, t in progress.values())
    for incident in made:
        for entry in service.run_progress(incident.id):
            assert entry["slug"] in {p.slug for p in service.suggestions(incident=incident)}
    assert verify_chain()[1] is None


def test_demo_step_leaves_closed_incidents_alone(ctx):
    incident = incidents.create_incident(actor=None, data={"title": "Old", "cause": "malware"})
    for status in ("investigating", "contained", "notifying", "resolved", "closed"):
        incidents.change_status(incident=incident, actor=None, status=status)
    demo_step(random.Random(1), [incident])
    assert service.run_progress(incident.id) == []
