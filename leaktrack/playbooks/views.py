"""Playbook pages: the playbook list, the incident panel, and the run page with its forms."""

from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from leaktrack.audit.models import AuditEvent
from leaktrack.auth.access import ALL_ROLES, WRITERS, roles
from leaktrack.auth.models import User
from leaktrack.errors import ConflictError, ValidationError
from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.timeutil import utcnow

from . import service
from .parse import Playbook

bp = Blueprint("playbooks", __name__, template_folder="templates")


#: the team functions a playbook item may name, as pages show them
ROLE_LABELS = {
    "responder": _l("Responder"),
    "security": _l("Security"),
    "it": _l("IT"),
    "legal": _l("Legal"),
    "privacy": _l("Privacy"),
    "communications": _l("Communications"),
    "customer_support": _l("Customer support"),
    "vendor_manager": _l("Vendor manager"),
    "hr": _l("HR"),
    "management": _l("Management"),
}


def display_markdown(playbook: Playbook) -> str:
    """The playbook as Markdown to show: items as ☐ lines with their due offset and role."""
    phases = [f"## {phase.title}\n\n{phase.markdown}" for phase in playbook.phases]
    return "\n\n".join([playbook.introduction, *phases])


@bp.get("/playbooks")
@roles(*ALL_ROLES)
def index():
    loaded = service.library()
    stale = defaultdict(list)
    for problem in service.version_problems(library=loaded):
        stale[problem.split(":")[0]].append(problem)
    return render_template(
        "playbooks/index.html",
        entries=loaded.all(),
        stale=stale,
        display_markdown=display_markdown,
    )


def incident_panel(incident) -> tuple[str, dict]:
    """The incident page's section: suggested playbooks and the runs with their progress."""
    runs = service.runs_for(incident=incident)
    running = {run.version.slug for run in runs}
    now = utcnow()
    return "playbooks/_incident_panel.html", {
        "incident": incident,
        "runs": runs,
        "suggested": [p for p in service.suggestions(incident=incident) if p.slug not in running],
        "others": [
            p
            for p in sorted(service.library().playbooks.values(), key=lambda p: p.title.lower())
            if p.slug not in running
        ],
        "progress": service.progress,
        "overdue": {
            run.id: [item for item in run.items if service.is_overdue(item, now)] for run in runs
        },
    }


def _back(ref: str, run_id: int | None = None, anchor: str = ""):
    if run_id is None:
        return redirect(url_for("incidents.show", ref=ref) + "#playbooks")
    return redirect(url_for(".run", ref=ref, run_id=run_id) + anchor)


def _attempt(action) -> bool:
    try:
        action()
    except (ValidationError, ConflictError) as exc:
        db.session.rollback()
        if isinstance(exc, ValidationError):
            message = "; ".join(str(v) for v in exc.fields.values()) or exc.message
        else:
            message = str(exc)
        flash(message or _("Some fields are not valid."), "error")
        return False
    db.session.commit()
    flash(_("Saved."), "success")
    return True


@bp.post("/incidents/<ref>/playbooks")
@roles(*WRITERS)
def start(ref: str):
    incident = incidents.get_incident(ref=ref)
    started = []
    slug = request.form.get("slug", "")
    if _attempt(
        lambda: started.append(service.start_run(incident=incident, slug=slug, actor=current_user))
    ):
        return _back(ref, started[0].id)
    return _back(ref)


def _history(run) -> dict[str, list[AuditEvent]]:
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.incident_id == run.incident_id,
            AuditEvent.object_type == "playbook_item",
            AuditEvent.object_id.in_([str(item.id) for item in run.items] or ["-"]),
        )
        .order_by(AuditEvent.seq.desc())
    )
    found = defaultdict(list)
    for event in events:
        found[event.object_id].append(event)
    return found


def _phases(run) -> list[tuple[str, str, list]]:
    guidance = {p["title"]: p["guidance"] for p in run.version.snapshot.get("phases", [])}
    order: dict[str, list] = {}
    for item in run.items:
        order.setdefault(item.phase, []).append(item)
    return [(phase, guidance.get(phase, ""), items) for phase, items in order.items()]


@bp.get("/incidents/<ref>/playbooks/<int:run_id>")
@roles(*ALL_ROLES)
def run(ref: str, run_id: int):
    incident = incidents.get_incident(ref=ref)
    found = service.get_run(incident=incident, run_id=run_id)
    users = db.session.scalars(
        select(User).where(User.role.in_(sorted(WRITERS)), User.is_enabled).order_by(User.email)
    )
    return render_template(
        "playbooks/run.html",
        incident=incident,
        run=found,
        phases=_phases(found),
        history=_history(found),
        users=list(users),
        progress=service.progress(found),
        is_overdue=service.is_overdue,
        now=utcnow(),
        role_labels=ROLE_LABELS,
    )


def _item_change(form) -> dict:
    """The service change a run-page form asks for."""
    action = form.get("action", "")
    if action in ("tick", "untick"):
        return {
            "done": action == "tick",
            "note": form.get("note", ""),
            "evidence_url": form.get("evidence_url", ""),
        }
    if action == "assign":
        return {"assignee": form.get("assignee", "")}
    if action in ("not_applicable", "applicable"):
        return {"not_applicable": action == "not_applicable", "reason": form.get("reason", "")}
    raise ValidationError({"action": _("Unknown action.")})


@bp.post("/incidents/<ref>/playbooks/<int:run_id>/items/<int:item_id>")
@roles(*WRITERS)
def change_item(ref: str, run_id: int, item_id: int):
    incident = incidents.get_incident(ref=ref)
    item = service.get_item(run=service.get_run(incident=incident, run_id=run_id), item_id=item_id)
    _attempt(
        lambda: service.update_item(
            item=item, actor=current_user, changes=_item_change(request.form)
        )
    )
    return _back(ref, run_id, f"#item-{item_id}")


@bp.post("/incidents/<ref>/playbooks/<int:run_id>/items")
@roles(*WRITERS)
def add_item(ref: str, run_id: int):
    incident = incidents.get_incident(ref=ref)
    found = service.get_run(incident=incident, run_id=run_id)
    form = request.form
    _attempt(
        lambda: service.add_item(
            run=found,
            actor=current_user,
            text=form.get("text", ""),
            phase=form.get("phase", ""),
            due=form.get("due", ""),
        )
    )
    return _back(ref, run_id, "#add-item")
