"""Obligation pages (deadlines, decisions, filings, register) and the obligations API."""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    Response,
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
from sqlalchemy import select

from leaktrack.auth.access import ALL_ROLES, WRITERS, roles
from leaktrack.errors import ValidationError
from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.obligations import service
from leaktrack.obligations.models import ReminderSent
from leaktrack.timeutil import localize, utcnow

bp = Blueprint("obligations", __name__, template_folder="templates")
api = Blueprint("api_obligations", __name__, url_prefix="/api/v1/incidents")


def remaining(due_at: datetime | None, now: datetime) -> str:
    """A countdown such as "2 d 3 h left" or "5 h overdue"."""
    if due_at is None:
        return ""
    hours = int(abs((due_at - now).total_seconds()) // 3600)
    span = (
        _("%(d)d d %(h)d h", d=hours // 24, h=hours % 24) if hours >= 24 else _("%(h)d h", h=hours)
    )
    return _("%(span)s left", span=span) if due_at >= now else _("%(span)s overdue", span=span)


def obligations_panel(incident) -> tuple[str, dict]:
    """The incident page's obligations section."""
    return "obligations/_panel.html", {
        "obligations": service.compute(incident=incident),
        "clock_events": service.CLOCK_EVENTS,
        "now": utcnow(),
        "remaining": remaining,
    }


def _local_time(name: str) -> datetime | None:
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return None
    try:
        return localize(datetime.fromisoformat(raw), current_app.config["LEAKTRACK_TIMEZONE"])
    except ValueError:
        raise ValidationError({name: _("Not a valid date and time.")}) from None


def _done(ref: str, action) -> Response:
    try:
        action(incidents.get_incident(ref=ref))
    except ValidationError as exc:
        flash("; ".join(exc.fields.values()), "error")
    else:
        db.session.commit()
        flash(_("Saved."), "success")
    return redirect(url_for("incidents.show", ref=ref) + "#obligations")


@bp.post("/incidents/<ref>/obligations/<rule_id>/override")
@roles(*WRITERS)
def override(ref: str, rule_id: str):
    return _done(
        ref,
        lambda incident: service.override_obligation(
            incident=incident,
            rule_id=rule_id,
            is_required=request.form.get("required") == "yes",
            rationale=request.form.get("rationale", ""),
            decided_by=request.form.get("decided_by", ""),
            actor=current_user,
        ),
    )


@bp.post("/incidents/<ref>/obligations/<rule_id>/filings")
@roles(*WRITERS)
def record_filing(ref: str, rule_id: str):
    return _done(
        ref,
        lambda incident: service.record_filing(
            incident=incident,
            rule_id=rule_id,
            filed_at=_local_time("filed_at"),
            reference=request.form.get("reference", ""),
            text=request.form.get("text", ""),
            actor=current_user,
        ),
    )


@bp.post("/incidents/<ref>/clock-events")
@roles(*WRITERS)
def clock_event(ref: str):
    return _done(
        ref,
        lambda incident: service.record_clock_event(
            incident=incident,
            event=request.form.get("event", ""),
            at=_local_time("at"),
            actor=current_user,
        ),
    )


@bp.get("/deadlines")
@roles(*ALL_ROLES)
def deadlines():
    reminders = db.session.scalars(
        select(ReminderSent).order_by(ReminderSent.created_at.desc()).limit(20)
    )
    return render_template(
        "obligations/deadlines.html",
        deadlines=service.pending_deadlines(),
        reminders=list(reminders),
        now=utcnow(),
        remaining=remaining,
    )


@bp.get("/obligations/register.csv")
@roles(*ALL_ROLES)
def register():
    filename = f"breach-register-{utcnow():%Y%m%d}.csv"
    return Response(
        service.breach_register_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@api.get("/<ref>/obligations")
@roles(*ALL_ROLES)
def list_obligations(ref: str):
    incident = incidents.get_incident(ref=ref)
    return jsonify([service.obligation_json(o) for o in service.compute(incident=incident)])
