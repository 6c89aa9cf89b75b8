"""A responder runs the wrong-recipient playbook on an incident to completion in the browser."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_foundation import create_incident, sign_in

pytestmark = pytest.mark.browser


def test_a_playbook_is_run_to_completion(page, live_server, screenshot):
    sign_in(page, live_server)
    ref = create_incident(page, "Invoice e-mailed to the wrong customer")

    panel = page.locator("#playbooks")
    expect(panel).to_contain_text("Suggested for this incident")
    panel.locator("form", has_text="Mail or e-mail sent to the wrong recipient").get_by_role(
        "button", name="Start", exact=True
    ).click()
    expect(page.locator("h1")).to_have_text("Mail or e-mail sent to the wrong recipient")
    expect(page.locator(".run-head")).to_contain_text("follows version 1 of misdelivery")
    expect(page.locator(".run-phase__guidance").first).to_be_visible()
    screenshot(page, "run-started")

    items = page.locator(".checklist__item")
    total = items.count()
    assert total >= 12
    # aware_at was in January, so the early steps are overdue
    expect(page.locator(".checklist__item.is-overdue").first).to_be_visible()

    # one step does not apply, one is added by hand, one is assigned
    first = items.nth(0)
    first.locator("summary", has_text="Assign or set aside").click()
    first.get_by_label("Assignee").select_option(live_server.admin_email)
    first.get_by_role("button", name="Assign").click()
    expect(page.locator(".flash--success")).to_contain_text("Saved")
    expect(items.nth(0)).to_contain_text(f"Assigned to {live_server.admin_email}")

    paper = page.locator(".checklist__item", has_text="For paper mail or parcels")
    paper.locator("summary", has_text="Assign or set aside").click()
    paper.get_by_label("Reason").fill("It was an e-mail, not paper mail")
    paper.get_by_role("button", name="Not applicable").click()
    expect(page.locator(".checklist__item.is-not-applicable")).to_have_count(1)

    add = page.locator("#add-item")
    add.get_by_label("What needs doing").fill("Confirm the customer's new billing address")
    add.get_by_label("Phase").fill("Recover")
    add.get_by_label("Due after awareness (e.g. 4h, 2d)").fill("5d")
    add.get_by_role("button", name="Add item").click()
    expect(page.locator(".checklist__item", has_text="billing address")).to_contain_text(
        "added by hand"
    )

    # tick everything that is still open, with a note and evidence on the first
    open_items = page.locator(".checklist__item:not(.is-done):not(.is-not-applicable)")
    expected = open_items.count()
    assert expected == total  # total playbook items, minus the set-aside one, plus the added one
    ticked = 0
    while open_items.count():
        item = open_items.first
        if ticked == 0:
            item.get_by_label("Note").fill("Recipient confirmed deletion by e-mail")
            item.get_by_label("Evidence link").fill("https://tickets.example/INC-7")
        item.get_by_role("button", name="Mark done").click()
        expect(page.locator(".flash--success")).to_contain_text("Saved")
        ticked += 1
        assert ticked <= expected
    assert ticked == expected

    expect(page.locator(".run-head progress")).to_have_attribute("value", str(expected))
    expect(page.locator(".run-head progress")).to_have_attribute("max", str(expected))
    expect(page.locator(".checklist__item.is-overdue")).to_have_count(0)
    done = page.locator(".checklist__item.is-done").first
    expect(done).to_contain_text("Recipient confirmed deletion by e-mail")
    expect(done.get_by_role("link", name="https://tickets.example/INC-7")).to_be_visible()
    done.locator("summary", has_text="History").click()
    expect(done.locator(".checklist__history")).to_contain_text("ticked it")
    screenshot(page, "run-complete")

    page.get_by_role("link", name=ref).click()
    run_panel = page.locator("#playbooks .playbook-run")
    expect(run_panel.locator("progress")).to_have_attribute("value", str(expected))
    expect(run_panel).not_to_contain_text("overdue")
    expect(page.locator("#timeline")).to_contain_text("Ticked “")
    screenshot(page, "incident-panel")

    page.get_by_role("link", name="Playbooks").click()
    expect(page.locator("#playbook-ransomware")).to_contain_text("Ransomware or other malware")
    page.locator("#playbook-ransomware summary").click()
    expect(page.locator("#playbook-ransomware h2", has_text="Contain")).to_be_visible()
    screenshot(page, "playbook-list")
