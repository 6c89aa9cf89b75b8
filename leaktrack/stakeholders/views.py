"""Stakeholder pages: search, a person (audited), edit, erase, imports, an incident's people."""

import csv
import io

from flask import (
    Blueprint,
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from leaktrack.auth.access import WRITERS, roles
from leaktrack.errors import ConflictError, NotFoundError, ValidationError
from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.vocab import DATA_CATEGORIES, STAKEHOLDER_KINDS

from . import records, service, uploads
from .categories import from_bits
from .models import StakeholderImport

bp = Blueprint("stakeholders", __name__, template_folder="templates")
PER_PAGE = 100


def _shown(people, where: str, incident=None) -> list[tuple]:
    """People with their contact data, the viewing audited (committed with the page)."""
    rows = [(person, service.contact_of(person)) for person in people]
    service.record_view(
        actor=current_user, stakeholder_ids=[p.id for p in people], where=where, incident=incident
    )
    db.session.commit()
    return rows


@bp.get("/stakeholders")
@roles(*WRITERS)
def index():
    query = request.args.get("q", "").strip()
    link_to = request.args.get("incident", "").strip()
    people = service.search(query=query) if query else []
    recent = db.session.scalars(
        select(StakeholderImport).order_by(StakeholderImport.id.desc()).limit(10)
    ).all()
    return render_template(
        "stakeholders/index.html", query=query, link_to=link_to, recent=recent,
        people=_shown(people, "search"), kinds=STAKEHOLDER_KINDS, categories=DATA_CATEGORIES,
    )  # fmt: skip


@bp.get("/stakeholders/<int:stakeholder_id>")
@roles(*WRITERS)
def show(stakeholder_id: int):
    person = service.get_stakeholder(stakeholder_id=stakeholder_id)
    links = service.incidents_of(stakeholder=person)
    [(person, contact)] = _shown([person], "person")
    return render_template(
        "stakeholders/show.html", person=person, contact=contact, links=links, from_bits=from_bits
    )


@bp.route("/stakeholders/<int:stakeholder_id>/edit", methods=["GET", "POST"])
@roles(*WRITERS)
def edit(stakeholder_id: int):
    person = service.get_stakeholder(stakeholder_id=stakeholder_id)
    errors, values = {}, request.form
    if request.method == "POST":
        try:
            data = {f: request.form.get(f, "") for f in records.FIELDS if f != "external_ref"}
            service.update_stakeholder(stakeholder=person, actor=current_user, data=data)
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".show", stakeholder_id=person.id))
        except ValidationError as exc:
            db.session.rollback()
            errors = exc.fields
    else:
        values = service.stakeholder_json(person)
        service.record_view(actor=current_user, stakeholder_ids=[person.id], where="edit")
        db.session.commit()
    status = 400 if errors else 200
    return render_template("stakeholders/edit.html", person=person, values=values, errors=errors), status  # fmt: skip


@bp.post("/stakeholders/<int:stakeholder_id>/erase")
@roles(*WRITERS)
def erase(stakeholder_id: int):
    person = service.get_stakeholder(stakeholder_id=stakeholder_id)
    try:
        service.erase_stakeholder(
            stakeholder=person, actor=current_user, reason=request.form.get("reason", "")
        )
        db.session.commit()
        flash(_("The person's contact data was erased."), "success")
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.fields.get("reason", _("Some fields are not valid.")), "error")
    return redirect(url_for(".show", stakeholder_id=stakeholder_id))


# Imports


def _mapping_from(text: str) -> dict:
    mapping = {}
    for line in (text or "").splitlines():
        source, _sep, field = line.partition("=")
        if source.strip() and field.strip() in records.FIELDS:
            mapping[source.strip()] = field.strip()
        elif line.strip():
            raise ValidationError({"mapping": _("Write one HEADER=FIELD per line.")})
    return mapping


def _incident_or_none(ref: str):
    return incidents.get_incident(ref=ref) if ref else None


@bp.route("/stakeholders/imports/new", methods=["GET", "POST"])
@roles(*WRITERS)
def new_import():
    errors = {}
    if request.method == "POST":
        file = request.files.get("file")
        try:
            upload = uploads.queue_import(
                content=file.read() if file else b"", filename=file.filename if file else "",
                kind=request.form.get("kind", ""), encoding=request.form.get("encoding", "auto"),
                incident=_incident_or_none(request.form.get("incident_ref", "").strip()),
                categories=request.form.getlist("categories"),
                mapping=_mapping_from(request.form.get("mapping", "")), actor=current_user,
            )  # fmt: skip
            db.session.commit()
            return redirect(url_for(".import_status", upload_id=upload.id))
        except ValidationError as exc:
            db.session.rollback()
            errors = exc.fields
        except NotFoundError as exc:
            db.session.rollback()
            errors = {"incident_ref": str(exc)}
    return render_template(
        "stakeholders/import_new.html", errors=errors, form=request.form,
        kinds=STAKEHOLDER_KINDS, categories=DATA_CATEGORIES, encodings=records.ENCODINGS,
    ), 400 if errors else 200  # fmt: skip


def _upload(upload_id: int) -> StakeholderImport:
    upload = db.session.get(StakeholderImport, upload_id)
    if upload is None:
        raise NotFoundError(_("No such import."))
    return upload


def _status_json(upload: StakeholderImport) -> dict:
    done, total = uploads.progress_of(upload)
    if upload.status == "done":
        done = total = 1
    return {
        "id": upload.id, "status": upload.status, "done": done, "total": total,
        "result": upload.result or {}, "message": upload.message,
    }  # fmt: skip


