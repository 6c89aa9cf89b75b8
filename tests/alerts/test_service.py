from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from leaktrack.alerts import service
from leaktrack.alerts.models import AlertRateWindow, SeenWebhookId
from leaktrack.errors import ConflictError, ValidationError
from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from tests.alerts import samples

NOW = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)


def test_old_webhook_ids_and_rate_windows_are_forgotten(app, make_source):
    name, _ = make_source()
    with app.app_context():
        source = service.get_source(name=name)
        minute = int(NOW.timestamp()) // 60
        db.session.add_all(
            [
                SeenWebhookId(
                    source_id=source.id, webhook_id="old", seen_at=NOW - timedelta(minutes=11)
                ),
                SeenWebhookId(
                    source_id=source.id, webhook_id="recent", seen_at=NOW - timedelta(minutes=9)
                ),
                AlertRateWindow(source_id=source.id, minute=minute - 1, count=5),
                AlertRateWindow(source_id=source.id, minute=minute, count=5),
            ]
        )
        db.session.commit()
        service.forget_old_deliveries(now=NOW)
        db.session.commit()
        assert db.session.scalars(select(SeenWebhookId.webhook_id)).all() == ["recent"]
        assert db.session.scalars(select(AlertRateWindow.minute)).all() == [minute]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"name": "-leading-dash"}, "name"),
        ({"name": "x" * 65}, "name"),
        ({"format": "syslog"}, "format"),
        ({"auth": "basic"}, "auth"),
        ({"default_severity": "severe"}, "default_severity"),
        ({"default_cause": "aliens"}, "default_cause"),
        ({"rate_limit_per_minute": -1}, "rate_limit_per_minute"),
        ({"rate_limit_per_minute": True}, "rate_limit_per_minute"),
    ],
)
def test_source_input_is_checked(ctx, options, field):
    arguments = {"name": "prom", "format": "alertmanager", "auth": "hmac", **options}
    with pytest.raises(ValidationError) as caught:
        service.create_source(actor=None, **arguments)
    assert field in caught.value.fields


@pytest.mark.parametrize("hours", [-1, 721])
def test_rotation_overlap_is_bounded(app, make_source, hours):
    name, _ = make_source()
    with app.app_context(), pytest.raises(ValidationError):
        service.rotate_secret(
            source=service.get_source(name=name), actor=None, overlap=timedelta(hours=hours)
        )


def test_an_alert_cannot_move_to_a_closed_incident(app, sender, make_incident):
    answer = sender().post(samples.alertmanager()).get_json()
    target = make_incident()
    with app.app_context():
        closed = incidents.get_incident(ref=target)
        for status in ("investigating", "contained", "notifying", "resolved", "closed"):
            incidents.change_status(incident=closed, actor=None, status=status)
        with pytest.raises(ConflictError):
            service.move_alert(
                alert=service.get_alert(alert_id=answer["alert_id"]), incident=closed, actor=None
            )
