"""Linking paths, unlinking, estimates, counts in SQL, the API, and obligations' counts."""

import io

import pytest
from sqlalchemy import select

from leaktrack.audit.models import AuditEvent
from leaktrack.errors import ConflictError, ValidationError
from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.obligations import service as obligations
from leaktrack.stakeholders import service
from leaktrack.stakeholders.models import Stakeholder

from .conftest import ROWS, csv_bytes


@pytest.fixture
def people(do_import):
    do_import(csv_bytes())
    do_import(csv_bytes(["E-1,社員,emp@example.jp,,,JP,JP-13,"]), kind="employee")


def _incident(ref):
    return incidents.get_incident(ref=ref)


def _person(ref):
    return db.session.scalar(select(Stakeholder).where(Stakeholder.external_ref == ref))


def test_link_by_refs_emails_and_ids_and_report_the_unknown(app, people, make_incident, make_user):
    ref = make_incident(data_categories=["name", "email"])
    with app.app_context():
        incident = _incident(ref)
        result = service.link_people(
            incident=incident, actor=None, refs=["C-1", "NOPE"], kind="customer",
            emails=["HANAKO@example.jp", "ghost@example.jp"], categories=["email", "phone"],
        )  # fmt: skip
        assert result == (2, ["NOPE", "ghost@example.jp"])
        result = service.link_people(
            incident=incident, actor=None, stakeholder_ids=[_person("E-1").id], via="search"
        )
        assert result.linked == 1
        db.session.commit()
        counts = service.affected_counts(incident=incident)
    assert counts == {
        "total": 3,
        "identified": 3,
        "estimated_unidentified": 0,
        "by_kind": {"customer": 2, "employee": 1},
        "by_category": {"name": 1, "email": 3, "phone": 2},
        "by_country": {"JP": 3},
    }


def test_linking_twice_counts_once_and_widens_categories(app, people, make_incident):
    ref = make_incident(data_categories=["name"])
    with app.app_context():
        incident = _incident(ref)
        service.link_people(incident=incident, actor=None, refs=["C-1"])
        assert service.link_people(incident=incident, actor=None, refs=["C-1"]).linked == 0
        service.link_people(incident=incident, actor=None, refs=["C-1"], categories=["address"])
        counts = service.affected_counts(incident=incident)
        assert counts["total"] == 1
        assert counts["by_category"] == {"name": 1, "address": 1}


def test_unlink_needs_a_reason_and_keeps_the_history(app, people, make_incident):
    ref = make_incident()
    with app.app_context():
        incident, person = _incident(ref), _person("C-3")
        service.link_people(incident=incident, actor=None, refs=["C-3", "C-1"])
        with pytest.raises(ValidationError):
            service.unlink_person(incident=incident, stakeholder=person, actor=None, reason=" ")
        service.unlink_person(
            incident=incident, stakeholder=person, actor=None, reason="not a customer then"
        )
        assert service.affected_counts(incident=incident)["by_country"] == {"JP": 1}
        assert incident.affected_count == 1
        [link] = service.incidents_of(stakeholder=person)
        assert link.unlink_reason == "not a customer then"
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "stakeholders.unlinked")
        ).one()
        assert event.text == "not a customer then"
        # an explicit link brings the person back
        assert service.link_people(incident=incident, actor=None, refs=["C-3"]).linked == 1
        assert incident.affected_count == 2


def test_import_does_not_undo_an_unlink(app, people, do_import, make_incident):
    ref = make_incident()
    do_import(csv_bytes(), incident=ref)
    with app.app_context():
        incident = _incident(ref)
        service.unlink_person(incident=incident, stakeholder=_person("C-1"), actor=None, reason="r")
        db.session.commit()
    do_import(csv_bytes(), incident=ref)
    with app.app_context():
        assert service.affected_counts(incident=_incident(ref))["identified"] == 2


def test_estimate_is_shown_apart_and_adds_to_the_count(app, people, make_incident):
    ref = make_incident(affected_count=100)
    with app.app_context():
        incident = _incident(ref)
        service.link_people(incident=incident, actor=None, refs=["C-1", "C-2"])
        counts = service.affected_counts(incident=incident)
        assert (counts["identified"], counts["estimated_unidentified"]) == (2, 98)
        service.set_estimate(incident=incident, actor=None, estimated_unidentified=10)
        assert incident.affected_count == 12
        with pytest.raises(ValidationError):
            service.set_estimate(incident=incident, actor=None, estimated_unidentified=-1)


def test_a_closed_incident_takes_no_links(app, people, make_incident):
    ref = make_incident()
    with app.app_context():
        incident = _incident(ref)
        for status in ("investigating", "contained", "notifying", "resolved", "closed"):
            incidents.change_status(incident=incident, actor=None, status=status)
        with pytest.raises(ConflictError):
            service.link_people(incident=incident, actor=None, refs=["C-1"])


