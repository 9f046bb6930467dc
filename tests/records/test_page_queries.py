"""The incident pages run a fixed number of queries, however many incidents, biases and people
they show: no query per row (a page of 50 would otherwise cost 50 round trips)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from dozor.records import selectors
from tests.conftest import Cast
from tests.factories import IncidentBiasFactory, IncidentFactory, PersonFactory

pytestmark = pytest.mark.django_db

# The session; the user with their organisation (for the menu) and whether they have an
# authenticator (accounts.backends.UserBackend); the count, the page, the page's biases; the
# organisation's custom fields (for the filters).
LIST_QUERIES = 6
# The list's (where the count is one read of the search's first ids, and the page its rows by
# those ids: paging.CappedPaginator's ids_first), and the search's parts read first (the titles,
# the user's own people by name, the user's own evidence by its text, the summaries): however
# many match, each is one query, stopped after selectors.FEW_MATCHES + 1 ids (on PostgreSQL a
# part of one word of summaries or names is read in the list's order at once instead); on
# PostgreSQL one more, the query words' lexemes (title_search.word_lexemes).
SEARCH_QUERIES = LIST_QUERIES + 4 + (connection.vendor == "postgresql")
# On PostgreSQL a part of summaries or of names with more than FEW_MATCHES is read again in the
# list's order (records.search_order): a query more for each, however many match; a titles' part
# with more is read in the list's order, after the number of incidents
# (selectors.title_dense_rows) and its rows counted to the threshold it gives: three more.
ORDERED_READS = 3 if connection.vendor == "postgresql" else 0
# The session, the user with their organisation and authenticator; the incident with its
# biases, people and reports; its disagreements, responses, raisings, evidence and ODIHR mark;
# the audit entry of the names shown (the chain head locked, the entry written, the head moved);
# the organisation's custom fields of incidents and of people (none here, so no values are read).
DETAIL_QUERIES = 18


def incidents(cast: Cast, number: int) -> None:
    for _ in range(number):
        incident = IncidentFactory(organisation=cast.organisation)
        IncidentBiasFactory(incident=incident, motivation="racist_xenophobic")
        IncidentBiasFactory(incident=incident, motivation="anti_muslim")
        PersonFactory(incident=incident)


def queries(client: Client, path: str, assert_queries: Callable[..., Any]) -> int:
    client.get(path)  # the session's first renewal is written once, not on every page
    with assert_queries(1000) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "path",
    ["/incidents/", "/incidents/?region=RU-SPE&bias=anti_muslim", "/incidents/?sort=-killed"],
)
def test_the_list_runs_the_same_queries_for_3_incidents_as_for_40(
    cast: Cast, django_assert_max_num_queries: Callable[..., Any], path: str
) -> None:
    client = cast.client("owner")
    incidents(cast, 3)
    few = queries(client, path, django_assert_max_num_queries)
    incidents(cast, 37)
    assert queries(client, path, django_assert_max_num_queries) == few <= LIST_QUERIES


@pytest.mark.parametrize("text", ["напали", "Каримзода", "Карим"])
def test_a_search_runs_the_same_queries_for_12_matches_as_for_24(
    cast: Cast,
    django_assert_max_num_queries: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
    text: str,
) -> None:
    """With 12 matches and FEW_MATCHES lowered to 8, the parts are left to the database, or
    read in the list's order; with 24, the same queries as with 12. (With 3, each part is
    few: a title's word is up to two rows of the word table, the word and its stem.)"""
    monkeypatch.setattr(selectors, "FEW_MATCHES", 8)
    client = cast.client("owner")
    path = f"/incidents/?q={text}"
    incidents(cast, 3)
    few = queries(client, path, django_assert_max_num_queries)
    incidents(cast, 9)
    many = queries(client, path, django_assert_max_num_queries)
    incidents(cast, 12)
    assert queries(client, path, django_assert_max_num_queries) == many
    assert few <= SEARCH_QUERIES and few <= many <= few + ORDERED_READS


def test_an_incident_page_runs_the_same_queries_for_1_person_as_for_12(
    cast: Cast, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    client = cast.client("owner")
    incident = cast.incident
    PersonFactory(incident=incident)
    path = reverse("records:incident_detail", args=[incident.reference])
    one = queries(client, path, django_assert_max_num_queries)
    for _ in range(11):
        PersonFactory(incident=incident)
    IncidentBiasFactory(incident=incident, motivation="anti_muslim")
    assert queries(client, path, django_assert_max_num_queries) == one <= DETAIL_QUERIES
