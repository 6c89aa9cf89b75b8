"""Playbook pages: the list (rendered, sanitised, broken files shown), the incident panel, the
run page and its forms, and what executives may not do."""

import re

import pytest

from leaktrack.audit.models import AuditEvent
from leaktrack.auth.models import User
from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.playbooks.models import RunItem

from .conftest import SIMPLE

PAST = "2026-01-05T09:00:00+00:00"


def _run_url(response) -> str:
    return response.headers["Location"].split("#")[0]


@pytest.fixture
def started(page_client, make_incident, playbook_folder):
    browser = page_client("responder")
    ref = make_incident(cause="misdelivery", aware_at=PAST)
    response = browser.post(f"/incidents/{ref}/playbooks", data={"slug": "drill"})
    assert response.status_code == 302
    return browser, ref, _run_url(response)


def _item_ids(app) -> list[int]:
    with app.app_context():
        return [i.id for i in db.session.query(RunItem).order_by(RunItem.position)]


def test_the_list_shows_every_shipped_playbook_rendered(page_client):
    page = page_client("executive").get("/playbooks").get_data(as_text=True)
    for title in ("Unauthorized access", "wrong recipient", "Ransomware", "sub-contractor"):
        assert title in page
    assert "<h2>Contain</h2>" in page and "☐" in page
    assert "{due:" not in page and "(4h · security)" in page


def test_broken_files_are_listed_with_their_error_and_markdown_is_sanitised(
    page_client, playbook_folder
):
    bad = SIMPLE.format(version=1).replace("drill", "bad").replace("{due: 2h", "{due: 2y")
    playbook_folder.write("bad.md", bad)
    evil = SIMPLE.format(version=1).replace("drill", "evil")
    evil = evil.replace(
        "Guidance for stopping.", "<script>alert(1)</script>[x](javascript:alert(2))"
    )
    playbook_folder.write("evil.md", evil)
    page = page_client("responder").get("/playbooks").get_data(as_text=True)
    assert "cannot be started" in page and "bad.md:10: bad due offset" in page
    assert "<script>alert(1)" not in page and "javascript:alert" not in page


def test_the_incident_panel_suggests_matching_playbooks(
    page_client, make_incident, playbook_folder
):
    browser = page_client("responder")
    matching = make_incident(cause="misdelivery")
    other = make_incident(cause="malware")
    page = browser.get(f"/incidents/{matching}").get_data(as_text=True)
    assert "Suggested for this incident" in page and 'name="slug" value="drill"' in page
    page = browser.get(f"/incidents/{other}").get_data(as_text=True)
    assert "Suggested for this incident" not in page and '<option value="drill">' in page


