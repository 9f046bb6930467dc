"""Setting up, checking and rotating the key."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from dozor.records.models import PersonInvolvement
from dozor.security.crypto import DecryptionFailed, KeyRing, key_decode, key_generate
from dozor.security.files import file_store
from dozor.security.keyring import keyring, keyring_set
from dozor.security.keys import NewKey, keyring_check, keyring_init, keyring_rotate
from dozor.security.models import KeyringState
from tests.conftest import Cast
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_ring() -> Iterator[None]:
    keyring_set(None)
    yield
    keyring_set(None)


def sealed_name(cast: Cast) -> PersonInvolvement:
    return PersonInvolvement.objects.create(
        incident=cast.incident, name="Ахмед Алиев", pseudonym="Victim A"
    )


def spoil(pk: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE records_personinvolvement SET name = %s WHERE id = %s",
            [KeyRing(key_generate()).seal(b"x", label="records.PersonInvolvement.name"), pk],
        )


def test_check_finds_nothing_wrong_in_a_sound_database(cast: Cast) -> None:
    sealed_name(cast)
    report = keyring_check(ring=keyring())
    assert report.problems == []
    assert report.values >= 2  # the name and the incident's summary


def test_check_names_table_row_and_field_of_a_value_that_does_not_open(cast: Cast) -> None:
    person = sealed_name(cast)
    spoil(person.pk)
    (problem,) = keyring_check(ring=keyring()).problems
    assert (problem.table, problem.pk, problem.field) == (
        "records_personinvolvement",
        person.pk,
        "name",
    )
    assert "another key" in problem.problem


def test_rotation_moves_every_value_to_the_new_key(cast: Cast) -> None:
    person = sealed_name(cast)
    old, new = keyring(), NewKey(ring=KeyRing(key_generate()))
    report = keyring_rotate(old=old, new=new)
    assert report.values >= 2
    keyring_set(new.ring)
    assert PersonInvolvement.objects.get(pk=person.pk).name == "Ахмед Алиев"
    assert keyring_check(ring=new.ring).problems == []
    assert KeyringState.objects.get().kek_id == new.ring.kek_id


def test_rotation_recomputes_the_blind_indexes(cast: Cast) -> None:
    person = sealed_name(cast)
    new = NewKey(ring=KeyRing(key_generate()))
    keyring_rotate(old=keyring(), new=new)
    assert PersonInvolvement.objects.get(pk=person.pk).name_index == new.ring.blind("ахмед алиев")


def test_rotation_is_all_or_nothing(cast: Cast) -> None:
    good = sealed_name(cast)
    spoil(sealed_name(cast).pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM records_personinvolvement WHERE id = %s", [good.pk])
        before = cursor.fetchone()[0]
    with pytest.raises(DecryptionFailed):
        keyring_rotate(old=keyring(), new=NewKey(ring=KeyRing(key_generate())))
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM records_personinvolvement WHERE id = %s", [good.pk])
        assert cursor.fetchone()[0] == before
    assert not KeyringState.objects.exists()


def test_init_seals_values_stored_before_encryption(cast: Cast) -> None:
    person = sealed_name(cast)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE records_personinvolvement SET name = 'Ахмед Алиев' WHERE id = %s", [person.pk]
        )
    keyring_init(new=NewKey(ring=keyring()))
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM records_personinvolvement WHERE id = %s", [person.pk])
        assert cursor.fetchone()[0].startswith("dz1.")
    assert PersonInvolvement.objects.get(pk=person.pk).name == "Ахмед Алиев"


def test_init_is_refused_when_the_database_has_a_key() -> None:
    keyring_init(new=NewKey(ring=keyring()))
    with pytest.raises(ValueError, match="already has an encryption key"):
        keyring_init(new=NewKey(ring=KeyRing(key_generate())))


def test_a_key_that_is_not_the_databases_leaves_dozor_locked() -> None:
    KeyringState.objects.create(kek_id="00000000")
    keyring_set(None)
    assert keyring().locked
    assert "is not the key of this database" in keyring().reason


def test_an_incident_summary_survives_rotation() -> None:
    incident = IncidentFactory(summary="Избит Ахмед Алиев.")
    new = NewKey(ring=KeyRing(key_generate()))
    keyring_rotate(old=keyring(), new=new)
    keyring_set(new.ring)
    incident.refresh_from_db()
    assert incident.summary == "Избит Ахмед Алиев."


DZF1 = Path(__file__).resolve().parent.parent / "data" / "security" / "dzf1"
DZF1_ID = "61687f5ac3b3b99202bd58e97aa00f19"


# Transactional: the files are swapped when rotation's own transaction commits, which a test
# wrapped in a transaction would never see.
@pytest.mark.django_db(transaction=True)
def test_rotation_moves_stored_files_of_both_formats_to_the_new_key() -> None:
    old = KeyRing(key_decode((DZF1 / "dozor.key").read_text(), where="dzf1 test key"))
    keyring_set(old)
    store = file_store()
    streamed = store.store_stream(io.BytesIO(b"\x89PNG" + bytes(200_000)), ring=old)
    # The streamed file's random id starts with the old file's two characters once in 256 runs.
    shutil.copytree(DZF1 / DZF1_ID[:2], store.root / DZF1_ID[:2], dirs_exist_ok=True)
    new = NewKey(ring=KeyRing(key_generate()))
    report = keyring_rotate(old=old, new=new)
    assert report.files == 2
    check = keyring_check(ring=new.ring)
    assert (check.files, check.problems) == (2, [])
    assert store.verify(streamed.file_id, ring=new.ring) == streamed


def test_check_names_a_stored_file_whose_chunk_was_changed() -> None:
    store = file_store()
    stored = store.store_stream(io.BytesIO(bytes(300_000)), ring=keyring())
    path = next(store.root.glob(f"*/{stored.file_id}.enc"))
    raw = bytearray(path.read_bytes())
    raw[100_000] ^= 1
    path.write_bytes(bytes(raw))
    (problem,) = keyring_check(ring=keyring()).problems
    assert (problem.table, problem.pk, problem.field) == ("files", stored.file_id, "content")
    assert "chunk 1 failed authentication" in problem.problem
