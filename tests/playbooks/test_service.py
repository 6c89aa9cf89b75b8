"""Runs: snapshots of a version, due times from aware_at, assignment, ticking, by-hand items,
not-applicable items, progress, and the audit trail of each change."""

from datetime import UTC, datetime, timedelta

import pytest

from leaktrack.audit.models import AuditEvent
from leaktrack.audit.service import incident_timeline, verify_chain
from leaktrack.auth import service as auth
from leaktrack.errors import ConflictError, NotFoundError, ValidationError
from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.playbooks import service

from .conftest import SIMPLE

AWARE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def user(ctx):
    made = auth.create_user(email="r@example.test", role="responder", password="x" * 12)
    db.session.flush()
    return made


@pytest.fixture
def incident(ctx):
    return incidents.create_incident(
        actor=None,
        data={"title": "Wrong mail", "cause": "misdelivery", "aware_at": AWARE.isoformat()},
    )


@pytest.fixture
def run(incident, user, playbook_folder):
    return service.start_run(incident=incident, slug="drill", actor=user)


def _actions(incident) -> list[str]:
    return [e.action for e in reversed(incident_timeline(incident_id=incident.id))]


def test_a_run_copies_the_items_with_due_times_from_aware_at(run, incident):
    assert (run.version.slug, run.version.version) == ("drill", 1)
    assert [(i.phase, i.text, i.role) for i in run.items] == [
        ("Contain", "Stop the mail", "responder"),
        ("Notify", "Tell the regulator", "legal"),
        ("Notify", "Tell the people", None),
    ]
    assert [i.due_at for i in run.items] == [
        AWARE + timedelta(hours=2),
        AWARE + timedelta(days=3),
        None,
    ]
    assert run.version.snapshot["phases"][0] == {
        "title": "Contain",
        "guidance": "Guidance for stopping.",
    }
    assert _actions(incident)[-1] == "playbook.run_started"
    assert service.progress(run) == {"done": 0, "total": 3}


def test_without_aware_at_items_have_no_due_time_until_it_is_set(ctx, user, playbook_folder):
    incident = incidents.create_incident(actor=None, data={"title": "Unclear"})
    run = service.start_run(incident=incident, slug="drill", actor=user)
    assert [i.due_at for i in run.items] == [None, None, None]
    incidents.update_incident(incident=incident, actor=user, data={"aware_at": AWARE.isoformat()})
    assert run.items[0].due_at == AWARE + timedelta(hours=2)


def test_correcting_aware_at_moves_the_due_times_and_is_audited(run, incident, user):
    earlier = AWARE - timedelta(hours=5)
    incidents.update_incident(incident=incident, actor=user, data={"aware_at": earlier.isoformat()})
    assert run.items[0].due_at == earlier + timedelta(hours=2)
    assert run.items[1].due_at == earlier + timedelta(days=3)
    event = incident_timeline(incident_id=incident.id)[0]
    assert event.action == "playbook.due_recomputed"
    assert event.actor_label == "system"  # in a request: the signed-in user (API test)
    assert [m["item"] for m in event.after["items"]] == [run.items[0].id, run.items[1].id]
    assert event.after["items"][0]["before"] == (AWARE + timedelta(hours=2)).isoformat()
    # an update that leaves aware_at alone moves nothing
    incidents.update_incident(incident=incident, actor=user, data={"title": "Wrong mail!"})
    assert _actions(incident).count("playbook.due_recomputed") == 1


def test_later_edits_to_the_file_never_change_a_running_checklist(
    run, incident, user, playbook_folder
):
    edited = SIMPLE.format(version=2).replace("Tell the people", "Write to the people")
    playbook_folder.write("drill.md", edited)
    assert [i.text for i in run.items][-1] == "Tell the people"
    other = incidents.create_incident(actor=None, data={"title": "Another"})
    second = service.start_run(incident=other, slug="drill", actor=user)
    assert second.version.version == 2 and second.items[-1].text == "Write to the people"
    assert run.version.version == 1 and run.version.content_hash != second.version.content_hash


def test_an_edit_without_a_version_bump_cannot_be_started(run, user, playbook_folder):
    playbook_folder.write("drill.md", SIMPLE.format(version=1).replace("people", "folk"))
    other = incidents.create_incident(actor=None, data={"title": "Another"})
    with pytest.raises(ConflictError, match="raise the version"):
        service.start_run(incident=other, slug="drill", actor=user)


def test_starting_refuses_unknown_broken_duplicate_and_closed(run, incident, user, playbook_folder):
    with pytest.raises(ConflictError, match="already running"):
        service.start_run(incident=incident, slug="drill", actor=user)
    with pytest.raises(NotFoundError):
        service.start_run(incident=incident, slug="nope", actor=user)
    with pytest.raises(ValidationError):
        service.start_run(incident=incident, slug=None, actor=user)
    playbook_folder.write(
        "bad.md", SIMPLE.format(version=1).replace("drill", "bad").replace("2h", "2y")
    )
    with pytest.raises(ConflictError, match="broken"):
        service.start_run(incident=incident, slug="bad", actor=user)
    _close(incident, user)
    with pytest.raises(ConflictError, match="closed"):
        service.set_done(item=run.items[0], actor=user, is_done=True)


def _close(incident, user):
    for status in ("investigating", "contained", "notifying", "resolved", "closed"):
        incidents.change_status(incident=incident, actor=user, status=status)


