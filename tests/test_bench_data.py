"""The benchmarks' bulk loader (bench/synthetic_incidents.py) writes what the services would:
every sealed summary and name opens, their search tokens are exactly those `dozor keys reindex
--check` expects, and on PostgreSQL the indexes and constraints it drops for the load are made
again as the migrations made them."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection

from dozor.records.models import Incident, IncidentToken, PersonInvolvement, PersonToken
from tests.bench_modules import bench_module

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def synthetic() -> object:
    with bench_module("synthetic_incidents") as module:
        yield module


def test_the_bulk_loaders_search_tokens_are_what_keys_reindex_check_expects(
    synthetic: object,
) -> None:
    synthetic.load(60, named_victims=True)  # type: ignore[attr-defined]
    people = PersonInvolvement.objects.count()
    assert Incident.objects.count() == 60 and people > 20
    assert IncidentToken.objects.exists() and PersonToken.objects.exists()
    out = io.StringIO()
    call_command("keys", "reindex", "--check", stdout=out)  # CommandError on any problem
    assert f"of {60 + people:,} sealed values: 0 records need" in out.getvalue()


def schema() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            "UNION ALL SELECT conname, pg_get_constraintdef(oid) || ' ' || convalidated::text "
            "FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2"
        )
        return cursor.fetchall()


def test_the_bulk_load_makes_the_dropped_indexes_and_constraints_again(synthetic: object) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("indexes are dropped for the load on PostgreSQL only")
    before = schema()
    synthetic.load(20, named_victims=True)  # type: ignore[attr-defined]
    assert schema() == before


def test_the_bulk_load_writes_the_tokens_dates_the_triggers_would(synthetic: object) -> None:
    """The loader writes each token's incident date (and a name's incident) itself, with the
    triggers of migrations 0018 and 0019 off for the load: the values are theirs, and the
    triggers are on again after."""
    if connection.vendor != "postgresql":
        pytest.skip("the tokens carry their dates on PostgreSQL only")
    synthetic.load(20, named_victims=True)  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM records_incidenttoken t JOIN records_incident i "
            "ON i.id = t.record_id WHERE t.date_start IS DISTINCT FROM i.date_start"
        )
        assert cursor.fetchone() == (0,)
        cursor.execute(
            "SELECT count(*) FROM records_persontoken t JOIN records_personinvolvement p "
            "ON p.id = t.record_id JOIN records_incident i ON i.id = p.incident_id "
            "WHERE t.incident_id IS DISTINCT FROM p.incident_id "
            "OR t.date_start IS DISTINCT FROM i.date_start"
        )
        assert cursor.fetchone() == (0,)
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname = ANY(%s) AND tgenabled = 'O'",
            [list(synthetic.FILL_TRIGGERS.values())],  # type: ignore[attr-defined]
        )
        assert cursor.fetchone() == (2,)
