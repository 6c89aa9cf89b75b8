from sqlalchemy import text

from leaktrack.audit import service
from leaktrack.extensions import db


def _make_events(app, make_incident, count=3):
    for _ in range(count):
        make_incident()


def test_verify_passes_on_an_intact_chain(app, runner, make_incident):
    _make_events(app, make_incident)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact: 3 events" in result.output


def test_verify_names_an_edited_event(app, runner, make_incident):
    _make_events(app, make_incident)
    with app.app_context():
        db.session.execute(
            text("UPDATE audit_events SET actor_label = 'someone else' WHERE seq = 2")
        )
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "event #2 (incident.created) was altered" in result.output


def test_verify_names_a_deleted_event(app, runner, make_incident):
    _make_events(app, make_incident)
    with app.app_context():
        db.session.execute(text("DELETE FROM audit_events WHERE seq = 2"))
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "event #2 is missing (deleted)" in result.output


def test_verify_notices_a_rewritten_hash(app, runner, make_incident):
    _make_events(app, make_incident)
    with app.app_context():
        db.session.execute(
            text("UPDATE audit_events SET text = 'x', hash = 'f' || substr(hash, 2) WHERE seq = 1")
        )
        db.session.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 1


def test_events_chain_each_to_the_one_before(app, make_incident):
    _make_events(app, make_incident)
    with app.app_context():
        events = sorted(db.session.query(service.AuditEvent), key=lambda e: e.seq)
    assert events[0].prev_hash == service.GENESIS
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]


def test_concurrent_writers_keep_one_unbroken_chain(app):
    """Events recorded from many threads at once each get their own place in the chain."""
    import threading

    errors = []

    def write(worker):
        try:
            for number in range(10):
                with app.app_context():
                    service.record("test.event", actor_label=f"w{worker}", text_=str(number))
                    db.session.commit()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        checked, problem = service.verify_chain()
    assert (checked, problem) == (40, None)
