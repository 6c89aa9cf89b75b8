"""Every route × every role: the server enforces what each view declares."""

import re

import pytest

from leaktrack.auth.access import SAFE_METHODS

ROLES = ("admin", "responder", "executive")
#: sample values for URL parameters, by name
SAMPLES = {"ref": None, "user_id": None, "token_id": 999999}


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, view, method


def _url(rule, samples):
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: str(samples.get(m.group(1), "1")), rule.rule)


def test_every_route_declares_who_may_use_it(app):
    undeclared = [
        rule.rule
        for rule, view, _ in _routes(app)
        if not getattr(view, "is_public", False) and not getattr(view, "allowed_roles", None)
    ]
    assert undeclared == []


def _expected_refusal(view, role, method):
    if getattr(view, "is_public", False):
        return None
    if role not in view.allowed_roles:
        return 403
    if (
        role == "executive"
        and method not in SAFE_METHODS
        and not getattr(view, "is_personal_setting", False)
    ):
        return 403
    return None


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_the_routes_it_is_allowed(
    app, role, page_client, api_headers, make_incident, make_user
):
    samples = dict(SAMPLES, ref=make_incident(), user_id=make_user("responder")[0])
    browser = page_client(role)
    headers = api_headers(role)
    mismatches = []
    for rule, view, method in _routes(app):
        url = _url(rule, samples)
        if url == "/logout":
            continue  # signing out would end the session the rest of the loop uses
        if url.startswith("/api/"):
            response = browser.client.open(url, method=method, headers=headers, json={})
        else:
            response = browser.client.open(url, method=method, data={"csrf_token": browser.csrf})
        expected = _expected_refusal(view, role, method)
        refused = response.status_code == 403
        if (expected == 403) != refused:
            mismatches.append((method, url, response.status_code))
    assert mismatches == []


def test_anonymous_callers_are_sent_to_login_or_refused(app, client, make_incident):
    samples = dict(SAMPLES, ref=make_incident(), user_id=1)
    for rule, view, method in _routes(app):
        if getattr(view, "is_public", False):
            continue
        url = _url(rule, samples)
        response = client.open(url, method=method)
        if url.startswith("/api/"):
            assert response.status_code == 401, url
        elif method == "GET":
            assert response.status_code == 302 and "/login" in response.headers["Location"], url
        else:
            assert response.status_code in (302, 400), (
                url
            )  # no session: login redirect or CSRF refusal
