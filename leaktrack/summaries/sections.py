"""Sections of the incident summary, each computed by its own domain.

Each entry is (key, "module:function"); the function takes the incident and returns the
section's JSON value. The summary JSON carries every registered key; the page shows a section
(template ``summaries/_<key>.html``) only when its value is not empty.
"""

from importlib import import_module

from leaktrack.incidents.models import Incident

SECTIONS: tuple[tuple[str, str], ...] = (
    ("affected", "leaktrack.summaries.service:affected_section"),
    ("obligations", "leaktrack.summaries.service:obligations_section"),
    ("notifications", "leaktrack.summaries.service:notifications_section"),
    ("playbooks", "leaktrack.summaries.service:playbooks_section"),
    ("timeline", "leaktrack.summaries.service:timeline_section"),
)


def _resolve(path: str):
    module, _, name = path.partition(":")
    return getattr(import_module(module), name)


def compute_sections(incident: Incident) -> dict:
    """{key: value} for every registered section, in order."""
    return {key: _resolve(path)(incident) for key, path in SECTIONS}


def has_data(key: str, value) -> bool:
    """Whether a section has anything to show."""
    if key == "affected":
        return bool(value and value.get("total"))
    if key == "notifications":
        return any(value.values())
    return bool(value)
