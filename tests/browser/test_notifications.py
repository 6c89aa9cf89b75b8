"""A responder previews and schedules a GDPR Art. 33 report, then cancels it, in the browser."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_foundation import create_incident, sign_in

pytestmark = pytest.mark.browser


def test_a_regulator_report_is_previewed_scheduled_and_cancelled(page, live_server, screenshot):
    sign_in(page, live_server)
    create_incident(page, "Customer list sent to the wrong vendor")
    page.locator("#notifications").get_by_role("link", name="Compose a notification").click()

    page.get_by_label("Audience").select_option("regulator")
    page.get_by_role("button", name="Choose").click()
    page.get_by_label("Template").select_option("gdpr-art33")
    page.get_by_role("button", name="Choose").click()
    expect(page.locator("#compose")).to_contain_text("files for EU-GDPR-33")

    page.get_by_label("Recipients (e-mail addresses, one a line)").fill("breach@dpa.example")
    page.get_by_label("Controller (name and address)").fill("Example GmbH, Berlin")
    page.get_by_label("Send at", exact=False).fill("2999-01-01T09:00")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview")
    expect(preview).to_contain_text("Notification of a personal data breach (Article 33 GDPR)")
    expect(preview).to_contain_text("Controller: Example GmbH, Berlin")
    screenshot(page, "notification-preview")

    page.get_by_role("button", name="Schedule").click()
    expect(page.locator(".flash--success")).to_contain_text("Scheduled for 1 recipients")
    expect(page.locator("[data-field=status]").first).to_have_text("scheduled")
    screenshot(page, "notification-scheduled")

    page.get_by_role("button", name="Cancel what has not gone out").click()
    page.get_by_role("dialog").get_by_role("button", name="Confirm").click()
    expect(page.locator(".flash--success")).to_contain_text("Cancelled 1 messages")
    expect(page.locator("[data-field=status]").first).to_have_text("cancelled")
