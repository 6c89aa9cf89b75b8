import json
from datetime import UTC, datetime

import pytest

from leaktrack.alerts.parse import (
    MAX_RAW_LENGTH,
    MAX_TITLE_LENGTH,
    SEVERITY_ALIASES,
    SchemaError,
    decode_json,
    normalise_severity,
    parse_alertmanager,
    parse_generic,
    parse_payload,
)
from leaktrack.vocab import SEVERITIES
from tests.alerts import samples


def schema_fields(parse, payload) -> dict[str, str]:
    with pytest.raises(SchemaError) as caught:
        parse(payload)
    return caught.value.fields


# Alertmanager and Grafana


def test_alertmanager_alert_is_normalised():
    [record] = parse_alertmanager(samples.alertmanager())
    assert record.fingerprint == "c6d2a1f0b3e47a19"
    assert record.status == "firing" and not record.is_resolved
    assert record.title == "Bulk export of customer records from fileserver-02"
    assert record.text.startswith("12,400 rows of the customers table")
    assert record.severity == "critical"
    assert record.started_at == datetime(2026, 11, 27, 22, 14, 5, 123456, tzinfo=UTC)
    assert record.ended_at is None
    assert record.labels["job"] == "dlp-scanner"


def test_alertmanager_raw_keeps_the_alert_and_its_group():
    [record] = parse_alertmanager(samples.alertmanager())
    raw = json.loads(record.raw)
    assert raw["receiver"] == "leaktrack"
    assert raw["groupKey"].endswith('{alertname="DLPBulkExport"}')
    assert raw["alert"]["generatorURL"].startswith("http://prometheus:9090/")


def test_grafana_payload_gives_one_record_per_alert():
    firing, resolved = parse_alertmanager(samples.grafana())
    assert (firing.status, resolved.status) == ("firing", "resolved")
    assert resolved.is_resolved
    assert firing.severity is None
    assert resolved.severity == "medium"
    assert firing.started_at == datetime(2026, 11, 28, 0, 51, 3, 157076, tzinfo=UTC)
    assert resolved.ended_at == datetime(2026, 11, 28, 0, 40, tzinfo=UTC)
    assert firing.started_at.tzinfo is UTC


def test_title_falls_back_to_the_alert_name():
    payload = samples.alertmanager()
    del payload["alerts"][0]["annotations"]["summary"]
    del payload["alerts"][0]["annotations"]["description"]
    [record] = parse_alertmanager(payload)
    assert record.title == "DLPBulkExport"
    assert record.text == ""


def test_blank_summary_falls_back_to_the_alert_name():
    payload = samples.alertmanager()
    payload["alerts"][0]["annotations"]["summary"] = "   "
    [record] = parse_alertmanager(payload)
    assert record.title == "DLPBulkExport"


def test_long_summary_is_clipped():
    payload = samples.alertmanager()
    payload["alerts"][0]["annotations"]["summary"] = "x" * 5000
    [record] = parse_alertmanager(payload)
    assert len(record.title) == MAX_TITLE_LENGTH
    assert record.title.endswith("…")


def test_raw_payload_is_capped():
    payload = samples.alertmanager()
    payload["alerts"][0]["annotations"]["description"] = "y" * (MAX_RAW_LENGTH * 2)
    [record] = parse_alertmanager(payload)
    assert len(record.raw) == MAX_RAW_LENGTH


@pytest.mark.parametrize(
    ("word", "severity"),
    [
        ("critical", "critical"),
        ("page", "critical"),
        ("CRITICAL", "critical"),
        ("error", "high"),
        ("high", "high"),
        ("warning", "medium"),
        (" Warning ", "medium"),
        ("info", "low"),
        ("none", "low"),
        ("urgent-ish", None),
    ],
)
def test_severity_words_map_to_the_vocabulary(word, severity):
    assert normalise_severity(word) == severity


def test_every_alias_lands_in_the_vocabulary_and_each_value_maps_to_itself():
    assert set(SEVERITY_ALIASES.values()) == set(SEVERITIES)
    assert all(normalise_severity(s) == s for s in SEVERITIES)


def test_unknown_severity_label_leaves_it_to_the_source_default():
    payload = samples.alertmanager()
    payload["alerts"][0]["labels"]["severity"] = "sev-unknown"
    [record] = parse_alertmanager(payload)
    assert record.severity is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p.pop("alerts"), "alerts"),
        (lambda p: p.update(alerts=[]), "alerts"),
        (lambda p: p.update(alerts={"0": {}}), "alerts"),
        (lambda p: p.update(status="pending"), "status"),
        (lambda p: p.update(receiver=7), "receiver"),
        (lambda p: p.update(truncatedAlerts=-1), "truncatedAlerts"),
        (lambda p: p.update(truncatedAlerts="0"), "truncatedAlerts"),
        (lambda p: p["alerts"].append("firing"), "alerts[1]"),
        (lambda p: p["alerts"][0].update(status="active"), "alerts[0].status"),
        (lambda p: p["alerts"][0].pop("fingerprint"), "alerts[0].fingerprint"),
        (lambda p: p["alerts"][0].update(fingerprint="f" * 201), "alerts[0].fingerprint"),
        (lambda p: p["alerts"][0].update(labels={"severity": 3}), "alerts[0].labels"),
        (lambda p: p["alerts"][0].update(annotations=["summary"]), "alerts[0].annotations"),
        (lambda p: p["alerts"][0].update(startsAt="2026-11-27T22:14:05"), "alerts[0].startsAt"),
        (lambda p: p["alerts"][0].update(startsAt="yesterday"), "alerts[0].startsAt"),
        (lambda p: p["alerts"][0].update(endsAt=1732745645), "alerts[0].endsAt"),
        (lambda p: p["alerts"][0].update(generatorURL=False), "alerts[0].generatorURL"),
    ],
)
def test_alertmanager_schema_errors_name_the_field(change, field):
    payload = samples.alertmanager()
    change(payload)
    assert field in schema_fields(parse_alertmanager, payload)


