"""A search's summaries read in the list's order (records.search_order, PostgreSQL): the list's
pages hold exactly the first matches of the whole search, whoever asks, and an export of the
same search still holds every match; the summary tokens' dates follow their incidents'."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dozor.records import paging, selectors, views
from dozor.records.models import Incident, PersonInvolvement
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
@pytest.mark.parametrize("dense_rows", [selectors.TITLE_DENSE_ROWS, 1])
def test_a_title_searchs_pages_are_its_first_matches_read_first_or_row_by_row(
    searched: Cast, monkeypatch: pytest.MonkeyPatch, who: str, dense_rows: int
) -> None:
    """A word of the titles: its incidents read in the list's order (PostgreSQL), or, as for a
    word in many titles (TITLE_DENSE_ROWS lowered to 1), the list walked and each row tested by
    its own title words; the pages hold the same first matches either way."""
    monkeypatch.setattr(paging, "SEARCH_COUNT_LIMIT", 4)
    monkeypatch.setattr(selectors, "FEW_MATCHES", 0)
    monkeypatch.setattr(selectors, "TITLE_DENSE_ROWS", dense_rows)
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
    text = "происшествие листовки"
    for single in text.split():
        filters = selectors.IncidentFilters(text=single)
        walked = selectors.incident_list(user=searched.owner, filters=filters, first=5)
        assert "records_incident_title_word" in str(walked.query)
    filters = selectors.IncidentFilters(text=text)
    both = selectors.incident_list(user=searched.owner, filters=filters, first=5)
    assert "records_incident_title_word" not in str(both.query)
    assert not both.exists()


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
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT date_start FROM records_incidenttoken WHERE record_id = %s",
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
    """Migrations 0018 and 0019 write the token tables again with the new columns: the tokens
    of incidents and people stored before them are dated, and their keys and indexes kept."""
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
    user = UserFactory(organisation=organisation)
    found = selectors.incident_list(
        user=user, filters=selectors.IncidentFilters(text="напали"), first=10
    )
    assert list(found) == [incident]
