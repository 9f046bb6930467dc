"""bulk_insert: COPY on PostgreSQL, bulk_create elsewhere; rows come out as a save makes them."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from dozor.records.bulk import bulk_insert
from dozor.records.models import Report, ReportToken
from dozor.security.keyring import keyring
from tests.factories import SourceListFactory

pytestmark = pytest.mark.django_db

NAME = "Аграфена Кузьминична"


@pytest.fixture
def source_list(cast):
    return SourceListFactory(name="Партнёр", organisation=cast.organisation)


def reports(source_list, user, count: int = 3) -> list[Report]:
    return [
        Report(
            source_list=source_list,
            external_id=f"B{number}",
            payload={"id": f"B{number}", "Кто": NAME},
            fields={"date": "2020-01-02", "victims": [{"name": NAME}]},
            received_on=datetime.date(2020, 1, 3),
            created_by=user,
        )
        for number in range(count)
    ]


def test_inserted_rows_get_their_primary_keys(cast, source_list) -> None:
    rows = reports(source_list, cast.owner)
    bulk_insert(rows)
    assert all(row.pk for row in rows)
    assert sorted(Report.objects.values_list("pk", flat=True)) == sorted(row.pk for row in rows)


def test_inserted_rows_read_back_as_they_were_given(cast, source_list) -> None:
    bulk_insert(reports(source_list, cast.owner, count=1))
    stored = Report.objects.get()
    assert stored.payload == {"id": "B0", "Кто": NAME}
    assert stored.received_on == datetime.date(2020, 1, 3) and stored.created_at is not None
    assert stored.facts == {"date": "2020-01-02"}


def test_inserted_rows_are_sealed(cast, source_list) -> None:
    bulk_insert(reports(source_list, cast.owner, count=1))
    with connection.cursor() as cursor:
        cursor.execute("SELECT payload, fields FROM records_report")
        payload, fields = cursor.fetchone()
    assert payload.startswith("dz1.") and fields.startswith("dz1.")
    assert NAME not in payload + fields


def test_inserted_rows_get_the_search_tokens_of_their_victims_names(cast, source_list) -> None:
    rows = reports(source_list, cast.owner, count=2)
    bulk_insert(rows)
    stored = set(ReportToken.objects.values_list("record_id", "token"))
    expected = keyring().search_tokens("records.Report.fields", NAME, prefixes=True)
    assert stored == {(row.pk, token) for row in rows for token in expected}


def test_nothing_to_insert_is_no_error() -> None:
    bulk_insert([])
