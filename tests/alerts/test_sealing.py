import pytest

from leaktrack.alerts.sealing import seal, unseal

KEY = "k1:dGVzdC1kYXRhLWtleS10ZXN0LWRhdGEta2V5LXRlc3Q="
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_sealed_secret_opens_with_the_same_key():
    stored = seal(SECRET, data_key=KEY)
    assert SECRET not in stored and stored.startswith("k1:")
    assert unseal(stored, data_keys=(KEY,)) == SECRET


def test_each_seal_is_different():
    assert seal(SECRET, data_key=KEY) != seal(SECRET, data_key=KEY)


@pytest.mark.parametrize(
    "other", ["k1:b3RoZXIta2V5", "k2:dGVzdC1kYXRhLWtleS10ZXN0LWRhdGEta2V5LXRlc3Q="]
)
def test_another_data_key_cannot_open_it(other):
    with pytest.raises(ValueError):
        unseal(seal(SECRET, data_key=KEY), data_keys=(other,))


def test_a_retired_key_still_opens_what_it_sealed():
    newer = "k2:bmV3ZXItZGF0YS1rZXktbmV3ZXItZGF0YS1rZXktbmV3"
    stored = seal(SECRET, data_key=KEY)
    assert unseal(stored, data_keys=(newer, KEY)) == SECRET
    with pytest.raises(ValueError):
        unseal(stored, data_keys=(newer,))
