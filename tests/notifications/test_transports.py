"""The real sendgrid client against a fake SendGrid server: batching, answers, errors."""

import pytest

from leaktrack.notifications.render import Rendered, substitutions
from leaktrack.notifications.transports import (
    CaptureTransport,
    Message,
    Personalization,
    SendGridTransport,
    batches,
    sendgrid_body,
)
from tests.notifications.fake_sendgrid import API_KEY, FakeSendGrid

CONTENT = Rendered("Hello -lt-name-", "<p>Hello -lt-h-name-</p>", "Hello -lt-name-\n")


def people(n, start=1, domain="example.test"):
    return [
        Personalization(
            i, f"p{i}@{domain}", substitutions({"name": f"P{i}", "email": f"p{i}@{domain}"})
        )
        for i in range(start, start + n)
    ]


def message(recipients):
    return Message(CONTENT, "sender@example.test", tuple(recipients), {"notification_id": "7"})


@pytest.fixture
def fake():
    with FakeSendGrid() as server:
        yield server


def transport(fake, timeout=5.0):
    return SendGridTransport(api_key=API_KEY, host=fake.url, timeout=timeout)


def test_batches_hold_at_most_1000_and_never_one_address_twice():
    assert [len(b) for b in batches(people(2500))] == [1000, 1000, 500]
    recipients = people(3) + [Personalization(9001, "P1@example.test", {})]
    split = list(batches(recipients))
    assert [[p.delivery_id for p in b] for b in split] == [[1, 2, 3], [9001]]
    for batch in split:
        addresses = [p.email.lower() for p in batch]
        assert len(addresses) == len(set(addresses))
    assert sorted(p.delivery_id for b in split for p in b) == sorted(
        p.delivery_id for p in recipients
    )


def test_one_request_per_thousand_recipients_each_alone_in_its_personalization(fake):
    sender = transport(fake)
    for batch in batches(people(2001)):
        assert sender.send(message(batch)).status == "accepted"
    assert fake.violations == []
    assert [len(r["personalizations"]) for r in fake.requests] == [1000, 1000, 1]
    first = fake.requests[0]["personalizations"][0]
    assert len(first["to"]) == 1
    assert first["substitutions"]["-lt-name-"] == "P1"
    assert first["custom_args"] == {"delivery_id": "1"}
    assert fake.requests[0]["subject"] == "Hello -lt-name-"
    assert fake.requests[0]["custom_args"] == {"notification_id": "7"}
    assert sorted(fake.delivery_ids()) == list(range(1, 2002))


def test_202_keeps_the_message_id(fake):
    outcome = transport(fake).send(message(people(1)))
    assert outcome.status == "accepted" and len(outcome.message_id) == 22


def test_429_waits_for_the_reset_header(fake):
    fake.script = ["429"]
    outcome = transport(fake).send(message(people(1)))
    assert outcome.status == "retry" and outcome.reason.startswith("429 too many requests")
    assert 0 <= outcome.wait <= 2
    assert not outcome.maybe_accepted


def test_500_is_retried_later(fake):
    fake.script = ["500"]
    outcome = transport(fake).send(message(people(1)))
    assert outcome.status == "retry" and outcome.wait is None and not outcome.maybe_accepted


def test_400_fails_at_once_with_sendgrids_text(fake):
    fake.script = ["400"]
    outcome = transport(fake).send(message(people(1)))
    assert outcome.status == "failed"
    assert outcome.reason == "400 The from address does not match a verified Sender Identity."


def test_a_wrong_key_is_a_permanent_failure(fake):
    outcome = SendGridTransport(api_key="SG.wrong", host=fake.url).send(message(people(1)))
    assert outcome.status == "failed" and outcome.reason.startswith("400 auth header")


def test_a_slow_answer_times_out_and_may_have_been_accepted(fake):
    fake.script = [("slow", 1.5)]
    outcome = transport(fake, timeout=0.3).send(message(people(1)))
    assert outcome.status == "retry" and outcome.maybe_accepted


def test_a_refused_connection_is_retried():
    outcome = SendGridTransport(api_key=API_KEY, host="http://127.0.0.1:9").send(message(people(1)))
    assert outcome.status == "retry" and outcome.reason.startswith("network")


def test_the_body_has_string_substitutions_and_text_before_html():
    body = sendgrid_body(message(people(2)))
    assert [c["type"] for c in body["content"]] == ["text/plain", "text/html"]
    for p in body["personalizations"]:
        assert all(isinstance(v, str) for v in p["substitutions"].values())


def test_capture_keeps_what_would_have_gone_out():
    kept = []
    capture = CaptureTransport(sink=kept.append)
    outcome = capture.send(message(people(3)))
    assert outcome.status == "accepted" and outcome.message_id.startswith("capture-")
    assert capture.messages == kept and len(kept[0].personalizations) == 3
