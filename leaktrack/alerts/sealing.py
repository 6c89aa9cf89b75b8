"""Keep webhook signing secrets encrypted at rest with the instance data key.

An HMAC secret must stay usable (the server recomputes signatures), so it cannot be hashed
like a bearer secret. It is sealed with AES-256-GCM under a key derived from
`LEAKTRACK_DATA_KEY` for this purpose only; the stored text names the data key's id.
"""

import base64
import functools
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_PURPOSE = b"leaktrack alert source secret v1"


def _split(data_key: str) -> tuple[str, bytes]:
    """The key id and key material of a `<id>:<material>` data key."""
    key_id, _, material = data_key.partition(":")
    if not material:
        key_id, material = "k0", data_key
    return key_id, material.encode()


def _cipher(material: bytes) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(material)
    return AESGCM(derived)


def seal(secret: str, *, data_key: str) -> str:
    """The secret encrypted for storage."""
    key_id, material = _split(data_key)
    nonce = os.urandom(12)
    sealed = _cipher(material).encrypt(nonce, secret.encode(), key_id.encode())
    return f"{key_id}:{base64.b64encode(nonce + sealed).decode()}"


def sealed_with(stored: str) -> str:
    """The id of the data key a stored secret was sealed with."""
    return stored.partition(":")[0]


@functools.lru_cache(maxsize=256)
def unseal(stored: str, *, data_keys: tuple[str, ...]) -> str:
    """The secret back from its stored form, opened with whichever of `data_keys` (the
    current key and the retired ones) sealed it; ValueError if none of them can.

    Cached: every signed delivery needs its source's secret, and stored forms never change.
    """
    stored_id, _, encoded = stored.partition(":")
    for data_key in data_keys:
        key_id, material = _split(data_key)
        if key_id == stored_id:
            break
    else:
        raise ValueError(f"sealed with data key {stored_id!r}, which is not configured")
    raw = base64.b64decode(encoded)
    try:
        return _cipher(material).decrypt(raw[:12], raw[12:], key_id.encode()).decode()
    except InvalidTag:
        raise ValueError("the data key does not open this secret") from None
