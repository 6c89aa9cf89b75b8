"""Notifications: compose, fan out into the outbox, prepare batches, count, cancel, retry.

Verbs flush, the caller commits (the dispatch job commits per step: see dispatch.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import case, func, insert, literal, select, update

from leaktrack.audit import service as audit
from leaktrack.auth.models import User
from leaktrack.errors import ConflictError, NotFoundError, ValidationError
from leaktrack.extensions import db
from leaktrack.incidents.models import Incident
from leaktrack.notifications import render
from leaktrack.notifications.models import (
    DELIVERY_STATUSES,
    GONE_OUT,
    Delivery,
    Notification,
)
from leaktrack.notifications.render import Template, TemplateProblem
from leaktrack.stakeholders import categories as cats
from leaktrack.stakeholders.models import IncidentStakeholder, Stakeholder
from leaktrack.timeutil import utcnow
from leaktrack.vocab import DATA_CATEGORIES, STAKEHOLDER_KINDS, vocab_label

log = logging.getLogger(__name__)

#: the contract's audiences and the template audience each one takes
AUDIENCES = {"affected": "customer", "regulator": "regulator", "internal": "internal"}
LANGUAGE_CHOICES = ("auto", "ja", "en")
MAX_LISTED_RECIPIENTS = 1000
FIELD_MAX = 20_000


# -- templates -----------------------------------------------------------------------------


def regulator_directory():
    """The regulator directory loaded when the app started."""
    return current_app.extensions["leaktrack_regulators"]


def templates() -> dict[tuple[str, str], Template]:
    """Every template of the configured folder, loaded once per app; a broken one raises."""
    loaded = current_app.extensions.get("leaktrack_templates")
    if loaded is None:
        loaded = current_app.extensions.get("leaktrack_templates_parsed")
        if loaded is None:
            loaded = render.load_templates(current_app.config["LEAKTRACK_TEMPLATES_DIR"])
        for template in loaded.values():
            if template.audience in ("customer", "regulator"):
                _sample_render(template)
        current_app.extensions["leaktrack_templates"] = loaded
    return loaded


def _sample_render(template: Template) -> None:
    """Render with sample values so a misspelt incident.<field> is refused at load."""
    with force_locale(template.language):
        values = {
            "incident": incident_values(SampleIncident(), template.language),
            "affected": {
                "total": 1,
                "identified": 1,
                "estimated_unidentified": 0,
                "by_kind": {},
                "by_category": {},
                "by_country": {},
            },  # fmt: skip
            "fields": render.merged_fields(template, {}),
        }
        render.render(template, values)


class SampleIncident:
    """An incident with every field templates read, for checking templates at load."""

    ref, title, summary, status, severity, cause = "LT-2000-0001", "t", "s", "open", "low", "other"
    data_categories, jurisdictions, affected_count = ["name"], ["JP"], 1
    is_malicious = is_data_encrypted = False
    risk_level = "risk"
    occurred_at = detected_at = aware_at = contained_at = resolved_at = None
    owner = None


def get_template(template_id: str, language: str) -> Template:
    """One template, or NotFoundError."""
    found = templates().get((template_id, language))
    if found is None:
        raise NotFoundError(_("No template %(id)s in %(language)s.", id=template_id, language=language))  # fmt: skip
    return found


def template_languages(template_id: str) -> list[str]:
    """The languages a template exists in."""
    return sorted(language for (tid, language) in templates() if tid == template_id)


# -- values --------------------------------------------------------------------------------


def _when(value: datetime | None, language: str) -> str:
    if value is None:
        return ""
    from zoneinfo import ZoneInfo

    zone = current_app.config.get("LEAKTRACK_TIMEZONE") or "UTC"
    local = value.astimezone(ZoneInfo(zone))
    if language == "ja":
        return local.strftime("%Y年%m月%d日 %H:%M") + f" ({zone})"
    return local.strftime("%d %B %Y, %H:%M") + f" ({zone})"


def _labels(vocab: str, values: Iterable[str]) -> list[str]:
    return [vocab_label(vocab, value) for value in values]


def incident_values(incident, language: str) -> dict:
    """The incident as templates see it: display-ready strings in the message's language."""
    with force_locale(language):
        joiner = "、" if language == "ja" else ", "
        categories = [c for c in DATA_CATEGORIES if c in (incident.data_categories or ())]
        return {
            "ref": incident.ref,
            "title": incident.title,
            "summary": incident.summary or "",
            "status": vocab_label("status", incident.status),
            "severity": vocab_label("severity", incident.severity),
            "cause": vocab_label("cause", incident.cause),
            "cause_code": incident.cause,
            "data_categories": joiner.join(_labels("data_category", categories)),
            "data_category_codes": categories,
            "malicious": bool(incident.is_malicious),
            "data_encrypted": bool(incident.is_data_encrypted),
            "risk_level": vocab_label("risk_level", incident.risk_level),
            "jurisdictions": ", ".join(incident.jurisdictions or ()),
            "affected_count": incident.affected_count or 0,
            "occurred_at": _when(incident.occurred_at, language),
            "detected_at": _when(incident.detected_at, language),
            "aware_at": _when(incident.aware_at, language),
            "contained_at": _when(incident.contained_at, language),
            "resolved_at": _when(incident.resolved_at, language),
            "owner": incident.owner.email if incident.owner else "",
        }


