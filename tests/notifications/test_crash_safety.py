"""Leases, two schedulers at once, and kill -9 of a scheduler in the middle of a batch."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.notifications import events, sending, service
from leaktrack.notifications.dispatch import Dispatcher, Prepared
from leaktrack.notifications.models import Delivery
from leaktrack.notifications.transports import CaptureTransport, SendGridTransport
from leaktrack.timeutil import utcnow
from tests.notifications.fake_sendgrid import API_KEY, FakeSendGrid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def compose(ref, language="en"):
    incident = incidents.get_incident(ref=ref)
    notification = service.create_notification(
        incident=incident,
        actor=None,
        audience="affected",
        template_id="customer-notice",
        language=language,
    )
    db.session.commit()
    return notification


def by_status():
    return dict(
        db.session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all()
    )


def worker(app, fake, tmp_path, claim_size=500):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.notifications.dispatch_worker",
            app.config["SQLALCHEMY_DATABASE_URI"],
            fake.url,
            str(tmp_path),
            str(claim_size),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def later(minutes):
    return lambda: utcnow() + timedelta(minutes=minutes)


def test_an_expired_lease_that_never_posted_is_scheduled_again(app, incident_with_people):
    ref = incident_with_people(5)
    with app.app_context():
        compose(ref)
        crashed = Dispatcher(
            db.session,
            Delivery.__table__,
            transport=CaptureTransport(),
            prepare=lambda rows: Prepared(),
        )
        token, rows = crashed.claim(100)  # … and the process dies before posting
        assert len(rows) == 5 and by_status() == {"sending": 5}
        capture = CaptureTransport()
        sending.dispatch_due(transport_=capture, budget=None)  # lease not yet expired
        assert by_status() == {"sending": 5} and capture.messages == []
        sending.dispatch_due(transport_=capture, budget=None, clock=later(3))
        assert by_status() == {"sent": 5}
        assert len(capture.messages) == 1


def test_a_claim_is_atomic_two_dispatchers_never_share_a_row(app, incident_with_people):
    ref = incident_with_people(30)
    with app.app_context():
        compose(ref)
        one = Dispatcher(db.session, Delivery.__table__, transport=None, prepare=None)
        _, first = one.claim(20)
        _, second = one.claim(20)
        assert len(first) == 20 and len(second) == 10
        assert not {r.id for r in first} & {r.id for r in second}


def test_two_scheduler_processes_never_send_one_delivery_twice(app, incident_with_people, tmp_path):
    ref = incident_with_people(3000)
    with app.app_context():
        compose(ref, language="auto")
    with FakeSendGrid(default=("slow", 0.02)) as fake:
        workers = [worker(app, fake, tmp_path, claim_size=100) for _ in range(2)]
        outputs = [w.communicate(timeout=120) for w in workers]
        assert [w.returncode for w in workers] == [0, 0], outputs
        sent = [int(out.split()[0].split("=")[1]) for out, _ in outputs]
        assert sum(sent) == 3000 and all(sent), sent  # both took part
        received = fake.delivery_ids()
        assert fake.violations == []
        assert len(received) == len(set(received)) == 3000
    with app.app_context():
        assert by_status() == {"sent": 3000}


@pytest.mark.parametrize("killed_in_request", [1, 3])
def test_kill_9_mid_batch_loses_nothing_and_repeats_nothing(
    app, incident_with_people, tmp_path, killed_in_request
):
    ref = incident_with_people(2500)
    with app.app_context():
        compose(ref)
    script = ["202"] * (killed_in_request - 1) + [("slow", 60)]
    with FakeSendGrid(script=script) as fake:
        process = worker(app, fake, tmp_path, claim_size=500)
        try:
            wait_for(lambda: len(fake.requests) == killed_in_request)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
        # SendGrid got the batch in flight; the database could not record it
        in_flight = {
            int(p["custom_args"]["delivery_id"]) for p in fake.requests[-1]["personalizations"]
        }
        with app.app_context():
            counts = by_status()
            assert counts["sending"] == 500 and counts.get("sent", 0) == 500 * (
                killed_in_request - 1
            )
            # another scheduler, after the lease expired
            sendgrid = SendGridTransport(api_key=API_KEY, host=fake.url)
            stats = sending.dispatch_due(transport_=sendgrid, budget=None, clock=later(3))
            assert stats.uncertain == 500
            uncertain = set(
                db.session.scalars(select(Delivery.id).where(Delivery.status == "uncertain"))
            )
            assert uncertain == in_flight
            assert by_status() == {"sent": 2000, "uncertain": 500}
            received = fake.delivery_ids()  # the batch in flight counts: SendGrid took it
            assert len(received) == len(set(received)) == 2500  # nothing lost, nothing twice
            # SendGrid's events settle the uncertain ones; nothing is resent
            events.apply_events(
                [
                    {
                        "sg_event_id": f"e{i}",
                        "event": "processed",
                        "delivery_id": str(i),
                        "timestamp": int(time.time()),
                    }
                    for i in in_flight
                ]
            )
            db.session.commit()
            sending.dispatch_due(transport_=sendgrid, budget=None, clock=later(120))
            assert by_status() == {"sent": 2500}
            received = fake.delivery_ids()
            assert len(received) == len(set(received)) == 2500  # every one exactly once


def test_uncertain_without_any_event_is_resent_after_the_grace(app, incident_with_people):
    ref = incident_with_people(3)
    with app.app_context():
        compose(ref)
        crashed = Dispatcher(db.session, Delivery.__table__, transport=None, prepare=None)
        token, rows = crashed.claim(10)
        crashed._update(token, [r.id for r in rows], posted_at=utcnow())  # posted, then killed
        db.session.commit()
        capture = CaptureTransport()
        sending.dispatch_due(transport_=capture, budget=None, clock=later(3))
        assert by_status() == {"uncertain": 3} and capture.messages == []
        sending.dispatch_due(transport_=capture, budget=None, clock=later(59))  # still in grace
        assert by_status() == {"uncertain": 3}
        sending.dispatch_due(transport_=capture, budget=None, clock=later(64))
        assert by_status() == {"sent": 3} and len(capture.messages) == 1
