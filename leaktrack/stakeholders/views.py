"""Stakeholder pages: search, a person, imports."""

from flask import Blueprint

from . import models  # noqa: F401

bp = Blueprint("stakeholders", __name__, template_folder="templates")
