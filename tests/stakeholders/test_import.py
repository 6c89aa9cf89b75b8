"""Imports: encodings, bad rows with their lines, idempotence, mapping, linking."""

import json

import pytest
from sqlalchemy import func, select

from leaktrack.errors import ValidationError
from leaktrack.extensions import db
from leaktrack.stakeholders import service
from leaktrack.stakeholders.models import IncidentStakeholder, Stakeholder

from .conftest import HEADER, ROWS, csv_bytes


def _people(app) -> dict[str, dict]:
    with app.app_context():
        people = db.session.scalars(select(Stakeholder)).all()
        return {p.external_ref: service.stakeholder_json(p) for p in people}


@pytest.mark.parametrize(
    ("content", "encoding", "detected"),
    [
        (csv_bytes(), "auto", "utf-8"),
        (csv_bytes(bom=True), "auto", "utf-8"),
        (csv_bytes(bom=True), "utf-8", "utf-8"),
        (csv_bytes(encoding="cp932"), "auto", "cp932"),
        (csv_bytes(encoding="cp932"), "cp932", "cp932"),
    ],
    ids=["utf8", "utf8-bom", "utf8-bom-explicit", "cp932-auto", "cp932"],
)
def test_each_encoding_reads_the_same_people(app, do_import, content, encoding, detected):
    result = do_import(content, encoding=encoding)
    assert (result.encoding, result.inserted, result.invalid) == (detected, 3, 0)
    people = _people(app)
    assert people["C-1"]["name"] == "山田 太郎"
    assert people["C-1"]["language"] == "ja"  # default from the country
    assert people["C-1"]["region"] == "JP-13"
    assert people["C-3"]["email"] == "ann@example.com"


def test_json_lines(app, do_import):
    lines = [
        {"external_ref": "J-1", "name": "鈴木 一郎", "email": "ichiro@example.jp", "country": "JP"},
        {"external_ref": "J-2", "phone": 819012345678, "country": "us", "region": "US-NY"},
        ["not", "an", "object"],
    ]
    content = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines).encode()
    result = do_import(content + b"\n{broken\n")
    assert (result.inserted, result.invalid) == (2, 2)
    assert result.first_errors == [(3, "not a JSON object"), (4, "not a JSON object")]
    assert _people(app)["J-2"]["phone"] == "819012345678"


def test_each_kind_of_bad_row_is_reported_with_its_line(app, do_import):
    rows = [
        ROWS[0],
        ",名無し,,,,JP,,",
        "C-5,Bad Mail,not-an-email,,,JP,,",
        "C-6,Nowhere,,,,XX,,",
        "C-7,too,few",
        "C-8,Region,,,,JP,US-CA,",
        "C-9,Lang,,,,JP,,fr",
    ]
    content = csv_bytes(rows, encoding="cp932") + b"C-10,\x82\xa0\x81 ,,,,JP,,\r\n"
    result = do_import(content, encoding="cp932")
    assert result.inserted == 1
    assert result.first_errors == [
        (3, "no external_ref"),
        (4, "malformed e-mail"),
        (5, "unknown country"),
        (6, "wrong column count: 3, expected 8"),
        (7, "unknown region"),
        (8, "unknown language (ja or en)"),
        (9, "undecodable bytes (not cp932)"),
    ]
    assert result.errors_csv().splitlines()[:2] == ["line,reason", '3,"no external_ref"']


def test_bad_bytes_and_odd_breaks_deep_in_a_large_file_keep_their_lines(app, do_import):
    many = [f"M-{n},名前{n},,,,JP,," for n in range(3000)]  # more than one decoded block
    rows = ["X-3,o\x85k\u2028ok,,,,JP,,", *many, "X-1,a\x1cb,,,,JP,,", "X-2,c\u2028d,,,,JP,,"]
    content = csv_bytes(rows, encoding="utf-8").replace(b"X-2,c", b"X-2,\xff")
    result = do_import(content, encoding="utf-8")
    assert result.first_errors == [
        (3003, "control character in name"),
        (3004, "undecodable bytes (not utf-8)"),
    ]
    assert result.inserted == 3001
    assert _people(app)["X-3"]["name"] == "o\x85k\u2028ok"


