"""A search's summaries read in the list's order (records.search_order, PostgreSQL): the list's
pages hold exactly the first matches of the whole search, whoever asks, and an export of the
same search still holds every match; the summary tokens' dates follow their incidents'."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from dozor.records import paging, search_order, selectors, views
from dozor.records.models import Incident, PersonInvolvement
from dozor.records.title_search import title_match
from tests.conftest import Cast
from tests.factories import IncidentFactory, OrganisationFactory, PersonFactory, UserFactory
from tests.records.test_list_paging import NEXT, walk
from tests.records.test_views import form_data

pytestmark = pytest.mark.django_db

WORD = "напали"


@pytest.fixture
def searched(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> Cast:
    """Fifteen incidents holding the word, of two organisations and every confidentiality, on
    days that interleave them, and three that do not hold it; pages of three."""
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    owners = [cast.organisation, cast.other_organisation]
    levels = ["public", "restricted", "confidential"]
    for day in range(1, 16):
        IncidentFactory(
            organisation=owners[day % 2],
            confidentiality=levels[day % 3],
            date_start=datetime.date(2011, 2, day),
            title="Происшествие",
            summary=f"Ночью двое {WORD} на прохожего, день {day}.",
        )
    for day in range(20, 23):
        IncidentFactory(
            organisation=cast.organisation,
            confidentiality="public",
            date_start=datetime.date(2011, 2, day),
            title="Листовки",
            summary="На двери расклеили листовки.",
        )
    return cast


def matching(cast: Cast, who: str) -> list[str]:
    """What decrypting every incident the user may see finds, in the list's order."""
    user = getattr(cast, who)
    visible = selectors.incidents_visible(user).order_by(*selectors.SORTS["-date"])
    return [i.reference for i in visible if WORD in f"{i.title} {i.summary}".lower()]


@pytest.mark.parametrize("who", ["owner", "reader", "outsider"])
@pytest.mark.parametrize("few_matches", [selectors.FEW_MATCHES, 0])
def test_a_long_searchs_pages_are_its_first_matches_and_its_export_holds_every_one(
    searched: Cast, monkeypatch: pytest.MonkeyPatch, who: str, few_matches: int
) -> None:
    """The list reads only the search's first SEARCH_COUNT_LIMIT + 1 matches; the export reads
    them all (incident_list without ``first``)."""
    monkeypatch.setattr(paging, "SEARCH_COUNT_LIMIT", 4)
    monkeypatch.setattr(selectors, "FEW_MATCHES", few_matches)
    expected = matching(searched, who)
    assert len(expected) > 5
    client = searched.client(who)
    found, _ = walk(client, f"q={WORD}", NEXT)
    assert found == expected[:4]
    response = client.get("/exports/incidents/csv/", {"q": WORD})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[arg-type]
    rows = csv.DictReader(io.StringIO(body))
    assert sorted(row["reference"] for row in rows) == sorted(expected)


@pytest.mark.parametrize("who", ["owner", "reader", "outsider"])
def test_a_search_with_a_filter_lists_the_filtered_matches_in_order(
    searched: Cast, monkeypatch: pytest.MonkeyPatch, who: str
) -> None:
    monkeypatch.setattr(paging, "SEARCH_COUNT_LIMIT", 2)
    monkeypatch.setattr(selectors, "FEW_MATCHES", 0)
    after = datetime.date(2011, 2, 4)
    expected = [
        reference
        for reference in matching(searched, who)
        if Incident.objects.get(reference=reference).date_start >= after
    ]
    found, _ = walk(searched.client(who), f"q={WORD}&date_from={after.isoformat()}", NEXT)
    assert found == expected[:2]


