"""Deadline reminders: 24 h, 4 h and passed, each exactly once, even with two schedulers."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.obligations import service
from leaktrack.obligations.engine import AffectedCounts, compute_obligations
from leaktrack.obligations.models import ObligationState, ReminderSent
from leaktrack.obligations.rules import load_rules
from leaktrack.obligations.tasks import claim_reminder, reminder_due, send_deadline_reminders
from leaktrack.scheduler import JOBS, run_job
from leaktrack.timeutil import utcnow
from tests.obligations.cases import AWARE, facts

HOUR = timedelta(hours=1)


def _reminders(rule_id: str | None = None) -> list[tuple[str, str]]:
    query = select(ReminderSent.rule_id, ReminderSent.kind).order_by(ReminderSent.id)
    if rule_id:
        query = query.where(ReminderSent.rule_id == rule_id)
    return [tuple(row) for row in db.session.execute(query)]


@pytest.fixture
def gdpr_incident(app, make_incident):
    """An EU incident whose Art. 33 report is due 72 h after awareness (aware 2 h ago)."""
    aware = utcnow() - 2 * HOUR
    ref = make_incident(jurisdictions=["DE"], risk_level="risk", aware_at=aware)
    return ref, aware + 72 * HOUR


def _obligation(**changes):
    rules = load_rules()
    (obligation,) = [
        o
        for o in compute_obligations(
            facts=facts(jurisdictions={"DE"}, **changes),
            counts=AffectedCounts(),
            filings=[],
            overrides=[],
            rules=rules,
            now=AWARE,
        )  # fmt: skip
        if o.rule_id == "EU-GDPR-33"
    ]
    return obligation


@pytest.mark.parametrize(
    ("hours_before_due", "kind"),
    [(30, None), (24, "24h"), (5, "24h"), (4, "4h"), (0.5, "4h"), (0, "passed"), (-50, "passed")],
)
def test_the_latest_reminder_window_applies(hours_before_due, kind):
    obligation = _obligation()
    assert reminder_due(obligation, obligation.due_at - hours_before_due * HOUR) == kind


def test_no_reminder_for_what_is_not_required_or_has_no_date():
    assert reminder_due(_obligation(risk_level="unlikely"), AWARE + 100 * HOUR) is None
    assert reminder_due(_obligation(events={}), AWARE + 100 * HOUR) is None


def test_each_reminder_goes_once_across_runs(app, gdpr_incident, make_user):
    ref, due = gdpr_incident
    for now in (due - 30 * HOUR, due - 20 * HOUR, due - 19 * HOUR, due - 3 * HOUR, due - 2 * HOUR,
                due + HOUR, due + 9 * HOUR):  # fmt: skip
        with app.app_context():
            send_deadline_reminders(now=now)
            db.session.commit()
    with app.app_context():
        assert _reminders("EU-GDPR-33") == [
            ("EU-GDPR-33", "24h"),
            ("EU-GDPR-33", "4h"),
            ("EU-GDPR-33", "passed"),
        ]


def test_a_scheduler_that_was_down_sends_only_the_reminder_that_still_matters(app, gdpr_incident):
    _, due = gdpr_incident
    with app.app_context():
        send_deadline_reminders(now=due + 5 * HOUR)
        db.session.commit()
        assert _reminders("EU-GDPR-33") == [("EU-GDPR-33", "passed")]


def test_a_new_due_time_gets_its_own_reminders(app, gdpr_incident):
    ref, due = gdpr_incident
    with app.app_context():
        send_deadline_reminders(now=due - 20 * HOUR)
        incident = incidents.get_incident(ref=ref)
        incidents.update_incident(
            incident=incident, actor=None, data={"aware_at": (due - 72 * HOUR) - 10 * HOUR}
        )
        send_deadline_reminders(now=due - 20 * HOUR)
        db.session.commit()
        assert _reminders("EU-GDPR-33") == [("EU-GDPR-33", "24h"), ("EU-GDPR-33", "24h")]


def test_reminders_go_to_the_owner_and_responders_not_executives(app, gdpr_incident, make_user):
    _, due = gdpr_incident
    make_user("responder", email="resp@example.test")
    make_user("executive", email="boss@example.test")
    with app.app_context():
        send_deadline_reminders(now=due - 3 * HOUR)
        reminder = db.session.scalar(
            select(ReminderSent).where(ReminderSent.rule_id == "EU-GDPR-33")
        )
        assert reminder.recipients == ["resp@example.test"]
        assert reminder.subject.endswith("is due within 4 hours")
        assert "Recipient: Competent supervisory authority" in reminder.body
        assert "(legal deadline)" in reminder.body


def test_the_scheduler_job_is_registered_and_commits(app, gdpr_incident):
    (path,) = [path for job_id, path, *_ in JOBS if job_id == "obligation-reminders"]
    run_job(app, path)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReminderSent)) == 0
        assert db.session.scalar(select(func.count()).select_from(ObligationState)) > 0


def _is_postgresql(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


def _in_thread(target, *args) -> tuple[threading.Thread, list]:
    errors: list = []

    def run():
        try:
            target(*args)
        except Exception as exc:  # reported to the test below
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def test_two_schedulers_in_parallel_send_each_reminder_once(app, make_incident):
    if not _is_postgresql(app):
        pytest.skip("concurrent writers need PostgreSQL (LEAKTRACK_TEST_DATABASE_URL)")
    aware = utcnow() - 2 * HOUR
    for country in ("DE", "FR", "NL"):
        make_incident(jurisdictions=[country], risk_level="risk", severity="high", aware_at=aware)
    now = (
        aware + 71 * HOUR
    )  # GDPR 33 and NIS2 notification due within 4 h; NIS2 early warning passed
    start = threading.Barrier(2)

    def scheduler():
        with app.app_context():
            start.wait()
            send_deadline_reminders(now=now)
            db.session.commit()

    threads = [_in_thread(scheduler) for _ in range(2)]
    for thread, errors in threads:
        thread.join(timeout=60)
        assert not errors, errors
    with app.app_context():
        rows = _reminders()
        assert len(rows) == len(set(db.session.execute(
            select(ReminderSent.incident_id, ReminderSent.obligation_key, ReminderSent.kind)
        )))  # fmt: skip
        assert sorted(set(rows)) == [
            ("EU-GDPR-33", "4h"),
            ("EU-NIS2-EARLY", "passed"),
            ("EU-NIS2-NOTIF", "4h"),
        ]
        assert len(rows) == 9


def test_the_unique_row_is_the_claim_between_two_transactions(app, gdpr_incident):
    if not _is_postgresql(app):
        pytest.skip("concurrent writers need PostgreSQL (LEAKTRACK_TEST_DATABASE_URL)")
    ref, due = gdpr_incident
    first_claimed, results = threading.Event(), {}

    def claim(name: str, wait_for: threading.Event | None, hold: float):
        with app.app_context():
            if wait_for is not None:
                wait_for.wait(10)
            incident = incidents.get_incident(ref=ref)
            obligation = next(
                o
                for o in service.compute(incident=incident, now=due - HOUR)
                if o.rule_id == "EU-GDPR-33"
            )
            results[name] = claim_reminder(incident=incident, obligation=obligation, kind="4h")
            results[name] = results[name] is not None
            if wait_for is None:
                first_claimed.set()
                threading.Event().wait(hold)  # keep the claim uncommitted while the other tries
            db.session.commit()

    first = _in_thread(claim, "first", None, 0.5)
    second = _in_thread(claim, "second", first_claimed, 0)
    for thread, errors in (first, second):
        thread.join(timeout=30)
        assert not errors, errors
    assert results == {"first": True, "second": False}
    with app.app_context():
        assert _reminders("EU-GDPR-33") == [("EU-GDPR-33", "4h")]