@lru_cache(maxsize=4096)
def data_words(bits: int, language: str) -> str:
    """A person's exposed data categories as words in the message's language."""
    with force_locale(language):
        joiner = "、" if language == "ja" else ", "
        return joiner.join(_labels("data_category", cats.from_bits(bits)))


def values_for(notification: Notification, template: Template) -> dict:
    """What the template of a notification is rendered with (recipients aside)."""
    values = dict(notification.values or {})
    values["fields"] = render.merged_fields(template, values.get("fields"))
    if notification.incident is not None and template.audience != "internal":
        values["incident"] = incident_values(notification.incident, template.language)
        if template.audience == "regulator":
            from leaktrack.stakeholders.service import affected_counts

            values["affected"] = affected_counts(incident=notification.incident)
    return values


def render_for(notification: Notification, language: str) -> render.Rendered:
    """The shared content of a notification in one language, with recipients' tags."""
    template = get_template(notification.template_id, language)
    return render.render(template, values_for(notification, template))


# -- compose -------------------------------------------------------------------------------


def _clean_list(value, allowed: Iterable[str], name: str, errors: dict) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors[name] = _("Must be a list of names.")
        return []
    bad = [v for v in value if v not in allowed]
    if bad:
        errors[name] = _("Unknown: %(values)s.", values=", ".join(bad[:5]))
    return value


def clean_recipients(value, errors: dict) -> list[str]:
    """Listed addresses (or users), checked and without repeats; problems go in errors."""
    if not isinstance(value, list) or not value:
        errors["recipients"] = _("Give at least one e-mail address.")
        return []
    cleaned = []
    for item in value[: MAX_LISTED_RECIPIENTS + 1]:
        address = item.email if isinstance(item, User) else item
        if (
            not isinstance(address, str)
            or "@" not in address
            or len(address) > 254
            or any(c.isspace() or c in ",;<>" for c in address.strip())
        ):
            errors["recipients"] = _("Not an e-mail address: %(value)s", value=str(address)[:80])
            return []
        cleaned.append(address.strip())
    if len(value) > MAX_LISTED_RECIPIENTS:
        errors["recipients"] = _("At most %(n)d recipients.", n=MAX_LISTED_RECIPIENTS)
    return list(dict.fromkeys(cleaned))


def _clean_values(value, errors: dict) -> dict:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        errors["values"] = _("Must be an object.")
        return {}
    fields = value.get("fields", {})
    if not isinstance(fields, dict) or not all(
        isinstance(v, str) and len(v) <= FIELD_MAX for v in fields.values()
    ):
        errors["values"] = _("Field values must be text of at most %(n)d characters.", n=FIELD_MAX)
    return value


