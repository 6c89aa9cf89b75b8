from flask import Blueprint, jsonify
from sqlalchemy import text

from leaktrack.auth.access import public
from leaktrack.errors import api_error
from leaktrack.extensions import db

from .openapi import build_document

bp = Blueprint("api", __name__)


@bp.get("/healthz")
@public
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
@public
def readyz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any database failure means not ready
        return api_error(503, "database_unavailable", "The database cannot be reached.")
    return jsonify(status="ready")


@bp.get("/api/openapi.json")
@public
def openapi():
    return jsonify(build_document())
