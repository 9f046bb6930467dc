"""Encrypted fields in the database: sealed at rest, plaintext in Python, locked without a key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection, transaction
from django.utils import translation

from dozor.records.models import Incident, PersonInvolvement, PersonToken, Report, ReportToken
from dozor.security.crypto import KeyRing, KeyringLocked
from dozor.security.fields import LockedJSON, LockedText
from dozor.security.keyring import keyring, keyring_set
from tests.conftest import Cast
from tests.factories import IncidentFactory, ReportFactory

pytestmark = pytest.mark.django_db

NAME = "Ахмед Алиев"


@pytest.fixture
def locked() -> Iterator[None]:
    keyring_set(KeyRing.locked_because("no key given"))
    with translation.override("en"):
        yield
    keyring_set(None)


def raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 - the test's own table and column
        return str(cursor.fetchone()[0])


def person(incident: Incident, name: str = NAME) -> PersonInvolvement:
    return PersonInvolvement.objects.create(incident=incident, name=name, pseudonym="Victim A")


def test_a_name_is_stored_sealed_and_read_as_plaintext(cast: Cast) -> None:
    stored = person(cast.incident)
    assert raw("records_personinvolvement", "name", stored.pk).startswith("dz1.")
    assert "Алиев" not in raw("records_personinvolvement", "name", stored.pk)
    assert PersonInvolvement.objects.get(pk=stored.pk).name == NAME


def test_a_name_gets_its_blind_indexes(cast: Cast) -> None:
    stored = PersonInvolvement.objects.get(pk=person(cast.incident).pk)
    assert stored.name_index == keyring().blind("ахмед алиев")
    tokens = PersonToken.objects.filter(record=stored).values_list("token", flat=True)
    assert keyring().search_token("records.PersonInvolvement.name", "алиев") in set(tokens)


def test_a_report_payload_is_sealed_and_its_public_fields_stay_readable() -> None:
    report = ReportFactory(
        payload={"Пострадавшие": NAME},
        fields={"date": "2008-12-04", "region": "RU-SPE", "victims": [{"name": NAME}]},
    )
    assert "Алиев" not in raw("records_report", "payload", report.pk)
    assert "Алиев" not in raw("records_report", "fields", report.pk)
    loaded = Report.objects.get(pk=report.pk)
    assert loaded.payload == {"Пострадавшие": NAME}
    assert loaded.facts == {"date": "2008-12-04", "region": "RU-SPE"}
    tokens = ReportToken.objects.filter(record=loaded).values_list("token", flat=True)
    assert keyring().search_token("records.Report.fields", "алиев") in set(tokens)


def test_a_summary_is_sealed() -> None:
    incident = IncidentFactory(summary=f"Избит {NAME}.")
    assert "Алиев" not in raw("records_incident", "summary", incident.pk)
    assert Incident.objects.get(pk=incident.pk).summary == f"Избит {NAME}."


def test_without_the_key_identifying_fields_read_as_locked(cast: Cast, locked: None) -> None:
    keyring_set(None)
    stored = person(cast.incident)
    report = ReportFactory()
    keyring_set(KeyRing.locked_because("no key given"))
    loaded = PersonInvolvement.objects.get(pk=stored.pk)
    assert isinstance(loaded.name, LockedText)
    assert str(loaded.name) == "locked"
    assert isinstance(Report.objects.get(pk=report.pk).payload, LockedJSON)


def test_without_the_key_identifying_data_cannot_be_written(cast: Cast, locked: None) -> None:
    with pytest.raises(KeyringLocked, match="Nothing was saved"), transaction.atomic():
        person(cast.incident)
    assert not PersonInvolvement.objects.exists()


def test_a_locked_value_is_never_written_back(cast: Cast, locked: None) -> None:
    keyring_set(None)
    stored = person(cast.incident)
    keyring_set(KeyRing.locked_because("no key given"))
    loaded = PersonInvolvement.objects.get(pk=stored.pk)
    with pytest.raises(KeyringLocked), transaction.atomic():
        loaded.save()
    keyring_set(None)
    assert PersonInvolvement.objects.get(pk=stored.pk).name == NAME


def test_a_name_longer_than_allowed_is_refused(cast: Cast) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        PersonInvolvement(incident=cast.incident, name="я" * 301).full_clean(exclude=["incident"])
