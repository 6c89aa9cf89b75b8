"""The dashboard page, its CSV tables, executives' landing page and read-only access."""

import csv
import io
import re
from datetime import timedelta

import pytest

from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.obligations.models import ObligationState
from leaktrack.timeutil import utcnow


@pytest.fixture
def busy(app):
    """One critical open incident with 42 people and a deadline in two days; ref returned."""
    with app.app_context():
        incident = incidents.create_incident(
            actor=None, data={"title": "=cmd|' /C calc'!A0", "severity": "critical"}
        )
        incident.detected_at = utcnow() - timedelta(days=1)
        incident.affected_count = 42
        db.session.add(
            ObligationState(
                incident_id=incident.id,
                rule_id="JP-APPI-PPC-PRELIM",
                is_required=True,
                status="pending",
                due_at=utcnow() + timedelta(days=2),
            )  # fmt: skip
        )
        db.session.commit()
        return incident.ref


def test_dashboard_shows_charts_with_tables(busy, page_client):
    html = page_client("executive").get("/dashboard").get_data(as_text=True)
    assert html.count('<svg class="chart"') == 3
    assert html.count('role="img"') >= 3
    for section in ("open-incidents", "deadlines", "people-by-month", "response-times"):
        assert f'id="{section}"' in html
        assert f"/dashboard/{section}.csv" in html
    assert busy in html
    assert ">42<" in html  # people this month, in the table
    assert "chart__bar--critical" in html


def test_dashboard_in_japanese(busy, page_client):
    client = page_client("executive")
    html = client.get("/dashboard", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "ダッシュボード" in html or "全体の状況" in html


def test_empty_dashboard(page_client):
    response = page_client("responder").get("/dashboard")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('<svg class="chart"') == 3


def test_csv_tables(busy, page_client):
    client = page_client("executive")
    response = client.get("/dashboard/deadlines.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["kind", "ref", "title", "rule_id", "obligation", "due_at"]
    assert rows[1][:4] == ["due_soon", busy, "'=cmd|' /C calc'!A0", "JP-APPI-PPC-PRELIM"]
    people = list(csv.reader(io.StringIO(client.get("/dashboard/people-by-month.csv").get_data(as_text=True))))  # fmt: skip
    assert len(people) == 13 and people[-1][1] == "42"
    opened = list(csv.reader(io.StringIO(client.get("/dashboard/open-incidents.csv").get_data(as_text=True))))  # fmt: skip
    assert opened[1] == ["open", "0", "0", "0", "1", "1"]
    times = client.get("/dashboard/response-times.csv").get_data(as_text=True)
    assert times.startswith("month,median_hours_to_contain,incidents_contained,")


def test_unknown_csv_is_404(page_client):
    assert page_client("executive").get("/dashboard/users.csv").status_code == 404


def test_executive_lands_on_the_dashboard(app, make_user):
    from tests.conftest import PageClient

    _, email = make_user("executive")
    response = PageClient(app.test_client(), email).login(email)
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")


def test_responder_still_lands_on_incidents(app, make_user):
    from tests.conftest import PageClient

    _, email = make_user("responder")
    response = PageClient(app.test_client(), email).login(email)
    assert response.headers["Location"].endswith("/incidents")


# Read-only executives

PERSONAL_FORMS = {"/language", "/logout"}
FORM_RE = re.compile(r"<form\b[^>]*>", re.I)


def _post_forms(html: str) -> list[str]:
    forms = [tag for tag in FORM_RE.findall(html) if re.search(r'method="post"', tag, re.I)]
    return [re.search(r'action="([^"]*)"', tag).group(1) for tag in forms]


def test_executive_pages_have_no_forms_that_write(app, worked_incident, page_client):
    client = page_client("executive")
    for url in (
        "/dashboard",
        f"/incidents/{worked_incident}/summary",
        f"/incidents/{worked_incident}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        actions = _post_forms(response.get_data(as_text=True))
        assert set(actions) <= PERSONAL_FORMS, (url, actions)


def _concrete(rule, ref: str) -> str:
    values = {name: ref if name == "ref" else "1" for name in rule.arguments}
    return rule.build(values, append_unknown=False)[1]


def test_server_refuses_every_write_by_an_executive(app, worked_incident, page_client, api_headers):
    client = page_client("executive")
    headers = api_headers("executive")
    checked = 0
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if getattr(view, "is_public", False) or getattr(view, "is_personal_setting", False):
            continue
        for method in sorted(rule.methods - {"GET", "HEAD", "OPTIONS"}):
            url = _concrete(rule, worked_incident)
            if url.startswith("/api/"):
                response = app.test_client().open(url, method=method, headers=headers, json={})
            else:
                response = client.client.open(
                    url, method=method, headers={"X-CSRFToken": client.csrf}, data={}
                )
            assert response.status_code == 403, (method, url, response.status_code)
            checked += 1
    assert checked >= 10
