"""No input, however malformed, gives a 500."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FIELDS = [
    "title",
    "summary",
    "status",
    "severity",
    "cause",
    "data_categories",
    "malicious",
    "data_encrypted",
    "risk_level",
    "jurisdictions",
    "occurred_at",
    "aware_at",
    "contained_at",
    "affected_count",
    "ref",
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
incident_bodies = st.dictionaries(
    st.sampled_from(FIELDS) | st.text(max_size=10), json_values, max_size=8
)
fuzz = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


# Function-scoped fixtures are made once per test, shared by all of Hypothesis's examples.
@pytest.fixture
def headers(api_headers):
    return api_headers("responder")


@fuzz
@given(body=incident_bodies)
def test_random_json_objects_never_give_a_500(app, headers, make_incident, body):
    client = app.test_client()
    created = client.post("/api/v1/incidents", json=body, headers=headers)
    assert created.status_code in (201, 400), created.json
    ref = make_incident()
    patched = client.patch(f"/api/v1/incidents/{ref}", json=body, headers=headers)
    assert patched.status_code in (200, 400, 409), patched.json


@fuzz
@given(
    raw=st.binary(max_size=200),
    content_type=st.sampled_from(["application/json", "text/plain", ""]),
)
def test_random_bytes_never_give_a_500(app, headers, raw, content_type):
    response = app.test_client().post(
        "/api/v1/incidents", data=raw, content_type=content_type, headers=headers
    )
    assert response.status_code in (201, 400, 415)
    json.loads(response.get_data())


@fuzz
@given(
    query=st.dictionaries(
        st.sampled_from(["status", "severity", "page", "per_page", "x"]),
        st.text(max_size=12),
        max_size=4,
    )
)
def test_random_list_filters_never_give_a_500(app, headers, query):
    response = app.test_client().get("/api/v1/incidents", query_string=query, headers=headers)
    assert response.status_code in (200, 400)
