"""Scheduled work: send what is due (run by the scheduler process, never by the web app)."""

from leaktrack.notifications import sending


def dispatch() -> None:
    """Reclaim expired leases, then send due deliveries for up to 50 seconds."""
    sending.dispatch_due(budget=50.0)
