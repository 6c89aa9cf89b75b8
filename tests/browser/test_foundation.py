"""A new admin signs in with the printed credentials and works an incident, in English and Japanese."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

#: JavaScript naming the innermost elements that stick out past the right edge of the screen.
TOO_WIDE = """width => Array.from(document.querySelectorAll("main *"))
  .filter(e => e.getBoundingClientRect().right > width + 1)
  .filter(e => !Array.from(e.children).some(c => c.getBoundingClientRect().right > width + 1))
  .slice(0, 5)
  .map(e => e.tagName.toLowerCase() + (e.className ? "." + String(e.className).split(" ").join(".") : ""))
  .join(", ")"""


def sign_in(page, live_server, email=None, password=None):
    page.goto(live_server.url + "/login")
    page.get_by_label("E-mail").fill(email or live_server.admin_email)
    page.get_by_label("Password").fill(password or live_server.admin_password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Incidents")).to_be_visible()


def create_incident(page, title: str) -> str:
    page.get_by_role("link", name="New incident").click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Summary (Markdown)").fill("A spreadsheet of **customers** went to a vendor.")
    page.get_by_role("tab", name="Preview").click()
    expect(page.locator(".md-editor__preview strong")).to_have_text("customers")
    page.get_by_role("tab", name="Write").click()
    page.get_by_label("Severity").select_option("high")
    page.get_by_label("Cause").select_option("misdelivery")
    page.get_by_label("E-mail address").check()
    page.get_by_label("Jurisdictions", exact=False).fill("JP")
    page.get_by_label("Became aware").fill("2026-01-05T09:30")
    page.get_by_role("button", name="Record incident").click()
    expect(page.locator(".flash--success")).to_contain_text("recorded")
    return re.search(r"LT-\d{4}-\d{4}", page.locator("h1").inner_text()).group(0)


def test_admin_signs_in_creates_an_incident_changes_its_status_and_sees_the_timeline(
    page, live_server, screenshot
):
    sign_in(page, live_server)
    screenshot(page, "incidents-empty")

    ref = create_incident(page, "Customer list e-mailed to the wrong vendor")
    expect(page.locator(".facts")).to_contain_text("High")
    screenshot(page, "incident-created")

    page.get_by_label("New status").select_option("investigating")
    page.get_by_role("button", name="Change status").click()
    expect(page.locator(".flash--success")).to_contain_text("Investigating")

    timeline = page.locator("#timeline .timeline")
    expect(timeline).to_contain_text("Recorded the incident.")
    expect(timeline).to_contain_text("Changed the status from Open to Investigating.")
    screenshot(page, "incident-investigating")

    page.get_by_role("link", name="Incidents").first.click()
    expect(page.get_by_role("link", name=ref)).to_be_visible()


def test_refused_form_shows_messages_next_to_the_fields(page, live_server, screenshot):
    sign_in(page, live_server)
    page.get_by_role("link", name="New incident").click()
    page.get_by_label("Became aware").fill("2099-01-01T00:00")
    page.get_by_role("button", name="Record incident").click()

    expect(page.locator(".flash--error")).to_be_visible()
    title = page.get_by_label("Title")
    expect(title).to_have_attribute("aria-invalid", "true")
    described_by = title.get_attribute("aria-describedby")
    expect(page.locator(f"#{described_by.split()[-1]}")).to_be_visible()
    expect(page.get_by_label("Became aware")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "form-errors")


def test_japanese_interface_after_switching_language(page, live_server, screenshot):
    # A responder of their own, so that the language they choose stays theirs.
    sign_in(page, live_server)
    page.goto(live_server.url + "/users")
    page.get_by_label("E-mail").fill("sato@example.co.jp")
    page.get_by_label("Role").select_option("responder")
    page.get_by_label("Initial password").fill("a long passphrase for sato")
    page.get_by_role("button", name="Add user").click()
    expect(page.locator(".flash--success")).to_contain_text("sato@example.co.jp")
    page.locator(".usermenu summary").click()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, "sato@example.co.jp", "a long passphrase for sato")
    create_incident(page, "退職者名簿の誤送信")
    page.locator(".usermenu summary").click()
    page.get_by_label("Language").select_option("ja")
    page.get_by_role("button", name="Change", exact=True).click()

    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator(".sidebar")).to_contain_text("インシデント")
    expect(page.locator("#timeline h2")).to_have_text("タイムライン")
    expect(page.get_by_role("button", name="ステータスを変更")).to_be_visible()
    screenshot(page, "incident-ja")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/incidents")
    expect(page.get_by_role("heading", level=1)).to_have_text("インシデント")
    screenshot(page, "incidents-ja-phone")


def test_pages_work_from_the_keyboard(page, live_server):
    sign_in(page, live_server)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="New incident")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("New incident")


@pytest.mark.parametrize(
    ("locale", "width"), [("en-US", 390), ("ja-JP", 390), ("ja-JP", 1280)], ids=str
)
def test_every_page_fits_the_screen(browser, live_server, screenshot, locale, width):
    context = browser.new_context(viewport={"width": width, "height": 844}, locale=locale)
    page = context.new_page()
    page.goto(live_server.url + "/login")
    screenshot(page, "login")
    page.locator("#email").fill(live_server.admin_email)
    page.locator("#password").fill(live_server.admin_password)
    page.locator("form.form button[type=submit]").click()
    page.locator("main a.btn--primary").click()
    page.locator("#title").fill("Laptop with the payroll file stolen from a car")
    page.locator("form.form button[type=submit]").click()
    incident_url = page.url
    pages = {
        "incidents": "/incidents",
        "new-incident": "/incidents/new",
        "incident": incident_url,
        "users": "/users",
        "tokens": "/account/tokens",
    }
    for name, url in pages.items():
        page.goto(url if url.startswith("http") else live_server.url + url)
        expect(page.locator("html")).to_have_attribute("lang", locale[:2])
        screenshot(page, name)
        page_width = page.evaluate("document.documentElement.scrollWidth")
        assert page_width <= width, (
            f"{name} is {page_width}px wide on a {width}px screen; too wide: "
            + page.evaluate(TOO_WIDE, width)
        )
    context.close()


def test_sign_in_page_switches_language_before_signing_in(page, live_server):
    page.goto(live_server.url + "/login")
    page.get_by_label("Language").select_option("ja")
    page.get_by_role("button", name="Change", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("サインイン")
    expect(page.get_by_label("メールアドレス")).to_be_visible()
