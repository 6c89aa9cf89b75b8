"""The components' behaviour in a real browser: countdowns, live polling, confirmation.

The page is rendered by the real app's templates (base.html and components.html) and served from
the live server's origin with its Content-Security-Policy, so app.js runs as it does in production.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest
from flask import render_template_string
from flask_babel import force_locale
from playwright.sync_api import expect

from leaktrack import create_app
from leaktrack.web import CSP

pytestmark = pytest.mark.browser

PAGE = """{% extends "base.html" %}{% import "components.html" as c %}
{% block title %}components{% endblock %}
{% block content %}
<div id="live" data-poll-url="/__poll" data-poll-interval="100">
  {{ c.progress(1, 4, label="checklist") }}
  {{ c.badge("status", "open") }} <span data-field="status">open</span>
</div>
<p id="soon">{{ c.countdown(soon) }}</p>
<p id="past">{{ c.countdown(past) }}</p>
{{ c.confirm_form("/__confirmed", "close", "sure?", fields={"status": "closed"}) }}
{% endblock %}"""


@pytest.fixture(scope="module")
def render(tmp_path_factory):
    app = create_app(
        {
            "SECRET_KEY": "test",
            "LEAKTRACK_DATA_KEY": "unused",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
        }
    )
    app.instance_path = str(tmp_path_factory.mktemp("instance"))

    def page_in(language: str) -> str:
        now = datetime.now(UTC)
        with app.test_request_context(), force_locale(language):
            return render_template_string(
                PAGE,
                soon=now + timedelta(hours=2, minutes=5, seconds=30),
                past=now - timedelta(hours=3),
            )

    return page_in


def open_components(page, live_server, html, polled=None):
    """Show the rendered components page; the poll endpoint answers with `polled`."""
    serve(page, live_server.url + "/__components", html)
    serve(page, live_server.url + "/__poll", json.dumps(polled or {}), "application/json")
    page.goto(live_server.url + "/__components")


def serve(page, url, body, content_type="text/html; charset=utf-8"):
    page.route(
        url,
        lambda route: route.fulfill(
            status=200,
            body=body,
            headers={"Content-Type": content_type, "Content-Security-Policy": CSP},
        ),
    )


@pytest.mark.parametrize(
    ("language", "left", "overdue"),
    [("en", "2 hr 5 min left", "3 hr overdue"), ("ja", "残り 2時間5分", "3時間 超過")],
)
def test_countdowns_in_the_page_language(page, live_server, render, language, left, overdue):
    open_components(page, live_server, render(language))

    expect(page.locator("#soon .countdown__text")).to_have_text(left)
    expect(page.locator("#soon .countdown__date")).to_be_visible()
    expect(page.locator("#soon .countdown")).not_to_have_class("countdown--overdue")
    expect(page.locator("#past .countdown__text")).to_have_text(overdue)
    expect(page.locator("#past .countdown")).to_have_class("countdown countdown--overdue")


def test_polled_json_updates_fields_and_progress(page, live_server, render):
    open_components(
        page, live_server, render("en"), polled={"done": 3, "total": 4, "status": "contained"}
    )

    expect(page.locator('#live [data-field="status"]')).to_have_text("contained")
    expect(page.locator('#live [data-field="done"]')).to_have_text("3")
    expect(page.locator("#live progress")).to_have_js_property("value", 3)
    expect(page.locator("#live progress")).to_have_js_property("max", 4)


def test_confirm_form_posts_only_after_confirmation(page, live_server, render):
    posted = []
    page.route(
        live_server.url + "/__confirmed",
        lambda route: (posted.append(route.request.post_data), route.fulfill(body="done")),
    )
    open_components(page, live_server, render("en"))

    page.get_by_role("button", name="close").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("sure?")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    assert posted == []

    page.get_by_role("button", name="close").click()
    page.get_by_role("dialog").get_by_role("button", name="Confirm").click()
    expect(page.locator("body")).to_have_text("done")
    assert len(posted) == 1
    assert "status=closed" in posted[0] and "csrf_token=" in posted[0]
