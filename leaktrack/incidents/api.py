"""JSON API for incidents."""

from flask import Blueprint, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from leaktrack.api.body import json_body
from leaktrack.auth.access import ALL_ROLES, WRITERS, roles
from leaktrack.errors import ValidationError
from leaktrack.extensions import db
from leaktrack.vocab import SEVERITIES, STATUSES

from . import service

bp = Blueprint("api_incidents", __name__, url_prefix="/api/v1/incidents")

MAX_PER_PAGE = 200


def _int_arg(name: str, default: int, upper: int) -> int:
    raw = request.args.get(name, str(default))
    if not raw.isdigit() or not 1 <= int(raw) <= upper:
        raise ValidationError({name: _("Must be a whole number from 1 to %(n)d.", n=upper)})
    return int(raw)


def _vocab_arg(name: str, vocab) -> str | None:
    value = request.args.get(name) or None
    if value is not None and value not in vocab:
        raise ValidationError({name: _("Must be one of: %(values)s.", values=", ".join(vocab))})
    return value


@bp.get("")
@roles(*ALL_ROLES)
def list_incidents():
    page = _int_arg("page", 1, 1_000_000)
    per_page = _int_arg("per_page", 50, MAX_PER_PAGE)
    items, total = service.list_incidents(
        status=_vocab_arg("status", STATUSES),
        severity=_vocab_arg("severity", SEVERITIES),
        page=page,
        per_page=per_page,
    )
    response = jsonify([service.incident_json(i) for i in items])
    response.headers["X-Total-Count"] = str(total)
    return response


@bp.post("")
@roles(*WRITERS)
def create_incident():
    incident = service.create_incident(actor=current_user, data=json_body())
    db.session.commit()
    response = jsonify(service.incident_json(incident))
    response.headers["Location"] = url_for(".get_incident", ref=incident.ref)
    return response, 201


@bp.get("/<ref>")
@roles(*ALL_ROLES)
def get_incident(ref: str):
    return jsonify(service.incident_json(service.get_incident(ref=ref)))


@bp.patch("/<ref>")
@roles(*WRITERS)
def update_incident(ref: str):
    incident = service.get_incident(ref=ref)
    service.update_incident(incident=incident, actor=current_user, data=json_body())
    db.session.commit()
    return jsonify(service.incident_json(incident))
