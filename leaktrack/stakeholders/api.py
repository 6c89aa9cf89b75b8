"""JSON API: affected people of an incident (counts only; linking by ref)."""

import io

from flask import Blueprint, abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from leaktrack.api.body import json_body
from leaktrack.auth.access import ALL_ROLES, WRITERS, roles
from leaktrack.errors import ValidationError
from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.vocab import DATA_CATEGORIES, STAKEHOLDER_KINDS

from . import records, service

bp = Blueprint("api_stakeholders", __name__, url_prefix="/api/v1/incidents")

CSV_MAX = 10 * 1024 * 1024


@bp.get("/<ref>/affected")
@roles(*ALL_ROLES)
def affected(ref: str):
    incident = incidents.get_incident(ref=ref)
    return jsonify(service.affected_counts(incident=incident))


def _people_from_json() -> tuple[list[dict], list | None, int | None]:
    body = json_body(expect=(list, dict))
    if isinstance(body, list):
        return body, None, None
    people = body.get("people", [])
    categories = body.get("data_categories")
    if categories is not None and not (
        isinstance(categories, list) and all(isinstance(c, str) for c in categories)
    ):
        raise ValidationError({"data_categories": _("Expected a list of data categories.")})
    if unknown := [c for c in categories or () if c not in DATA_CATEGORIES]:
        raise ValidationError(
            {"data_categories": _("Unknown data categories: %(codes)s.", codes=", ".join(unknown))}
        )
    return people, categories, body.get("estimated_unidentified")


def _people_from_csv() -> list[dict]:
    upload = request.files.get("file")
    if request.mimetype == "multipart/form-data" and upload is None:
        raise ValidationError({"file": _("Upload the CSV as the form field named file.")})
    data = upload.read(CSV_MAX + 1) if upload else request.get_data(cache=False)
    if len(data) > CSV_MAX:
        abort(413, _("The body is too large."))
    try:
        text = data.decode(records.detect_encoding(data))
    except UnicodeDecodeError:
        raise ValidationError({"file": _("The CSV is not UTF-8 or CP932.")}) from None
    rows = list(csv_rows(text))
    if rows and "external_ref" not in rows[0]:
        raise ValidationError({"file": _("The CSV needs an external_ref column.")})
    return rows


def csv_rows(text: str):
    import csv

    return csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))


def _refs_by_kind(people: list) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for index, person in enumerate(people):
        kind = person.get("kind") if isinstance(person, dict) else None
        ref = person.get("external_ref") if isinstance(person, dict) else None
        if kind not in STAKEHOLDER_KINDS or not isinstance(ref, str) or not ref.strip():
            raise ValidationError({f"people[{index}]": _("Give a known kind and an external_ref.")})
        grouped.setdefault(kind, []).append(ref)
    return grouped


@bp.post("/<ref>/affected")
@roles(*WRITERS)
def link(ref: str):
    incident = incidents.get_incident(ref=ref)
    if request.mimetype in ("text/csv", "application/csv", "multipart/form-data"):
        people, categories, estimate = _people_from_csv(), None, None
    else:
        people, categories, estimate = _people_from_json()
    if not isinstance(people, list):
        raise ValidationError({"people": _("Expected a list.")})
    linked, not_found = 0, []
    for kind, refs in _refs_by_kind(people).items():
        result = service.link_people(
            incident=incident, actor=current_user, refs=refs, kind=kind,
            categories=categories, via="api",
        )  # fmt: skip
        linked += result.linked
        not_found += [{"kind": kind, "external_ref": r} for r in result.not_found]
    if estimate is not None:
        service.set_estimate(incident=incident, actor=current_user, estimated_unidentified=estimate)
    db.session.commit()
    counts = service.affected_counts(incident=incident)
    return jsonify({**counts, "linked": linked, "not_found": not_found})
