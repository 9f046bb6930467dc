"""Coders' notes and group affiliations can name people: the database holds them sealed."""

from __future__ import annotations

import pytest
from django.db import connection

from dozor.records.models import IncidentBias, PersonInvolvement
from dozor.security.crypto import TOKEN_PREFIX
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def stored(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 - the test's own table and column
        return str(cursor.fetchone()[0])


def test_a_coders_note_is_sealed_and_reads_back(cast: Cast) -> None:
    bias = IncidentBias.objects.create(
        incident=cast.incident, motivation="anti_muslim", note="Имам Рустам Юсупов узнал нападавших"
    )
    raw = stored("records_incidentbias", "note", bias.pk)
    assert raw.startswith(TOKEN_PREFIX) and "Юсупов" not in raw
    assert IncidentBias.objects.get(pk=bias.pk).note == "Имам Рустам Юсупов узнал нападавших"


def test_a_group_affiliation_is_sealed_and_reads_back(cast: Cast) -> None:
    person = PersonInvolvement.objects.create(
        incident=cast.incident, role="perpetrator", group_affiliation="«Русский марш», Лебедев"
    )
    raw = stored("records_personinvolvement", "group_affiliation", person.pk)
    assert raw.startswith(TOKEN_PREFIX) and "Лебедев" not in raw
    assert PersonInvolvement.objects.get(pk=person.pk).group_affiliation.endswith("Лебедев")
