"""The key ring: sealing, opening, re-wrapping and blind indexes (no database)."""

from __future__ import annotations

import pytest

from dozor.security.crypto import (
    MAX_PREFIX,
    MIN_PREFIX,
    MIN_WORD_LENGTH,
    DecryptionFailed,
    KeyRing,
    KeyringLocked,
    key_decode,
    key_encode,
    key_generate,
    normalise,
    passphrase_stretch,
    search_words,
)


@pytest.fixture
def ring() -> KeyRing:
    return KeyRing(key_generate())


def test_a_sealed_value_opens_to_the_plaintext(ring: KeyRing) -> None:
    token = ring.seal("Шухрат Собиров".encode(), label="records.PersonInvolvement.name")
    assert "Собиров" not in token
    assert ring.open(token, label="records.PersonInvolvement.name").decode() == "Шухрат Собиров"


def test_sealing_the_same_value_twice_gives_different_tokens(ring: KeyRing) -> None:
    assert ring.seal(b"x", label="a") != ring.seal(b"x", label="a")


def test_a_token_does_not_open_in_another_column(ring: KeyRing) -> None:
    token = ring.seal(b"name", label="records.PersonInvolvement.name")
    with pytest.raises(DecryptionFailed):
        ring.open(token, label="records.Incident.summary")


def test_a_token_does_not_open_with_another_key(ring: KeyRing) -> None:
    token = ring.seal(b"name", label="a")
    with pytest.raises(DecryptionFailed, match="sealed under another key"):
        KeyRing(key_generate()).open(token, label="a")


def test_a_changed_token_does_not_open(ring: KeyRing) -> None:
    token = ring.seal(b"name", label="a")
    changed = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    with pytest.raises(DecryptionFailed):
        ring.open(changed, label="a")


def test_rewrapping_moves_a_value_to_the_new_key(ring: KeyRing) -> None:
    new = KeyRing(key_generate())
    token = ring.rewrap(ring.seal(b"name", label="a"), label="a", new=new)
    assert new.open(token, label="a") == b"name"
    with pytest.raises(DecryptionFailed):
        ring.open(token, label="a")


def test_a_locked_ring_refuses_to_seal_and_says_why() -> None:
    locked = KeyRing.locked_because("no key given")
    with pytest.raises(KeyringLocked, match="no key given"):
        locked.seal(b"x", label="a")


def test_normalising_folds_case_yo_and_punctuation() -> None:
    assert normalise("  Пётр  ИВАНОВ-Сидоров, ") == "петр иванов сидоров"


def test_the_blind_index_ignores_case_and_yo(ring: KeyRing) -> None:
    assert ring.blind("Семён Фёдоров") == ring.blind("семен федоров")
    assert ring.blind("Семён Фёдоров") != ring.blind("Семён Фёдорова")


def test_the_blind_index_depends_on_the_key(ring: KeyRing) -> None:
    assert ring.blind("Иванов") != KeyRing(key_generate()).blind("Иванов")


FIELD = "records.PersonInvolvement.name"


def test_search_tokens_hold_each_word_and_with_prefixes_its_stems(ring: KeyRing) -> None:
    words = ring.search_tokens(FIELD, "Ахмед Алиев", prefixes=False)
    assert ring.search_token(FIELD, "алиев") in words
    assert ring.search_token(FIELD, "али") not in words
    assert ring.search_token(FIELD, "али") in ring.search_tokens(
        FIELD, "Ахмед Алиев", prefixes=True
    )


def test_a_word_gives_unrelated_tokens_in_two_fields(ring: KeyRing) -> None:
    summary = "records.Incident.summary"
    assert ring.search_token(FIELD, "алиев") != ring.search_token(summary, "алиев")


def test_words_shorter_than_the_minimum_get_no_token() -> None:
    assert search_words("я и Ли", prefixes=True) == {"ли"}
    assert MIN_WORD_LENGTH == 2


def test_prefixes_run_from_the_minimum_to_the_cap() -> None:
    word = "правозащитников"
    prefixes = search_words(word, prefixes=True) - {word}
    assert min(map(len, prefixes)) == MIN_PREFIX
    assert max(map(len, prefixes)) == MAX_PREFIX
    assert prefixes == {word[:end] for end in range(MIN_PREFIX, MAX_PREFIX + 1)}


def test_a_key_survives_encoding() -> None:
    key = key_generate()
    assert key_decode(key_encode(key), where="test") == key


def test_a_malformed_key_is_refused_naming_where_it_came_from() -> None:
    with pytest.raises(ValueError, match="DOZOR_KEY: expected 32 bytes"):
        key_decode("not-a-key", where="DOZOR_KEY")


def test_the_same_passphrase_and_salt_give_the_same_key() -> None:
    salt = b"0123456789abcdef"
    first = passphrase_stretch("correct horse battery", salt, n=2**10)
    assert first == passphrase_stretch("correct horse battery", salt, n=2**10)
    assert first != passphrase_stretch("correct horse battery", b"fedcba9876543210", n=2**10)
