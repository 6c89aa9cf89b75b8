"""What a person sees: the preview for a real sample recipient, and the deliveries drill-down.
Both show personal data, so both audit it."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from leaktrack.errors import ValidationError
from leaktrack.extensions import db
from leaktrack.notifications import render, service
from leaktrack.notifications.models import Delivery, Notification
from leaktrack.notifications.render import TemplateProblem
from leaktrack.stakeholders import service as stakeholders
from leaktrack.stakeholders.models import IncidentStakeholder, Stakeholder


def _sample_person(incident, filters: dict):
    for link, person in stakeholders.iter_linked(
        incident=incident, kinds=filters.get("kinds") or (),
        categories=filters.get("data_categories") or (),
    ):  # fmt: skip
        if person.email_index is not None and person.pii is not None:
            return link, person
    return None, None


def preview(*, actor, incident, audience, template_id, language, scheduled_for=None,
            filters=None, recipients=None, values=None) -> dict:  # fmt: skip
    """The message as a sample recipient would get it: subject, HTML, text, who."""
    errors: dict = {}
    available = service.check_language(template_id, language, errors)
    if not isinstance(audience, str) or audience not in service.AUDIENCES:
        errors["audience"] = _("Choose an audience.")
    if errors:
        raise ValidationError(errors)
    filters = filters or {}
    if audience == "affected":
        link, person = _sample_person(incident, filters)
        if person is None:
            raise ValidationError({"audience": _("Nobody linked to the incident has an e-mail address.")})  # fmt: skip
        contact = stakeholders.contact_of(person)
        chosen = language if language != "auto" else (
            person.language if person.language in available else available[0]
        )  # fmt: skip
        who = {"name": contact.name, "email": contact.email,
               "data": service.data_words(link.category_bits, chosen)}  # fmt: skip
        stakeholders.record_view(actor=actor, stakeholder_ids=[person.id],
                                 where="notification preview", incident=incident)  # fmt: skip
    else:
        addresses = service.clean_recipients(recipients, errors)
        if errors:
            raise ValidationError(errors)
        chosen = language if language != "auto" else available[0]
        who = {"name": "", "email": addresses[0], "data": ""}
    template = service.get_template(template_id, chosen)
    if template.audience != service.AUDIENCES[audience]:
        raise ValidationError({"template": _("This template is for %(a)s messages.", a=template.audience)})  # fmt: skip
    draft = Notification(audience=audience, template_id=template_id, values=values or {})
    draft.incident = incident
    try:
        rendered = render.render(template, service.values_for(draft, template), recipient=who)
    except TemplateProblem as problem:
        raise ValidationError(service.problem_fields(problem)) from None
    finally:
        if draft in db.session:
            db.session.expunge(draft)
    return {"subject": rendered.subject, "html": rendered.html, "text": rendered.text,
            "recipient": who["email"], "language": chosen}  # fmt: skip


def delivery_rows(*, notification: Notification, status, page: int, per_page: int, actor):
    """One page of deliveries with their recipient; customers' addresses are unsealed and
    the view audited."""
    query = select(Delivery).where(Delivery.notification_id == notification.id)
    if status:
        query = query.where(Delivery.status == status)
    query = query.order_by(Delivery.id).offset((page - 1) * per_page).limit(per_page + 1)
    found = list(db.session.scalars(query))
    has_more = len(found) > per_page
    found = found[:per_page]
    people = {}
    ids = [d.stakeholder_id for d in found if d.stakeholder_id is not None]
    if ids:
        query = (
            select(Stakeholder)
            .join(IncidentStakeholder, IncidentStakeholder.stakeholder_id == Stakeholder.id)
            .where(Stakeholder.id.in_(ids), IncidentStakeholder.incident_id == notification.incident_id)
        )  # fmt: skip
        people = {p.id: p for p in db.session.scalars(query)}
        stakeholders.record_view(actor=actor, stakeholder_ids=list(people),
                                 where="notification deliveries", incident=notification.incident)  # fmt: skip
    rows = []
    for delivery in found:
        person = people.get(delivery.stakeholder_id)
        if person is not None:
            contact = stakeholders.contact_of(person)
            recipient = f"{person.external_ref or '—'} · {contact.email or _('no address')}"
        else:
            recipient = delivery.email or "—"
        rows.append({"delivery": delivery, "recipient": recipient})
    return rows, has_more
