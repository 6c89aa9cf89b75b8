"""Notifications: templates, the outbox, dispatch through SendGrid, events, pages and API.

The delivery core (render.py, transports.py, dispatch.py) imports no Flask."""