@pytest.mark.parametrize("who", ["owner", "reader", "outsider"])
@pytest.mark.parametrize(
    ("narrowing", "hashed_rows"),
    [
        ("region", search_order.HASHED_LIST_ROWS),
        ("region and type", search_order.HASHED_LIST_ROWS),
        ("region and type", 0),
    ],
)
def test_a_search_narrowed_by_filters_lists_their_matches_in_order_undated_first(
    searched: Cast, monkeypatch: pytest.MonkeyPatch, who: str, narrowing: str, hashed_rows: int
) -> None:
    """Narrowed by a region alone, a summary word's tokens are merged with the list, both read
    in the list's order (PostgreSQL: an index holds a region's incidents in that order), the
    undated incidents first; narrowed by a region and a type, they are tested against the list
    read once into a hash (a list PostgreSQL expects small) or by each one's primary key
    (HASHED_LIST_ROWS lowered to 0). The pages hold the list's first matches whichever way (a
    name's, narrowed: the name search's test below)."""
    monkeypatch.setattr(paging, "SEARCH_COUNT_LIMIT", 5)
    monkeypatch.setattr(selectors, "FEW_MATCHES", 0)
    monkeypatch.setattr(search_order, "HASHED_LIST_ROWS", hashed_rows)
    owners = [searched.organisation, searched.other_organisation]
    for owner, level in zip(owners, ["confidential", "public"], strict=True):
        IncidentFactory(
            organisation=owner,
            confidentiality=level,
            date_start=None,
            date_precision="unknown",
            region="RU-MOW",
            incident_type="threat",
            title="Происшествие",
            summary=f"Когда-то двое {WORD} на прохожего.",
        )
    for incident in Incident.objects.filter(date_start__day__in=[2, 3, 5, 8, 13]):
        incident.region = "RU-MOW"
        incident.incident_type = "threat" if incident.date_start.day != 13 else "detention"
        incident.save(update_fields=["region", "incident_type"])
    query = f"q={WORD}&region=RU-MOW"
    if narrowing == "region and type":
        query += "&type=threat"
    kept = Incident.objects.filter(region="RU-MOW")
    if narrowing == "region and type":
        kept = kept.filter(incident_type="threat")
    kept_references = set(kept.values_list("reference", flat=True))
    expected = [reference for reference in matching(searched, who) if reference in kept_references]
    assert 0 < len(expected) < len(matching(searched, who))
    assert Incident.objects.get(reference=expected[0]).date_start is None
    found, _ = walk(searched.client(who), query, NEXT)
    assert found == expected[:5]


