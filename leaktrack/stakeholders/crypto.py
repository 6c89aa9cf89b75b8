"""Contact data sealed at rest, and keyed blind indexes for exact look-up.

`LEAKTRACK_DATA_KEY` is `<key id>:<urlsafe base64 of 32 bytes>`; keys it replaced stay
readable while listed in `LEAKTRACK_RETIRED_DATA_KEYS` (comma-separated, same form) until
`stakeholders rotate-key` has re-sealed everything under the current key. From each data key
HKDF derives one AES-256-GCM key (sealing) and one MAC key (indexes: keyed BLAKE2b, a MAC
like HMAC and twice as fast, which matters at a million rows), so neither use can weaken the
other.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

FIELDS = ("name", "email", "phone", "address")
_SEP = "\x1f"  # unit separator: validation refuses control characters inside values
_SEAL_INFO = b"leaktrack stakeholder pii v1"
_INDEX_INFO = b"leaktrack stakeholder index v1"
INDEX_BYTES = 16


def _derive(material: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(material)


@dataclass(frozen=True)
class DataKey:
    """One data key: its id, its sealing cipher and its index key."""

    key_id: str
    cipher: AESGCM
    index_key: bytes

    @classmethod
    def parse(cls, text: str) -> DataKey:
        key_id, _, material = text.strip().partition(":")
        if not material:
            key_id, material = "k0", text.strip()
        if not key_id or len(key_id) > 32:
            raise ValueError("a data key id is 1 to 32 characters")
        raw = material.encode()
        return cls(key_id, AESGCM(_derive(raw, _SEAL_INFO)), _derive(raw, _INDEX_INFO))


@dataclass(frozen=True)
class KeyRing:
    """The current data key and the retired ones still needed to read older values."""

    current: DataKey
    retired: tuple[DataKey, ...] = ()

    def get(self, key_id: str) -> DataKey:
        for key in (self.current, *self.retired):
            if key.key_id == key_id:
                return key
        raise KeyError(f"data key {key_id!r} is not configured")

    @property
    def all(self) -> tuple[DataKey, ...]:
        return (self.current, *self.retired)


@functools.lru_cache(maxsize=8)
def _ring(current: str, retired: str) -> KeyRing:
    keys = tuple(DataKey.parse(item) for item in retired.split(",") if item.strip())
    return KeyRing(DataKey.parse(current), keys)


def key_ring() -> KeyRing:
    """The keys configured for this app."""
    config = current_app.config
    return _ring(config["LEAKTRACK_DATA_KEY"], config.get("LEAKTRACK_RETIRED_DATA_KEYS") or "")


def associated_data(kind: str, external_ref: str) -> bytes:
    """Binds a sealed value to its row: a value copied onto another person will not open."""
    return f"{kind}{_SEP}{external_ref}".encode()


def seal(key: DataKey, values: tuple[str, str, str, str], aad: bytes) -> bytes:
    """Name, e-mail, phone, address sealed together: nonce + ciphertext."""
    nonce = os.urandom(12)
    return nonce + key.cipher.encrypt(nonce, _SEP.join(values).encode(), aad)


def open_sealed(key: DataKey, blob: bytes, aad: bytes) -> tuple[str, str, str, str]:
    """The four values back; ValueError if the key or the row does not match."""
    try:
        plain = key.cipher.decrypt(blob[:12], blob[12:], aad)
    except InvalidTag:
        raise ValueError("this data key does not open this value") from None
    name, email, phone, address = plain.decode().split(_SEP)
    return name, email, phone, address


_NOT_DIGIT = re.compile(r"[^0-9]")


def normalise_email(value: str) -> str:
    if not value.isascii():
        value = unicodedata.normalize("NFKC", value)
    return value.strip().lower()


def normalise_phone(value: str) -> str:
    """Digits only (a leading + kept): '03-1234-5678' and '０３１２３４５６７８' match."""
    if not value.isascii():
        value = unicodedata.normalize("NFKC", value)
    value = value.strip()
    digits = _NOT_DIGIT.sub("", value)
    return ("+" + digits) if value.startswith("+") and digits else digits


def keyed_hash(key: DataKey, text: str) -> str:
    """Keyed BLAKE2b of a normalised value, INDEX_BYTES long, in hex."""
    return hashlib.blake2b(text.encode(), key=key.index_key, digest_size=INDEX_BYTES).hexdigest()


def email_index(key: DataKey, email: str) -> str | None:
    return keyed_hash(key, "e:" + normalise_email(email)) if email else None


def phone_index(key: DataKey, phone: str) -> str | None:
    digits = normalise_phone(phone) if phone else ""
    return keyed_hash(key, "p:" + digits) if digits else None


def ref_hash(key: DataKey, kind: str, external_ref: str) -> str:
    return keyed_hash(key, f"r:{kind}{_SEP}{external_ref}")


def pii_digest(key: DataKey, values: tuple[str, str, str, str]) -> str:
    return keyed_hash(key, "d:" + _SEP.join(values))


def email_candidates(email: str) -> list[str]:
    """The blind index of an e-mail under every configured key (rows not yet rotated match)."""
    return [email_index(key, email) for key in key_ring().all]


def phone_candidates(phone: str) -> list[str]:
    return [index for key in key_ring().all if (index := phone_index(key, phone))]