def check_language(template_id: str, language: str, errors: dict) -> list[str]:
    """The template's languages; a problem with the template or language goes in errors."""
    available = template_languages(template_id)
    if not available:
        errors["template"] = _("No such template.")
    elif language not in LANGUAGE_CHOICES:
        errors["language"] = _("Must be one of: %(values)s.", values=", ".join(LANGUAGE_CHOICES))
    elif language != "auto" and language not in available:
        errors["language"] = _("The template exists in: %(values)s.", values=", ".join(available))
    return available


def problem_fields(problem: TemplateProblem) -> dict:
    """A template problem as a field error: file:line: message."""
    return {"template": f"{problem.path.rsplit('/', 1)[-1]}:{problem.line}: {problem.message}"}


def create_notification(
    *,
    incident: Incident | None,
    actor,
    audience: str,
    template_id: str,
    language: str = "auto",
    scheduled_for: datetime | None = None,
    filters: dict | None = None,
    recipients: list | None = None,
    values: dict | None = None,
    now: datetime | None = None,
) -> Notification:
    """Validate, render once to refuse a broken template, fan out the deliveries, audit."""
    now = now or utcnow()
    errors: dict[str, str] = {}
    if not isinstance(audience, str) or audience not in AUDIENCES:
        errors["audience"] = _("Must be one of: %(values)s.", values=", ".join(AUDIENCES))
        raise ValidationError(errors)
    if incident is None and audience != "internal":
        raise ValidationError({"incident": _("Only internal messages go without an incident.")})
    if incident is not None and incident.is_closed:
        raise ConflictError(_("The incident is closed."))
    if not isinstance(template_id, str) or not template_id:
        raise ValidationError({"template": _("Choose a template.")})
    available = check_language(template_id, language, errors)
    filters = filters if isinstance(filters, dict) else {}
    kinds = _clean_list(filters.get("kinds"), STAKEHOLDER_KINDS, "filters", errors)
    categories = _clean_list(filters.get("data_categories"), DATA_CATEGORIES, "filters", errors)
    values = _clean_values(values, errors)
    addresses: list[str] = []
    if audience == "affected":
        if recipients:
            errors["recipients"] = _("Affected people come from the incident, not a list.")
    else:
        addresses = clean_recipients(recipients, errors)
    if errors:
        raise ValidationError(errors)
    wanted = available if language == "auto" else [language]
    for lang in wanted:
        template = get_template(template_id, lang)
        if AUDIENCES[audience] != template.audience:
            raise ValidationError({"template": _("This template is for %(a)s messages.", a=template.audience)})  # fmt: skip
    notification = Notification(
        incident_id=incident.id if incident else None,
        audience=audience,
        template_id=template_id,
        language=language,
        filters={"kinds": kinds, "data_categories": categories},
        values=values,
        rule_id=template.rule,
        scheduled_for=max(scheduled_for or now, now),
        created_by=actor if isinstance(actor, User) else None,
    )
    notification.incident = incident
    for lang in wanted:
        try:
            render_for(notification, lang)
        except TemplateProblem as problem:
            raise ValidationError(problem_fields(problem), _("The template cannot be rendered.")) from None  # fmt: skip
    db.session.add(notification)
    db.session.flush()
    if audience == "affected":
        count = _fan_out_affected(notification, incident, kinds, categories, language, available)
    else:
        count = _fan_out_listed(notification, addresses, wanted[0])
    notification.recipient_count = count
    audit.record(
        "notification.scheduled",
        actor=actor,
        actor_label=None if actor else "system",
        incident=incident,
        object_type="notification",
        object_id=notification.id,
        after={
            "audience": audience,
            "template": template_id,
            "language": language,
            "scheduled_for": notification.scheduled_for,
            "recipients": count,
            "filters": notification.filters,
        },
    )
    return notification


