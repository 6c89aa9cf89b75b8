"""Notifications: templates, the outbox, dispatch through SendGrid, events, pages and API.

The delivery core (render.py, transports.py, dispatch.py) imports no Flask."""


def init_app(app) -> None:
    """Load the message templates and the regulator directory at start: a broken one stops
    the app with file:line."""
    from leaktrack.notifications.render import load_templates

    app.extensions["leaktrack_templates_parsed"] = load_templates(
        app.config["LEAKTRACK_TEMPLATES_DIR"]
    )
    app.extensions["leaktrack_regulators"] = _load_regulators(app)


def _load_regulators(app):
    """The directory, its rule ids checked against the enabled and the shipped rules."""
    from leaktrack.notifications.regulators import SHIPPED_FILE, load_directory
    from leaktrack.obligations.rules import load_rules

    known = {rule.id for rule in app.extensions["leaktrack_rules"].rules}
    if app.config.get("LEAKTRACK_RULES_DIR"):  # a regime switched off there is still known
        known |= {rule.id for rule in load_rules(None).rules}
    path = app.config.get("LEAKTRACK_REGULATORS_FILE") or SHIPPED_FILE
    return load_directory(path, known)
