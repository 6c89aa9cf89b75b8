"""The weekly digest: when it is due, its once-a-week claim, its figures."""

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from leaktrack.auth.models import User
from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.notifications import service as notices
from leaktrack.notifications.models import Delivery, Notification
from leaktrack.obligations.models import Filing, ObligationState
from leaktrack.summaries import digest
from leaktrack.summaries.models import DigestClaim

TOKYO = ZoneInfo("Asia/Tokyo")
DEFAULT = "0 9 * * mon"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-11-30T00:00", "2026-W49"),  # Monday 09:00 in Tokyo
        ("2026-11-29T23:59", None),  # Monday 08:59 in Tokyo
        ("2026-11-29T14:59", "2026-W48"),  # Sunday 23:59 in Tokyo: last week's has come
        ("2026-12-04T12:00", "2026-W49"),  # later in the week it is still this week's
        ("2027-01-04T00:00", "2027-W01"),
    ],
)
def test_due_week_follows_the_zone(now, expected):
    assert digest.due_week(now=utc(now), cron=DEFAULT, zone=TOKYO) == expected


def test_a_configured_cron():
    friday = "30 17 * * fri"
    assert digest.due_week(now=utc("2026-12-04T08:29"), cron=friday, zone=TOKYO) is None
    assert digest.due_week(now=utc("2026-12-04T08:30"), cron=friday, zone=TOKYO) == "2026-W49"
    assert digest.due_week(now=utc("2026-12-04T17:30"), cron=friday, zone=UTC) == "2026-W49"


def test_a_week_is_claimed_once(app):
    now = utc("2026-11-30T09:00")
    with app.app_context():
        assert digest.claim_week(week="2026-W49", recipients=2, now=now)
        assert not digest.claim_week(week="2026-W49", recipients=2, now=now)
        assert digest.claim_week(week="2026-W50", recipients=2, now=now)
        db.session.commit()
        assert db.session.scalars(select(DigestClaim.week)).all() == ["2026-W49", "2026-W50"]


