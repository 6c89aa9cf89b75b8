"""Notification pages: compose with a preview, schedule, progress, deliveries, cancel, retry."""

from __future__ import annotations

import re
from datetime import datetime

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
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from leaktrack.auth.access import ALL_ROLES, WRITERS, roles
from leaktrack.auth.models import User
from leaktrack.errors import ValidationError
from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.notifications import preview, service
from leaktrack.notifications.api import api  # noqa: F401  (registered with the app)
from leaktrack.notifications.models import DELIVERY_STATUSES, Delivery, SentMessage
from leaktrack.timeutil import localize
from leaktrack.vocab import DATA_CATEGORIES, STAKEHOLDER_KINDS, choices

bp = Blueprint("notifications", __name__, template_folder="templates")

PER_PAGE = 100
STATUS_LABELS = {
    "scheduled": _l("Scheduled"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
    "delivered": _l("Delivered"),
    "bounced": _l("Bounced"),
    "dropped": _l("Dropped"),
    "failed": _l("Failed"),
    "cancelled": _l("Cancelled"),
    "uncertain": _l("Uncertain"),
}
AUDIENCE_LABELS = {
    "affected": _l("Affected people"),
    "regulator": _l("Regulator"),
    "internal": _l("Internal users"),
}


def progress_of(counts: dict[str, int]) -> tuple[int, int]:
    """(gone out or settled, total)."""
    total = sum(counts.values())
    return total - counts.get("scheduled", 0) - counts.get("sending", 0), total


def incident_panel(incident) -> tuple[str, dict]:
    """The incident page's notifications section."""
    found = service.notifications_of(incident=incident)
    counts = service.counts_of(n.id for n in found)
    return "notifications/_panel.html", {
        "notifications": found,
        "counts": counts,
        "progress_of": progress_of,
        "status_of": service.notification_status,
        "audience_labels": AUDIENCE_LABELS,
    }


def _template_choices(audience: str) -> list[str]:
    wanted = service.AUDIENCES.get(audience, "customer")
    return sorted({t.id for t in service.templates().values() if t.audience == wanted})


def _form_state(ref: str, source) -> dict:
    """What the compose form shows: chosen audience and template, and entered values."""
    audience = source.get("audience") if source.get("audience") in service.AUDIENCES else "affected"
    options = _template_choices(audience)
    template_id = (
        source.get("template") if source.get("template") in options else (options or [""])[0]
    )
    languages = service.template_languages(template_id) if template_id else []
    template = service.templates().get((template_id, languages[0])) if languages else None
    rule = None
    if template is not None and template.rule:
        from leaktrack.obligations.service import rule_set

        rule = rule_set().get(template.rule)
    regulators = _regulator_choices(audience, template)
    chosen = next((r for r in regulators if r.id == source.get("regulator")), None)
    recipients = source.get("recipients", "")
    if chosen is not None and chosen.email and not recipients:
        recipients = chosen.email
    return {
        "audience": audience,
        "template_id": template_id,
        "regulators": regulators,
        "regulator": chosen,
        "recipients": recipients,
        "template_options": options,
        "template_languages": languages,
        "fields": template.fields if template else {},
        "rule_id": template.rule if template else None,
        "rule": rule,
        "values": source,
        "kinds": choices("kind"),
        "categories": choices("data_category"),
        "audience_labels": AUDIENCE_LABELS,
        "users": _users() if audience == "internal" else [],
    }


def _regulator_choices(audience: str, template) -> list:
    """Directory entries that receive reports for the template's rule."""
    if audience != "regulator" or template is None:
        return []
    return service.regulator_directory().for_rule(template.rule)


def _users() -> list[str]:
    """Enabled users' addresses, for naming internal recipients."""
    query = select(User.email).where(User.is_enabled.is_(True)).order_by(User.email)
    return list(db.session.scalars(query))


@bp.get("/incidents/<ref>/notifications/new")
@roles(*WRITERS)
def compose(ref: str):
    incident = incidents.get_incident(ref=ref)
    return render_template("notifications/compose.html", incident=incident, **_form_state(ref, request.args))  # fmt: skip


_SPLIT = re.compile(r"[\s,;]+")


def _scheduled_for() -> datetime | None:
    raw = (request.form.get("scheduled_for") or "").strip()
    if not raw:
        return None
    try:
        return localize(datetime.fromisoformat(raw), current_app.config["LEAKTRACK_TIMEZONE"])
    except ValueError:
        raise ValidationError({"scheduled_for": _("Not a valid date and time.")}) from None


def _refuse_web_form_only() -> None:
    """A regulator that takes reports only through its web form is not sent to."""
    chosen = service.regulator_directory().get(request.form.get("regulator"))
    if chosen is not None and chosen.is_web_form_only:
        raise ValidationError({"recipients": _("%(name)s takes reports only through its web form: %(url)s", name=chosen.name, url=chosen.filing_url)})  # fmt: skip


def _compose_arguments(incident) -> dict:
    form = request.form
    audience = form.get("audience", "")
    fields = {k[len("field_") :]: v for k, v in form.items() if k.startswith("field_")}
    recipients = [a for a in _SPLIT.split(form.get("recipients", "")) if a]
    recipients += [a for a in form.getlist("users") if a not in recipients]
    return {
        "incident": incident,
        "audience": audience,
        "template_id": form.get("template", ""),
        "language": form.get("language") or "auto",
        "scheduled_for": _scheduled_for(),
        "filters": {
            "kinds": [k for k in form.getlist("kinds") if k in STAKEHOLDER_KINDS],
            "data_categories": [c for c in form.getlist("data_categories") if c in DATA_CATEGORIES],
        },
        "recipients": recipients if audience != "affected" else None,
        "values": {"fields": fields},
    }


@bp.post("/incidents/<ref>/notifications/preview")
@roles(*WRITERS)
def show_preview(ref: str):
    incident = incidents.get_incident(ref=ref)
    state = _form_state(ref, request.form)
    try:
        shown = preview.preview(actor=current_user, **_compose_arguments(incident))
    except ValidationError as exc:
        shown, state["errors"] = None, exc.fields
    db.session.commit()  # the audit of the personal data shown
    return render_template("notifications/compose.html", incident=incident, preview=shown, **state)


@bp.post("/incidents/<ref>/notifications")
@roles(*WRITERS)
def schedule(ref: str):
    incident = incidents.get_incident(ref=ref)
    try:
        _refuse_web_form_only()
        notification = service.create_notification(
            actor=current_user, **_compose_arguments(incident)
        )
    except ValidationError as exc:
        state = _form_state(ref, request.form)
        return render_template("notifications/compose.html", incident=incident, errors=exc.fields, **state), 400  # fmt: skip
    db.session.commit()
    flash(_("Scheduled for %(n)d recipients.", n=notification.recipient_count), "success")
    return redirect(url_for("notifications.show", notification_id=notification.id))


def _contents(notification) -> list[SentMessage]:
    """The first request's content per language, as it went out."""
    first = (
        select(func.min(SentMessage.id))
        .where(SentMessage.notification_id == notification.id)
        .group_by(SentMessage.language)
    )
    return list(db.session.scalars(select(SentMessage).where(SentMessage.id.in_(first))))


@bp.get("/notifications/<int:notification_id>")
@roles(*ALL_ROLES)
def show(notification_id: int):
    notification = service.get_notification(notification_id=notification_id)
    counts = service.counts_of([notification.id])[notification.id]
    return render_template(
        "notifications/show.html",
        notification=notification,
        counts=counts,
        progress=progress_of(counts),
        status=service.notification_status(notification, counts),
        contents=_contents(notification),
        status_labels=STATUS_LABELS,
        audience_labels=AUDIENCE_LABELS,
    )


@bp.get("/notifications/<int:notification_id>/progress.json")
@roles(*ALL_ROLES)
def progress_json(notification_id: int):
    notification = service.get_notification(notification_id=notification_id)
    counts = service.counts_of([notification.id])[notification.id]
    done, total = progress_of(counts)
    return jsonify({"done": done, "total": total, "counts": counts,
                    "status": service.notification_status(notification, counts)})  # fmt: skip


@bp.get("/notifications/<int:notification_id>/deliveries")
@roles(*WRITERS)
def deliveries(notification_id: int):
    notification = service.get_notification(notification_id=notification_id)
    status = request.args.get("status")
    status = status if status in DELIVERY_STATUSES else None
    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows, has_more = preview.delivery_rows(
        notification=notification, status=status, page=page, per_page=PER_PAGE, actor=current_user
    )
    db.session.commit()  # the audit of the addresses shown
    return render_template(
        "notifications/deliveries.html",
        notification=notification,
        rows=rows,
        status=status,
        page=page,
        has_more=has_more,
        status_labels=STATUS_LABELS,
    )


def _act(notification_id: int, action, done_message) -> object:
    notification = service.get_notification(notification_id=notification_id)
    count = action(notification)
    db.session.commit()
    flash(done_message % {"n": count}, "success")
    return redirect(url_for("notifications.show", notification_id=notification.id))


@bp.post("/notifications/<int:notification_id>/cancel")
@roles(*WRITERS)
def cancel(notification_id: int):
    return _act(
        notification_id,
        lambda n: service.cancel_notification(notification=n, actor=current_user),
        _("Cancelled %(n)d messages that had not gone out."),
    )


@bp.post("/notifications/<int:notification_id>/retry")
@roles(*WRITERS)
def retry(notification_id: int):
    statuses = ("uncertain",) if request.form.get("which") == "uncertain" else ("failed",)
    return _act(
        notification_id,
        lambda n: service.retry_failed(notification=n, actor=current_user, statuses=statuses),
        _("Scheduled %(n)d messages again."),
    )


__all__ = ["bp", "api", "incident_panel", "Delivery"]
