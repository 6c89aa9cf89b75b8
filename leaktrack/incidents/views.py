"""Incident pages for responders (read-only for executives)."""

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from leaktrack.audit import service as audit
from leaktrack.auth.access import ALL_ROLES, WRITERS, roles
from leaktrack.errors import ConflictError, ValidationError
from leaktrack.extensions import db
from leaktrack.rendering import render_markdown
from leaktrack.timeutil import localize
from leaktrack.vocab import SEVERITIES, STATUSES, vocab_label

from . import panels, service
from .forms import IncidentForm, NoteForm, StatusForm
from .validation import TIME_FIELDS

bp = Blueprint("incidents", __name__, template_folder="templates")
PER_PAGE = 50


def _zone() -> str:
    return current_app.config["LEAKTRACK_TIMEZONE"]


def _form_input(form: IncidentForm) -> dict:
    """The form's values in the shape the service validates (local times read as UTC)."""
    data = {
        name: getattr(form, name).data
        for name in (
            "title",
            "summary",
            "severity",
            "cause",
            "data_categories",
            "malicious",
            "data_encrypted",
        )
    }
    data["risk_level"] = form.risk_level.data or None
    data["jurisdictions"] = [
        c for c in (form.jurisdictions.data or "").replace(" ", ",").split(",") if c
    ]
    for name in TIME_FIELDS:
        value = getattr(form, name).data
        data[name] = localize(value, _zone()) if value else None
    if form.affected_count.data is not None:
        data["affected_count"] = form.affected_count.data
    return data


def _fill_form(form: IncidentForm, incident) -> None:
    from zoneinfo import ZoneInfo

    for name, value in service.facts(incident).items():
        if name in TIME_FIELDS:
            value = value.astimezone(ZoneInfo(_zone())).replace(tzinfo=None) if value else None
        elif name == "jurisdictions":
            value = ", ".join(value or [])
        getattr(form, name).data = value


def _show_errors(form, exc: ValidationError) -> None:
    for name, message in exc.fields.items():
        field = getattr(form, name, None)
        (field.errors if field is not None else form.form_errors).append(message)
    flash(_("Please correct the marked fields."), "error")


class _Page:
    def __init__(self, page: int, total: int, args: dict):
        self.page, self.pages = page, max(1, -(-total // PER_PAGE))
        self.has_prev, self.has_next = page > 1, page < self.pages
        self.prev_url = url_for(".index", **args, page=page - 1) if self.has_prev else None
        self.next_url = url_for(".index", **args, page=page + 1) if self.has_next else None


@bp.get("/incidents")
@roles(*ALL_ROLES)
def index():
    args = {
        "status": request.args.get("status") if request.args.get("status") in STATUSES else None,
        "severity": request.args.get("severity")
        if request.args.get("severity") in SEVERITIES
        else None,
        "q": (request.args.get("q") or "").strip()[:100] or None,
    }
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and int(page) > 0 else 1
    items, total = service.list_incidents(
        status=args["status"],
        severity=args["severity"],
        query=args["q"],
        page=page,
        per_page=PER_PAGE,
    )
    args = {k: v for k, v in args.items() if v}
    return render_template(
        "incidents/index.html",
        incidents=items,
        total=total,
        filters=args,
        pagination=_Page(page, total, args),
        statuses=STATUSES,
        severities=SEVERITIES,
    )


@bp.route("/incidents/new", methods=["GET", "POST"])
@roles(*WRITERS)
def create():
    form = IncidentForm()
    if form.validate_on_submit():
        try:
            incident = service.create_incident(actor=current_user, data=_form_input(form))
        except ValidationError as exc:
            _show_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Incident %(ref)s recorded.", ref=incident.ref), "success")
            return redirect(url_for(".show", ref=incident.ref))
    return render_template("incidents/form.html", form=form, incident=None)


@bp.get("/incidents/<ref>")
@roles(*ALL_ROLES)
def show(ref: str):
    incident = service.get_incident(ref=ref)
    status_form = StatusForm()
    status_form.status.choices = [
        (s, vocab_label("status", s)) for s in service.allowed_moves(incident.status)
    ]
    return render_template(
        "incidents/show.html",
        incident=incident,
        status_form=status_form,
        note_form=NoteForm(),
        timeline=audit.incident_timeline(incident_id=incident.id, limit=200),
        panels=panels.render_panels(incident),
    )


@bp.route("/incidents/<ref>/edit", methods=["GET", "POST"])
@roles(*WRITERS)
def edit(ref: str):
    incident = service.get_incident(ref=ref)
    form = IncidentForm()
    if request.method == "GET":
        _fill_form(form, incident)
    elif form.validate_on_submit():
        try:
            service.update_incident(incident=incident, actor=current_user, data=_form_input(form))
        except ValidationError as exc:
            _show_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for(".show", ref=incident.ref))
    return render_template("incidents/form.html", form=form, incident=incident)


@bp.post("/incidents/<ref>/status")
@roles(*WRITERS)
def change_status(ref: str):
    incident = service.get_incident(ref=ref)
    try:
        service.change_status(
            incident=incident, actor=current_user, status=request.form.get("status", "")
        )
    except (ConflictError, ValidationError) as exc:
        flash(
            str(exc) if isinstance(exc, ConflictError) else "; ".join(exc.fields.values()), "error"
        )
    else:
        db.session.commit()
        flash(
            _("Status is now %(status)s.", status=vocab_label("status", incident.status)), "success"
        )
    return redirect(url_for(".show", ref=ref))


@bp.post("/incidents/<ref>/notes")
@roles(*WRITERS)
def add_note(ref: str):
    incident = service.get_incident(ref=ref)
    try:
        service.add_note(incident=incident, actor=current_user, text=request.form.get("text", ""))
    except ValidationError as exc:
        flash("; ".join(exc.fields.values()), "error")
    else:
        db.session.commit()
        flash(_("Note added."), "success")
    return redirect(url_for(".show", ref=ref) + "#timeline")


@bp.post("/preview")
@roles(*WRITERS)
def preview():
    body = request.get_json(silent=True)
    text = body.get("text", "") if isinstance(body, dict) else ""
    return jsonify(html=render_markdown(text if isinstance(text, str) else ""))