def test_start_tick_and_see_progress_and_timeline(app, started):
    browser, ref, run_url = started
    page = browser.get(run_url).get_data(as_text=True)
    assert "follows version 1 of drill" in page and ">0/3</progress>" in page
    assert "Guidance for stopping." in page
    first = _item_ids(app)[0]
    response = browser.post(
        f"{run_url}/items/{first}",
        data={
            "action": "tick",
            "note": "Stopped at the post office",
            "evidence_url": "https://t.example/1",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#item-{first}")
    page = browser.get(run_url).get_data(as_text=True)
    assert "is-done" in page and "Stopped at the post office" in page
    assert re.search(r'data-field="done">1</span>', page)
    assert "Done by " + browser.email in page and "https://t.example/1" in page
    incident_page = browser.get(f"/incidents/{ref}").get_data(as_text=True)
    assert "Ticked “Stop the mail”. Stopped at the post office" in incident_page
    assert "Started the playbook Simple drill (v1)." in incident_page
    browser.post(f"{run_url}/items/{first}", data={"action": "untick", "note": "Not really"})
    assert "is-done" not in browser.get(run_url).get_data(as_text=True)


def test_assign_set_aside_and_add_by_hand(app, started, make_user):
    browser, ref, run_url = started
    _, colleague = make_user("responder")
    first, second, _third = _item_ids(app)
    browser.post(f"{run_url}/items/{first}", data={"action": "assign", "assignee": colleague})
    browser.post(
        f"{run_url}/items/{second}", data={"action": "not_applicable", "reason": "No regulator"}
    )
    browser.post(
        f"{run_url}/items", data={"text": "Call the courier", "phase": "Contain", "due": "90m"}
    )
    page = browser.get(run_url).get_data(as_text=True)
    assert f"Assigned to {colleague}" in page
    assert "Not applicable: No regulator" in page
    assert "Call the courier" in page and "added by hand" in page
    with app.app_context():
        actions = {e.action for e in db.session.query(AuditEvent)}
    assert {
        "playbook.item_assigned",
        "playbook.item_not_applicable",
        "playbook.item_added",
    } <= actions


@pytest.mark.parametrize(
    ("url_tail", "data", "message"),
    [
        ("/items/{first}", {"action": "tick", "evidence_url": "javascript:x"}, "https://"),
        ("/items/{first}", {"action": "explode"}, "Unknown action"),
        ("/items/{first}", {"action": "not_applicable", "reason": ""}, "Say why"),
        (
            "/items/{first}",
            {"action": "assign", "assignee": "ghost@example.test"},
            "No active user",
        ),
        ("/items", {"text": "x", "due": "tomorrow"}, "at most 365d"),
    ],
)
def test_bad_form_input_is_flashed_not_a_500(app, started, url_tail, data, message):
    browser, ref, run_url = started
    first = _item_ids(app)[0]
    response = browser.post(
        run_url + url_tail.format(first=first), data=data, follow_redirects=True
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


def test_overdue_items_stand_out(app, started):
    browser, ref, run_url = started
    page = browser.get(run_url).get_data(as_text=True)
    assert page.count("is-overdue") == 2  # due 2h and 3d after a January awareness time
    panel = browser.get(f"/incidents/{ref}").get_data(as_text=True)
    assert "2 overdue" in panel


def test_unknown_runs_and_other_incidents_runs_are_404(app, started, make_incident):
    browser, ref, run_url = started
    other = make_incident(title="Other")
    run_id = run_url.rsplit("/", 1)[1]
    assert browser.get(f"/incidents/{other}/playbooks/{run_id}").status_code == 404
    assert browser.get(f"/incidents/{ref}/playbooks/99999").status_code == 404
    first = _item_ids(app)[0]
    assert (
        browser.post(
            f"/incidents/{other}/playbooks/{run_id}/items/{first}", data={"action": "tick"}
        ).status_code
        == 404
    )


def test_executives_read_but_never_write(app, started, page_client):
    browser, ref, run_url = started
    boss = page_client("executive")
    page = boss.get(run_url).get_data(as_text=True)
    assert "Stop the mail" in page and "Mark done" not in page and "Add an item" not in page
    assert ">Responder<" in page and ">Legal<" in page
    panel = boss.get(f"/incidents/{ref}").get_data(as_text=True)
    assert "Simple drill" in panel and "Start playbook" not in panel
    first = _item_ids(app)[0]
    assert boss.post(f"{run_url}/items/{first}", data={"action": "tick"}).status_code == 403
    assert boss.post(f"/incidents/{ref}/playbooks", data={"slug": "drill"}).status_code == 403
    assert boss.post(f"{run_url}/items", data={"text": "x"}).status_code == 403


def test_starting_a_broken_or_running_playbook_is_flashed(started, playbook_folder):
    browser, ref, run_url = started
    again = browser.post(
        f"/incidents/{ref}/playbooks", data={"slug": "drill"}, follow_redirects=True
    )
    assert "already running" in again.get_data(as_text=True)
    playbook_folder.write(
        "bad.md", SIMPLE.format(version=1).replace("drill", "bad").replace("{due: 2h", "{due: 2y")
    )
    broken = browser.post(
        f"/incidents/{ref}/playbooks", data={"slug": "bad"}, follow_redirects=True
    )
    assert "cannot be started" in broken.get_data(as_text=True)


def test_pages_and_timeline_in_japanese(app, started):
    browser, ref, run_url = started
    with app.app_context():
        user = db.session.query(User).filter_by(email=browser.email).one()
        user.language = "ja"
        db.session.commit()
    assert "完了にする" in browser.get(run_url).get_data(as_text=True)
    assert "プレイブック" in browser.get("/playbooks").get_data(as_text=True)
    later = "2026-01-04T09:00:00+00:00"
    with app.app_context():
        incident = incidents.get_incident(ref=ref)
        incidents.update_incident(incident=incident, actor=None, data={"aware_at": later})
        db.session.commit()
    page = browser.get(f"/incidents/{ref}").get_data(as_text=True)
    assert "プレイブック「Simple drill (v1)」を開始しました。" in page
    assert "プレイブックの期限 2 件を訂正後の認知日時に合わせました。" in page
