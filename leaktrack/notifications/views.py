"""Notification pages and the notifications API."""

from __future__ import annotations

from flask import Blueprint

from leaktrack.notifications import models  # noqa: F401  (tables for migrations)

bp = Blueprint("notifications", __name__, template_folder="templates")
api = Blueprint("api_notifications", __name__, url_prefix="/api/v1")
