"""Playbook runs: start one on an incident, then assign, tick, add and set aside its items."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from leaktrack.audit import service as audit
from leaktrack.auth.models import User
from leaktrack.errors import ConflictError, NotFoundError, ValidationError
from leaktrack.extensions import db
from leaktrack.incidents.models import Incident
from leaktrack.timeutil import iso, utcnow

from .models import PlaybookRun, PlaybookVersion, RunItem
from .parse import MAX_TEXT, Library, Playbook, parse_offset

NOTE_MAX = 5_000
URL_MAX = 2_000
PHASE_MAX = 200


def library() -> Library:
    """The playbooks loaded when the app started."""
    return current_app.extensions["leaktrack_playbooks"]


def version_problems(*, library: Library) -> list[str]:
    """`file:line: message` for each playbook whose content changed without a version bump."""
    known: dict[str, dict[int, str]] = defaultdict(dict)
    for slug, version, digest in db.session.execute(
        select(PlaybookVersion.slug, PlaybookVersion.version, PlaybookVersion.content_hash)
    ):
        known[slug][version] = digest
    problems = []
    for playbook in library.playbooks.values():
        used = known.get(playbook.slug)
        if not used:
            continue
        where = f"{playbook.path}:{playbook.version_line}"
        latest = max(used)
        if playbook.version in used and used[playbook.version] != playbook.content_hash:
            problems.append(
                f"{where}: the content changed but version {playbook.version} is already used "
                f"by a run; raise version to {latest + 1}"
            )
        elif playbook.version < latest and playbook.version not in used:
            problems.append(
                f"{where}: version {playbook.version} is lower than version {latest} already "
                f"used by a run; raise version to {latest + 1}"
            )
    return problems


def suggestions(*, incident: Incident) -> list[Playbook]:
    """The usable playbooks whose applies_to matches the incident's cause or data categories."""
    return [
        playbook
        for playbook in sorted(library().playbooks.values(), key=lambda p: p.title.lower())
        if playbook.matches(cause=incident.cause, data_categories=incident.data_categories)
    ]


def _writable(incident: Incident) -> None:
    if incident.is_closed:
        raise ConflictError(_("This incident is closed; its playbooks can no longer be changed."))


def _due(incident: Incident, offset_minutes: int | None) -> datetime | None:
    if offset_minutes is None or incident.aware_at is None:
        return None
    return incident.aware_at + timedelta(minutes=offset_minutes)


def _version_row(playbook: Playbook) -> PlaybookVersion:
    row = db.session.scalar(
        select(PlaybookVersion).where(
            PlaybookVersion.slug == playbook.slug, PlaybookVersion.version == playbook.version
        )
    )
    if row is None:
        row = PlaybookVersion(
            slug=playbook.slug,
            version=playbook.version,
            title=playbook.title,
            content_hash=playbook.content_hash,
            snapshot=playbook.snapshot(),
        )
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            # another request recorded this version first: use (and check) its row
            return _version_row(playbook)
    elif row.content_hash != playbook.content_hash:
        raise ConflictError(
            _(
                "The file of playbook %(slug)s changed but its version is still %(version)d; "
                "raise the version (run `playbooks check`).",
                slug=playbook.slug,
                version=playbook.version,
            )
        )
    return row


def _find_playbook(slug) -> Playbook:
    if not isinstance(slug, str) or not slug.strip():
        raise ValidationError({"slug": _("Name the playbook to start.")})
    loaded = library()
    playbook = loaded.playbooks.get(slug)
    if playbook is not None:
        return playbook
    broken = next((b for b in loaded.broken if b.slug == slug), None)
    if broken is not None:
        raise ConflictError(
            _(
                "Playbook %(slug)s is broken and cannot be started: %(problem)s",
                slug=slug,
                problem=broken.problems[0],
            )
        )
    raise NotFoundError(_("No playbook %(slug)s.", slug=slug))


def _already_running(slug: str) -> ConflictError:
    return ConflictError(_("Playbook %(slug)s is already running on this incident.", slug=slug))