def _race(app, work, *, timeout: float) -> list:
    """Run `work` in two threads at once, each in its own app context; their results."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("concurrent writers need PostgreSQL (LEAKTRACK_TEST_DATABASE_URL)")
    start, results, errors = threading.Barrier(2), [], []

    def scheduler():
        try:
            with app.app_context():
                start.wait()
                results.append(work())
                db.session.commit()
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not errors
    return results


def test_two_schedulers_claim_a_week_once(app):
    def claim():
        claimed = digest.claim_week(week="2026-W49", recipients=1, now=utc("2026-11-30T09:00"))
        threading.Event().wait(0.3)  # hold the claim uncommitted while the other tries
        return claimed

    assert sorted(_race(app, claim, timeout=30)) == [False, True]


def test_digest_values(app):
    now = datetime.now(UTC)
    with app.app_context():
        app.config["LEAKTRACK_BASE_URL"] = "https://leaktrack.example.org"
        try:
            big = incidents.create_incident(actor=None, data={"title": "Big", "severity": "critical"})  # fmt: skip
            small = incidents.create_incident(actor=None, data={"title": "Small", "severity": "low"})  # fmt: skip
            done = incidents.create_incident(actor=None, data={"title": "Done"})
            done.status = "resolved"
            big.affected_count, small.affected_count = 120, 3
            big.created_at = now - timedelta(days=10)
            db.session.add_all([
                ObligationState(incident_id=big.id, rule_id="JP-APPI-PPC-FINAL", is_required=True, status="pending", due_at=now + timedelta(days=3)),
                ObligationState(incident_id=big.id, rule_id="EU-GDPR-33", is_required=True, status="pending", due_at=now + timedelta(days=1)),
                ObligationState(incident_id=small.id, rule_id="EU-GDPR-33", is_required=True, status="missed", due_at=now - timedelta(days=1)),
                Filing(incident_id=big.id, rule_id="JP-APPI-INDIVIDUALS", filed_at=now - timedelta(days=2)),
            ])  # fmt: skip
            db.session.flush()
            values = digest.digest_values(now=now)
            due = now + timedelta(days=1)
        finally:
            app.config["LEAKTRACK_BASE_URL"] = "http://127.0.0.1:5000"
            db.session.rollback()
    assert values["totals"] == {"open": 2, "new": 2, "notified": 120, "overdue": 1}
    assert [i["ref"] for i in values["incidents"]] == [big.ref, small.ref]
    first = values["incidents"][0]
    assert first["severity"] == "Critical" and first["affected"] == 120 and first["notified"] == 0
    assert first["next_deadline"] == f"{due:%Y-%m-%d %H:%M} (UTC)"
    assert first["url"] == f"https://leaktrack.example.org/incidents/{big.ref}/summary"
    assert values["dashboard_url"] == "https://leaktrack.example.org/dashboard"
    assert values["period"]["end"] == now.date().isoformat()


MONDAY_9 = utc("2026-11-30T09:00")


@pytest.fixture
def executives(make_user, app):
    make_user("executive", email="boss@example.test")
    ja_id, _ = make_user("executive", email="shacho@example.test")
    make_user("responder", email="resp@example.test")
    with app.app_context():
        db.session.get(User, ja_id).language = "ja"
        db.session.commit()


def _digests():
    return list(db.session.scalars(
        select(Notification).where(Notification.template_id == "internal-weekly-digest").order_by(Notification.language)
    ))  # fmt: skip


def test_digest_goes_to_every_executive_once_a_week(app, executives, make_incident):
    make_incident(title="Open leak", severity="high")
    with app.app_context():
        assert digest.send_weekly_digest(now=MONDAY_9 - timedelta(minutes=1)) == 0
        assert digest.send_weekly_digest(now=MONDAY_9) == 2
        db.session.commit()
        assert digest.send_weekly_digest(now=MONDAY_9 + timedelta(hours=3)) == 0
        assert digest.send_weekly_digest(now=MONDAY_9 + timedelta(days=6)) == 0
        db.session.commit()
        sent = _digests()
        assert [(n.language, n.audience, n.incident_id) for n in sent] == [("en", "internal", None), ("ja", "internal", None)]  # fmt: skip
        emails = {lang: set(db.session.scalars(select(Delivery.email).where(Delivery.notification_id == n.id))) for lang, n in ((n.language, n) for n in sent)}  # fmt: skip
        assert emails == {"en": {"boss@example.test"}, "ja": {"shacho@example.test"}}
        english = notices.render_for(sent[0], "en").text
        assert "Open leak" in english and "/dashboard" in english and "/summary" in english
        assert "週次ダイジェスト" in notices.render_for(sent[1], "ja").subject
        assert "深刻度：高" in notices.render_for(sent[1], "ja").text
        assert digest.send_weekly_digest(now=MONDAY_9 + timedelta(days=7)) == 2


def test_no_digest_without_executives(app, make_user):
    make_user("responder")
    with app.app_context():
        assert digest.send_weekly_digest(now=MONDAY_9) == 0
        assert db.session.scalars(select(DigestClaim)).all() == []


def test_two_schedulers_send_one_digest(app, executives):
    sent = _race(app, lambda: digest.send_weekly_digest(now=MONDAY_9), timeout=60)
    assert sorted(sent) == [0, 2]
    with app.app_context():
        assert len(_digests()) == 2


def test_the_scheduler_job_sends_this_weeks_digest_once(app, executives):
    from leaktrack.scheduler import JOBS, build_scheduler, run_job

    (path,) = [path for job_id, path, *_ in JOBS if job_id == "weekly-digest"]
    assert path == "leaktrack.summaries.digest:send_weekly_digest"
    assert build_scheduler(app).get_job("weekly-digest") is not None
    app.config["LEAKTRACK_DIGEST_CRON"] = "0 0 * * mon"  # Monday 00:00: always past by now
    try:
        run_job(app, path)
        run_job(app, path)
    finally:
        app.config["LEAKTRACK_DIGEST_CRON"] = "0 9 * * mon"
    with app.app_context():
        assert len(_digests()) == 2  # one per language, once
        assert len(db.session.scalars(select(DigestClaim)).all()) == 1