@bp.get("/stakeholders/imports/<int:upload_id>")
@roles(*WRITERS)
def import_status(upload_id: int):
    upload = _upload(upload_id)
    errors = list(csv.reader(io.StringIO(upload.errors_csv or "")))[1:101]
    return render_template(
        "stakeholders/import_status.html", upload=upload, state=_status_json(upload), errors=errors
    )


@bp.get("/stakeholders/imports/<int:upload_id>/status")
@roles(*WRITERS)
def import_status_json(upload_id: int):
    return jsonify(_status_json(_upload(upload_id)))


@bp.get("/stakeholders/imports/<int:upload_id>/errors.csv")
@roles(*WRITERS)
def import_errors(upload_id: int):
    upload = _upload(upload_id)
    return Response(
        upload.errors_csv or "line,reason\r\n",
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=import-{upload.id}-errors.csv"},
    )


# An incident's people


def incident_panel(incident):
    """The incident page's section: counts of affected people (no personal data)."""
    counts = service.affected_counts(incident=incident)
    return "stakeholders/_incident_panel.html", {"counts": counts, "incident": incident}


@bp.get("/incidents/<ref>/people")
@roles(*WRITERS)
def people(ref: str):
    incident = incidents.get_incident(ref=ref)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    links, total = service.linked_people(incident=incident, page=page, per_page=PER_PAGE)
    shown = _shown([link.stakeholder for link in links], "incident people", incident)
    return render_template(
        "stakeholders/people.html", incident=incident, rows=list(zip(links, shown, strict=True)),
        total=total, page=page, pages=max(1, -(-total // PER_PAGE)), from_bits=from_bits,
        counts=service.affected_counts(incident=incident), kinds=STAKEHOLDER_KINDS,
        categories=DATA_CATEGORIES,
    )  # fmt: skip


@bp.get("/incidents/<ref>/people.csv")
@roles(*WRITERS)
def people_csv(ref: str):
    incident = incidents.get_incident(ref=ref)
    count = service.linked_count(incident=incident)
    service.record_export(actor=current_user, incident=incident, count=count)
    db.session.commit()
    rows = stream_with_context(_export_lines(incident))
    return Response(
        rows, mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={incident.ref}-people.csv"},
    )  # fmt: skip


EXPORT_HEADER = ("kind", "external_ref", "name", "email", "phone", "address", "country",
                 "region", "language", "data_categories")  # fmt: skip


def _export_lines(incident):
    """The CSV a chunk at a time: memory stays flat however many people are linked."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_HEADER)
    for n, (link, person) in enumerate(service.iter_linked(incident=incident), start=1):
        contact = service.contact_of(person)
        writer.writerow([_safe(v) for v in (
            person.kind, person.external_ref, *contact, person.country, person.region,
            person.language, " ".join(from_bits(link.category_bits)))])  # fmt: skip
        if n % 1000 == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def _safe(value):
    """Keep spreadsheet programs from running a cell as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _message(exc: Exception) -> str:
    return "; ".join(getattr(exc, "fields", {}).values()) or str(exc)


def _split_list(text: str) -> list[str]:
    return [item for item in text.replace(",", "\n").split() if item]


@bp.post("/incidents/<ref>/people/link")
@roles(*WRITERS)
def link(ref: str):
    incident = incidents.get_incident(ref=ref)
    items = _split_list(request.form.get("items", ""))
    file = request.files.get("file")
    if file and file.filename:
        raw = file.read(10 * 1024 * 1024 + 1)
        items += _split_list(raw.decode(records.detect_encoding(raw), "replace"))
    ids = request.form.getlist("stakeholder_id", type=int)
    try:
        result = service.link_people(
            incident=incident, actor=current_user, kind=request.form.get("kind") or None,
            refs=[i for i in items if "@" not in i], emails=[i for i in items if "@" in i],
            stakeholder_ids=ids, categories=request.form.getlist("categories") or None,
            via="search" if ids else "list",
        )  # fmt: skip
        db.session.commit()
    except (ValidationError, ConflictError) as exc:
        db.session.rollback()
        flash(_message(exc), "error")
        return redirect(url_for(".people", ref=ref))
    flash(_("%(n)d linked.", n=result.linked), "success")
    if result.not_found:
        flash(_("Not found: %(items)s", items=", ".join(result.not_found[:50])), "error")
    return redirect(url_for(".people", ref=ref))


@bp.post("/incidents/<ref>/people/<int:stakeholder_id>/unlink")
@roles(*WRITERS)
def unlink(ref: str, stakeholder_id: int):
    incident = incidents.get_incident(ref=ref)
    person = service.get_stakeholder(stakeholder_id=stakeholder_id)
    try:
        service.unlink_person(
            incident=incident, stakeholder=person, actor=current_user,
            reason=request.form.get("reason", ""),
        )  # fmt: skip
        db.session.commit()
        flash(_("Removed from the incident."), "success")
    except (ValidationError, ConflictError) as exc:
        db.session.rollback()
        flash(_message(exc), "error")
    return redirect(url_for(".people", ref=ref))


@bp.post("/incidents/<ref>/people/estimate")
@roles(*WRITERS)
def estimate(ref: str):
    incident = incidents.get_incident(ref=ref)
    raw = request.form.get("estimated_unidentified", "").strip()
    try:
        service.set_estimate(
            incident=incident, actor=current_user,
            estimated_unidentified=int(raw) if raw.isdigit() else -1,
        )  # fmt: skip
        db.session.commit()
        flash(_("Saved."), "success")
    except (ValidationError, ConflictError) as exc:
        db.session.rollback()
        flash(_message(exc), "error")
    return redirect(url_for(".people", ref=ref))
