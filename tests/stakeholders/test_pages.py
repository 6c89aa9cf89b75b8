"""Pages: search, a person (audited), edit, erase, linking, upload with a background import."""

import io

from sqlalchemy import select

from leaktrack.audit.models import AuditEvent
from leaktrack.extensions import db
from leaktrack.stakeholders import uploads
from leaktrack.stakeholders.models import Stakeholder

from .conftest import csv_bytes


def _views() -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "stakeholder.viewed").order_by(AuditEvent.seq)
    ).all()


def _id_of(app, ref: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Stakeholder.id).where(Stakeholder.external_ref == ref))


def test_search_by_ref_or_exact_email_is_audited(app, page_client, do_import):
    do_import(csv_bytes())
    responder = page_client("responder")
    page = responder.get("/stakeholders?q=TARO@example.jp").get_data(as_text=True)
    assert "山田 太郎" in page and "佐藤" not in page
    assert "佐藤 花子" in responder.get("/stakeholders?q=C-2").get_data(as_text=True)
    assert "山田" not in responder.get("/stakeholders?q=taro@example").get_data(as_text=True)
    assert "山田" in responder.get("/stakeholders?q=0312345678").get_data(as_text=True)
    with app.app_context():
        views = _views()
        assert [v.actor_label for v in views] == [responder.email] * 3
        assert views[0].after == {"where": "search", "stakeholder_ids": [_id_of(app, "C-1")]}


def test_person_page_shows_contact_data_and_incidents_and_is_audited(
    app, page_client, do_import, make_incident
):
    ref = make_incident(title="Misdelivered invoices")
    do_import(csv_bytes(), incident=ref)
    person_id = _id_of(app, "C-1")
    page = page_client("admin").get(f"/stakeholders/{person_id}").get_data(as_text=True)
    assert "taro@example.jp" in page and ref in page
    with app.app_context():
        [view] = _views()
        assert view.object_id == str(person_id) and view.after["where"] == "person"


def test_executives_see_counts_only(app, page_client, do_import, make_incident):
    ref = make_incident()
    do_import(csv_bytes(), incident=ref)
    executive = page_client("executive")
    incident_page = executive.get(f"/incidents/{ref}").get_data(as_text=True)
    assert 'id="affected"' in incident_page and "taro" not in incident_page
    for url in ("/stakeholders?q=C-1", f"/stakeholders/{_id_of(app, 'C-1')}",
                f"/incidents/{ref}/people", f"/incidents/{ref}/people.csv"):  # fmt: skip
        assert executive.get(url).status_code == 403, url
    with app.app_context():
        assert _views() == []


def test_incident_people_page_and_export_are_audited(app, page_client, do_import, make_incident):
    ref = make_incident(data_categories=["email"])
    do_import(csv_bytes(), incident=ref)
    responder = page_client("responder")
    page = responder.get(f"/incidents/{ref}/people").get_data(as_text=True)
    assert "ann@example.com" in page
    export = responder.get(f"/incidents/{ref}/people.csv")
    assert export.mimetype == "text/csv"
    assert "taro@example.jp" in export.get_data(as_text=True)
    with app.app_context():
        wheres = [v.after["where"] for v in _views()]
        assert wheres == ["incident people", "incident people export"]
        assert _views()[1].after["count"] == 3
        assert all(v.incident_id is not None for v in _views())


def test_link_paste_search_unlink_and_estimate_from_pages(
    app, page_client, do_import, make_incident
):
    do_import(csv_bytes())
    ref = make_incident(data_categories=["name"])
    responder = page_client("responder")
    response = responder.post(
        f"/incidents/{ref}/people/link", data={"items": "C-1\nann@example.com, nobody"}
    )
    assert response.status_code == 302
    flashed = responder.get(f"/incidents/{ref}/people").get_data(as_text=True)
    assert "nobody" in flashed
    file = (io.BytesIO("C-2\r\n".encode("cp932")), "refs.txt")
    responder.post(f"/incidents/{ref}/people/link", data={"file": file}, content_type="multipart/form-data")  # fmt: skip
    person_id = _id_of(app, "C-3")
    responder.post(f"/incidents/{ref}/people/{person_id}/unlink", data={"reason": ""})
    responder.post(f"/incidents/{ref}/people/{person_id}/unlink", data={"reason": "wrong person"})
    responder.post(f"/incidents/{ref}/people/estimate", data={"estimated_unidentified": "40"})
    responder.post(f"/incidents/{ref}/people/estimate", data={"estimated_unidentified": "-4"})
    with app.app_context():
        from leaktrack.incidents.service import get_incident
        from leaktrack.stakeholders.service import affected_counts

        counts = affected_counts(incident=get_incident(ref=ref))
    assert (counts["identified"], counts["estimated_unidentified"], counts["total"]) == (2, 40, 42)
    search = responder.get(f"/stakeholders?q=C-3&incident={ref}").get_data(as_text=True)
    assert f"/incidents/{ref}/people/link" in search
    responder.post(f"/incidents/{ref}/people/link", data={"stakeholder_id": str(person_id)})
    with app.app_context():
        assert affected_counts(incident=get_incident(ref=ref))["identified"] == 3


