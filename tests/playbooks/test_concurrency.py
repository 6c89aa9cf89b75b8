"""Starting the same playbook from several requests at once gives one run, and 409s, never 500."""

import threading

from sqlalchemy import func, select

from leaktrack.extensions import db
from leaktrack.playbooks.models import PlaybookRun, PlaybookVersion


def test_simultaneous_starts_make_one_run_and_one_version(
    app, api_headers, make_incident, playbook_folder
):
    headers = api_headers("responder")
    refs = [make_incident(title=f"Race {n}") for n in range(2)]
    start = threading.Barrier(6)
    statuses: list[tuple[str, int]] = []

    def post(ref: str):
        client = app.test_client()
        start.wait(10)
        response = client.post(
            f"/api/v1/incidents/{ref}/playbooks", json={"slug": "drill"}, headers=headers
        )
        statuses.append((ref, response.status_code))

    threads = [threading.Thread(target=post, args=(refs[n % 2],)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for ref in refs:
        assert sorted(s for r, s in statuses if r == ref) == [201, 409, 409], statuses
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PlaybookRun)) == 2
        assert db.session.scalar(select(func.count()).select_from(PlaybookVersion)) == 1
