"""Rule files: the shipped ones validate; a bad file is refused with file:line: message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from leaktrack.obligations.rules import SHIPPED_RULES_DIR, RulesError, load_rules

REGIMES = {
    "jp_appi": {
        "JP-APPI-PPC-PRELIM",
        "JP-APPI-PPC-FINAL",
        "JP-APPI-PPC-FINAL-UNLAWFUL",
        "JP-APPI-INDIVIDUALS",
    },
    "eu_gdpr": {"EU-GDPR-33", "EU-GDPR-34"},
    "uk_gdpr": {"UK-GDPR-33", "UK-GDPR-34"},
    "eu_nis2": {"EU-NIS2-EARLY", "EU-NIS2-NOTIF", "EU-NIS2-FINAL"},
    "us_hipaa": {"US-HIPAA-IND", "US-HIPAA-MEDIA", "US-HIPAA-HHS-500PLUS", "US-HIPAA-HHS-UNDER500"},
    "us_sec": {"US-SEC-8K-105"},
    "us_california": {"US-CA-1798.82-IND", "US-CA-1798.82-AG"},
    "us_new_york": {"US-NY-899AA-IND", "US-NY-899AA-AGENCIES", "US-NY-899AA-CRA"},
    "us_texas": {"US-TX-521-IND", "US-TX-521-AG"},
    "us_florida": {"US-FL-501.171-IND", "US-FL-501.171-AG", "US-FL-501.171-CRA"},
    "au_privacy_act": {"AU-NDB-ASSESS", "AU-NDB-OAIC", "AU-NDB-IND"},
    "sg_pdpa": {"SG-PDPA-PDPC", "SG-PDPA-IND"},
    "kr_pipa": {"KR-PIPA-IND", "KR-PIPA-PIPC"},
    "ca_pipeda": {"CA-PIPEDA-OPC", "CA-PIPEDA-IND"},
    "br_lgpd": {"BR-LGPD-ANPD", "BR-LGPD-IND"},
}

GOOD_RULE = """\
[regime]
name = "Testland"
jurisdiction = "JP"
timezone = "Asia/Tokyo"
holidays = "JP"

[[rules]]
id = "TEST-ONE"
title = "Report"
law = "Test Act"
article = "Art. 1"
audience = "regulator"
recipient = { name = "Test Authority", how = "Web form" }
clock = { event = "aware_at" }
deadline = { unit = "calendar_days", amount = 5 }
content = ["Outline"]
sources = ["https://example.org/law"]
verification = "primary"
trigger = { fact = "affected_count", gt = 10 }
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(folder: Path) -> list[str]:
    with pytest.raises(RulesError) as error:
        load_rules(folder)
    return error.value.problems


def test_every_regime_the_issue_names_is_shipped_with_its_rules():
    rules = load_rules().rules
    assert {rule.regime.key: set() for rule in rules}.keys() == REGIMES.keys()
    for key, ids in REGIMES.items():
        assert {rule.id for rule in rules if rule.regime.key == key} == ids


def test_every_shipped_rule_cites_a_source_and_a_verification_status():
    for rule in load_rules().rules:
        assert rule.sources and all(s.startswith("http") for s in rule.sources), rule.id
        assert rule.verification in ("primary", "secondary", "unverified"), rule.id


def test_planning_targets_are_marked_as_not_law():
    for rule in load_rules().rules:
        if not rule.deadline.is_legal:
            assert rule.deadline.target_amount, rule.id
            assert any("not law" in text or "guideline" in text for text in rule.unverified), (
                rule.id
            )


def test_a_file_in_the_organisation_folder_replaces_the_shipped_one(tmp_path):
    write(tmp_path, "jp_appi.toml", GOOD_RULE)
    ids = {rule.id for rule in load_rules(tmp_path).rules}
    assert "TEST-ONE" in ids and "JP-APPI-PPC-FINAL" not in ids and "EU-GDPR-33" in ids


def test_a_regime_can_be_switched_off(tmp_path):
    write(tmp_path, "us_hipaa.toml", "[regime]\nenabled = false\n")
    ids = {rule.id for rule in load_rules(tmp_path).rules}
    assert not any(rule_id.startswith("US-HIPAA") for rule_id in ids)