def test_edit_validates_and_erase_needs_a_reason(app, page_client, do_import):
    do_import(csv_bytes())
    person_id = _id_of(app, "C-1")
    responder = page_client("responder")
    assert "taro@example.jp" in responder.get(f"/stakeholders/{person_id}/edit").get_data(as_text=True)  # fmt: skip
    bad = responder.post(f"/stakeholders/{person_id}/edit", data={"email": "nope", "country": "JP"})
    assert bad.status_code == 400 and "malformed e-mail" in bad.get_data(as_text=True)
    good = responder.post(
        f"/stakeholders/{person_id}/edit",
        data={
            "name": "山田 太郎",
            "email": "t.yamada@example.jp",
            "country": "JP",
            "region": "JP-14",
        },
    )
    assert good.status_code == 302
    assert "t.yamada@example.jp" in responder.get("/stakeholders?q=t.yamada@example.jp").get_data(as_text=True)  # fmt: skip
    responder.post(f"/stakeholders/{person_id}/erase", data={"reason": ""})
    with app.app_context():
        assert db.session.get(Stakeholder, person_id).erased_at is None
    responder.post(f"/stakeholders/{person_id}/erase", data={"reason": "APPI Art. 35 request, 2026-11-01"})  # fmt: skip
    with app.app_context():
        person = db.session.get(Stakeholder, person_id)
        assert (person.pii, person.external_ref, person.email_index) == (None, None, None)
        assert person.ref_hash and person.country == "JP"
        erased = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "stakeholder.erased")).one()  # fmt: skip
        assert erased.text.startswith("APPI")
    assert "t.yamada" not in responder.get(f"/stakeholders/{person_id}").get_data(as_text=True)


def test_upload_runs_in_the_background_and_reports_bad_rows(app, page_client, make_incident):
    ref = make_incident(data_categories=["name"])
    responder = page_client("responder")
    content = csv_bytes(["C-1,山田,taro@example.jp,,,JP,,", "C-2,x,bad,,,JP,,"], encoding="cp932")
    response = responder.post(
        "/stakeholders/imports/new",
        data={
            "file": (io.BytesIO(content), "customers.csv"),
            "kind": "customer",
            "encoding": "auto",
            "incident_ref": ref,
        },  # fmt: skip
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    status_url = response.headers["Location"]
    assert responder.get(status_url + "/status").json["status"] == "queued"
    with app.app_context():
        uploads.run_queued_imports()
    state = responder.get(status_url + "/status").json
    assert state["status"] == "done"
    assert (state["result"]["inserted"], state["result"]["invalid"], state["result"]["linked"]) == (1, 1, 1)  # fmt: skip
    page = responder.get(status_url).get_data(as_text=True)
    assert "malformed e-mail" in page
    errors = responder.get(status_url + "/errors.csv")
    assert errors.get_data(as_text=True).splitlines() == ["line,reason", '3,"malformed e-mail"']
    with app.app_context():
        from leaktrack.stakeholders.models import StakeholderImport

        assert db.session.scalar(select(StakeholderImport.content)) is None


def test_upload_form_errors(app, page_client):
    responder = page_client("responder")
    response = responder.post(
        "/stakeholders/imports/new",
        data={"file": (io.BytesIO(b""), "empty.csv"), "kind": "alien", "incident_ref": ""},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    missing = responder.post(
        "/stakeholders/imports/new",
        data={"file": (io.BytesIO(b"x"), "a.csv"), "kind": "customer", "incident_ref": "LT-1-1"},
        content_type="multipart/form-data",
    )
    assert missing.status_code == 400


def test_a_failed_upload_says_why(app, page_client):
    responder = page_client("responder")
    response = responder.post(
        "/stakeholders/imports/new",
        data={"file": (io.BytesIO(b"name\r\nx\r\n"), "a.csv"), "kind": "customer"},
        content_type="multipart/form-data",
    )
    with app.app_context():
        uploads.run_queued_imports()
    state = responder.get(response.headers["Location"] + "/status").json
    assert state["status"] == "failed" and "external_ref" in state["message"]
