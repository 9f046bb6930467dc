"""The search tokens of sealed text: `dozor keys reindex` and its check, and what the token
tables hold (never a plain hash of a word)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from dozor.records.models import IncidentToken, PersonInvolvement, PersonToken, ReportToken
from dozor.security.crypto import (
    INDEX_HEX_DIGITS,
    MAX_PREFIX,
    MIN_PREFIX,
    KeyRing,
    KeyringLocked,
    normalise,
    search_words,
)
from dozor.security.keyring import keyring, keyring_set
from dozor.security.keys import MSG_TOKENS_MISSING, MSG_TOKENS_STALE, search_tokens_fill
from tests.conftest import Cast
from tests.factories import IncidentFactory, ReportFactory

pytestmark = pytest.mark.django_db

NAME = "Далер Султонов"
SUMMARY = "Далера Султонова избили у рынка; правозащитники вызвали полицию."


@pytest.fixture(autouse=True)
def fresh_ring() -> Iterator[None]:
    keyring_set(None)
    yield
    keyring_set(None)


@pytest.fixture
def person(cast: Cast) -> PersonInvolvement:
    cast.incident.summary = SUMMARY
    cast.incident.save()
    return PersonInvolvement.objects.create(incident=cast.incident, name=NAME, pseudonym="A")


def reindex(*options: str) -> str:
    out = StringIO()
    call_command("keys", "reindex", *options, stdout=out)
    return out.getvalue()


def check_output() -> str:
    out = StringIO()
    with pytest.raises(CommandError, match="missing or stale search tokens"):
        call_command("keys", "reindex", "--check", stdout=out)
    return out.getvalue()


def test_the_check_passes_when_every_token_is_right(person: PersonInvolvement) -> None:
    assert "0 records need" in reindex("--check")


def test_the_check_names_a_record_whose_token_row_was_deleted(
    person: PersonInvolvement,
) -> None:
    PersonToken.objects.filter(record=person).first().delete()  # type: ignore[union-attr]
    output = check_output()
    assert f"records_personinvolvement row {person.pk} field name: {MSG_TOKENS_STALE}" in output
    assert NAME.split()[1] not in output


def test_the_check_names_a_record_whose_tokens_are_all_missing(
    cast: Cast, person: PersonInvolvement
) -> None:
    IncidentToken.objects.filter(record=cast.incident).delete()
    output = check_output()
    assert f"records_incident row {cast.incident.pk} field summary: {MSG_TOKENS_MISSING}" in output


def test_the_check_names_a_record_whose_token_was_altered(person: PersonInvolvement) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE records_persontoken SET token = %s WHERE record_id = %s AND token = %s",
            [
                "0" * INDEX_HEX_DIGITS,
                person.pk,
                keyring().search_token("records.PersonInvolvement.name", "султонов"),
            ],
        )
    assert f"records_personinvolvement row {person.pk} field name" in check_output()


def test_reindex_rewrites_missing_tokens(cast: Cast, person: PersonInvolvement) -> None:
    IncidentToken.objects.all().delete()
    PersonToken.objects.all().delete()
    assert "Rewrote the search tokens" in reindex()
    assert "0 records need" in reindex("--check")


def test_reindex_without_the_key_is_refused_with_a_message(person: PersonInvolvement) -> None:
    keyring_set(KeyRing.locked_because("no key given"))
    with pytest.raises(CommandError, match="Dozor is locked: no key given"):
        reindex()


def test_the_migration_fill_refuses_to_run_without_the_key_when_there_is_text(
    person: PersonInvolvement,
) -> None:
    with pytest.raises(KeyringLocked, match="have no search tokens yet"):
        search_tokens_fill(ring=KeyRing.locked_because("no key"), app_label="records")


def test_the_migration_fill_writes_every_token(cast: Cast, person: PersonInvolvement) -> None:
    PersonToken.objects.all().delete()
    IncidentToken.objects.all().delete()
    search_tokens_fill(ring=keyring(), app_label="records")
    assert "0 records need" in reindex("--check")


def test_deleting_a_record_deletes_its_tokens(cast: Cast, person: PersonInvolvement) -> None:
    cast.incident.delete()
    assert not PersonToken.objects.exists() and not IncidentToken.objects.exists()


def plain_hashes(word: str) -> set[str]:
    """What someone without the key could compute from a guessed word, cut as tokens are."""
    data = word.encode()
    digests = {
        hashlib.sha256(data).hexdigest(),
        hashlib.md5(data).hexdigest(),  # noqa: S324 - the attacker's hash, not ours
        hashlib.sha1(data).hexdigest(),  # noqa: S324 - the attacker's hash, not ours
        hmac.new(b"", data, hashlib.sha256).hexdigest(),
    }
    return {digest[:INDEX_HEX_DIGITS] for digest in digests}


def test_no_token_is_a_plain_hash_of_its_word(cast: Cast, person: PersonInvolvement) -> None:
    ReportFactory(fields={"victims": [{"name": NAME}]})
    guesses = set()
    for word in search_words(f"{NAME} {SUMMARY}", prefixes=True):
        guesses |= plain_hashes(word) | plain_hashes(normalise(word))
    stored = set()
    for table in (IncidentToken, PersonToken, ReportToken):
        stored |= set(table.objects.values_list("token", flat=True))
    assert stored and not stored & guesses


def test_a_name_gives_other_tokens_in_the_summary_than_in_the_names(
    cast: Cast, person: PersonInvolvement
) -> None:
    in_names = set(PersonToken.objects.values_list("token", flat=True))
    in_summaries = set(IncidentToken.objects.values_list("token", flat=True))
    assert in_names and in_summaries and not in_names & in_summaries


def test_a_long_word_gives_tokens_for_its_beginnings_up_to_the_cap_only() -> None:
    incident = IncidentFactory(summary="правозащитниками")
    stored = set(IncidentToken.objects.filter(record=incident).values_list("token", flat=True))
    word = "правозащитниками"
    expected = {word} | {word[:end] for end in range(MIN_PREFIX, MAX_PREFIX + 1)}
    assert len(stored) == len(expected)
