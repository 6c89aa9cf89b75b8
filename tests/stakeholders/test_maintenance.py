"""The import command, retention purges and data-key rotation."""

import base64
from datetime import timedelta

from sqlalchemy import func, select

from leaktrack.audit.models import AuditEvent
from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.scheduler import JOBS
from leaktrack.stakeholders import maintenance, service
from leaktrack.stakeholders.models import Stakeholder
from leaktrack.timeutil import utcnow

from ..conftest import TEST_DATA_KEY
from .conftest import ROWS, csv_bytes

NEW_KEY = "k2:" + base64.urlsafe_b64encode(b"n" * 32).decode()


def _close(ref: str, days_ago: int) -> None:
    incident = incidents.get_incident(ref=ref)
    for status in ("investigating", "contained", "notifying", "resolved", "closed"):
        incidents.change_status(incident=incident, actor=None, status=status)
    incident.closed_at = utcnow() - timedelta(days=days_ago)
    db.session.commit()


def _events(action: str) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_cli_import_prints_a_summary_and_writes_the_bad_rows(runner, tmp_path, make_incident):
    ref = make_incident(data_categories=["email"])
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes([*ROWS, "C-9,x,bad,,,JP,,"], encoding="cp932"))
    errors = tmp_path / "errors.csv"
    result = runner.invoke(
        args=[
            "stakeholders",
            "import",
            str(path),
            "--kind",
            "customer",
            "--incident",
            ref,
            "--categories",
            "email,phone",
            "--errors",
            str(errors),
        ],  # fmt: skip
    )
    assert result.exit_code == 0, result.output
    summary = result.output.strip().splitlines()[-1]
    assert summary == "3 read (cp932): 3 new, 0 updated, 0 unchanged, 3 linked, 1 invalid"
    assert f"{path}:5: malformed e-mail" in result.output
    assert errors.read_text().splitlines() == ["line,reason", '5,"malformed e-mail"']
    missing = runner.invoke(args=["stakeholders", "import", str(path), "--kind", "customer",
                                  "--incident", "LT-1999-0001"])  # fmt: skip
    assert missing.exit_code == 1 and "LT-1999-0001" in missing.output


def test_retention_purges_people_whose_incidents_all_expired(app, runner, do_import, make_incident):
    old, recent = make_incident(), make_incident()
    do_import(csv_bytes(), incident=old)
    do_import(csv_bytes(ROWS[:1]), incident=recent)
    with app.app_context():
        _close(old, days_ago=1200)
        _close(recent, days_ago=10)
    dry = runner.invoke(args=["retention", "purge", "--dry-run"])
    assert "would erase the contact data of 2 people" in dry.output
    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).where(Stakeholder.erased_at.is_not(None))) == 0
        )
        assert _events("retention.purged") == []
    done = runner.invoke(args=["retention", "purge"])
    assert "erased the contact data of 2 people" in done.output
    with app.app_context():
        kept = db.session.scalars(select(Stakeholder).where(Stakeholder.pii.is_not(None))).all()
        assert [p.external_ref for p in kept] == ["C-1"]
        [event] = _events("retention.purged")
        assert event.after["erased"] == 2 and event.after["retention_days"] == 1095
        # the incident's figures stay true
        counts = service.affected_counts(incident=incidents.get_incident(ref=old))
        assert counts["by_country"] == {"JP": 2, "US": 1}
    assert (
        "erased the contact data of 0 people" in runner.invoke(args=["retention", "purge"]).output
    )


def test_retention_period_comes_from_the_settings(app, do_import, make_incident):
    ref = make_incident()
    do_import(csv_bytes(), incident=ref)
    with app.app_context():
        _close(ref, days_ago=40)
        app.config["LEAKTRACK_RETENTION_DAYS"] = 30
        try:
            assert maintenance.purge_expired(dry_run=True) == 3
        finally:
            app.config["LEAKTRACK_RETENTION_DAYS"] = 1095
        assert maintenance.purge_expired(dry_run=True) == 0


def test_the_scheduler_purges_daily():
    assert any(path.endswith(":scheduled_purge") for _, path, _, _ in JOBS)


def test_rotate_key_reseals_everything_and_search_still_works(app, runner, do_import):
    do_import(csv_bytes())
    app.config.update(LEAKTRACK_DATA_KEY=NEW_KEY, LEAKTRACK_RETIRED_DATA_KEYS=TEST_DATA_KEY)
    try:
        with app.app_context():
            assert [p.external_ref for p in service.search(query="taro@example.jp")] == ["C-1"]
        result = runner.invoke(args=["stakeholders", "rotate-key"])
        assert result.output.strip() == "re-sealed 3 records under the current data key"
        app.config["LEAKTRACK_RETIRED_DATA_KEYS"] = ""
        with app.app_context():
            assert set(db.session.scalars(select(Stakeholder.key_id))) == {"k2"}
            [person] = service.search(query="taro@example.jp")
            assert service.contact_of(person).phone == "03-1234-5678"
            assert [e.after for e in _events("stakeholders.key_rotated")] == [{"resealed": 3}]
        # importing the same file under the new key still changes nothing
        assert do_import(csv_bytes()).unchanged == 3
    finally:
        app.config.update(LEAKTRACK_DATA_KEY=TEST_DATA_KEY, LEAKTRACK_RETIRED_DATA_KEYS="")


def test_rotate_key_without_the_old_key_changes_nothing(app, runner, do_import):
    do_import(csv_bytes())
    app.config["LEAKTRACK_DATA_KEY"] = NEW_KEY
    try:
        result = runner.invoke(args=["stakeholders", "rotate-key"])
        assert result.exit_code == 1 and "LEAKTRACK_RETIRED_DATA_KEYS" in result.output
        with app.app_context():
            assert set(db.session.scalars(select(Stakeholder.key_id))) == {"k1"}
    finally:
        app.config["LEAKTRACK_DATA_KEY"] = TEST_DATA_KEY
