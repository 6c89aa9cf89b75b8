import base64
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook

from leaktrack.alerts.signing import (
    SignatureError,
    generate_bearer_secret,
    generate_hmac_secret,
    hash_bearer_secret,
    hmac_key,
    sign,
    verify_bearer,
    verify_signature,
)

# The Standard Webhooks specification's own example secret.
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OTHER_SECRET = "whsec_dGhpcyBpcyB0aGUgb3RoZXIgc2VjcmV0IGtleSE="
BODY = b'{"id": "dlp-1", "title": "Customer list on a public share"}'
NOW = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)
TS = int(NOW.timestamp())


def headers(
    *, secret=SECRET, webhook_id="msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", timestamp=TS, body=BODY
):
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(
            secret=secret, webhook_id=webhook_id, timestamp=timestamp, body=body
        ),
    }


def test_signature_made_by_the_reference_library_verifies():
    signed = Webhook(SECRET).sign("msg_1", NOW, BODY.decode())
    delivery = verify_signature(
        hmac_secrets=[SECRET],
        headers={"webhook-id": "msg_1", "webhook-timestamp": str(TS), "webhook-signature": signed},
        body=BODY,
        now=NOW,
    )
    assert (delivery.webhook_id, delivery.timestamp) == ("msg_1", TS)


def test_our_signature_is_what_the_reference_library_makes():
    assert sign(secret=SECRET, webhook_id="msg_1", timestamp=TS, body=BODY) == Webhook(SECRET).sign(
        "msg_1", NOW, BODY.decode()
    )


def test_tampered_body_is_refused():
    with pytest.raises(SignatureError):
        verify_signature(hmac_secrets=[SECRET], headers=headers(), body=BODY + b" ", now=NOW)


def test_wrong_secret_is_refused():
    with pytest.raises(SignatureError):
        verify_signature(hmac_secrets=[OTHER_SECRET], headers=headers(), body=BODY, now=NOW)


def test_no_secret_refuses_everything():
    with pytest.raises(SignatureError):
        verify_signature(hmac_secrets=[], headers=headers(), body=BODY, now=NOW)


def test_either_secret_works_during_a_rotation():
    for secret in (SECRET, OTHER_SECRET):
        verify_signature(
            hmac_secrets=[OTHER_SECRET, SECRET], headers=headers(secret=secret), body=BODY, now=NOW
        )


@pytest.mark.parametrize(
    "skew", [timedelta(minutes=-5), timedelta(minutes=5), timedelta(seconds=-299)]
)
def test_timestamps_within_five_minutes_verify(skew):
    verify_signature(hmac_secrets=[SECRET], headers=headers(), body=BODY, now=NOW + skew)


@pytest.mark.parametrize(
    "skew", [timedelta(minutes=-5, seconds=-1), timedelta(minutes=5, seconds=1)]
)
def test_timestamps_outside_five_minutes_are_refused(skew):
    with pytest.raises(SignatureError, match="tolerance"):
        verify_signature(hmac_secrets=[SECRET], headers=headers(), body=BODY, now=NOW + skew)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_header_is_refused(missing):
    sent = headers()
    del sent[missing]
    with pytest.raises(SignatureError):
        verify_signature(hmac_secrets=[SECRET], headers=sent, body=BODY, now=NOW)


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("webhook-timestamp", "1764302400.5"),
        ("webhook-timestamp", "-1764302400"),
        ("webhook-timestamp", "1e9"),
        ("webhook-timestamp", "９９"),
        ("webhook-id", "m" * 201),
        ("webhook-signature", "v1"),
        ("webhook-signature", "v1,not base64!"),
        ("webhook-signature", "v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
        ("webhook-signature", ",,,"),
    ],
)
def test_malformed_headers_are_refused_not_crashed(header, value):
    sent = headers()
    sent[header] = value
    with pytest.raises(SignatureError):
        verify_signature(hmac_secrets=[SECRET], headers=sent, body=BODY, now=NOW)


def test_one_matching_signature_among_several_is_enough():
    sent = headers()
    wrong = sign(secret=OTHER_SECRET, webhook_id=sent["webhook-id"], timestamp=TS, body=BODY)
    sent["webhook-signature"] = f"v1a,abc= {wrong} {sent['webhook-signature']}"
    verify_signature(hmac_secrets=[SECRET], headers=sent, body=BODY, now=NOW)


def test_generated_hmac_secret_is_a_whsec_key_of_32_bytes():
    secret = generate_hmac_secret()
    assert secret.startswith("whsec_")
    assert len(hmac_key(secret)) == 32
    assert generate_hmac_secret() != secret


@pytest.mark.parametrize("secret", ["whsec_", "whsec_!!!!", ""])
def test_unusable_hmac_secret_is_rejected(secret):
    with pytest.raises(ValueError):
        hmac_key(secret)


def test_unpadded_secret_decodes_like_the_reference_library():
    key = base64.b64encode(b"sixteen byte key").decode().rstrip("=")
    assert hmac_key("whsec_" + key) == b"sixteen byte key"


# Bearer


def test_bearer_secret_verifies_against_its_hash():
    secret = generate_bearer_secret()
    stored = hash_bearer_secret(secret)
    assert secret not in stored
    verify_bearer(secret_hashes=[stored], authorization=f"Bearer {secret}")
    verify_bearer(secret_hashes=[stored], authorization=f"bearer  {secret} ")


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer wrong-secret", "Token s3cret"],
)
def test_wrong_or_missing_bearer_is_refused(authorization):
    with pytest.raises(SignatureError):
        verify_bearer(secret_hashes=[hash_bearer_secret("s3cret")], authorization=authorization)


def test_both_bearer_secrets_work_during_a_rotation():
    old, new = generate_bearer_secret(), generate_bearer_secret()
    hashes = [hash_bearer_secret(new), hash_bearer_secret(old)]
    for secret in (old, new):
        verify_bearer(secret_hashes=hashes, authorization=f"Bearer {secret}")
