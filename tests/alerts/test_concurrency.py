"""Two deliveries of the same new fingerprint at the same moment must open one incident.

Threads share nothing but the database (each request has its own session and connection), so
on PostgreSQL this is the two-gunicorn-workers case; the database's unique key decides.
"""

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from leaktrack.alerts.models import Alert
from leaktrack.extensions import db
from leaktrack.incidents.models import Incident
from tests.alerts import samples
from tests.alerts.conftest import Sender

ROUNDS = 8
DELIVERIES = 4


def _post_together(senders: list[Sender], payload: dict) -> list:
    start = threading.Barrier(len(senders))
    responses = [None] * len(senders)

    def deliver(index: int) -> None:
        start.wait()
        responses[index] = senders[index].post(payload)

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(len(senders))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


def test_simultaneous_deliveries_of_a_new_fingerprint_open_one_incident(app, make_source):
    name, secret = make_source("alertmanager", "bearer", rate_limit_per_minute=0)
    senders = [Sender(app.test_client(), name, secret, "bearer") for _ in range(DELIVERIES)]
    for round_number in range(ROUNDS):
        payload = samples.alertmanager()
        payload["alerts"][0]["fingerprint"] = f"race{round_number:04d}"
        responses = _post_together(senders, payload)
        assert [r.status_code for r in responses] == [202] * DELIVERIES
        answers = [r.get_json() for r in responses]
        assert len({a["incident_ref"] for a in answers}) == 1
        assert len({a["alert_id"] for a in answers}) == 1
        assert sorted(a["deduplicated"] for a in answers) == [False] + [True] * (DELIVERIES - 1)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Incident)) == ROUNDS
        repeats = db.session.scalars(select(Alert.repeat_count)).all()
    assert repeats == [DELIVERIES - 1] * ROUNDS


def test_the_database_refuses_a_second_open_alert_for_a_fingerprint(app, make_source, sender):
    source = sender()
    answer = source.post(samples.alertmanager()).get_json()
    with app.app_context():
        first = db.session.get(Alert, answer["alert_id"])
        twin = Alert(
            source_id=first.source_id,
            fingerprint=first.fingerprint,
            open_fingerprint=first.fingerprint,
            title="twin",
            incident_id=first.incident_id,
        )
        db.session.add(twin)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