def test_quoted_newlines_keep_line_numbers_right(app, do_import):
    rows = ['C-1,x,,,"Two\nLines",JP,,', 'C-2,"Tab\tName",,,,JP,,', "C-3,x,bad,,,JP,,"]
    result = do_import(csv_bytes(rows))
    assert result.first_errors == [(4, "control character in name"), (5, "malformed e-mail")]
    assert _people(app)["C-1"]["address"] == "Two\nLines"


def test_importing_the_same_file_twice_changes_nothing(app, do_import):
    do_import(csv_bytes())
    with app.app_context():
        before = db.session.execute(select(Stakeholder.id, Stakeholder.pii, Stakeholder.updated_at)).all()  # fmt: skip
    again = do_import(csv_bytes(encoding="cp932"))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    with app.app_context():
        after = db.session.execute(select(Stakeholder.id, Stakeholder.pii, Stakeholder.updated_at)).all()  # fmt: skip
    assert sorted(before) == sorted(after)


def test_a_changed_row_is_updated_in_place(app, do_import):
    do_import(csv_bytes())
    changed = [ROWS[0].replace("taro@example.jp", "taro2@example.jp"), *ROWS[1:]]
    result = do_import(csv_bytes(changed))
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 2)
    assert _people(app)["C-1"]["email"] == "taro2@example.jp"


def test_the_same_ref_of_another_kind_is_another_person(app, do_import):
    do_import(csv_bytes())
    do_import(csv_bytes(), kind="employee")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Stakeholder)) == 6


def test_other_headers_map_to_our_fields(app, do_import):
    content = "顧客番号,氏名,メール,国\r\nK-1,山田,k1@example.jp,JP\r\n".encode("cp932")
    with pytest.raises(ValidationError):
        do_import(content)
    mapping = {"顧客番号": "external_ref", "氏名": "name", "メール": "email", "国": "country"}
    result = do_import(content, mapping=mapping)
    assert result.inserted == 1
    assert _people(app)["K-1"]["name"] == "山田"


def test_import_links_everyone_with_the_incidents_categories(app, do_import, make_incident):
    ref = make_incident(data_categories=["name", "email"], affected_count=10)
    result = do_import(csv_bytes(), incident=ref)
    assert result.linked == 3
    with app.app_context():
        from leaktrack.incidents.service import get_incident

        incident = get_incident(ref=ref)
        counts = service.affected_counts(incident=incident)
        assert counts["by_category"] == {"name": 3, "email": 3}
        assert counts["identified"] == 3 and counts["estimated_unidentified"] == 7
        assert incident.affected_count == 10
    again = do_import(csv_bytes(), incident=ref)
    assert again.linked == 0


def test_a_ref_repeated_in_one_file_is_one_person_linked_once(app, do_import, make_incident):
    ref = make_incident(data_categories=["name"])
    again = ROWS[0].replace("taro@example.jp", "taro2@example.jp")
    result = do_import(csv_bytes([*ROWS, again, ROWS[0]]), incident=ref)
    assert (result.read, result.inserted, result.linked) == (5, 3, 3)
    assert _people(app)["C-1"]["email"] == "taro@example.jp"  # the last row wins
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IncidentStakeholder)) == 3


def test_import_with_other_categories_and_unknown_ones(app, do_import, make_incident):
    ref = make_incident(data_categories=["name"])
    with pytest.raises(ValidationError):
        do_import(csv_bytes(), incident=ref, categories=["name", "shoe_size"])
    do_import(csv_bytes(), incident=ref, categories=["payment_card"])
    with app.app_context():
        bits = db.session.scalars(select(IncidentStakeholder.category_bits)).all()
        assert set(bits) == {1 << 5}


def test_a_file_without_header_or_ref_column_is_refused(do_import):
    with pytest.raises(ValidationError):
        do_import(b"")
    with pytest.raises(ValidationError):
        do_import(b"name,email\r\nx,y@example.jp\r\n")
    with pytest.raises(ValidationError):
        do_import(csv_bytes(), kind="alien")


def test_header_constant_is_what_the_rows_use():
    assert HEADER.count(",") == ROWS[0].count(",")