def test_a_missing_organisation_folder_is_refused(tmp_path):
    assert "rules directory not found" in refused(tmp_path / "nowhere")[0]


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (('unit = "calendar_days"', 'unit = "fortnights"'), 15, "unit 'fortnights' is not one of"),
        (("amount = 5", "amount = 0"), 15, "amount must be a whole number above zero"),
        (('audience = "regulator"', 'audience = "press"'), 12, "audience 'press' is not one of"),
        (('event = "aware_at"', 'event = "noticed_at"'), 14, "unknown event 'noticed_at'"),
        (("gt = 10", 'gt = "ten"'), 19, "gt needs a whole number"),
        (('fact = "affected_count"', 'fact = "victims"'), 19, "unknown fact 'victims'"),
        (('timezone = "Asia/Tokyo"', 'timezone = "Mars/Olympus"'), 4, "unknown time zone"),
        (
            ('sources = ["https://example.org/law"]', 'sources = ["the statute book"]'),
            17,
            "is not a URL",
        ),
        (('verification = "primary"', 'verification = "probably"'), 18, "verification 'probably'"),
        (('title = "Report"\n', ""), 7, "missing key 'title'"),
        (('content = ["Outline"]', 'content = ["Outline"]\nfoo = 1'), 17, "unknown key 'foo'"),
        (("amount = 5 }", "amount = 5, target = 2 }"), 15, "planning target only goes with"),
    ],
)
def test_a_bad_rule_file_is_refused_with_file_and_line(tmp_path, change, line, message):
    path = write(tmp_path, "test.toml", GOOD_RULE.replace(*change))
    (problem,) = refused(tmp_path)
    assert problem.startswith(f"{path}:{line}: "), problem
    assert message in problem


def test_a_toml_syntax_error_names_its_line(tmp_path):
    path = write(tmp_path, "test.toml", GOOD_RULE.replace('law = "Test Act"', "law = Test Act"))
    (problem,) = refused(tmp_path)
    assert re.match(rf"{re.escape(str(path))}:10: ", problem), problem


def test_the_second_rule_of_a_file_is_located(tmp_path):
    second = GOOD_RULE.split("[[rules]]")[1].replace("TEST-ONE", "TEST-TWO")
    text = GOOD_RULE + "\n[[rules]]" + second.replace("gt = 10", "between = 10")
    path = write(tmp_path, "test.toml", text)
    (problem,) = refused(tmp_path)
    assert problem.startswith(f"{path}:33: "), problem


def test_a_duplicate_id_and_an_unknown_chained_rule_are_refused(tmp_path):
    write(tmp_path, "a.toml", GOOD_RULE)
    write(
        tmp_path, "b.toml", GOOD_RULE.replace('{ event = "aware_at" }', '{ after_filing = "NOPE" }')
    )
    problems = refused(tmp_path)
    assert any("duplicate rule id 'TEST-ONE'" in p for p in problems)
    assert any("after_filing names unknown rule 'NOPE'" in p for p in problems)


def test_business_days_need_a_holiday_calendar(tmp_path):
    text = GOOD_RULE.replace('holidays = "JP"\n', "").replace("calendar_days", "business_days")
    (problem,) = refused(write(tmp_path, "test.toml", text).parent)
    assert ":14: " in problem and "business days need [regime] holidays" in problem


def test_shipped_folder_is_inside_the_package():
    assert SHIPPED_RULES_DIR.parent.name == "obligations"
    assert len(list(SHIPPED_RULES_DIR.glob("*.toml"))) == len(REGIMES)


def test_the_check_command_validates_a_folder(runner, tmp_path):
    assert runner.invoke(args=["obligations", "check"]).output.startswith("37 rules in 15 regimes")
    path = write(tmp_path, "test.toml", GOOD_RULE.replace("amount = 5", "amount = -5"))
    result = runner.invoke(args=["obligations", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{path}:15: amount must be a whole number above zero" in result.output
