"""Alerts in: monitoring webhooks that open or join incidents."""
