"""How each audited action reads on an incident's timeline, wherever the timeline is shown."""

from flask_babel import lazy_gettext as _l

EVENT_LABELS = {
    "incident.created": _l("Incident recorded"),
    "incident.updated": _l("Facts updated"),
    "incident.status_changed": _l("Status changed"),
    "note.added": _l("Note"),
    "alert.firing": _l("Alert firing"),
    "alert.resolved": _l("Alert resolved"),
    "alert.moved": _l("Alert moved"),
    "alert.dismissed": _l("Alert dismissed"),
    "obligation.changed": _l("Obligation changed"),
    "obligation.filed": _l("Notification filed"),
    "obligation.overridden": _l("Counsel decided on an obligation"),
    "stakeholders.imported": _l("People imported"),
    "stakeholders.linked": _l("People linked"),
    "stakeholders.unlinked": _l("Person removed"),
    "stakeholders.estimated": _l("Estimate of people changed"),
    "stakeholder.viewed": _l("Contact data viewed"),
    "playbook.run_started": _l("Playbook started"),
    "playbook.due_recomputed": _l("Playbook due times moved"),
    "playbook.item_added": _l("Playbook step added"),
    "playbook.item_assigned": _l("Playbook step assigned"),
    "playbook.item_not_applicable": _l("Playbook step set aside"),
    "playbook.item_ticked": _l("Playbook step done"),
    "playbook.item_unticked": _l("Playbook step reopened"),
    "notification.scheduled": _l("Notification scheduled"),
    "notification.cancelled": _l("Notification cancelled"),
    "notification.retried": _l("Failed deliveries retried"),
}


def event_label(action: str) -> str:
    """The readable name of an audited action; the action itself when it has none."""
    return str(EVENT_LABELS.get(action, action))
