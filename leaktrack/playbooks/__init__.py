"""Playbooks: Markdown checklists run on incidents, with due times, assignees and evidence."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Load the playbook files at start (a broken file is listed, never fatal) and move due
    times when an incident's aware_at is corrected."""
    from leaktrack.incidents.service import facts_changed
    from leaktrack.playbooks import models  # noqa: F401  (tables known to migrations)
    from leaktrack.playbooks.parse import load_library

    app.extensions["leaktrack_playbooks"] = load_library(app.config.get("LEAKTRACK_PLAYBOOKS_DIR"))
    facts_changed.connect(_on_facts_changed)


def _on_facts_changed(incident, changed=(), **_extra) -> None:
    if "aware_at" in changed:
        from leaktrack.playbooks.service import recompute_due

        recompute_due(incident=incident)