def test_obligations_count_linked_people_per_country_and_region(app, people, make_incident):
    ref = make_incident()
    with app.app_context():
        incident = _incident(ref)
        assert obligations.affected_counts(incident).by_country == {}
        service.link_people(incident=incident, actor=None, refs=["C-1", "C-2", "C-3", "E-1"])
        counts = obligations.affected_counts(incident)
        assert counts.by_country == {"JP": 3, "US": 1}
        assert counts.by_region == {"JP-13": 2, "JP-27": 1, "US-CA": 1}
        assert counts.in_place("US-CA")[0] == 1


def test_api_counts_and_links(client, app, people, make_incident, api_headers):
    ref = make_incident(data_categories=["email"])
    headers = api_headers("responder")
    answer = client.post(
        f"/api/v1/incidents/{ref}/affected",
        json=[
            {"kind": "customer", "external_ref": "C-1"},
            {"kind": "employee", "external_ref": "X"},
        ],
        headers=headers,
    )
    assert answer.status_code == 200, answer.json
    assert answer.json["linked"] == 1
    assert answer.json["not_found"] == [{"kind": "employee", "external_ref": "X"}]
    body = "kind,external_ref\r\ncustomer,C-2\r\nemployee,E-1\r\n"
    answer = client.post(
        f"/api/v1/incidents/{ref}/affected", data=body.encode("cp932"),
        headers={**headers, "Content-Type": "text/csv"},
    )  # fmt: skip
    assert answer.json["total"] == 3
    upload = {"file": (io.BytesIO(b"kind,external_ref\r\ncustomer,C-3\r\n"), "refs.csv")}
    answer = client.post(f"/api/v1/incidents/{ref}/affected", data=upload, headers=headers)
    assert answer.json["linked"] == 1
    got = client.get(f"/api/v1/incidents/{ref}/affected", headers=api_headers("executive"))
    assert got.json["by_kind"] == {"customer": 3, "employee": 1}
    assert got.json["by_category"] == {"email": 4}
    assert "taro" not in got.get_data(as_text=True)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ([{"kind": "alien", "external_ref": "C-1"}], 400),
        ([{"kind": "customer"}], 400),
        ({"people": "C-1"}, 400),
        ({"people": [], "data_categories": ["nope"]}, 400),
        ({"people": [], "estimated_unidentified": "many"}, 400),
        ("just text", 400),
    ],
)
def test_api_refuses_bad_bodies(client, people, make_incident, api_headers, body, status):
    ref = make_incident()
    answer = client.post(f"/api/v1/incidents/{ref}/affected", json=body, headers=api_headers())
    assert answer.status_code == status
    assert answer.json["error"]


def test_api_writes_need_a_writer(client, make_incident, api_headers):
    ref = make_incident()
    answer = client.post(f"/api/v1/incidents/{ref}/affected", json=[], headers=api_headers("executive"))  # fmt: skip
    assert answer.status_code == 403
    assert client.get("/api/v1/incidents/LT-1999-0001/affected", headers=api_headers()).status_code == 404  # fmt: skip


def test_rows_fixture_has_three_people():
    assert len(ROWS) == 3


def test_a_count_entered_on_the_incident_becomes_the_estimate(app, people, make_incident):
    ref = make_incident()
    with app.app_context():
        incident = _incident(ref)
        service.link_people(incident=incident, actor=None, refs=["C-1", "C-2", "C-3"])
        incidents.update_incident(incident=incident, actor=None, data={"affected_count": 50})
        assert service.affected_counts(incident=incident)["estimated_unidentified"] == 47
        incidents.update_incident(incident=incident, actor=None, data={"affected_count": 1})
        counts = service.affected_counts(incident=incident)
        assert (counts["total"], counts["estimated_unidentified"]) == (3, 0)
        assert incident.affected_count == 3


def test_iter_linked_filters_by_kind_and_category(app, people, make_incident):
    ref = make_incident()
    with app.app_context():
        incident = _incident(ref)
        service.link_people(
            incident=incident, actor=None, refs=["C-1", "C-2"], categories=["email"]
        )
        service.link_people(incident=incident, actor=None, refs=["E-1"], categories=["phone"])
        everyone = [p.external_ref for _, p in service.iter_linked(incident=incident)]
        assert sorted(everyone) == ["C-1", "C-2", "E-1"]
        by_category = service.iter_linked(incident=incident, categories=["phone", "address"])
        assert [p.external_ref for _, p in by_category] == ["E-1"]
        by_kind = service.iter_linked(incident=incident, kinds=["customer"])
        assert sorted(p.external_ref for _, p in by_kind) == ["C-1", "C-2"]
