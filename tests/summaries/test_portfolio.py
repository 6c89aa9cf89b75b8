"""Dashboard figures against a hand-computed portfolio of six incidents."""

from datetime import UTC, datetime, timedelta

import pytest

from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.obligations import service as obligations
from leaktrack.obligations.models import Filing, ObligationState
from leaktrack.summaries import portfolio

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
DAY = 86400


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


#: name -> (status, severity, detected, aware, contained, affected)
INCIDENTS = {
    "A": ("open", "high", "2026-03-10", "2026-03-10T12:00", "2026-03-12", 100),
    "B": ("investigating", "critical", "2026-03-20", "2026-03-20", "2026-03-21", 50),
    "C": ("contained", "high", "2026-03-25", None, "2026-03-29", 10),
    "D": ("resolved", "low", "2025-11-01", None, "2026-01-05", 7),
    "E": ("closed", "medium", "2026-12-01", None, None, 1000),
    "F": ("open", "high", None, None, None, 5),
}
#: (incident, rule, required, stored status, due)
STATES = [
    ("A", "JP-APPI-PPC-PRELIM", True, "pending", NOW + timedelta(days=2)),
    ("A", "JP-APPI-INDIVIDUALS", True, "pending", NOW + timedelta(days=8)),
    ("A", "JP-APPI-PPC-FINAL", True, "met", NOW + timedelta(days=3)),
    ("B", "JP-APPI-PPC-FINAL", True, "pending", NOW - timedelta(days=1)),
    ("B", "EU-GDPR-34", True, "pending", NOW - timedelta(days=1)),
    ("C", "EU-GDPR-33", True, "missed", at("2026-04-01")),
    ("C", "JP-APPI-PPC-PRELIM", False, "pending", NOW + timedelta(days=1)),
    ("E", "EU-GDPR-33", True, "missed", at("2026-12-04")),
]
#: (incident, rule, filed)
FILINGS = [
    ("A", "JP-APPI-INDIVIDUALS", "2026-03-13T12:00"),
    ("B", "JP-APPI-PPC-PRELIM", "2026-03-21"),
    ("B", "JP-APPI-INDIVIDUALS", "2026-03-25"),
]


@pytest.fixture
def figures(app):
    with app.app_context():
        ids = {}
        for name, (status, severity, detected, aware, contained, affected) in INCIDENTS.items():
            incident = incidents.create_incident(actor=None, data={"title": f"Incident {name}"})
            incident.status, incident.severity, incident.affected_count = status, severity, affected
            incident.detected_at = at(detected) if detected else None
            incident.aware_at = at(aware) if aware else None
            incident.contained_at = at(contained) if contained else None
            incident.created_at = NOW - timedelta(hours=1)
            ids[name] = incident.id
        db.session.flush()
        for name, rule, required, status, due in STATES:
            db.session.add(
                ObligationState(
                    incident_id=ids[name],
                    rule_id=rule,
                    is_required=required,
                    status=status,
                    due_at=due,
                )  # fmt: skip
            )
        for name, rule, filed in FILINGS:
            db.session.add(Filing(incident_id=ids[name], rule_id=rule, filed_at=at(filed)))
        db.session.commit()
        return portfolio.portfolio(now=NOW)


def test_gdpr_34_is_a_planning_target_not_a_legal_deadline(app):
    with app.app_context():
        assert not obligations.rule_set().get("EU-GDPR-34").deadline.is_legal
        assert obligations.rule_set().get("JP-APPI-PPC-FINAL").deadline.is_legal


def test_open_incidents_by_status_and_severity(figures):
    assert figures.open_total == 4
    assert figures.open_matrix["open"] == {"low": 0, "medium": 0, "high": 2, "critical": 0}
    assert figures.open_matrix["investigating"]["critical"] == 1
    assert figures.open_matrix["contained"]["high"] == 1
    assert sum(figures.open_matrix["notifying"].values()) == 0
    assert "resolved" not in figures.open_matrix


def test_deadlines_due_within_a_week_and_missed(figures):
    assert [(d.ref[-4:], d.rule_id) for d in figures.due_soon] == [
        (figures.due_soon[0].ref[-4:], "JP-APPI-PPC-PRELIM")
    ]
    assert figures.due_soon_total == 1
    assert figures.due_soon[0].title == "Incident A"
    # B's final report is past its legal deadline; C's stored state is missed; B's GDPR-34 is
    # a planning target, E is closed
    assert [(d.title, d.rule_id) for d in figures.missed] == [
        ("Incident B", "JP-APPI-PPC-FINAL"),
        ("Incident C", "EU-GDPR-33"),
    ]
    assert figures.missed_total == 2


def test_twelve_months_ending_with_this_one(figures):
    assert figures.months == [f"2026-{m:02d}" for m in range(1, 13)]


def test_people_affected_per_month_of_detection(figures):
    # D was detected before the window; F has no detection time and counts when recorded
    expected = dict.fromkeys(figures.months, 0) | {"2026-03": 160, "2026-12": 1005}
    assert figures.people_by_month == expected


def test_median_time_to_contain_per_month_of_containment(figures):
    # March: B 1 d, A 2 d, C 4 d → 2 d; January: D 65 d
    assert figures.contain_by_month == {"2026-03": (2 * DAY, 3), "2026-01": (65 * DAY, 1)}


def test_median_time_to_notify_per_month_of_first_notice(figures):
    # A: aware 10 Mar 12:00 → notice 13 Mar 12:00 = 3 d; B: aware 20 Mar → 21 Mar = 1 d
    assert figures.notify_by_month == {"2026-03": (2 * DAY, 2)}


def test_months_follow_the_configured_zone(app):
    with app.app_context():
        app.config["LEAKTRACK_TIMEZONE"] = "Asia/Tokyo"
        try:
            incident = incidents.create_incident(actor=None, data={"title": "Late night"})
            # 31 March 20:00 UTC is 1 April 05:00 in Tokyo
            incident.detected_at, incident.affected_count = at("2026-03-31T20:00"), 3
            db.session.commit()
            figures = portfolio.portfolio(now=NOW)
        finally:
            app.config["LEAKTRACK_TIMEZONE"] = "UTC"
    assert figures.people_by_month["2026-04"] == 3
    assert figures.people_by_month["2026-03"] == 0


def test_empty_portfolio(app):
    with app.app_context():
        figures = portfolio.portfolio(now=NOW)
    assert figures.open_total == 0 and figures.missed == [] and figures.due_soon == []
    assert set(figures.people_by_month.values()) == {0}
    assert figures.contain_by_month == {} and figures.notify_by_month == {}
