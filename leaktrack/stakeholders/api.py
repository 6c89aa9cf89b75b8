"""JSON API: affected people of an incident."""

from flask import Blueprint

from . import models  # noqa: F401  (tables known to the app)

bp = Blueprint("api_stakeholders", __name__, url_prefix="/api/v1/incidents")
