"""The summary's one-pass people figures agree with the stakeholders and obligations services,
and the cache never serves figures older than the incident's last change."""

import io

from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.obligations import service as obligations
from leaktrack.stakeholders import service as stakeholders
from leaktrack.summaries import people, service

from .conftest import HEADER


def test_same_counts_as_the_stakeholders_service(app, worked_incident):
    with app.app_context():
        incident = incidents.get_incident(ref=worked_incident)
        ours = people.compute(incident).affected_json()
        theirs = stakeholders.affected_counts(incident=incident)
    assert ours == theirs
    assert list(ours["by_kind"]) == list(theirs["by_kind"])
    assert list(ours["by_category"]) == list(theirs["by_category"])


def test_same_obligations_as_the_obligations_service(app, worked_incident):
    with app.app_context():
        incident = incidents.get_incident(ref=worked_incident)
        ours = [obligations.obligation_json(o) for o in service.compute_obligations(incident)]
        theirs = [obligations.obligation_json(o) for o in obligations.compute(incident=incident)]
    assert ours == theirs


def _add_customer(incident, ref: str, country: str) -> None:
    row = f"{ref},Zed,{ref.lower()}@example.com,,,{country},,en"
    stakeholders.import_file(
        stream=io.BytesIO(f"{HEADER}\r\n{row}\r\n".encode()), kind="customer", incident=incident,
        categories=["name"], filename="more.csv",
    )  # fmt: skip


def test_a_change_on_the_incident_shows_at_once(app, worked_incident):
    with app.app_context():
        incident = incidents.get_incident(ref=worked_incident)
        before = service.incident_summary(incident=incident)["affected"]
        _add_customer(incident, "C-9", "FR")
        db.session.commit()
        after = service.incident_summary(incident=incident)["affected"]
    assert after["total"] == before["total"] + 1
    assert after["by_country"]["FR"] == 1


def test_cached_figures_expire(app, worked_incident, monkeypatch):
    with app.app_context():
        incident = incidents.get_incident(ref=worked_incident)
        assert people.figures(incident).by_country["US"] == 1
        person = stakeholders.search(query="C-3")[0]
        stakeholders.update_stakeholder(stakeholder=person, actor=None, data={"country": "CA", "region": ""})  # fmt: skip
        db.session.commit()
        assert people.figures(incident).by_country["US"] == 1  # cached: the person's own change
        monkeypatch.setattr(people, "CACHE_SECONDS", 0)
        assert people.figures(incident).by_country.get("US", 0) == 0
        assert people.figures(incident).by_country["CA"] == 1
