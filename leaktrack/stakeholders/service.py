"""Stakeholders: find, read (audited), edit, erase, link to incidents, count the affected."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import BinaryIO, NamedTuple

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select, update

from leaktrack.audit import service as audit
from leaktrack.dbutil import dialect_insert
from leaktrack.errors import ConflictError, NotFoundError, ValidationError
from leaktrack.extensions import db
from leaktrack.incidents.models import Incident
from leaktrack.incidents.service import facts_changed
from leaktrack.timeutil import utcnow
from leaktrack.vocab import DATA_CATEGORIES, STAKEHOLDER_KINDS

from . import categories as cats
from . import crypto, records
from .importing import ImportResult, run_import
from .models import AffectedEstimate, IncidentStakeholder, Stakeholder

REASON_MAX = 2000
LIST_MAX = 10_000
LINK_VIA = ("import", "list", "search", "api")


class Contact(NamedTuple):
    name: str
    email: str
    phone: str
    address: str


EMPTY_CONTACT = Contact("", "", "", "")


# Reading


def contact_of(stakeholder: Stakeholder) -> Contact:
    """The person's contact data, unsealed (empty once erased). Audit what you show."""
    if stakeholder.pii is None:
        return EMPTY_CONTACT
    key = crypto.key_ring().get(stakeholder.key_id)
    aad = crypto.associated_data(stakeholder.kind, stakeholder.external_ref)
    return Contact(*crypto.open_sealed(key, stakeholder.pii, aad))


def stakeholder_json(stakeholder: Stakeholder, *, with_contact: bool = True) -> dict:
    """The contract's stakeholder fields."""
    contact = contact_of(stakeholder) if with_contact else EMPTY_CONTACT
    return {
        "id": stakeholder.id,
        "kind": stakeholder.kind,
        "external_ref": stakeholder.external_ref,
        **contact._asdict(),
        "country": stakeholder.country,
        "region": stakeholder.region,
        "language": stakeholder.language,
        "erased": stakeholder.erased_at is not None,
    }


def record_view(*, actor, stakeholder_ids: Iterable[int], where: str, incident=None) -> None:
    """Audit that `actor` was shown these people's contact data on `where` (page or export)."""
    ids = sorted(set(stakeholder_ids))
    if not ids:
        return
    audit.record(
        "stakeholder.viewed",
        actor=actor,
        incident=incident,
        object_type="stakeholder",
        object_id=ids[0] if len(ids) == 1 else f"{len(ids)} people",
        after={"where": where, "stakeholder_ids": ids},
    )


def record_export(*, actor, incident: Incident, count: int) -> None:
    """Audit an export of the contact data of everyone linked to the incident."""
    audit.record(
        "stakeholder.viewed",
        actor=actor,
        incident=incident,
        object_type="incident",
        object_id=incident.ref,
        after={"where": "incident people export", "count": count},
    )


def iter_linked(*, incident: Incident, kinds=(), categories=()):
    """(link, person) for everyone currently linked, streamed in id order.

    `kinds` and `categories` narrow it (a person counts when any of their exposed categories is
    among `categories`). Unseal contact data with contact_of and audit what you show.
    """
    query = (
        select(IncidentStakeholder, Stakeholder)
        .join(Stakeholder, Stakeholder.id == IncidentStakeholder.stakeholder_id)
        .where(
            IncidentStakeholder.incident_id == incident.id,
            IncidentStakeholder.unlinked_at.is_(None),
        )
        .order_by(Stakeholder.id)
        .execution_options(yield_per=1000)
    )
    if kinds:
        query = query.where(Stakeholder.kind.in_(list(kinds)))
    if categories:
        query = query.where(cats.any_of(IncidentStakeholder.category_bits, categories))
    for row in db.session.execute(query):
        yield row.IncidentStakeholder, row.Stakeholder


def get_stakeholder(*, stakeholder_id: int) -> Stakeholder:
    """The stakeholder with this id, or NotFoundError."""
    stakeholder = db.session.get(Stakeholder, stakeholder_id)
    if stakeholder is None:
        raise NotFoundError(_("No such person."))
    return stakeholder


