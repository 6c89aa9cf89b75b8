"""Authenticate monitoring webhooks: Standard Webhooks signatures and bearer secrets.

Both checks accept several secrets at once, so a source keeps working with its previous
secret while a rotation overlaps. Comparisons are constant-time.
"""

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

HMAC_SECRET_PREFIX = "whsec_"
TOLERANCE = timedelta(minutes=5)
MAX_WEBHOOK_ID_LENGTH = 200

_TIMESTAMP = re.compile(r"[0-9]{1,12}")


class SignatureError(Exception):
    """The request does not carry a valid signature or token."""


@dataclass(frozen=True)
class SignedDelivery:
    """What a verified Standard Webhooks request identifies itself as."""

    webhook_id: str
    timestamp: int


def generate_hmac_secret() -> str:
    """A new Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return HMAC_SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def generate_bearer_secret() -> str:
    """A new bearer secret with 256 bits of randomness."""
    return secrets.token_urlsafe(32)


def hmac_key(secret: str) -> bytes:
    """The signing key inside a `whsec_` secret."""
    encoded = secret.removeprefix(HMAC_SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except binascii.Error:
        raise ValueError("not a whsec_ base64 secret") from None
    if not key:
        raise ValueError("empty secret")
    return key


def sign(*, secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value for a body, as a sender computes it."""
    return "v1," + base64.b64encode(_digest(hmac_key(secret), webhook_id, timestamp, body)).decode()


def verify_signature(
    *, hmac_secrets: Sequence[str], headers: Mapping[str, str], body: bytes, now: datetime
) -> SignedDelivery:
    """Check a Standard Webhooks request against any of the given secrets; raise if none fits."""
    webhook_id = headers.get("webhook-id") or ""
    timestamp_text = headers.get("webhook-timestamp") or ""
    signatures = _v1_signatures(headers.get("webhook-signature") or "")
    if not webhook_id or len(webhook_id) > MAX_WEBHOOK_ID_LENGTH:
        raise SignatureError("missing or oversized webhook-id")
    if not _TIMESTAMP.fullmatch(timestamp_text):
        raise SignatureError("missing or unreadable webhook-timestamp")
    timestamp = int(timestamp_text)
    if abs(now.timestamp() - timestamp) > TOLERANCE.total_seconds():
        raise SignatureError("webhook-timestamp outside the tolerance")
    expected = [_digest(hmac_key(s), webhook_id, timestamp, body) for s in hmac_secrets]
    if not _any_equal(expected, signatures):
        raise SignatureError("no matching signature")
    return SignedDelivery(webhook_id=webhook_id, timestamp=timestamp)


def hash_bearer_secret(secret: str) -> str:
    """The stored form of a bearer secret (random and long, so a plain SHA-256 suffices)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def verify_bearer(*, secret_hashes: Sequence[str], authorization: str | None) -> None:
    """Check an `Authorization: Bearer` header against any of the stored hashes; raise if none fits."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise SignatureError("missing bearer token")
    presented = bytes.fromhex(hash_bearer_secret(token.strip()))
    if not _any_equal([bytes.fromhex(h) for h in secret_hashes], [presented]):
        raise SignatureError("wrong bearer token")


def _digest(key: bytes, webhook_id: str, timestamp: int, body: bytes) -> bytes:
    return hmac.new(key, f"{webhook_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()


def _v1_signatures(header: str) -> list[bytes]:
    """The decodable `v1` signatures in a header that may list several, space-separated."""
    found = []
    for item in header.split():
        version, _, encoded = item.partition(",")
        if version != "v1":
            continue
        try:
            found.append(base64.b64decode(encoded, validate=True))
        except binascii.Error:
            continue
    return found


def _any_equal(expected: Sequence[bytes], presented: Sequence[bytes]) -> bool:
    """Whether any pair matches, comparing every pair so timing does not tell which."""
    matched = False
    for want in expected:
        for got in presented:
            matched |= hmac.compare_digest(want, got)
    return matched
