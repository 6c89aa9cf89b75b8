"""The regulator directory: loading, refusals with their line, the compose page's choices and
a report sent to a directory entry."""

from pathlib import Path

import pytest
from sqlalchemy import select

from leaktrack.extensions import db
from leaktrack.notifications import sending
from leaktrack.notifications.models import Delivery, Notification
from leaktrack.notifications.regulators import (
    SHIPPED_FILE,
    RegulatorsError,
    load_directory,
)
from leaktrack.notifications.transports import CaptureTransport
from leaktrack.obligations.models import Filing
from leaktrack.obligations.rules import load_rules
from tests.conftest import make_test_app

KNOWN = {rule.id for rule in load_rules(None).rules}
DIRECTORY = """\
# a test directory
[[regulators]]
id = "jp-ppc-mail"
name = "PPC by e-mail (test)"
jurisdiction = "JP"
rules = ["JP-APPI-PPC-PRELIM", "JP-APPI-PPC-FINAL"]
email = "leak-report@ppc.example.test"
filing_url = "https://ppc.example.test/report"

[[regulators]]
id = "jp-ppc-form"
name = "PPC web form (test)"
jurisdiction = "JP"
rules = ["JP-APPI-PPC-PRELIM"]
filing_url = "https://ppc.example.test/form"

[[regulators]]
id = "uk-ico-mail"
name = "ICO (test)"
jurisdiction = "GB"
rules = ["UK-GDPR-33"]
email = "ico@example.test"
filing_url = "https://ico.example.test/"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "regulators.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_directory_loads_and_lists_web_form_regulators_without_addresses():
    directory = load_directory(SHIPPED_FILE, KNOWN)
    ppc = directory.get("jp-ppc")
    assert ppc is not None and ppc.is_web_form_only and ppc.email is None
    assert ppc.filing_url == "https://www.ppc.go.jp/personalinfo/legal/leakAction/"
    assert [r.id for r in directory.for_rule("UK-GDPR-33")] == ["uk-ico"]
    assert directory.for_rule("EU-GDPR-33") == [] and directory.for_rule(None) == []
    assert all(r.filing_url.startswith("https://") for r in directory.regulators)


def test_a_directory_file_loads_with_its_entries(tmp_path):
    directory = load_directory(write(tmp_path, DIRECTORY), KNOWN)
    mail = directory.get("jp-ppc-mail")
    assert mail.email == "leak-report@ppc.example.test" and not mail.is_web_form_only
    assert mail.rules == ("JP-APPI-PPC-PRELIM", "JP-APPI-PPC-FINAL") and mail.line == 2
    assert [r.id for r in directory.for_rule("JP-APPI-PPC-PRELIM")] == ["jp-ppc-mail", "jp-ppc-form"]  # fmt: skip


BROKEN = [
    (
        'email = "leak-report@ppc.example.test"',
        'email = "not an address"',
        7,
        "not an e-mail address",
    ),  # fmt: skip
    ('rules = ["UK-GDPR-33"]', 'rules = ["UK-GDPR-99"]', 21, "unknown rule 'UK-GDPR-99'"),
    ('rules = ["UK-GDPR-33"]', 'rules = ["uk gdpr"]', 21, "is not a rule id"),
    ('rules = ["UK-GDPR-33"]', "rules = []", 21, "non-empty list"),
    (
        'filing_url = "https://ppc.example.test/form"',
        'filing_url = "ppc.example.test"',
        15,
        "https://",
    ),  # fmt: skip
    ('filing_url = "https://ppc.example.test/form"', "", 10, "missing key 'filing_url'"),
    ('id = "jp-ppc-form"', 'id = "JP PPC"', 11, "lower-case"),
    ('id = "jp-ppc-form"', 'id = "jp-ppc-mail"', 10, "duplicate regulator id 'jp-ppc-mail'"),
    ('jurisdiction = "GB"', 'jurisdiction = "Britain"', 20, "not a country"),
    ('name = "ICO (test)"', 'name = "ICO"\nphone = "0"', 20, "unknown key 'phone'"),
    ('name = "ICO (test)"', 'name = "ICO', 19, "line 19"),
]


@pytest.mark.parametrize(("old", "new", "line", "message"), BROKEN)
def test_a_broken_entry_is_refused_with_its_line(tmp_path, old, new, line, message):
    path = write(tmp_path, DIRECTORY.replace(old, new, 1))
    with pytest.raises(RegulatorsError) as refused:
        load_directory(path, KNOWN)
    (problem,) = refused.value.problems
    assert problem.startswith(f"{path}:{line}: ") and message in problem, problem


def test_every_broken_entry_is_reported_and_a_missing_file_too(tmp_path):
    text = DIRECTORY.replace('email = "leak-report', 'email = "x').replace("GB", "Britain")
    text = text.replace('email = "x@ppc.example.test"', 'email = "x"')
    with pytest.raises(RegulatorsError) as refused:
        load_directory(write(tmp_path, text), KNOWN)
    assert [p.split(":")[1] for p in refused.value.problems] == ["7", "20"]
    with pytest.raises(RegulatorsError, match=r"nowhere\.toml:0: regulators file not found"):
        load_directory(tmp_path / "nowhere.toml", KNOWN)


def test_the_app_refuses_to_start_with_a_broken_directory(tmp_path, database_url):
    path = write(tmp_path, DIRECTORY.replace('rules = ["UK-GDPR-33"]', 'rules = ["NOPE"]'))
    with pytest.raises(RegulatorsError, match=rf"{path}:21: unknown rule 'NOPE'"):
        make_test_app(database_url, tmp_path, LEAKTRACK_REGULATORS_FILE=str(path))


@pytest.fixture
def directory_app(app, tmp_path):
    """The app with the test directory in place of the shipped one."""
    saved = app.extensions["leaktrack_regulators"]
    app.extensions["leaktrack_regulators"] = load_directory(write(tmp_path, DIRECTORY), KNOWN)
    yield app
    app.extensions["leaktrack_regulators"] = saved


def test_the_shipped_directory_is_offered_for_a_ppc_report(page_client, make_incident):
    ref = make_incident(jurisdictions=["JP"])
    page = page_client("responder").get(
        f"/incidents/{ref}/notifications/new?audience=regulator&template=ppc-preliminary&regulator=jp-ppc"
    )
    html = page.get_data(as_text=True)
    assert '<option value="jp-ppc" selected>' in html and 'value="jp-mic-kanto"' in html
    assert 'id="web-form-only"' in html
    assert 'href="https://www.ppc.go.jp/personalinfo/legal/leakAction/"' in html
    assert ">Schedule<" not in html


def test_compose_offers_the_entries_of_the_template_rule(directory_app, page_client, make_incident):  # fmt: skip
    ref = make_incident(jurisdictions=["JP"])
    browser = page_client("responder")
    url = f"/incidents/{ref}/notifications/new?audience=regulator&template=ppc-preliminary"
    html = browser.get(url).get_data(as_text=True)
    assert 'value="jp-ppc-mail"' in html and 'value="jp-ppc-form"' in html
    assert 'value="uk-ico-mail"' not in html and ">Schedule<" in html
    html = browser.get(url + "&regulator=jp-ppc-mail").get_data(as_text=True)
    assert ">leak-report@ppc.example.test</textarea>" in html
    assert '<input type="hidden" name="regulator" value="jp-ppc-mail">' in html
    html = browser.get(url + "&regulator=uk-ico-mail").get_data(as_text=True)  # not this rule's
    assert "ico@example.test</textarea>" not in html and 'name="regulator" value=' not in html
    html = browser.get(url + "&regulator=jp-ppc-form").get_data(as_text=True)
    assert 'id="web-form-only"' in html and 'href="https://ppc.example.test/form"' in html
    assert "></textarea>" in html and ">Schedule<" not in html
    html = browser.get(f"/incidents/{ref}/notifications/new?audience=affected").get_data(
        as_text=True
    )
    assert 'name="regulator"' not in html


def test_a_web_form_only_regulator_is_not_sent_to(directory_app, page_client, make_incident):
    ref = make_incident(jurisdictions=["JP"])
    response = page_client("responder").post(
        f"/incidents/{ref}/notifications",
        data={
            "audience": "regulator",
            "template": "ppc-preliminary",
            "language": "ja",
            "regulator": "jp-ppc-form",
            "recipients": "someone@example.test",
        },  # fmt: skip
    )
    assert response.status_code == 400
    assert "takes reports only through its web form" in response.get_data(as_text=True)
    with directory_app.app_context():
        assert db.session.scalar(select(Notification.id)) is None


def test_a_report_goes_to_the_chosen_directory_entry_and_is_filed(
    directory_app, page_client, make_incident
):
    ref = make_incident(
        jurisdictions=["JP"], data_categories=["payment_card"], aware_at="2026-12-01T00:00:00+00:00"
    )
    browser = page_client("responder")
    html = browser.get(
        f"/incidents/{ref}/notifications/new?audience=regulator&template=ppc-preliminary&regulator=jp-ppc-mail"
    ).get_data(as_text=True)
    address = html.split('<textarea name="recipients" rows="3" required>')[1].split("<")[0]
    assert address == "leak-report@ppc.example.test"
    response = browser.post(
        f"/incidents/{ref}/notifications",
        data={
            "audience": "regulator",
            "template": "ppc-preliminary",
            "language": "ja",
            "regulator": "jp-ppc-mail",
            "recipients": address,
            "field_reporter": "Example K.K., Tokyo",
        },  # fmt: skip
    )
    assert response.status_code == 302
    with directory_app.app_context():
        capture = CaptureTransport()
        sending.dispatch_due(transport_=capture, budget=None)
        (delivery,) = db.session.scalars(select(Delivery)).all()
        assert delivery.email == "leak-report@ppc.example.test" and delivery.status == "sent"
        assert capture.messages[0].personalizations[0].email == "leak-report@ppc.example.test"
        (filing,) = db.session.scalars(select(Filing)).all()
        assert filing.rule_id == "JP-APPI-PPC-PRELIM" and "Example K.K., Tokyo" in filing.text