def search(*, query: str, limit: int = 50) -> list[Stakeholder]:
    """People whose external ref, exact e-mail or phone number is `query`."""
    query = (query or "").strip()
    if not query:
        return []
    conditions = [Stakeholder.external_ref == query]
    if "@" in query:
        conditions.append(Stakeholder.email_index.in_(crypto.email_candidates(query)))
    elif phones := crypto.phone_candidates(query):
        conditions.append(Stakeholder.phone_index.in_(phones))
    found = select(Stakeholder).where(db.or_(*conditions)).order_by(Stakeholder.id).limit(limit)
    return list(db.session.scalars(found))


def incidents_of(*, stakeholder: Stakeholder) -> list[IncidentStakeholder]:
    """The person's links to incidents (removed ones too), newest first."""
    query = (
        select(IncidentStakeholder)
        .where(IncidentStakeholder.stakeholder_id == stakeholder.id)
        .order_by(IncidentStakeholder.linked_at.desc())
    )
    return list(db.session.scalars(query))


def linked_people(*, incident: Incident, page: int = 1, per_page: int = 100):
    """One page of the incident's current links, and how many there are."""
    current = and_(
        IncidentStakeholder.incident_id == incident.id, IncidentStakeholder.unlinked_at.is_(None)
    )
    total = db.session.scalar(select(func.count()).select_from(IncidentStakeholder).where(current))
    links = db.session.scalars(
        select(IncidentStakeholder)
        .where(current)
        .order_by(IncidentStakeholder.stakeholder_id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return list(links), total


# Changing people


def _clean_input(stakeholder: Stakeholder, data: dict) -> records.Record:
    current = stakeholder_json(stakeholder)
    values = {field: data.get(field, current[field]) for field in records.FIELDS}
    values["external_ref"] = stakeholder.external_ref
    checked = records.clean(0, values)
    if isinstance(checked, records.Invalid):
        field = next((f for f in records.FIELDS if f.replace("_", " ") in checked.reason), None)
        field = field or ("email" if "e-mail" in checked.reason else "country")
        raise ValidationError({field: checked.reason})
    return checked


def _seal_into(stakeholder: Stakeholder, record: records.Record) -> None:
    key = crypto.key_ring().current
    values = (record.name, record.email, record.phone, record.address)
    aad = crypto.associated_data(stakeholder.kind, stakeholder.external_ref)
    stakeholder.key_id, stakeholder.pii = key.key_id, crypto.seal(key, values, aad)
    stakeholder.pii_digest = crypto.pii_digest(key, values)
    stakeholder.email_index = crypto.email_index(key, record.email)
    stakeholder.phone_index = crypto.phone_index(key, record.phone)


def update_stakeholder(*, stakeholder: Stakeholder, actor, data: dict) -> Stakeholder:
    """Change a person's contact data, country, region or language; audited without values."""
    if stakeholder.erased_at is not None:
        raise ValidationError({"external_ref": _("This person's data was erased.")})
    before = stakeholder_json(stakeholder)
    record = _clean_input(stakeholder, data)
    after = record._asdict()
    changed = [f for f in records.FIELDS if f != "external_ref" and before[f] != after[f]]
    if not changed:
        return stakeholder
    _seal_into(stakeholder, record)
    stakeholder.country, stakeholder.region = record.country, record.region
    stakeholder.language = record.language
    db.session.flush()
    audit.record(
        "stakeholder.updated",
        actor=actor,
        object_type="stakeholder",
        object_id=stakeholder.id,
        after={"fields": changed},
    )
    return stakeholder


def _erase(query) -> None:
    db.session.execute(
        query.values(
            external_ref=None,
            pii=None,
            pii_digest=None,
            key_id=None,
            email_index=None,
            phone_index=None,
            erased_at=utcnow(),
            updated_at=utcnow(),
        )  # fmt: skip
    )


def erase_stakeholder(*, stakeholder: Stakeholder, actor, reason: str) -> None:
    """Erase a person's contact data and ref on request; kind, country and links stay."""
    reason = _reason(reason)
    _erase(update(Stakeholder).where(Stakeholder.id == stakeholder.id))
    db.session.expire(stakeholder)
    audit.record(
        "stakeholder.erased",
        actor=actor,
        object_type="stakeholder",
        object_id=stakeholder.id,
        after={"ref_hash": stakeholder.ref_hash},
        text_=reason,
    )


def _reason(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"reason": _("Write down why.")})
    if len(text) > REASON_MAX:
        raise ValidationError({"reason": _("At most %(n)d characters.", n=REASON_MAX)})
    return text


# Importing


def import_file(
    *, stream: BinaryIO, kind: str, encoding: str = "auto", filename: str = "",
    incident: Incident | None = None, categories: Iterable[str] | None = None,
    mapping: dict | None = None, actor=None, actor_label: str | None = None, progress=None,
) -> ImportResult:  # fmt: skip
    """Import a CSV or JSON Lines file of one kind of people; flush, the caller commits."""
    if kind not in STAKEHOLDER_KINDS:
        raise ValidationError({"kind": _("Must be one of: %(values)s.", values=", ".join(STAKEHOLDER_KINDS))})  # fmt: skip
    _require_open(incident)
    bits = _category_bits(incident, categories)
    try:
        encoding, rows = records.read_records(
            stream, encoding=encoding, filename=filename, mapping=mapping
        )
    except records.FileError as exc:
        raise ValidationError({"file": str(exc)}) from None
    result = run_import(
        records=rows, kind=kind, incident_id=incident.id if incident else None,
        category_bits=bits, actor_id=actor.id if actor else None, progress=progress,
    )  # fmt: skip
    result.encoding = encoding
    audit.record(
        "stakeholders.imported",
        actor=actor,
        actor_label=actor_label,
        incident=incident,
        object_type="stakeholder_import",
        object_id=(os.path.basename(filename) or kind)[:64],
        after={"kind": kind, "encoding": encoding, **result.counts()},
    )
    if incident is not None:
        recount(incident=incident, actor=actor)
    return result


# Linking


def _require_open(incident: Incident | None) -> None:
    if incident is not None and incident.is_closed:
        raise ConflictError(_("This incident is closed; it can no longer be changed."))


def _category_bits(incident: Incident | None, categories: Iterable[str] | None) -> int:
    chosen = list(categories) if categories else list((incident.data_categories if incident else None) or [])  # fmt: skip
    unknown = [c for c in chosen if c not in DATA_CATEGORIES]
    if unknown:
        raise ValidationError(
            {"categories": _("Unknown data categories: %(codes)s.", codes=", ".join(unknown))}
        )
    return cats.to_bits(chosen)


class LinkResult(NamedTuple):
    linked: int
    not_found: list[str]


def _link_ids(*, incident: Incident, ids_query, bits: int, actor, via: str) -> int:
    """Link the people the query selects (ids); explicit links also restore removed ones.

    Returns how many more people are linked (category changes alone count nothing).
    """
    table = IncidentStakeholder.__table__
    rows = select(
        db.literal(incident.id),
        ids_query.c.id,
        db.literal(bits),
        db.literal(via),
        db.literal(utcnow(), type_=table.c.linked_at.type),
        db.literal(actor.id if actor else None, type_=table.c.linked_by_id.type),
    ).distinct()
    # SQLite reads "ON CONFLICT" after a SELECT without WHERE as a join constraint
    rows = rows.where(ids_query.c.id.is_not(None))
    insert = dialect_insert(db.session, table).from_select(
        ["incident_id", "stakeholder_id", "category_bits", "linked_via", "linked_at", "linked_by_id"],
        rows,
    )  # fmt: skip
    insert = insert.on_conflict_do_update(
        index_elements=[table.c.incident_id, table.c.stakeholder_id],
        set_={
            "category_bits": case(
                (table.c.unlinked_at.is_(None), table.c.category_bits.op("|")(bits)), else_=bits
            ),
            "unlinked_at": None,
            "unlinked_by_id": None,
            "unlink_reason": None,
        },  # fmt: skip
        where=db.or_(
            table.c.unlinked_at.is_not(None),
            table.c.category_bits.op("|")(bits) != table.c.category_bits,
        ),
    )
    before = linked_count(incident=incident)
    db.session.execute(insert)
    return linked_count(incident=incident) - before


def link_people(
    *, incident: Incident, actor, refs: Iterable[str] = (), emails: Iterable[str] = (),
    stakeholder_ids: Iterable[int] = (), kind: str | None = None,
    categories: Iterable[str] | None = None, via: str = "list",
) -> LinkResult:  # fmt: skip
    """Link people found by ref (of `kind`, or any), exact e-mail or id; report who was not found."""
    refs = [r.strip() for r in refs if r and r.strip()]
    emails = [e.strip() for e in emails if e and e.strip()]
    ids = [int(i) for i in stakeholder_ids]
    if len(refs) + len(emails) + len(ids) > LIST_MAX:
        raise ValidationError({"refs": _("At most %(n)d at once.", n=LIST_MAX)})
    _require_open(incident)
    bits = _category_bits(incident, categories)
    by_email = {i: e for e in emails for i in crypto.email_candidates(e)}
    conditions = []
    if refs:
        ref_match = Stakeholder.external_ref.in_(refs)
        conditions.append(and_(ref_match, Stakeholder.kind == kind) if kind else ref_match)
    if by_email:
        conditions.append(Stakeholder.email_index.in_(list(by_email)))
    if ids:
        conditions.append(Stakeholder.id.in_(ids))
    if not conditions:
        raise ValidationError({"refs": _("Give at least one ref or e-mail address.")})
    found = select(Stakeholder.id, Stakeholder.external_ref, Stakeholder.email_index).where(
        db.or_(*conditions), Stakeholder.erased_at.is_(None)
    )
    matched = db.session.execute(found).all()
    seen = {row.external_ref for row in matched} | {
        by_email.get(row.email_index) for row in matched
    }
    not_found = [value for value in (*refs, *emails) if value not in seen]
    linked = _link_ids(
        incident=incident, ids_query=found.subquery(), bits=bits, actor=actor, via=via
    )
    if matched:
        audit.record(
            "stakeholders.linked",
            actor=actor,
            incident=incident,
            object_type="incident",
            object_id=incident.ref,
            after={"linked": linked, "via": via, "categories": cats.from_bits(bits),
                   "stakeholder_ids": sorted(row.id for row in matched)[:1000]},
        )  # fmt: skip
        recount(incident=incident, actor=actor)
    return LinkResult(linked, not_found)


def unlink_person(*, incident: Incident, stakeholder: Stakeholder, actor, reason: str) -> None:
    """Remove a person from the incident, keeping the link's history and the reason."""
    _require_open(incident)
    reason = _reason(reason)
    link = db.session.get(IncidentStakeholder, (incident.id, stakeholder.id))
    if link is None or link.unlinked_at is not None:
        raise NotFoundError(_("This person is not linked to this incident."))
    link.unlinked_at, link.unlinked_by_id, link.unlink_reason = utcnow(), actor.id if actor else None, reason  # fmt: skip
    db.session.flush()
    audit.record(
        "stakeholders.unlinked",
        actor=actor,
        incident=incident,
        object_type="stakeholder",
        object_id=stakeholder.id,
        text_=reason,
    )
    recount(incident=incident, actor=actor)


# Counting


def _estimate_of(incident: Incident) -> AffectedEstimate | None:
    return db.session.get(AffectedEstimate, incident.id)


def linked_count(*, incident: Incident) -> int:
    """Distinct people currently linked to the incident."""
    return db.session.scalar(
        select(func.count())
        .select_from(IncidentStakeholder)
        .where(
            IncidentStakeholder.incident_id == incident.id,
            IncidentStakeholder.unlinked_at.is_(None),
        )
    )


def set_estimate(*, incident: Incident, actor, estimated_unidentified: int) -> None:
    """Record how many affected people are not identified yet."""
    if not isinstance(estimated_unidentified, int) or isinstance(estimated_unidentified, bool) or not 0 <= estimated_unidentified <= 10**10:  # fmt: skip
        raise ValidationError({"estimated_unidentified": _("A whole number, 0 or more.")})
    _require_open(incident)
    estimate = _estimate_of(incident) or AffectedEstimate(incident_id=incident.id)
    before = estimate.estimated_unidentified or 0
    estimate.estimated_unidentified = estimated_unidentified
    db.session.add(estimate)
    db.session.flush()
    audit.record(
        "stakeholders.estimated",
        actor=actor,
        incident=incident,
        object_type="incident",
        object_id=incident.ref,
        before={"estimated_unidentified": before},
        after={"estimated_unidentified": estimated_unidentified},
    )
    recount(incident=incident, actor=actor)


def recount(*, incident: Incident, actor=None) -> int:
    """Set the incident's affected_count to linked people plus the estimate of the others.

    The first time people are linked, the count the incident had before becomes the estimate
    of those not yet identified, less the people now linked.
    """
    linked = linked_count(incident=incident)
    estimate = _estimate_of(incident)
    if estimate is None:
        unidentified = max(0, (incident.affected_count or 0) - linked)
        db.session.add(AffectedEstimate(incident_id=incident.id, estimated_unidentified=unidentified))  # fmt: skip
    else:
        unidentified = estimate.estimated_unidentified
    total = linked + unidentified
    if total != incident.affected_count:
        before = incident.affected_count
        incident.affected_count = total
        db.session.flush()
        audit.record(
            "incident.updated",
            actor=actor,
            incident=incident,
            object_type="incident",
            object_id=incident.ref,
            before={"affected_count": before},
            after={"affected_count": total},
        )
        facts_changed.send(incident, changed={"affected_count"})
    db.session.flush()
    return total


def count_entered(*, incident: Incident) -> None:
    """An affected count entered on the incident: what the linked people leave is the estimate.

    It never goes below the people linked; before anyone is linked, nothing changes here.
    """
    estimate = _estimate_of(incident)
    if estimate is None:
        return
    linked = linked_count(incident=incident)
    wanted = max(0, (incident.affected_count or 0) - linked)
    if wanted != estimate.estimated_unidentified:
        estimate.estimated_unidentified = wanted
        db.session.flush()
    if incident.affected_count != linked + wanted:
        recount(incident=incident)


def _grouped(column, incident: Incident) -> dict[str, int]:
    rows = db.session.execute(
        select(column, func.count())
        .select_from(IncidentStakeholder)
        .join(Stakeholder, Stakeholder.id == IncidentStakeholder.stakeholder_id)
        .where(
            IncidentStakeholder.incident_id == incident.id,
            IncidentStakeholder.unlinked_at.is_(None),
            column.is_not(None),
        )
        .group_by(column)
        .order_by(func.count().desc(), column)
    )
    return {key: n for key, n in rows}


def _by_category(incident: Incident) -> dict[str, int]:
    bits = IncidentStakeholder.category_bits
    sums = [func.sum(case((bits.op("&")(bit) != 0, 1), else_=0)) for bit in cats.BIT.values()]
    row = db.session.execute(
        select(*sums).where(
            IncidentStakeholder.incident_id == incident.id,
            IncidentStakeholder.unlinked_at.is_(None),
        )
    ).one()
    return {category: int(n) for category, n in zip(cats.BIT, row, strict=True) if n}


def affected_counts(*, incident: Incident) -> dict:
    """The contract's Affected counts JSON, computed in SQL.

    `total` is the incident's affected count: `identified` (distinct linked people, which the
    breakdowns count) plus `estimated_unidentified`.
    """
    estimate = _estimate_of(incident)
    identified = linked_count(incident=incident)
    unidentified = estimate.estimated_unidentified if estimate else 0
    return {
        "total": identified + unidentified,
        "identified": identified,
        "estimated_unidentified": unidentified,
        "by_kind": _grouped(Stakeholder.kind, incident),
        "by_category": _by_category(incident),
        "by_country": _grouped(Stakeholder.country, incident),
    }


def counts_by_place(*, incident: Incident) -> tuple[dict[str, int], dict[str, int]]:
    """Linked people per country and per region (for the obligations engine)."""
    return _grouped(Stakeholder.country, incident), _grouped(Stakeholder.region, incident)
