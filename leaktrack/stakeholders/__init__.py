"""Affected people: the stakeholder registry, imports, links to incidents, retention."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Keep an incident's affected count and its estimate of unidentified people in step."""
    from leaktrack.incidents.service import facts_changed

    facts_changed.connect(_on_facts_changed)


def _on_facts_changed(incident, changed=(), **_extra) -> None:
    if "affected_count" in changed:
        from leaktrack.stakeholders.service import count_entered

        count_entered(incident=incident)