@pytest.mark.postgres
def test_postgresql_a_small_narrowed_list_is_hashed_once_and_a_large_one_looked_up(
    searched: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The summaries' read in the list's order tests each token against a hash of a narrowed
    list PostgreSQL expects small, and looks each incident up by its id in any other list."""
    monkeypatch.setattr(selectors, "FEW_MATCHES", 0)

    def token_read(**filters: str) -> str:
        user_filters = selectors.IncidentFilters(text=WORD, **filters)
        with CaptureQueriesContext(connection) as queries:
            list(selectors.incident_list(user=searched.owner, filters=user_filters, first=5))
        (read,) = [
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].startswith('SELECT ("records_incidenttoken"."date_start") AS "day"')
        ]
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {read}")
            return "\n".join(line for (line,) in cursor.fetchall())

    # The list's hash: a SubPlan beside the branch that is never true.
    hashed = re.compile(r"\(hashed SubPlan \d+\) OR \(\S*record_id < 0\)")
    assert hashed.search(token_read(country="RU"))
    monkeypatch.setattr(search_order, "HASHED_LIST_ROWS", 0)
    assert not hashed.search(token_read(country="RU"))
    monkeypatch.setattr(search_order, "HASHED_LIST_ROWS", 10**9)
    assert not hashed.search(token_read())


def plan_in_order(sql: str) -> str:
    """PostgreSQL's plan of a read under the settings it runs with (search_order.IN_ORDER_ONLY),
    the settings rolled back after it."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(search_order.IN_ORDER_ONLY)
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(line for (line,) in cursor.fetchall())
        transaction.set_rollback(True)
    return plan


@pytest.mark.postgres
def test_postgresql_two_words_are_walked_in_the_token_indexs_order_never_sorted(
    searched: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two words of the summaries: the leading word's tokens are walked in the index's order
    and the other word tested on each, in a read planned with no sort and no hash join
    (search_order.IN_ORDER_ONLY): PostgreSQL plans the walk, a subquery it cannot flatten, for
    all its rows, and for a common word at a million incidents chose to hash and sort them all
    (550 ms). The list's first ids are the query's own."""
    monkeypatch.setattr(selectors, "FEW_MATCHES", 0)
    filters = selectors.IncidentFilters(text=f"{WORD} прохожего")
    with CaptureQueriesContext(connection) as queries:
        found = selectors.incident_list_read(user=searched.owner, filters=filters, first=5)
    assert found.first_ids == [i.pk for i in found.incidents][:5]
    assert len(found.first_ids) == 5
    sql = [q["sql"] for q in queries.captured_queries]
    (at,) = [n for n, query in enumerate(sql) if 'AS "walked"' in query]
    assert sql[at - 1] == search_order.IN_ORDER_ONLY
    plan = plan_in_order(sql[at])
    assert "Sort" not in plan and "Hash Join" not in plan, plan


@pytest.mark.postgres
def test_postgresql_a_list_narrowed_by_an_indexed_filter_is_merged_with_the_tokens_unsorted(
    searched: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Narrowed by one filter an index holds in the list's order (a region, a type, a status,
    defenders targeted), the summaries' tokens are joined to the list with neither sorted: the
    undated incidents' tokens, then the dated ones', each read planned with no sort and no hash
    join (search_order.IN_ORDER_ONLY), and the settings gone after it."""
    monkeypatch.setattr(selectors, "FEW_MATCHES", 0)
    for narrowing in ({"region": "RU-SPE"}, {"incident_type": "physical_assault"}):
        user_filters = selectors.IncidentFilters(text=WORD, **narrowing)
        with CaptureQueriesContext(connection) as queries:
            found = selectors.incident_list_read(user=searched.owner, filters=user_filters, first=5)
        assert found.first_ids == [i.pk for i in found.incidents][:5]
        merged = [q["sql"] for q in queries.captured_queries if 'AS "tokens"' in q["sql"]]
        assert len(merged) == 2, merged
        assert "IS NULL" in merged[0] and "IS NOT NULL" in merged[1]
        for read in merged:
            plan = plan_in_order(read)
            assert "Sort" not in plan and "Hash Join" not in plan, plan
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_sort")
            assert cursor.fetchone() == ("on",)
    dated = selectors.IncidentFilters(
        text=WORD, region="RU-SPE", date_from=datetime.date(2011, 1, 1)
    )
    with CaptureQueriesContext(connection) as queries:
        selectors.incident_list_read(user=searched.owner, filters=dated, first=5)
    merged = [q["sql"] for q in queries.captured_queries if 'AS "tokens"' in q["sql"]]
    assert len(merged) == 1 and "IS NOT NULL" in merged[0]


@pytest.mark.postgres
def test_postgresql_a_documenters_narrowed_name_search_estimates_their_incidents_once(
    searched: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name searched by a documenter, in a list narrowed by a region, is read from the names
    and from the summaries of their own incidents: PostgreSQL's estimate of how many incidents
    that is (search_order.ListRead.small) is asked once for both, and both are read."""
    monkeypatch.setattr(selectors, "FEW_MATCHES", 0)
    for day in (3, 5):
        incident = IncidentFactory(
            organisation=searched.organisation,
            region="RU-SPE",
            date_start=datetime.date(2011, 3, day),
            summary=f"Султонова избили у подъезда, день {day}.",
        )
        PersonFactory(incident=incident, name="Мадина Султонова")
    filters = selectors.IncidentFilters(text="Султонова", region="RU-SPE")
    with CaptureQueriesContext(connection) as queries:
        found = list(selectors.incident_list(user=searched.owner, filters=filters, first=5))
    assert len(found) == 2
    sql = [query["sql"] for query in queries.captured_queries]
    estimates = [query for query in sql if query.startswith("EXPLAIN")]
    assert len(estimates) == len(set(estimates)) >= 1
    assert any(query.startswith('SELECT DISTINCT ("records_persontoken"') for query in sql)
    assert any('AS "tokens"' in query for query in sql)


@pytest.mark.parametrize("who", ["owner", "reader", "outsider"])
@pytest.mark.parametrize("read", ["merged", "merged, few tested", "sorted", "walked"])
def test_a_title_searchs_pages_are_its_first_matches_read_first_or_row_by_row(
    searched: Cast, monkeypatch: pytest.MonkeyPatch, who: str, read: str
) -> None:
    """A word of the titles: its incidents read in the list's order (PostgreSQL) from its
    lexemes' ranges merged, or, where the merged read gives up (too many lexemes, or too few of
    its first incidents in the list), from its rows sorted, or, as for a word in many titles
    (TITLE_DENSE_ROWS lowered to 1), the list walked and each row tested by its own title
    words; the pages hold the same first matches every way."""
    monkeypatch.setattr(paging, "SEARCH_COUNT_LIMIT", 4)
    monkeypatch.setattr(selectors, "FEW_MATCHES", 0)
    if read == "merged, few tested":
        monkeypatch.setattr(search_order, "MERGED_TESTED_PER_INCIDENT", 1)
    if read in ("sorted", "walked"):
        monkeypatch.setattr(search_order, "MERGED_LEXEMES", 0)
    if read == "walked":
        monkeypatch.setattr(selectors, "TITLE_DENSE_ROWS", 1)
    user = getattr(searched, who)
    visible = selectors.incidents_visible(user).order_by(*selectors.SORTS["-date"])
    expected = [i.reference for i in visible if i.title == "Происшествие"]
    assert len(expected) > 5
    found, _ = walk(searched.client(who), "q=происшеств", NEXT)
    assert found == expected[:4]


@pytest.mark.postgres
def test_postgresql_a_word_in_many_titles_is_looked_up_row_by_row_never_hashed(
    searched: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Walked, a dense title word is looked up by each row's id in the word table's index: its
    rows grouped by incident, which PostgreSQL cannot hash. Ungrouped, it hashed the subquery
    and read the whole word table for it (100 ms at 100,000 incidents, where the lookups took
    19). Without indexes to look up by, hashing is what it would choose here, if it could."""
    monkeypatch.setattr(selectors, "FEW_MATCHES", 0)
    monkeypatch.setattr(selectors, "TITLE_DENSE_ROWS", 1)
    monkeypatch.setattr(search_order, "MERGED_LEXEMES", 0)
    with connection.cursor() as cursor:
        for scan in ("indexscan", "indexonlyscan", "bitmapscan"):
            cursor.execute(f"SET LOCAL enable_{scan} = off")
    filters = selectors.IncidentFilters(text="происшеств")
    plan = selectors.incident_list(user=searched.owner, filters=filters, first=5).explain()
    assert "records_incident_title_word" in plan
    assert "SubPlan" in plan and "hashed SubPlan" not in plan


@pytest.mark.postgres
def test_postgresql_two_title_words_few_together_are_read_first_not_walked(
    searched: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each word in many titles (FEW_MATCHES lowered to 2, TITLE_DENSE_ROWS to 1), both in none:
    the list is not walked for them, testing each row, but their incidents read first (none)."""
    monkeypatch.setattr(selectors, "FEW_MATCHES", 2)
    monkeypatch.setattr(selectors, "TITLE_DENSE_ROWS", 1)
    monkeypatch.setattr(search_order, "MERGED_LEXEMES", 0)
    text = "происшествие листовки"
    for single in text.split():
        filters = selectors.IncidentFilters(text=single)
        walked = selectors.incident_list(user=searched.owner, filters=filters, first=5)
        assert "records_incident_title_word" in str(walked.query)
    filters = selectors.IncidentFilters(text=text)
    both = selectors.incident_list(user=searched.owner, filters=filters, first=5)
    assert "records_incident_title_word" not in str(both.query)
    assert not both.exists()


@pytest.mark.parametrize("who", ["owner", "reader", "outsider"])
def test_a_title_word_pages_through_undated_and_filtered_incidents_in_the_lists_order(
    searched: Cast, monkeypatch: pytest.MonkeyPatch, who: str
) -> None:
    """Read from the word table's own dates (PostgreSQL, migration 0021), a title word's
    incidents come in the list's order, an undated one where the list puts it (first, on every
    database), and within the filter's dates."""
    monkeypatch.setattr(selectors, "FEW_MATCHES", 0)
    IncidentFactory(
        organisation=searched.organisation,
        confidentiality="public",
        date_start=None,
        date_precision="unknown",
        title="Происшествие без даты",
    )
    user = getattr(searched, who)
    visible = selectors.incidents_visible(user).order_by(*selectors.SORTS["-date"])
    titled = [i for i in visible if i.title.startswith("Происшествие")]
    assert None in [i.date_start for i in titled]
    found, _ = walk(searched.client(who), "q=происшеств", NEXT)
    assert found == [i.reference for i in titled]
    after = datetime.date(2011, 2, 4)
    dated = [i.reference for i in titled if i.date_start and i.date_start >= after]
    found, _ = walk(searched.client(who), f"q=происшеств&date_from={after.isoformat()}", NEXT)
    assert found == dated
    # Narrowed by a region, the list is read by the database's plan, in the same order.
    in_region = [i.reference for i in titled if i.region == "RU-SPE"]
    assert in_region == [i.reference for i in titled]
    found, _ = walk(searched.client(who), "q=происшеств&region=RU-SPE", NEXT)
    assert found == in_region


@pytest.mark.postgres
def test_postgresql_a_title_words_incidents_are_sorted_before_the_list_tests_them(
    searched: Cast,
) -> None:
    """The word's rows are sorted by their own dates, and only then is each incident tested
    against the list (a SubPlan above the Sort), so a page tests a page's worth: tested first,
    every one of a common word's incidents was looked up before the sort."""
    filters = selectors.IncidentFilters(region="RU-MOW")
    within = selectors.incident_list(user=searched.owner, filters=filters)
    rows = title_match("происшеств").rows
    assert rows is not None
    sql, params = search_order.titles_first_sql(rows, search_order.ListRead(within, 5))
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = [line for (line,) in cursor.fetchall()]
    tested = next(n for n, line in enumerate(plan) if "Filter: ((SubPlan" in line)
    sorted_at = next(n for n, line in enumerate(plan) if "Sort" in line)
    assert tested < sorted_at, "\n".join(plan)


@pytest.mark.postgres
def test_postgresql_a_title_words_lexemes_are_merged_in_the_lists_order_never_sorted(
    searched: Cast,
) -> None:
    """A title word's lexemes ("происшествие", and the stem "происшеств" of every such title)
    are found by stepping through the word table's index, and their ranges of the list-order
    index merged as they are read, never sorted: the page's cost is the page's, however many
    titles hold the word. More lexemes than MERGED_LEXEMES, and the merged read gives up."""
    IncidentFactory(organisation=searched.organisation, title="Происшествия у метро")
    lexemes = search_order.title_word_lexemes(("происшеств",), "default")
    assert lexemes == ["происшеств", "происшествие", "происшествия"]
    assert search_order.title_word_lexemes(("происшествие",), "default") == ["происшествие"]
    assert search_order.title_word_lexemes(("происшествиеъ",), "default") == []
    within = selectors.incident_list(user=searched.owner, filters=selectors.IncidentFilters())
    listed = search_order.ListRead(within, 5)
    with connection.cursor() as cursor:
        # On a few rows the planner may read the table and sort: without those ways, a read
        # the index cannot give in order would still show a Sort.
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off")
    with CaptureQueriesContext(connection) as queries:
        found = search_order.titles_merged(("происшеств",), listed)
    visible = within.order_by(*selectors.SORTS["-date"])
    assert found is not None
    assert [pk for _, pk in found] == [i.pk for i in visible if i.title.startswith("Происшеств")][
        :5
    ]
    (page,) = [q["sql"] for q in queries.captured_queries if 'AS "words"' in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {page}")
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "Merge Append" in plan and "Sort  (" not in plan, plan
    assert plan.count("incident_title_word_list_idx") == 3, plan


def title_word_dates(incident: Incident) -> set[datetime.date | None]:
    return dates_in("records_incident_title_word", "incident_id", incident)


@pytest.mark.postgres
def test_postgresql_title_words_take_their_incidents_date_and_follow_its_change(
    cast: Cast,
) -> None:
    """Triggers (migrations 0014 and 0021): a title's words take the incident's date when
    written, and a change of the date, by the edit form or by update(), is copied to them."""
    client = cast.client("owner")
    assert client.post("/incidents/new/", form_data()).status_code == 302
    incident = Incident.objects.latest("pk")
    assert title_word_dates(incident) == {datetime.date(2009, 1, 19)}
    edited = form_data(date_start="2012-05-06")
    response = client.post(f"/incidents/{incident.reference}/edit/", edited)
    assert response.status_code == 302
    assert title_word_dates(incident) == {datetime.date(2012, 5, 6)}
    Incident.objects.filter(pk=incident.pk).update(date_start=None, date_precision="unknown")
    assert title_word_dates(incident) == {None}


@pytest.mark.parametrize(
    ("incidents", "rows"),
    [(-1, 60_000), (0, 60_000), (1_000_000, 60_000), (100_000, 18_974), (4, 120), (1e-9, 1)],
)
def test_a_title_word_is_dense_at_rows_growing_with_the_square_root_of_the_incidents(
    incidents: float, rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "TITLE_DENSE_ROWS", 60_000)
    assert selectors.dense_rows_for(incidents) == rows


@pytest.mark.postgres
def test_postgresql_the_dense_title_rows_follow_the_incidents_the_table_was_analysed_with(
    searched: Cast,
) -> None:
    """The count ANALYZE leaves outlives the test's rollback: the tests after it scale the
    threshold to a few incidents, and every threshold finds the same pages (the test above)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE records_incident")
    analysed = Incident.objects.count()
    assert analysed > 15
    assert selectors.title_dense_rows("default") == selectors.dense_rows_for(analysed) < 300


def token_dates(incident: Incident) -> set[datetime.date | None]:
    return dates_in("records_incidenttoken", "record_id", incident)


def dates_in(table: str, column: str, incident: Incident) -> set[datetime.date | None]:
    """The dates the database wrote in ``table``'s rows of the incident (a column of no model)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT date_start FROM {table} WHERE {column} = %s",  # noqa: S608 - the tests' own names
            [incident.pk],
        )
        return {date for (date,) in cursor.fetchall()}


@pytest.mark.postgres
def test_postgresql_summary_tokens_take_their_incidents_date_and_follow_its_change(
    cast: Cast,
) -> None:
    """Triggers (migration 0018): a token takes its incident's date when written, and a change
    of the date, by the edit form or by update(), is copied to the incident's tokens."""
    client = cast.client("owner")
    assert client.post("/incidents/new/", form_data()).status_code == 302
    incident = Incident.objects.latest("pk")
    assert token_dates(incident) == {datetime.date(2009, 1, 19)}
    edited = form_data(date_start="2012-05-06", summary="Трое напали на студента.")
    response = client.post(f"/incidents/{incident.reference}/edit/", edited)
    assert response.status_code == 302
    assert token_dates(incident) == {datetime.date(2012, 5, 6)}
    Incident.objects.filter(pk=incident.pk).update(date_start=datetime.date(2013, 7, 8))
    assert token_dates(incident) == {datetime.date(2013, 7, 8)}


@pytest.mark.postgres
def test_postgresql_reads_a_words_summaries_from_the_list_order_index(cast: Cast) -> None:
    IncidentFactory(organisation=cast.organisation, summary=f"Двое {WORD} у метро.")
    with connection.cursor() as cursor:
        # On a few rows the planner may read any index and sort: without those ways, a query
        # the list's order index cannot answer in order would still show a Sort.
        cursor.execute("ANALYZE records_incidenttoken")
        cursor.execute(
            "SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_sort = off"
        )
        try:
            cursor.execute(
                "EXPLAIN SELECT record_id FROM records_incidenttoken WHERE field = 'summary' "
                "AND token = 'x' ORDER BY date_start DESC, record_id DESC LIMIT 10"
            )
            plan = "\n".join(line for (line,) in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan; RESET enable_bitmapscan; RESET enable_sort")
    assert "incident_token_list_idx" in plan and "Sort" not in plan, plan


@pytest.fixture
def named(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> Cast:
    """Seven incidents of the cast's organisation whose victims are Султонов or Султонова, two
    of them with both, and one of another organisation's, public; pages of three."""
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    for day in range(1, 8):
        incident = IncidentFactory(
            organisation=cast.organisation,
            date_start=datetime.date(2014, 3, day),
            summary="Избиение у рынка.",
        )
        PersonFactory(incident=incident, name="Далер Султонов" if day % 2 else "Мадина Султонова")
        if day in (3, 4):
            PersonFactory(incident=incident, name="Мадина Султонова", pseudonym="Victim B")
    other = IncidentFactory(
        organisation=cast.other_organisation,
        confidentiality="public",
        date_start=datetime.date(2014, 3, 9),
        summary="Избиение у дома.",
    )
    PersonFactory(incident=other, name="Далер Султонов")
    return cast


def named_matching(cast: Cast, prefix: str) -> list[str]:
    """The owner's incidents (whose names the owner sees) with a person so named, newest first."""
    visible = selectors.incidents_visible(cast.owner).order_by(*selectors.SORTS["-date"])
    return [
        incident.reference
        for incident in visible.filter(organisation=cast.organisation)
        if any(
            word.lower().startswith(prefix)
            for person in incident.people.all()
            for word in person.name.split()
        )
    ]


@pytest.mark.parametrize("few_matches", [selectors.FEW_MATCHES, 0])
def test_a_name_search_pages_through_each_incident_once_in_the_lists_order(
    named: Cast, monkeypatch: pytest.MonkeyPatch, few_matches: int
) -> None:
    monkeypatch.setattr(selectors, "FEW_MATCHES", few_matches)
    expected = named_matching(named, "султон")
    assert len(expected) == 7
    found, _ = walk(named.client("owner"), "q=Султон", NEXT)
    assert found == expected
    monkeypatch.setattr(paging, "SEARCH_COUNT_LIMIT", 4)
    found, _ = walk(named.client("owner"), "q=Султон", NEXT)
    assert found == expected[:4]
    # Narrowed by a region (all of them are in it): the list hashed once on PostgreSQL.
    found, _ = walk(named.client("owner"), "q=Султон&region=RU-SPE", NEXT)
    assert found == expected[:4]


def name_token_rows(person: PersonInvolvement) -> set[tuple[int, datetime.date]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT incident_id, date_start FROM records_persontoken WHERE record_id = %s",
            [person.pk],
        )
        return set(cursor.fetchall())


@pytest.mark.postgres
def test_postgresql_name_tokens_follow_their_persons_incident_and_its_date(cast: Cast) -> None:
    """Triggers (migration 0019): a name token takes its person's incident and that incident's
    date; a change of the date, or a person moved to another incident, is copied to them."""
    first = IncidentFactory(organisation=cast.organisation, date_start=datetime.date(2015, 1, 2))
    second = IncidentFactory(organisation=cast.organisation, date_start=datetime.date(2016, 3, 4))
    person = PersonFactory(incident=first, name="Далер Султонов")
    assert name_token_rows(person) == {(first.pk, datetime.date(2015, 1, 2))}
    Incident.objects.filter(pk=first.pk).update(date_start=datetime.date(2015, 6, 7))
    assert name_token_rows(person) == {(first.pk, datetime.date(2015, 6, 7))}
    PersonInvolvement.objects.filter(pk=person.pk).update(incident=second)
    assert name_token_rows(person) == {(second.pk, datetime.date(2016, 3, 4))}
    person.refresh_from_db()
    person.name = "Фарход Каримзода"
    person.save()  # the name's tokens are written again, with the incident's
    assert name_token_rows(person) == {(second.pk, datetime.date(2016, 3, 4))}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_migrations_date_the_tokens_already_there() -> None:
    """Migrations 0018, 0019 and 0021 write the token tables and the titles' word table again
    with the new columns: the tokens of incidents and people and the title words stored before
    them are dated, and their keys and indexes kept."""
    executor = MigrationExecutor(connection)
    executor.migrate([("records", "0017_local_term_broader")])
    organisation = OrganisationFactory()
    incident = IncidentFactory(
        organisation=organisation, date_start=datetime.date(2010, 5, 6), summary="Двое напали."
    )
    person = PersonFactory(incident=incident, name="Далер Султонов")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # every app's, as the tests after expect
    assert token_dates(incident) == {datetime.date(2010, 5, 6)}
    assert title_word_dates(incident) == {datetime.date(2010, 5, 6)}
    assert name_token_rows(person) == {(incident.pk, datetime.date(2010, 5, 6))}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'records_incidenttoken'::regclass"
        )
        kinds = {name for (name,) in cursor.fetchall()}
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'records_incidenttoken'")
        indexes = {name for (name,) in cursor.fetchall()}
    assert "records_incidenttoken_pkey" in kinds and any("_fk_" in name for name in kinds)
    assert {"incident_token_record_idx", "incident_token_list_idx"} <= indexes
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'records_incident_title_word'"
        )
        word_indexes = {name for (name,) in cursor.fetchall()}
    assert word_indexes == {
        "records_incident_title_word_pkey",
        "records_incident_title_word_incident",
        "incident_title_word_list_idx",
    }
    user = UserFactory(organisation=organisation)
    found = selectors.incident_list(
        user=user, filters=selectors.IncidentFilters(text="напали"), first=10
    )
    assert list(found) == [incident]
