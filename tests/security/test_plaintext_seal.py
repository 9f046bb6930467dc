"""Sealing values stored in clear before their column was encrypted (the data migrations)."""

from __future__ import annotations

import pytest
from django.db import connection

from dozor.records.models import IncidentBias
from dozor.security.crypto import TOKEN_PREFIX, KeyRing, KeyringLocked
from dozor.security.fields import plaintext_seal
from dozor.security.keyring import keyring_set
from tests.conftest import Cast

pytestmark = pytest.mark.django_db

NOTE = "Ахмед Алиев был избит у мечети"


def stored_note(bias: IncidentBias) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM records_incidentbias WHERE id = %s", [bias.pk])
        return str(cursor.fetchone()[0])


@pytest.fixture
def clear_note(cast: Cast) -> IncidentBias:
    bias = IncidentBias.objects.create(incident=cast.incident, motivation="anti_muslim")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE records_incidentbias SET note = %s WHERE id = %s", [NOTE, bias.pk])
    return bias


def test_a_value_stored_in_clear_is_sealed(clear_note: IncidentBias) -> None:
    assert plaintext_seal(IncidentBias, ["note"]) == 1
    assert stored_note(clear_note).startswith(TOKEN_PREFIX)
    assert IncidentBias.objects.get(pk=clear_note.pk).note == NOTE


def test_sealed_and_empty_values_are_left_alone(cast: Cast) -> None:
    IncidentBias.objects.create(incident=cast.incident, motivation="anti_muslim", note=NOTE)
    IncidentBias.objects.create(incident=cast.incident, motivation="antisemitic", note="")
    assert plaintext_seal(IncidentBias, ["note"]) == 0


def test_without_the_key_values_in_clear_are_refused_and_left_as_they_were(
    clear_note: IncidentBias,
) -> None:
    keyring_set(KeyRing.locked_because("no key given"))
    try:
        with pytest.raises(KeyringLocked) as error:
            plaintext_seal(IncidentBias, ["note"])
    finally:
        keyring_set(None)
    assert "1 records.IncidentBias values were stored before" in str(error.value)
    assert stored_note(clear_note) == NOTE
