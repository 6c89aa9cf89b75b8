"""Obligations: which notifications the law requires for an incident, to whom, by when, why."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Load the rule files at start (a bad file stops the app with file:line) and listen for
    incident changes, so every recomputation that changes an obligation is audited."""
    from leaktrack.incidents.service import facts_changed
    from leaktrack.obligations.rules import load_rules

    app.extensions["leaktrack_rules"] = load_rules(app.config.get("LEAKTRACK_RULES_DIR"))
    facts_changed.connect(_on_facts_changed)


def _on_facts_changed(incident, **_changes) -> None:
    from leaktrack.obligations.service import sync_states

    sync_states(incident=incident)
