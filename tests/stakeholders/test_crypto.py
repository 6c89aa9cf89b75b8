"""Sealing and blind indexes."""

import base64

import pytest

from leaktrack.stakeholders import crypto

KEY = crypto.DataKey.parse("k1:" + base64.urlsafe_b64encode(b"a" * 32).decode())
OTHER = crypto.DataKey.parse("k2:" + base64.urlsafe_b64encode(b"b" * 32).decode())
VALUES = ("山田 太郎", "taro@example.jp", "03-1234-5678", "東京都千代田区1-1")


def test_sealed_values_open_with_their_key_and_row_only():
    aad = crypto.associated_data("customer", "C-1")
    blob = crypto.seal(KEY, VALUES, aad)
    assert b"taro" not in blob and "山田".encode() not in blob
    assert crypto.open_sealed(KEY, blob, aad) == VALUES
    with pytest.raises(ValueError):
        crypto.open_sealed(OTHER, blob, aad)
    with pytest.raises(ValueError):
        crypto.open_sealed(KEY, blob, crypto.associated_data("customer", "C-2"))


def test_each_seal_uses_a_fresh_nonce():
    aad = crypto.associated_data("customer", "C-1")
    assert crypto.seal(KEY, VALUES, aad) != crypto.seal(KEY, VALUES, aad)


def test_blind_indexes_match_normalised_values_and_differ_per_key():
    assert crypto.email_index(KEY, " Taro@Example.JP ") == crypto.email_index(
        KEY, "taro@example.jp"
    )
    assert crypto.phone_index(KEY, "０３-1234-5678") == crypto.phone_index(KEY, "0312345678")
    assert crypto.phone_index(KEY, "+81 3 1234 5678") != crypto.phone_index(KEY, "81312345678")
    assert crypto.email_index(KEY, "a@b.jp") != crypto.email_index(OTHER, "a@b.jp")
    assert crypto.email_index(KEY, "") is None and crypto.phone_index(KEY, "--") is None


def test_a_key_without_id_gets_k0():
    assert crypto.DataKey.parse("secretmaterial").key_id == "k0"