def start_run(*, incident: Incident, slug, actor) -> PlaybookRun:
    """Start a run of the playbook's current version on the incident."""
    _writable(incident)
    playbook = _find_playbook(slug)
    already = db.session.scalar(
        select(PlaybookRun.id).where(
            PlaybookRun.incident_id == incident.id, PlaybookRun.slug == playbook.slug
        )
    )
    if already is not None:
        raise _already_running(playbook.slug)
    version = _version_row(playbook)
    run = PlaybookRun(incident=incident, version=version, slug=playbook.slug, started_by=actor)
    try:
        with db.session.begin_nested():
            db.session.add(run)
    except IntegrityError:
        raise _already_running(playbook.slug) from None
    for position, item in enumerate(playbook.items):
        offset = int(item.due.total_seconds() // 60) if item.due is not None else None
        run.items.append(
            RunItem(
                position=position,
                phase=item.phase,
                text=item.text,
                role=item.role,
                due_offset_minutes=offset,
                due_at=_due(incident, offset),
            )
        )
    db.session.flush()
    audit.record(
        "playbook.run_started",
        actor=actor,
        incident=incident,
        object_type="playbook_run",
        object_id=run.id,
        after={"slug": playbook.slug, "version": playbook.version, "items": len(run.items)},
        text_=f"{playbook.title} (v{playbook.version})",
    )
    return run


def runs_for(*, incident: Incident) -> list[PlaybookRun]:
    """The incident's runs, oldest first."""
    return list(
        db.session.scalars(
            select(PlaybookRun)
            .where(PlaybookRun.incident_id == incident.id)
            .order_by(PlaybookRun.started_at, PlaybookRun.id)
            .options(
                selectinload(PlaybookRun.items).selectinload(RunItem.assignee),
                selectinload(PlaybookRun.items).selectinload(RunItem.done_by),
                selectinload(PlaybookRun.started_by),
            )
        )
    )


def get_run(*, incident: Incident, run_id) -> PlaybookRun:
    """The incident's run with this id, or NotFoundError (also for another incident's run)."""
    run = db.session.get(PlaybookRun, run_id) if _is_id(run_id) else None
    if run is None or run.incident_id != incident.id:
        raise NotFoundError(_("No playbook run %(id)s on this incident.", id=run_id))
    return run


def get_item(*, run: PlaybookRun, item_id) -> RunItem:
    """The run's item with this id, or NotFoundError."""
    item = db.session.get(RunItem, item_id) if _is_id(item_id) else None
    if item is None or item.run_id != run.id:
        raise NotFoundError(_("No item %(id)s in this playbook run.", id=item_id))
    return item


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


def _record(action: str, *, item: RunItem, actor, before=None, after=None, text=None) -> None:
    audit.record(
        action,
        actor=actor,
        incident=item.run.incident,
        object_type="playbook_item",
        object_id=item.id,
        before=before,
        after={"run": item.run_id, **(after or {})},
        text_=text or item.text,
    )


def _clean_text(value, name: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError({name: _("Must be text.")})
    value = value.strip()
    if len(value) > limit:
        raise ValidationError({name: _("At most %(n)d characters.", n=limit)})
    return value


def _clean_url(value) -> str | None:
    value = _clean_text(value, "evidence_url", URL_MAX)
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(
            {"evidence_url": _("Give a link starting with https:// (or http://).")}
        )
    return value


def set_done(*, item: RunItem, actor, is_done, note=None, evidence_url=None) -> RunItem:
    """Tick or untick an item, with a note and an optional link to the evidence."""
    _writable(item.run.incident)
    if not isinstance(is_done, bool):
        raise ValidationError({"done": _("Must be true or false.")})
    note = _clean_text(note, "note", NOTE_MAX)
    url = _clean_url(evidence_url)
    if is_done and item.is_not_applicable:
        raise ConflictError(_("This item is marked not applicable; mark it applicable first."))
    before = {"done": item.is_done, "note": item.note, "evidence_url": item.evidence_url}
    item.is_done = is_done
    item.done_at = utcnow() if is_done else None
    item.done_by = actor if is_done else None
    item.note = note
    item.evidence_url = url
    db.session.flush()
    after = {"done": is_done, "note": note, "evidence_url": url}
    action = "playbook.item_ticked" if is_done else "playbook.item_unticked"
    _record(action, item=item, actor=actor, before=before, after=after)
    return item


def find_assignee(email) -> User | None:
    """The active user with this e-mail (None for an empty value), or ValidationError."""
    if email in (None, ""):
        return None
    if not isinstance(email, str):
        raise ValidationError({"assignee": _("Give the e-mail of a user.")})
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or not user.is_active:
        raise ValidationError({"assignee": _("No active user %(email)s.", email=email)})
    if user.role == "executive":
        raise ValidationError({"assignee": _("Executives read only; assign a responder.")})
    return user


def assign(*, item: RunItem, actor, assignee: User | None) -> RunItem:
    """Give the item to a user, or take it back (None)."""
    _writable(item.run.incident)
    before = {"assignee": item.assignee.email if item.assignee else None}
    item.assignee = assignee
    db.session.flush()
    after = {"assignee": assignee.email if assignee else None}
    _record("playbook.item_assigned", item=item, actor=actor, before=before, after=after)
    return item


def set_not_applicable(*, item: RunItem, actor, is_not_applicable, reason=None) -> RunItem:
    """Set an item aside as not applicable to this incident (with a reason), or bring it back."""
    _writable(item.run.incident)
    if not isinstance(is_not_applicable, bool):
        raise ValidationError({"not_applicable": _("Must be true or false.")})
    reason = _clean_text(reason, "reason", NOTE_MAX)
    if is_not_applicable and not reason:
        raise ValidationError({"reason": _("Say why the item does not apply.")})
    before = {"not_applicable": item.is_not_applicable, "reason": item.not_applicable_reason}
    item.is_not_applicable = is_not_applicable
    item.not_applicable_reason = reason if is_not_applicable else ""
    if is_not_applicable:
        item.is_done, item.done_at, item.done_by = False, None, None
    db.session.flush()
    after = {"not_applicable": is_not_applicable, "reason": item.not_applicable_reason}
    _record("playbook.item_not_applicable", item=item, actor=actor, before=before, after=after)
    return item


def add_item(*, run: PlaybookRun, actor, text, phase=None, due=None) -> RunItem:
    """Add an item to this run only; `due` is an offset from aware_at such as 4h or 2d."""
    _writable(run.incident)
    text = _clean_text(text, "text", MAX_TEXT)
    if not text:
        raise ValidationError({"text": _("Write what needs doing.")})
    phase = _clean_text(phase, "phase", PHASE_MAX) or _("Added by hand")
    due = _clean_text(due, "due", 20)
    offset = parse_offset(due) if due else None
    if due and offset is None:
        raise ValidationError(
            {"due": _("Write a number and m, h or d (e.g. 30m, 4h, 3d), at most 365d.")}
        )
    minutes = int(offset.total_seconds() // 60) if offset is not None else None
    item = RunItem(
        position=max((i.position for i in run.items), default=-1) + 1,
        phase=phase,
        text=text,
        due_offset_minutes=minutes,
        due_at=_due(run.incident, minutes),
        is_added_by_hand=True,
    )
    run.items.append(item)
    db.session.flush()
    _record(
        "playbook.item_added",
        item=item,
        actor=actor,
        after={"phase": phase, "due": due or None, "due_at": iso(item.due_at)},
    )
    return item


def recompute_due(*, incident: Incident, actor=None) -> int:
    """Move every run item's due time to follow the incident's (corrected) aware_at."""
    moved = []
    for run in runs_for(incident=incident):
        for item in run.items:
            due_at = _due(incident, item.due_offset_minutes)
            if due_at != item.due_at:
                moved.append({"item": item.id, "before": iso(item.due_at), "after": iso(due_at)})
                item.due_at = due_at
    if moved:
        db.session.flush()
        audit.record(
            "playbook.due_recomputed",
            actor=actor,
            incident=incident,
            object_type="incident",
            object_id=incident.ref,
            after={"aware_at": iso(incident.aware_at), "items": moved},
            text_=_("%(n)d playbook due times follow the corrected awareness time.", n=len(moved)),
        )
    return len(moved)


def is_overdue(item: RunItem, now: datetime) -> bool:
    """Due, not done, not set aside, and past its time."""
    return (
        item.due_at is not None
        and not item.is_done
        and not item.is_not_applicable
        and item.due_at < now
    )


def progress(run: PlaybookRun) -> dict:
    """Done and total, leaving out the items marked not applicable."""
    counted = [i for i in run.items if not i.is_not_applicable]
    return {"done": sum(1 for i in counted if i.is_done), "total": len(counted)}


def _counts_query(*group):
    """done and total (items not set aside) per group of runs, in one query."""
    counted = RunItem.is_not_applicable.is_(False)
    return (
        select(
            *group,
            func.coalesce(func.sum(case((counted & RunItem.is_done.is_(True), 1), else_=0)), 0),
            func.coalesce(func.sum(case((counted, 1), else_=0)), 0),
        )
        .select_from(PlaybookRun)
        .outerjoin(RunItem, RunItem.run_id == PlaybookRun.id)
        .group_by(*group)
    )


def run_progress(incident_id: int) -> list[dict]:
    """Each run of the incident: slug, title, version, done and total."""
    counts = {
        run_id: (int(done), int(total))
        for run_id, done, total in db.session.execute(
            _counts_query(PlaybookRun.id).where(PlaybookRun.incident_id == incident_id)
        )
    }
    runs = db.session.execute(
        select(PlaybookRun.id, PlaybookVersion.slug, PlaybookVersion.title, PlaybookVersion.version)
        .join(PlaybookVersion)
        .where(PlaybookRun.incident_id == incident_id)
        .order_by(PlaybookRun.started_at, PlaybookRun.id)
    )
    return [
        {
            "slug": slug,
            "title": title,
            "version": version,
            "done": counts.get(run_id, (0, 0))[0],
            "total": counts.get(run_id, (0, 0))[1],
        }
        for run_id, slug, title, version in runs
    ]


def progress_by_incident() -> dict[int, tuple[int, int]]:
    """(done, total) over all runs of each incident that has any, in one query."""
    return {
        incident_id: (int(done), int(total))
        for incident_id, done, total in db.session.execute(_counts_query(PlaybookRun.incident_id))
    }


def item_json(item: RunItem) -> dict:
    """The contract's run item."""
    return {
        "id": item.id,
        "phase": item.phase,
        "text": item.text,
        "role": item.role,
        "due_at": iso(item.due_at),
        "assignee": item.assignee.email if item.assignee else None,
        "done": item.is_done,
        "done_at": iso(item.done_at),
        "done_by": item.done_by.email if item.done_by else None,
        "note": item.note,
        "evidence_url": item.evidence_url,
        "not_applicable": item.is_not_applicable,
        "not_applicable_reason": item.not_applicable_reason,
        "added_by_hand": item.is_added_by_hand,
    }


def run_json(run: PlaybookRun) -> dict:
    """The contract's playbook run JSON."""
    return {
        "id": run.id,
        "slug": run.version.slug,
        "title": run.version.title,
        "version": run.version.version,
        "started_at": iso(run.started_at),
        "started_by": run.started_by.email if run.started_by else None,
        "progress": progress(run),
        "items": [item_json(item) for item in run.items],
    }


def update_item(*, item: RunItem, actor, changes: dict) -> RunItem:
    """Apply an API or form change: assignee, not_applicable (+ reason), done (+ note, link)."""
    if "assignee" in changes:
        assign(item=item, actor=actor, assignee=find_assignee(changes["assignee"]))
    if "not_applicable" in changes:
        set_not_applicable(
            item=item,
            actor=actor,
            is_not_applicable=changes["not_applicable"],
            reason=changes.get("reason"),
        )
    if "done" in changes:
        set_done(
            item=item,
            actor=actor,
            is_done=changes["done"],
            note=changes.get("note"),
            evidence_url=changes.get("evidence_url"),
        )
    return item