def test_tick_and_untick_with_note_and_evidence(run, incident, user):
    item = run.items[0]
    service.set_done(
        item=item,
        actor=user,
        is_done=True,
        note="Recalled at 10:05",
        evidence_url="https://tickets.example/42",
    )
    assert (item.is_done, item.done_by, item.note, item.evidence_url) == (
        True,
        user,
        "Recalled at 10:05",
        "https://tickets.example/42",
    )
    assert item.done_at is not None
    assert service.progress(run) == {"done": 1, "total": 3}
    service.set_done(item=item, actor=user, is_done=False, note="Recall failed after all")
    assert (item.is_done, item.done_at, item.done_by, item.evidence_url) == (
        False,
        None,
        None,
        None,
    )
    events = [
        e for e in incident_timeline(incident_id=incident.id) if e.object_type == "playbook_item"
    ]
    assert [e.action for e in events] == ["playbook.item_unticked", "playbook.item_ticked"]
    assert events[0].before["note"] == "Recalled at 10:05" and events[0].text == "Stop the mail"
    assert verify_chain()[1] is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"is_done": "yes"}, "done"),
        ({"is_done": True, "note": 5}, "note"),
        ({"is_done": True, "note": "x" * 5001}, "note"),
        ({"is_done": True, "evidence_url": "javascript:alert(1)"}, "evidence_url"),
        ({"is_done": True, "evidence_url": "https://"}, "evidence_url"),
    ],
)
def test_bad_tick_input_is_refused_by_field(run, user, changes, field):
    with pytest.raises(ValidationError) as error:
        service.set_done(item=run.items[0], actor=user, **changes)
    assert field in error.value.fields


def test_assignment_to_users_but_not_executives(run, user):
    item = run.items[1]
    service.assign(item=item, actor=user, assignee=service.find_assignee("R@example.test"))
    assert item.assignee == user
    service.assign(item=item, actor=user, assignee=service.find_assignee(None))
    assert item.assignee is None
    auth.create_user(email="boss@example.test", role="executive", password="x" * 12)
    for bad in ("boss@example.test", "ghost@example.test", 7):
        with pytest.raises(ValidationError):
            service.find_assignee(bad)
    assert [
        e.after["assignee"]
        for e in db.session.query(AuditEvent)
        .filter_by(action="playbook.item_assigned")
        .order_by(AuditEvent.seq)
    ] == ["r@example.test", None]


def test_not_applicable_needs_a_reason_and_leaves_the_progress(run, user):
    item = run.items[2]
    with pytest.raises(ValidationError):
        service.set_not_applicable(item=item, actor=user, is_not_applicable=True, reason=" ")
    service.set_done(item=item, actor=user, is_done=True)
    service.set_not_applicable(
        item=item, actor=user, is_not_applicable=True, reason="Nobody to tell"
    )
    assert not item.is_done and item.not_applicable_reason == "Nobody to tell"
    assert service.progress(run) == {"done": 0, "total": 2}
    with pytest.raises(ConflictError):
        service.set_done(item=item, actor=user, is_done=True)
    service.set_not_applicable(item=item, actor=user, is_not_applicable=False)
    assert service.progress(run) == {"done": 0, "total": 3}


def test_items_added_by_hand_belong_to_this_run_only(run, incident, user):
    item = service.add_item(
        run=run, actor=user, text="Call the courier", phase="Contain", due="90m"
    )
    assert item.is_added_by_hand and item.position == 3
    assert item.due_at == AWARE + timedelta(minutes=90)
    plain = service.add_item(run=run, actor=user, text="Thank the recipient")
    assert plain.phase == "Added by hand" and plain.due_at is None
    assert service.progress(run)["total"] == 5
    for bad in ({"text": ""}, {"text": "x", "due": "soon"}, {"text": "x" * 501}):
        with pytest.raises(ValidationError):
            service.add_item(run=run, actor=user, **bad)
    earlier = AWARE - timedelta(days=1)
    incidents.update_incident(incident=incident, actor=user, data={"aware_at": earlier.isoformat()})
    assert item.due_at == earlier + timedelta(minutes=90)


def test_run_lookups_stay_within_their_incident(run, incident, user):
    other = incidents.create_incident(actor=None, data={"title": "Another"})
    with pytest.raises(NotFoundError):
        service.get_run(incident=other, run_id=run.id)
    for bad in (0, -1, 10**12, "1", True):
        with pytest.raises(NotFoundError):
            service.get_run(incident=incident, run_id=bad)
    other_run = service.start_run(incident=other, slug="drill", actor=user)
    with pytest.raises(NotFoundError):
        service.get_item(run=run, item_id=other_run.items[0].id)
    assert service.get_item(run=run, item_id=run.items[0].id) is run.items[0]


def test_progress_per_run_and_per_incident(run, incident, user):
    service.set_done(item=run.items[0], actor=user, is_done=True)
    service.set_not_applicable(item=run.items[2], actor=user, is_not_applicable=True, reason="n/a")
    other = incidents.create_incident(actor=None, data={"title": "Another"})
    service.start_run(incident=other, slug="drill", actor=user)
    nothing = incidents.create_incident(actor=None, data={"title": "No runs"})
    db.session.flush()
    assert service.run_progress(incident.id) == [
        {"slug": "drill", "title": "Simple drill", "version": 1, "done": 1, "total": 2}
    ]
    assert service.run_progress(nothing.id) == []
    assert service.progress_by_incident() == {incident.id: (1, 2), other.id: (0, 3)}


def test_suggestions_match_cause_or_categories(incident, playbook_folder):
    assert [p.slug for p in service.suggestions(incident=incident)] == ["drill"]
    incident.cause = "malware"
    assert service.suggestions(incident=incident) == []


def test_overdue_items(run):
    late = AWARE + timedelta(days=10)
    assert [service.is_overdue(i, late) for i in run.items] == [True, True, False]
    assert not service.is_overdue(run.items[0], AWARE)