def test_every_bad_field_is_reported_at_once():
    payload = samples.grafana()
    payload["alerts"][0]["status"] = "pending"
    payload["alerts"][1]["fingerprint"] = ""
    payload["receiver"] = None
    payload["truncatedAlerts"] = -3
    fields = schema_fields(parse_alertmanager, payload)
    assert set(fields) == {"alerts[0].status", "alerts[1].fingerprint", "truncatedAlerts"}
    assert "firing" in fields["alerts[0].status"]


@pytest.mark.parametrize("payload", [[], "firing", 4, None])
def test_alertmanager_payload_must_be_an_object(payload):
    assert set(schema_fields(parse_alertmanager, payload)) == {"body"}


# Generic


def test_generic_alert_is_normalised():
    [record] = parse_generic(samples.generic())
    assert record.fingerprint == "dlp-7f3a-2026-11-28-0412"
    assert record.status == "firing"
    assert record.title == "Customer export e-mailed to a personal address"
    assert record.severity == "high"
    assert record.started_at == datetime(2026, 11, 27, 19, 12, 9, tzinfo=UTC)
    assert record.data_categories == ("email", "payment_card", "name")
    assert record.affected_count == 3180
    assert record.labels == {"rule": "PCI-PAN-bulk", "mailbox": "sales-team", "matches": "3392"}
    assert json.loads(record.raw)["id"] == "dlp-7f3a-2026-11-28-0412"


def test_generic_needs_only_id_and_title():
    [record] = parse_generic({"id": "a1", "title": "Laptop stolen from car"})
    assert (record.fingerprint, record.title) == ("a1", "Laptop stolen from car")
    assert record.severity is None
    assert record.started_at is None
    assert record.data_categories == ()
    assert record.affected_count is None


def test_generic_nulls_count_as_absent():
    payload = {"id": "a1", "title": "t", "severity": None, "labels": None, "affected_count": None}
    [record] = parse_generic(payload)
    assert record.severity is None and record.labels == {} and record.affected_count is None


def test_generic_missing_id_and_title_are_both_named():
    assert set(schema_fields(parse_generic, {"severity": "high"})) == {"id", "title"}


def test_generic_severity_accepts_common_words():
    [record] = parse_generic({"id": "a1", "title": "t", "severity": "Warning"})
    assert record.severity == "medium"


def test_generic_repeated_categories_are_kept_once():
    payload = {"id": "a1", "title": "t", "data_categories": ["email", "name", "email"]}
    [record] = parse_generic(payload)
    assert record.data_categories == ("email", "name")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", 42),
        ("id", "   "),
        ("title", ""),
        ("severity", "urgent"),
        ("severity", 3),
        ("description", ["a"]),
        ("occurred_at", "2026-11-28T04:12:09"),
        ("occurred_at", "0001-01-01T00:00:00+01:00"),
        ("labels", {"nested": {"a": 1}}),
        ("labels", ["rule"]),
        ("data_categories", ["email", "passport"]),
        ("data_categories", "email"),
        ("affected_count", -1),
        ("affected_count", True),
        ("affected_count", 1.5),
        ("affected_count", "3180"),
        ("affected_count", 2**64),
    ],
)
def test_generic_schema_errors_name_the_field(field, value):
    payload = samples.generic()
    payload[field] = value
    assert set(schema_fields(parse_generic, payload)) == {field}


def test_parse_payload_picks_the_format():
    assert parse_payload("generic", samples.generic())[0].fingerprint.startswith("dlp-")
    assert len(parse_payload("alertmanager", samples.grafana())) == 2


# Decoding


def test_decode_json_reads_a_body():
    assert decode_json(json.dumps(samples.generic()).encode()) == samples.generic()


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"not json",
        b"\xff\xfe\x00{",
        b'{"title": "\xc3\x28"}',
        b"[" * 100_000 + b"]" * 100_000,
        b"1" * 5000,
        b'{"title": "a\\u0000b"}',
        b'{"title": "\\ud800"}',
        b'{"\\udfff": "key"}',
    ],
)
def test_decode_json_refuses_what_cannot_be_stored(body):
    with pytest.raises(SchemaError) as caught:
        decode_json(body)
    assert set(caught.value.fields) == {"body"}
