"""Whatever a sender throws at the webhook, the answer is never a 500."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.alerts import samples
from tests.alerts.conftest import Sender

ALLOWED = {202, 400, 401, 409, 413, 415, 429}
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def _mutations(base: dict):
    """The sample with one field replaced by any JSON value, so deeper checks are reached."""
    return st.tuples(st.sampled_from(sorted(base)), json_values).map(
        lambda kv: {**base, kv[0]: kv[1]}
    )


def _alert_mutations():
    def change(key_value):
        payload = samples.alertmanager()
        payload["alerts"][0][key_value[0]] = key_value[1]
        return payload

    keys = sorted(samples.alertmanager()["alerts"][0])
    return st.tuples(st.sampled_from(keys), json_values).map(change)


def _source(app, make_source, format, auth):
    name, secret = make_source(format, auth, rate_limit_per_minute=0)
    return Sender(app.test_client(), name, secret, auth)


def test_random_bytes_never_give_a_500(app, make_source):
    senders = [_source(app, make_source, "alertmanager", a) for a in ("hmac", "bearer")]

    @given(body=st.binary(max_size=2000), which=st.sampled_from([0, 1]))
    @FUZZ
    def throw(body, which):
        assert senders[which].post(body=body).status_code in ALLOWED

    throw()


def test_random_json_never_gives_a_500(app, make_source):
    senders = [_source(app, make_source, f, "hmac") for f in ("alertmanager", "generic")]

    @given(payload=json_values, which=st.sampled_from([0, 1]))
    @FUZZ
    def throw(payload, which):
        body = json.dumps(payload).encode()
        assert senders[which].post(body=body).status_code in ALLOWED

    throw()


def test_near_valid_payloads_never_give_a_500(app, make_source):
    alertmanager = _source(app, make_source, "alertmanager", "bearer")
    generic = _source(app, make_source, "generic", "bearer")

    @given(
        case=st.one_of(
            _mutations(samples.generic()).map(lambda p: (generic, p)),
            _mutations(samples.alertmanager()).map(lambda p: (alertmanager, p)),
            _alert_mutations().map(lambda p: (alertmanager, p)),
        )
    )
    @FUZZ
    def throw(case):
        sender, payload = case
        assert sender.post(body=json.dumps(payload).encode()).status_code in ALLOWED

    throw()


def test_random_headers_never_give_a_500(app, make_source):
    sender = _source(app, make_source, "generic", "hmac")
    header_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60)

    @given(webhook_id=header_text, timestamp=header_text, signature=header_text)
    @FUZZ
    def throw(webhook_id, timestamp, signature):
        headers = {
            "webhook-id": webhook_id,
            "webhook-timestamp": timestamp,
            "webhook-signature": signature,
        }
        response = sender.post(samples.generic(), headers=headers)
        assert response.status_code in ALLOWED

    throw()
