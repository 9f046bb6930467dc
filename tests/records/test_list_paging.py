"""The incident list counts and pages long lists without counting every row (records.paging):
an exact count and every page for a short list; for a long one a labelled estimate and pages
that end with a message. The limit is lowered here so that a few incidents make a long list."""

from __future__ import annotations

import datetime
import re
import time

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dozor.records import paging, selectors, views
from dozor.records.models import Incident
from tests.conftest import Cast
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

URL = reverse("records:incident_list")
REFERENCE = re.compile(r'href="/incidents/(RU-[0-9-]+)/"')
NEXT = re.compile(r'<a href="\?([^"]*)">Next</a>')
PREVIOUS = re.compile(r'<a href="\?([^"]*)">Previous</a>')


@pytest.fixture
def listed(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> Cast:
    """Seven incidents of the cast's organisation besides its own, on seven days, two pages of
    three; the incident of the cast is the oldest (2008-12-04)."""
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    for day in range(1, 8):
        IncidentFactory(
            organisation=cast.organisation,
            date_start=datetime.date(2010, 1, day),
            region="RU-MOW" if day % 2 else "RU-SPE",
        )
    return cast


def references(page: str) -> list[str]:
    return REFERENCE.findall(page)


def walk(client: Client, query: str, link: re.Pattern[str]) -> tuple[list[str], str]:
    """Follow the Next (or Previous) links from a page; the references in order, the last page."""
    seen: list[str] = []
    while True:
        page = client.get(f"{URL}?{query}".replace("&amp;", "&")).content.decode()
        seen += references(page)
        found = link.search(page)
        if not found:
            return seen, page
        query = found.group(1)


def test_a_short_list_shows_its_exact_count(listed: Cast) -> None:
    page = listed.client("reader").get(URL).content.decode()
    assert '<p class="count">8 incidents</p>' in page
    assert "count estimate" not in page


def test_a_long_list_is_labelled_as_not_counted_exactly(
    listed: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paging, "EXACT_COUNT_LIMIT", 4)
    page = listed.client("reader").get(URL).content.decode()
    more = str(views.MSG_COUNT_MORE_THAN % {"limit": intcomma(4)})
    estimate = re.escape(str(views.MSG_COUNT_ESTIMATE)).replace(re.escape("%(total)s"), r"[0-9,]+")
    assert more in page or re.search(estimate, page)
    assert "8 incidents" not in page


def test_a_long_search_is_never_given_the_databases_estimate(
    listed: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The planner's estimate reads statistics over every organisation's search tokens, names
    included: a search's length says "more than", never "about"."""
    monkeypatch.setattr(paging, "EXACT_COUNT_LIMIT", 4)
    monkeypatch.setattr(paging, "SEARCH_COUNT_LIMIT", 4)
    monkeypatch.setattr(paging, "planner_estimate", lambda queryset: 450_000)
    client = listed.client("reader")
    searched = client.get(URL, {"q": "Нападение"}).content.decode()
    assert str(views.MSG_COUNT_MORE_THAN % {"limit": intcomma(4)}) in searched
    assert "About" not in searched
    unfiltered = client.get(URL).content.decode()
    assert str(views.MSG_COUNT_ESTIMATE % {"total": intcomma(450_000)}) in unfiltered


def counted(client: Client, query: str = "") -> list[str]:
    """The queries of the list's page that count it or ask for its estimate."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"{URL}?{query}").status_code == 200
    return [q["sql"] for q in captured if "COUNT(" in q["sql"] or q["sql"].startswith("EXPLAIN")]


def test_a_long_list_is_not_counted_again_for_a_minute_nor_its_estimate_asked(
    listed: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paging, "EXACT_COUNT_LIMIT", 4)
    client = listed.client("reader")
    first = client.get(URL).content.decode()
    assert counted(client) == []
    assert counted(client, "page=2") == []
    label = re.search(r'<p class="count estimate">[^<]*</p>', first)
    assert label is not None and label.group(0) in client.get(URL).content.decode()
    later = time.monotonic() + paging.LONG_LIST_SECONDS + 1
    monkeypatch.setattr(paging.time, "monotonic", lambda: later)
    assert len(counted(client)) >= 1


def test_a_list_remembered_as_long_for_one_user_is_counted_for_one_who_sees_other_incidents(
    listed: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paging, "EXACT_COUNT_LIMIT", 4)
    reader = listed.client("reader")
    reader.get(URL)
    assert counted(reader) == []
    assert len(counted(listed.client("outsider"))) >= 1


def test_a_short_list_is_counted_on_every_page(listed: Cast) -> None:
    client = listed.client("reader")
    client.get(URL)
    assert len(counted(client)) == 1
    IncidentFactory(organisation=listed.organisation)
    assert "9 incidents" in client.get(URL).content.decode()


def test_pages_go_forward_and_back_through_every_incident_in_order(listed: Cast) -> None:
    client = listed.client("reader")
    forward, last = walk(client, "", NEXT)
    assert len(forward) == 8 and len(set(forward)) == 8
    backward_pages: list[list[str]] = []
    query = PREVIOUS.search(last)
    while query:
        page = client.get(f"{URL}?{query.group(1)}".replace("&amp;", "&")).content.decode()
        backward_pages.insert(0, references(page))
        query = PREVIOUS.search(page)
    assert [ref for page in backward_pages for ref in page] == forward[: len(forward) - 2]
    assert forward[-1] == listed.incident.reference  # the oldest last


def test_the_pages_of_a_long_list_end_with_a_message(
    listed: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paging, "EXACT_COUNT_LIMIT", 4)
    seen, last = walk(listed.client("reader"), "", NEXT)
    assert len(seen) == 4
    assert str(views.MSG_PAGES_END % {"pages": 2, "rows": 4}) in last


def test_a_page_past_the_end_of_a_long_list_says_so(
    listed: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paging, "EXACT_COUNT_LIMIT", 4)
    page = listed.client("reader").get(URL, {"page": "9"}).content.decode()
    assert str(views.MSG_PAGES_END_ASKED % {"pages": 2, "rows": 4}) in page
    assert len(references(page)) == 1  # the last page: the fourth incident


def test_filters_keep_working_across_pages(listed: Cast) -> None:
    seen, last = walk(listed.client("reader"), "region=RU-MOW", NEXT)
    moscow = {i.reference for i in listed.incident.organisation.incidents.filter(region="RU-MOW")}
    assert set(seen) == moscow and len(seen) == 4
    assert "4 incidents" in last


def test_a_sort_pages_through_the_same_incidents(listed: Cast) -> None:
    newest_first, _ = walk(listed.client("reader"), "", NEXT)
    oldest_first, _ = walk(listed.client("reader"), "sort=date", NEXT)
    assert oldest_first == list(reversed(newest_first))


@pytest.mark.parametrize("few_matches", [selectors.FEW_MATCHES, 0])
@pytest.mark.parametrize("text", ["напали", "нападение"])
def test_a_searchs_pages_hold_its_matches_in_the_lists_order(
    listed: Cast, monkeypatch: pytest.MonkeyPatch, text: str, few_matches: int
) -> None:
    """A search's count and pages come from one read of its ids (paging.CappedPaginator's
    ids_first), whether its parts were read first (few matches) or left to the database."""
    monkeypatch.setattr(selectors, "FEW_MATCHES", few_matches)
    client = listed.client("reader")
    everything, _ = walk(client, "", NEXT)
    user = listed.reader
    matching = {
        incident.reference
        for incident in selectors.incidents_visible(user)
        if text in f"{incident.title} {incident.summary}".lower()
    }
    found, last = walk(client, f"q={text}", NEXT)
    assert len(matching) >= 7
    assert found == [reference for reference in everything if reference in matching]
    assert f"{len(matching)} incidents" in last


def test_the_pages_of_a_long_search_end_with_a_message(
    listed: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paging, "SEARCH_COUNT_LIMIT", 4)
    everything, _ = walk(listed.client("reader"), "", NEXT)
    found, last = walk(listed.client("reader"), "q=напали", NEXT)
    assert found == everything[:4]
    assert str(views.MSG_PAGES_END % {"pages": 2, "rows": 4}) in last
    assert str(views.MSG_COUNT_MORE_THAN % {"limit": intcomma(4)}) in last


def test_a_search_is_counted_less_far_than_the_list(
    listed: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A search stops at SEARCH_COUNT_LIMIT (a thousand), the list at EXACT_COUNT_LIMIT."""
    monkeypatch.setattr(paging, "EXACT_COUNT_LIMIT", 6)
    monkeypatch.setattr(paging, "SEARCH_COUNT_LIMIT", 4)
    everything, _ = walk(listed.client("reader"), "", NEXT)
    assert len(everything) == 6
    found, last = walk(listed.client("reader"), "q=напали", NEXT)
    assert found == everything[:4]
    assert str(views.MSG_COUNT_MORE_THAN % {"limit": intcomma(4)}) in last


@pytest.mark.parametrize(
    ("sort", "undated_first"),
    [("", True), ("-date", True), ("date", False), ("region", True), ("-killed", True)],
)
def test_an_undated_incident_is_first_newest_first_and_last_oldest_first_on_every_database(
    listed: Cast, sort: str, undated_first: bool
) -> None:
    """The same order on SQLite and PostgreSQL: SQLite's default put an undated incident last
    in the newest-first list, where PostgreSQL (and its indexes) put it first. In one region,
    where no one was killed or injured, the sorts by region and by the killed fall back on the
    dates."""
    undated = IncidentFactory(
        organisation=listed.organisation, date_start=None, date_precision="unknown"
    ).reference
    found, _ = walk(listed.client("reader"), f"region=RU-SPE&sort={sort}", NEXT)
    dated = Incident.objects.filter(region="RU-SPE").exclude(reference=undated)
    assert sorted(found) == sorted([undated, *dated.values_list("reference", flat=True)])
    assert not dated.exclude(killed=0, injured=0).exists()
    assert found.index(undated) == (0 if undated_first else len(found) - 1), found


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("query", "columns"),
    [
        ("region=RU-SPE&type=search_raid", ["region", "incident_type"]),
        (
            "type=arson&status=verified&defenders=yes",
            ["incident_type", "verification_status", "defender_targeted"],
        ),
    ],
)
def test_postgresql_a_list_narrowed_by_several_filters_is_counted_from_one_index_alone(
    listed: Cast, query: str, columns: list[str]
) -> None:
    """A list narrowed by a region and a type (or more filters) is counted and paged from the
    index of one filter, the others tested on its entries (models.list_index_include): read from
    the table, a region and a type at a million incidents read 21,000 of its wide rows for the
    count (120 ms, where the index alone takes 41). On a few rows the planner may read the
    table whatever the indexes hold: without that way, a filter the index did not carry would
    show as an Index Scan, which reads the table's rows."""
    IncidentFactory(organisation=listed.organisation, region="RU-SPE", incident_type="search_raid")
    with CaptureQueriesContext(connection) as queries:
        page = listed.client("owner").get(f"{URL}?{query}")
    assert page.status_code == 200
    (count,) = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT")]
    for column in columns:
        assert f'"records_incident"."{column}"' in count, (column, count)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE records_incident")
        cursor.execute("SET enable_seqscan = off; SET enable_bitmapscan = off")
        try:
            cursor.execute(f"EXPLAIN {count}")
            plan = "\n".join(line for (line,) in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan; RESET enable_bitmapscan")
    assert re.search(r"Index Only Scan using incident_\w+_list_idx", plan), plan
    assert "Index Scan" not in plan.replace("Index Only Scan", ""), plan
