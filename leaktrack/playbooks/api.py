"""JSON API for playbook runs on an incident."""

from flask import Blueprint, jsonify, url_for
from flask_babel import gettext as _
from flask_login import current_user

from leaktrack.api.body import json_body
from leaktrack.auth.access import ALL_ROLES, WRITERS, roles
from leaktrack.errors import ValidationError
from leaktrack.extensions import db
from leaktrack.incidents import service as incidents

from . import service

bp = Blueprint("api_playbooks", __name__, url_prefix="/api/v1/incidents")

ITEM_FIELDS = ("done", "note", "evidence_url", "assignee", "not_applicable", "reason")


@bp.get("/<ref>/playbooks")
@roles(*ALL_ROLES)
def list_runs(ref: str):
    incident = incidents.get_incident(ref=ref)
    return jsonify([service.run_json(run) for run in service.runs_for(incident=incident)])


@bp.post("/<ref>/playbooks")
@roles(*WRITERS)
def start_run(ref: str):
    incident = incidents.get_incident(ref=ref)
    body = json_body()
    run = service.start_run(incident=incident, slug=body.get("slug"), actor=current_user)
    db.session.commit()
    response = jsonify(service.run_json(run))
    response.headers["Location"] = url_for(".list_runs", ref=ref) + f"#run-{run.id}"
    return response, 201


@bp.patch("/<ref>/playbooks/<int:run_id>/items/<int:item_id>")
@roles(*WRITERS)
def update_item(ref: str, run_id: int, item_id: int):
    incident = incidents.get_incident(ref=ref)
    item = service.get_item(run=service.get_run(incident=incident, run_id=run_id), item_id=item_id)
    body = json_body()
    unknown = sorted(set(body) - set(ITEM_FIELDS))
    if unknown or not set(body) & {"done", "assignee", "not_applicable"}:
        raise ValidationError(
            {key: _("Unknown field.") for key in unknown},
            _("Send at least one of done, assignee, not_applicable."),
        )
    service.update_item(item=item, actor=current_user, changes=body)
    db.session.commit()
    return jsonify(service.run_json(item.run))
