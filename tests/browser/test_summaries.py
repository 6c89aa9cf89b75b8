"""An executive opens the dashboard and an incident summary over the demo data set."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import _leaktrack, app_env, serve
from .test_foundation import TOO_WIDE

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """The app over a fresh database loaded by `leaktrack demo`; the demo executive signs in."""
    folder = tmp_path_factory.mktemp("demo")
    env = app_env(folder)
    printed = _leaktrack("demo", "--incidents", "30", env=env)
    found = re.search(r"executive e-mail: (\S+)\s+password: (\S+)", printed)
    with serve(env, folder, email=found.group(1), password=found.group(2)) as server:
        yield server


def test_executive_reads_the_dashboard_and_a_summary(page, demo_server, screenshot):
    page.goto(demo_server.url + "/login")
    page.get_by_label("E-mail").fill(demo_server.admin_email)
    page.get_by_label("Password").fill(demo_server.admin_password)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_role("heading", level=1, name="Portfolio")).to_be_visible()
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(3)
    for index in range(3):
        chart = charts.nth(index)
        expect(chart).to_be_visible()
        assert chart.bounding_box()["height"] > 100
        assert chart.locator("rect.chart__bar").count() > 0
    assert page.evaluate(TOO_WIDE, 1280) == ""
    expect(page.locator("#people-by-month table tbody tr")).to_have_count(12)
    screenshot(page, "dashboard")

    page.locator("#deadlines a[href$='/summary']").first.click()
    expect(page).to_have_url(re.compile(r"/incidents/LT-\d{4}-\d{4}/summary$"))
    for section in ("#times", "#affected", "#obligations", "#timeline"):
        expect(page.locator(section)).to_be_visible()
    expect(page.locator("form[method=post] button", has_text="Change status")).to_have_count(0)
    screenshot(page, "summary")
    page.emulate_media(media="print")
    expect(page.locator("nav.sidebar")).to_be_hidden()
    screenshot(page, "summary-print")
