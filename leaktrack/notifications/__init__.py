"""Notifications: templates, the outbox, dispatch through SendGrid, events, pages and API.

The delivery core (render.py, transports.py, dispatch.py) imports no Flask."""


def init_app(app) -> None:
    """Load the message templates at start: a broken one stops the app with file:line."""
    from leaktrack.notifications.render import load_templates

    app.extensions["leaktrack_templates_parsed"] = load_templates(
        app.config["LEAKTRACK_TEMPLATES_DIR"]
    )
