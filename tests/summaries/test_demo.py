"""The demo command loads every cause, status and obligation state, once."""

import pytest
from sqlalchemy import func, select

from leaktrack.audit.service import verify_chain
from leaktrack.auth.models import User
from leaktrack.extensions import db
from leaktrack.incidents.models import Incident
from leaktrack.obligations.models import ObligationState
from leaktrack.stakeholders.models import IncidentStakeholder
from leaktrack.summaries import demo
from leaktrack.vocab import CAUSES, STATUSES


@pytest.mark.slow
def test_demo_loads_a_varied_data_set_once(app, runner):
    result = runner.invoke(args=["demo", "--incidents", "24"])
    assert result.exit_code == 0, result.output
    assert "demo data loaded: 24 incidents" in result.output
    assert "executive@demo.example" in result.output
    with app.app_context():
        assert set(db.session.scalars(select(Incident.status).distinct())) == set(STATUSES)
        assert set(db.session.scalars(select(Incident.cause).distinct())) == set(CAUSES)
        states = set(
            db.session.scalars(
                select(ObligationState.status).where(ObligationState.is_required.is_(True))
            )
        )
        assert {"met", "pending", "missed"} <= states
        links = db.session.scalar(select(func.count()).select_from(IncidentStakeholder))
        assert links > 500
        executive = select(User.role).where(User.email == "executive@demo.example")
        assert db.session.scalar(executive) == "executive"
        assert verify_chain()[1] is None
    again = runner.invoke(args=["demo", "--incidents", "24"])
    assert again.exit_code != 0
    assert "already has incidents" in again.output


def test_steps_registry_names_callables():
    for path in demo.STEPS:
        module, _, name = path.partition(":")
        assert callable(getattr(__import__(module, fromlist=[name]), name))