def _fan_out_affected(notification, incident, kinds, categories, language, available) -> int:
    """One delivery per linked person, in one INSERT … SELECT; no address → failed at once."""
    link, person = IncidentStakeholder, Stakeholder
    if language != "auto":
        chosen = literal(language)
    else:
        fallback = "en" if "en" in available else available[0]
        chosen = case((person.language.in_(available), person.language), else_=literal(fallback))
    no_address = person.email_index.is_(None)
    query = (
        select(
            literal(notification.id),
            person.id,
            link.category_bits,
            chosen,
            case((no_address, literal("failed")), else_=literal("scheduled")),
            case((no_address, literal("no address")), else_=None),
            literal(notification.scheduled_for, type_=Delivery.__table__.c.due_at.type),
            literal(0),
        )
        .select_from(link)
        .join(person, person.id == link.stakeholder_id)
        .where(link.incident_id == incident.id, link.unlinked_at.is_(None))
        # ids follow language, so a claim (id order) fills whole requests of one language
        .order_by(chosen, person.id)
    )
    if kinds:
        query = query.where(person.kind.in_(kinds))
    if categories:
        query = query.where(cats.any_of(link.category_bits, categories))
    table = Delivery.__table__
    columns = ["notification_id", "stakeholder_id", "category_bits", "language", "status",
               "reason", "due_at", "attempts"]  # fmt: skip
    db.session.execute(insert(table).from_select(columns, query))
    # rowcount of INSERT … SELECT is not reported by every driver: count what is there
    return db.session.scalar(select(func.count()).where(table.c.notification_id == notification.id))


def _fan_out_listed(notification, addresses: list[str], language: str) -> int:
    users = {
        user.email.lower(): user.id
        for user in db.session.scalars(
            select(User).where(func.lower(User.email).in_([a.lower() for a in addresses]))
        )  # fmt: skip
    }
    db.session.execute(
        insert(Delivery.__table__),
        [
            {
                "notification_id": notification.id,
                "email": address,
                "user_id": users.get(address.lower()),
                "category_bits": 0,
                "language": language,
                "status": "scheduled",
                "due_at": notification.scheduled_for,
                "attempts": 0,
            }
            for address in addresses
        ],
    )
    return len(addresses)


def queue_internal(
    *,
    template_id: str,
    values: dict,
    recipients: list,
    language: str = "en",
    incident: Incident | None = None,
    actor=None,
) -> Notification:
    """An internal message (reminder, digest) through the outbox; the scheduler sends it."""
    return create_notification(
        incident=incident,
        actor=actor,
        audience="internal",
        template_id=template_id,
        language=language,
        recipients=list(recipients),
        values=dict(values or {}),
    )


# -- cancel, retry -------------------------------------------------------------------------


def cancel_notification(*, notification: Notification, actor) -> int:
    """Cancel every delivery that has not gone out; 409 when nothing is left to cancel."""
    if notification.cancelled_at is not None:
        raise ConflictError(_("This notification is already cancelled."))
    table = Delivery.__table__
    cancelled = db.session.execute(
        update(table)
        .where(table.c.notification_id == notification.id, table.c.status == "scheduled")
        .values(status="cancelled")
    ).rowcount
    if not cancelled:
        raise ConflictError(_("Nothing left to cancel: every message has gone out."))
    notification.cancelled_at = utcnow()
    notification.cancelled_by_id = actor.id if isinstance(actor, User) else None
    audit.record(
        "notification.cancelled",
        actor=actor,
        incident=notification.incident,
        object_type="notification",
        object_id=notification.id,
        after={"cancelled": cancelled},
    )
    db.session.flush()
    return cancelled


