"""The monitoring webhook, the alerts page for responders and the sources pages for admins."""

from datetime import timedelta

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import OperationalError

from leaktrack.auth.access import ADMINS, WRITERS, public, roles
from leaktrack.errors import ConflictError, NotFoundError, ValidationError, api_error
from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.timeutil import utcnow
from leaktrack.vocab import CAUSES, SEVERITIES

from . import parse, service, signing
from .parse import FORMATS, SchemaError

api = Blueprint("api_alerts", __name__, url_prefix="/api/v1/alerts")
bp = Blueprint("alerts", __name__, template_folder="templates")

MAX_BODY = 1024 * 1024
#: a delivery that meets a deadlock or a locked database is tried again from the start
ATTEMPTS = 3


# The webhook


@api.post("/<source_name>")
@public
def receive(source_name: str):
    source = service.get_receiving_source(name=source_name)
    now = utcnow()
    body = request.get_data(cache=False) if source.auth == "hmac" else b""
    delivery = service.authenticate(source=source, headers=request.headers, body=body, now=now)
    body = _body_within_limit(body)
    if body is None:
        return api_error(413, "too_large", _("The body is over 1 MiB."))
    if request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        return api_error(415, "unsupported_media_type", _("Send the body as application/json."))
    if delivery and service.is_replay(source=source, webhook_id=delivery.webhook_id):
        raise service.Replayed(delivery.webhook_id)
    records = parse.parse_payload(source.format, parse.decode_json(body))
    wait = service.count_delivery(source=source, now=now)
    if wait is not None:
        response, status = api_error(429, "rate_limited", _("Too many alerts from this source."))
        response.headers["Retry-After"] = str(wait)
        return response, status
    outcomes = _record(source.id, records, delivery.webhook_id if delivery else None, now)
    return jsonify({**outcomes[0].as_json(), "alerts": [o.as_json() for o in outcomes]}), 202


def _body_within_limit(body: bytes) -> bytes | None:
    """The whole body (read now if authentication did not need it), or None if over 1 MiB."""
    if (request.content_length or 0) > MAX_BODY:
        return None
    body = body or request.get_data()
    return body if len(body) <= MAX_BODY else None


def _record(source_id: int, records, webhook_id: str | None, now) -> list[service.Outcome]:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            source = db.session.get(service.AlertSource, source_id)
            outcomes = service.receive(
                source=source, records=records, webhook_id=webhook_id, now=now
            )
            db.session.commit()
            return outcomes
        except OperationalError:
            db.session.rollback()
            if attempt == ATTEMPTS:
                raise


@api.errorhandler(signing.SignatureError)
def _unauthenticated(exc):
    db.session.rollback()
    return api_error(401, "unauthorized", _("Missing or wrong signature or token."))


@api.errorhandler(service.Replayed)
def _replayed(exc):
    db.session.rollback()
    return api_error(409, "replayed", _("This webhook-id was already received."))


@api.errorhandler(SchemaError)
def _malformed(exc: SchemaError):
    return api_error(400, "validation_error", _("The alert does not fit its format."), exc.fields)


# Alerts page


@bp.get("/alerts")
@roles(*WRITERS)
def index():
    sources = service.list_sources()
    chosen = next((s for s in sources if s.name == request.args.get("source")), None)
    return render_template(
        "alerts/index.html",
        alerts=service.recent_alerts(source=chosen, limit=200),
        sources=sources,
        chosen=chosen,
    )


@bp.post("/alerts/<int:alert_id>/move")
@roles(*WRITERS)
def move(alert_id: int):
    alert = service.get_alert(alert_id=alert_id)
    ref = (request.form.get("incident_ref") or "").strip().upper()
    try:
        service.move_alert(
            alert=alert, incident=incidents.get_incident(ref=ref), actor=current_user
        )
    except (NotFoundError, ConflictError) as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Alert moved to %(ref)s.", ref=ref), "success")
    return redirect(request.referrer or url_for(".index"))


@bp.post("/alerts/<int:alert_id>/dismiss")
@roles(*WRITERS)
def dismiss(alert_id: int):
    service.dismiss_alert(alert=service.get_alert(alert_id=alert_id), actor=current_user)
    db.session.commit()
    flash(_("Alert dismissed as a false positive."), "success")
    return redirect(request.referrer or url_for(".index"))


def incident_panel(incident):
    """The incident page's section listing the alerts that opened or joined it."""
    alerts = service.alerts_of_incident(incident=incident)
    if not alerts:
        return None
    return "alerts/_incident_panel.html", {"alerts": alerts}


# Sources pages


@bp.route("/alerts/sources", methods=["GET", "POST"])
@roles(*ADMINS)
def sources():
    errors, new_secret = {}, None
    if request.method == "POST":
        try:
            source, new_secret = service.create_source(actor=current_user, **_source_form())
        except ValidationError as exc:
            errors = exc.fields
            db.session.rollback()
        else:
            db.session.commit()
            flash(_("Source %(name)s created.", name=source.name), "success")
    return _sources_page(errors=errors, new_secret=new_secret, status=400 if errors else 200)


def _source_form() -> dict:
    rate = request.form.get("rate_limit_per_minute", "60").strip()
    return {
        "name": request.form.get("name", "").strip(),
        "format": request.form.get("format", ""),
        "auth": request.form.get("auth", ""),
        "default_severity": request.form.get("default_severity", "medium"),
        "default_cause": request.form.get("default_cause", "other"),
        "rate_limit_per_minute": int(rate) if rate.isdigit() else -1,
    }


def _sources_page(*, errors=None, new_secret=None, status=200):
    return render_template(
        "alerts/sources.html",
        sources=service.list_sources(),
        errors=errors or {},
        form=request.form,
        new_secret=new_secret,
        formats=FORMATS,
        auth_modes=service.AUTH_MODES,
        severities=SEVERITIES,
        causes=CAUSES,
        webhook_base=request.url_root.rstrip("/") + "/api/v1/alerts/",
        now=utcnow(),
    ), status


@bp.post("/alerts/sources/<name>/enabled")
@roles(*ADMINS)
def set_enabled(name: str):
    source = service.get_source(name=name)
    is_enabled = request.form.get("is_enabled") == "1"
    service.set_source_enabled(source=source, actor=current_user, is_enabled=is_enabled)
    db.session.commit()
    return redirect(url_for(".sources"))


@bp.post("/alerts/sources/<name>/rotate")
@roles(*ADMINS)
def rotate(name: str):
    source = service.get_source(name=name)
    hours = request.form.get("overlap_hours", "24").strip()
    try:
        secret = service.rotate_secret(
            source=source,
            actor=current_user,
            overlap=timedelta(hours=int(hours) if hours.isdigit() and len(hours) < 6 else -1),
        )
    except ValidationError as exc:
        flash("; ".join(exc.fields.values()), "error")
        return redirect(url_for(".sources"))
    db.session.commit()
    flash(
        _("New secret for %(name)s; the old one works until the overlap ends.", name=name),
        "success",
    )
    return _sources_page(new_secret=secret)
