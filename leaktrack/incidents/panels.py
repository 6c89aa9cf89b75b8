"""Sections other domains add to the incident page.

Each entry names a function taking the incident and returning (template, context), or None
when it has nothing to show.
"""

from importlib import import_module

PANELS: tuple[str, ...] = (
    "leaktrack.obligations.views:obligations_panel",
    "leaktrack.alerts.views:incident_panel",
    "leaktrack.stakeholders.views:incident_panel",
    "leaktrack.notifications.views:incident_panel",
    "leaktrack.playbooks.views:incident_panel",
    "leaktrack.summaries.views:incident_panel",
)


def render_panels(incident) -> list[tuple[str, dict]]:
    """The (template, context) pairs to include on the incident page, in order."""
    found = []
    for path in PANELS:
        module, _, name = path.partition(":")
        panel = getattr(import_module(module), name)(incident)
        if panel is not None:
            found.append(panel)
    return found
