"""The playbooks API: list and start runs, tick, assign and set aside items; 404/409 cases."""

import pytest

from .conftest import SIMPLE

AWARE = "2026-03-02T09:00:00+00:00"
ITEM_KEYS = {"id", "phase", "text", "due_at", "assignee", "done", "done_at", "done_by", "note"}


@pytest.fixture
def api(client, api_headers, make_incident, playbook_folder):
    headers = api_headers("responder")
    ref = make_incident(cause="misdelivery", aware_at=AWARE)
    return client, headers, ref


def _start(client, headers, ref, slug="drill"):
    return client.post(f"/api/v1/incidents/{ref}/playbooks", json={"slug": slug}, headers=headers)


def _item_url(ref, run) -> str:
    return f"/api/v1/incidents/{ref}/playbooks/{run['id']}/items/{run['items'][0]['id']}"


def test_start_and_list_a_run_in_the_contract_shape(api):
    client, headers, ref = api
    assert client.get(f"/api/v1/incidents/{ref}/playbooks", headers=headers).json == []
    response = _start(client, headers, ref)
    assert response.status_code == 201
    run = response.json
    assert {"id", "slug", "version", "progress", "items"} <= set(run)
    assert (run["slug"], run["version"], run["progress"]) == ("drill", 1, {"done": 0, "total": 3})
    first = run["items"][0]
    assert ITEM_KEYS | {"not_applicable"} <= set(first)
    assert first["due_at"] == "2026-03-02T11:00:00+00:00" and first["phase"] == "Contain"
    assert client.get(f"/api/v1/incidents/{ref}/playbooks", headers=headers).json == [run]


def test_tick_and_untick_through_the_api(api):
    client, headers, ref = api
    run = _start(client, headers, ref).json
    url = _item_url(ref, run)
    body = {"done": True, "note": "Recalled", "evidence_url": "https://tickets.example/7"}
    response = client.patch(url, json=body, headers=headers)
    assert response.status_code == 200, response.json
    item = response.json["items"][0]
    assert item["done"] and item["note"] == "Recalled" and item["done_by"].endswith("@example.test")
    assert item["evidence_url"] == "https://tickets.example/7" and item["done_at"]
    assert response.json["progress"] == {"done": 1, "total": 3}
    undone = client.patch(url, json={"done": False, "note": "Not yet"}, headers=headers).json
    assert undone["items"][0]["done"] is False and undone["items"][0]["done_by"] is None


def test_assign_and_set_aside_through_the_api(api, make_user):
    client, headers, ref = api
    _, email = make_user("responder")
    run = _start(client, headers, ref).json
    url = _item_url(ref, run)
    item = client.patch(url, json={"assignee": email}, headers=headers).json["items"][0]
    assert item["assignee"] == email
    body = {"not_applicable": True, "reason": "Sent by courier, no recall possible"}
    result = client.patch(url, json=body, headers=headers).json
    assert result["items"][0]["not_applicable"] and result["progress"]["total"] == 2


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 400),
        ({"note": "only a note"}, 400),
        ({"done": "yes"}, 400),
        ({"done": True, "colour": "red"}, 400),
        ({"done": True, "evidence_url": "ftp://x"}, 400),
        ({"assignee": "nobody@example.test"}, 400),
        ({"not_applicable": True}, 400),
        ([1, 2], 400),
    ],
)
def test_bad_patches_are_4xx_with_a_message(api, body, status):
    client, headers, ref = api
    run = _start(client, headers, ref).json
    response = client.patch(_item_url(ref, run), json=body, headers=headers)
    assert response.status_code == status
    assert response.json["error"] == "validation_error" and response.json["message"]


def test_not_found_and_conflict_cases(api, make_incident, playbook_folder):
    client, headers, ref = api
    run = _start(client, headers, ref).json
    other = make_incident(title="Other")
    other_run = _start(client, headers, other).json
    base = f"/api/v1/incidents/{ref}/playbooks"
    tick = {"done": True}
    # another incident's run, and another run's item
    assert (
        client.patch(
            f"/api/v1/incidents/{other}/playbooks/{run['id']}/items/{run['items'][0]['id']}",
            json=tick,
            headers=headers,
        ).status_code
        == 404
    )
    assert (
        client.patch(
            f"{base}/{run['id']}/items/{other_run['items'][0]['id']}", json=tick, headers=headers
        ).status_code
        == 404
    )
    assert (
        client.patch(f"{base}/{run['id']}/items/999999", json=tick, headers=headers).status_code
        == 404
    )
    assert client.patch(f"{base}/0/items/1", json=tick, headers=headers).status_code == 404
    assert (
        client.get("/api/v1/incidents/LT-1999-0001/playbooks", headers=headers).status_code == 404
    )
    assert _start(client, headers, ref, "nope").status_code == 404
    assert _start(client, headers, ref).status_code == 409
    missing = client.post(base, json={}, headers=headers)
    assert missing.status_code == 400 and "slug" in missing.json["fields"]
    assert client.post(base, data="slug=drill", headers=headers).status_code == 415
    playbook_folder.write(
        "bad.md", SIMPLE.format(version=1).replace("drill", "bad").replace("{due: 2h", "{due: 2y")
    )
    broken = _start(client, headers, ref, "bad")
    assert broken.status_code == 409 and "bad.md:10" in broken.json["message"]


def test_a_closed_incidents_runs_refuse_changes(api):
    client, headers, ref = api
    run = _start(client, headers, ref).json
    for status in ("investigating", "contained", "notifying", "resolved", "closed"):
        moved = client.patch(f"/api/v1/incidents/{ref}", json={"status": status}, headers=headers)
        assert moved.status_code == 200
    response = client.patch(_item_url(ref, run), json={"done": True}, headers=headers)
    assert response.status_code == 409 and "closed" in response.json["message"]


def test_executives_read_but_never_write(api, api_headers):
    client, headers, ref = api
    run = _start(client, headers, ref).json
    boss = api_headers("executive")
    assert client.get(f"/api/v1/incidents/{ref}/playbooks", headers=boss).status_code == 200
    assert _start(client, boss, ref).status_code == 403
    assert client.patch(_item_url(ref, run), json={"done": True}, headers=boss).status_code == 403


def test_correcting_aware_at_through_the_api_moves_due_times(api):
    client, headers, ref = api
    run = _start(client, headers, ref).json
    response = client.patch(
        f"/api/v1/incidents/{ref}", json={"aware_at": "2026-03-01T09:00:00+00:00"}, headers=headers
    )
    assert response.status_code == 200
    runs = client.get(f"/api/v1/incidents/{ref}/playbooks", headers=headers).json
    assert runs[0]["items"][0]["due_at"] == "2026-03-01T11:00:00+00:00"
    assert run["items"][0]["due_at"] == "2026-03-02T11:00:00+00:00"


def test_the_openapi_document_describes_the_playbook_operations(client):
    paths = client.get("/api/openapi.json").json["paths"]
    assert set(paths["/api/v1/incidents/{ref}/playbooks"]) == {"get", "post"}
    assert "patch" in paths["/api/v1/incidents/{ref}/playbooks/{run_id}/items/{item_id}"]