def retry_failed(*, notification: Notification, actor, statuses=("failed",)) -> int:
    """Schedule failed (or uncertain) deliveries again, except those with no address."""
    if notification.cancelled_at is not None:
        raise ConflictError(_("This notification is cancelled."))
    table = Delivery.__table__
    count = db.session.execute(
        update(table)
        .where(
            table.c.notification_id == notification.id,
            table.c.status.in_(list(statuses)),
            func.coalesce(table.c.reason, "") != "no address",
        )
        .values(status="scheduled", due_at=utcnow(), posted_at=None, reason=None)
    ).rowcount
    audit.record(
        "notification.retried",
        actor=actor,
        incident=notification.incident,
        object_type="notification",
        object_id=notification.id,
        after={"rescheduled": count, "statuses": list(statuses)},
    )
    return count


# -- reading -------------------------------------------------------------------------------


def get_notification(*, notification_id: int, incident: Incident | None = None) -> Notification:
    """One notification (of this incident when given), or NotFoundError."""
    valid = isinstance(notification_id, int) and 0 < notification_id < 2**63
    found = db.session.get(Notification, notification_id) if valid else None
    if found is None or (incident is not None and found.incident_id != incident.id):
        raise NotFoundError(_("No such notification."))
    return found


def notifications_of(*, incident: Incident) -> list[Notification]:
    query = (
        select(Notification)
        .where(Notification.incident_id == incident.id)
        .order_by(Notification.id.desc())
    )
    return list(db.session.scalars(query))


def counts_of(notification_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Delivery counts per status for each notification (every status present, zeros too)."""
    ids = list(notification_ids)
    result = {nid: dict.fromkeys(DELIVERY_STATUSES, 0) for nid in ids}
    if not ids:
        return result
    query = (
        select(Delivery.notification_id, Delivery.status, func.count())
        .where(Delivery.notification_id.in_(ids))
        .group_by(Delivery.notification_id, Delivery.status)
    )
    for nid, status, n in db.session.execute(query):
        result[nid][status] = n
    return result


def notification_status(notification: Notification, counts: dict[str, int]) -> str:
    """scheduled, sending, done or cancelled."""
    if counts.get("scheduled") or counts.get("sending"):
        return "sending" if counts.get("sending") or _any_out(counts) else "scheduled"
    if notification.cancelled_at is not None:
        return "cancelled"
    return "done"


def _any_out(counts: dict[str, int]) -> bool:
    return any(counts.get(status) for status in GONE_OUT)


def delivery_counts(incident_id: int) -> dict[str, int]:
    """Deliveries of all the incident's notifications, per status (every status, zeros too)."""
    result = dict.fromkeys(DELIVERY_STATUSES, 0)
    query = (
        select(Delivery.status, func.count())
        .join(Notification, Notification.id == Delivery.notification_id)
        .where(Notification.incident_id == incident_id)
        .group_by(Delivery.status)
    )
    for status, n in db.session.execute(query):
        result[status] = n
    return result


_TEMPLATE_AUDIENCE = {"customer": "affected", "affected": "affected"}


def _first_sent_query(audience: str):
    audience = _TEMPLATE_AUDIENCE.get(audience, audience)
    return (
        select(Notification.incident_id, func.min(Delivery.sent_at))
        .join(Notification, Notification.id == Delivery.notification_id)
        .where(
            Notification.audience == audience,
            Delivery.sent_at.is_not(None),
            Notification.incident_id.is_not(None),
        )
        .group_by(Notification.incident_id)
    )


def first_sent_at(incident_id: int, audience: str) -> datetime | None:
    """When the first message to this audience (affected/customer, regulator, internal) went out."""
    query = _first_sent_query(audience).where(Notification.incident_id == incident_id)
    row = db.session.execute(query).first()
    return _aware(row[1]) if row else None


def first_sent_by_incident(audience: str) -> dict[int, datetime]:
    """incident id → when its first message to this audience went out."""
    return {iid: _aware(at) for iid, at in db.session.execute(_first_sent_query(audience)) if at}


def _aware(value):
    from leaktrack.timeutil import UTCDateTime

    if value is None or isinstance(value, datetime) and value.tzinfo is not None:
        return value
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return UTCDateTime().process_result_value(value, None)
