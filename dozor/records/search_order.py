"""A search's summaries, people's names and titles read in the list's order, on PostgreSQL.

Each summary token carries its incident's date there (migration 0018, kept by triggers), and
the token table has an index on (field, token, date descending, record descending): the list's
default order. Each token of a person's name carries the person's incident and its date (0019),
indexed the same way. So the incidents whose summaries hold a word, newest first, are one range
of that index, and their first thousands cost what they return, not what the word holds: a
word in one summary in eight is 134,000 tokens at a million incidents, where a page and its
capped count need a few thousand. The titles' word table carries the date too (0021), indexed
by (lexeme, date descending, incident descending): a title word's lexemes are ranges of it in
the list's order, merged as they are read (titles_merged). selectors._text_matches reads a
part this way only for a caller that reads no more than the list's first rows (the list's
pages and the API's); exports read every match as before.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db import connections, transaction
from django.db.models import (
    BigIntegerField,
    DateField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import RawSQL

from dozor.records.models import Incident, IncidentTitleWord, IncidentToken, PersonToken
from dozor.records.paging import planner_estimate


def _column(model: type[Any], name: str, field: Any) -> RawSQL:
    """A column of a token table that is no field of its model: it exists on PostgreSQL only,
    and only the database writes it."""
    sql = f'"{model._meta.db_table}"."{name}"'
    return RawSQL(sql, (), output_field=field)  # noqa: S611 - constant names, no one's input


SUMMARY_DATE = _column(IncidentToken, "date_start", DateField())
NAME_DATE = _column(PersonToken, "date_start", DateField())
NAME_INCIDENT = _column(PersonToken, "incident_id", BigIntegerField())
TITLE_DATE = _column(IncidentTitleWord, "date_start", DateField())
# The list's default order, of the title words' rows read with their dates as "day".
LIST_ORDER = '"day" DESC NULLS FIRST, "incident_id" DESC'

# An incident as the list's default order sorts it: its date (None: undated) and its id.
Listed = tuple[datetime.date | None, int]


def tokens_in_list_order(using: str = "default") -> bool:
    """Whether the database keeps the tokens' dates (PostgreSQL)."""
    return connections[using].vendor == "postgresql"


@dataclass(frozen=True)
class ListRead:
    """What a page of the list reads: ``within``, the incidents it lists (what the user may
    see, and its filters), its first ``first`` of them, the filters' dates, which the tokens'
    dates narrow to a range of their index, and whether other filters narrow it (``narrowed``:
    a region, a type, ..., that may keep few of a search's incidents); ``in_index_order``: the
    one filter that does is a column an index of the incidents holds in the list's order (a
    region, a type, a verification status, or whether defenders were targeted: Incident's
    "_list_idx" indexes), so that the list can be read in its order, as the tokens are."""

    within: QuerySet[Incident]
    first: int
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    narrowed: bool = False
    in_index_order: bool = False

    @cached_property
    def small(self) -> bool:
        """Whether filters narrow the list to at most HASHED_LIST_ROWS incidents, by
        PostgreSQL's estimate (asked once)."""
        if not self.narrowed:
            return False
        rows = planner_estimate(self.within)
        return rows is not None and rows <= HASHED_LIST_ROWS


def summaries_first(
    tokens: QuerySet[Any], others: list[QuerySet[Any]], listed: ListRead
) -> Callable[[], list[Listed]]:
    """What reads the list's first incidents (``listed``), in its default order (date
    descending, then id descending, as selectors.SORTS["-date"]), with their dates, among those
    whose summary tokens ``tokens`` (one word's, narrowed by the search's other conditions)
    finds and each of ``others`` (the other words' tokens) finds too.

    The token index is walked in that order from the word's first entry (of the filters'
    dates), and the read stops after ``listed.first``: a join would read every token of every
    word first. Each token's incident is tested against the list by its primary key (or a hash
    of a small narrowed list, _kept_by_list), and only then against the other words by theirs
    (_each_also_walked): half of a documenter's tokens may be of incidents they do not see,
    which need no other test.
    """

    def read() -> list[Listed]:
        found = _dated(tokens, SUMMARY_DATE, listed)
        if listed.in_index_order:
            return _merged_first(found, others, listed)
        in_list = _kept_by_list(found, listed, OuterRef("record_id"), F("record_id"))
        ordered = (
            in_list.annotate(day=SUMMARY_DATE)
            .order_by(F("day").desc(), F("record_id").desc())
            .values_list("day", "record_id")
        )
        if not others:
            return list(ordered[: listed.first])
        sql, params = ordered.query.get_compiler(using=listed.within.db).as_sql()
        return _each_also_walked((str(sql), tuple(params)), others, listed, listed.first)

    return read


def _merged_first(
    tokens: QuerySet[Any], others: list[QuerySet[Any]], listed: ListRead
) -> list[Listed]:
    """summaries_first's read of a list that a filter narrows and an index holds in the
    list's order (ListRead.in_index_order): the word's tokens and the list are read side by
    side in that order, each from its index, and merged on the date and the incident (a Merge
    Join), until ``listed.first`` are found. The walk's test of each token by its incident's
    primary key read the incident's row for the filter's column, and the hash of a small list
    read all of it first: "ножом" in Moscow's incidents of three years at a million incidents
    took 24 ms either way, merged 6.

    Undated incidents come first in the list's order, and a merge on the date skips them: their
    tokens and the list's undated incidents are merged first, on the incident alone (both are
    in its order there), unless the filters' dates leave them out."""
    found: list[Listed] = []
    if listed.date_from is None and listed.date_to is None:
        undated = _merged_with_list(tokens, listed, dated=False)
        found = _each_also_walked(undated, others, listed, listed.first)
    if len(found) < listed.first:
        dated = _merged_with_list(tokens, listed, dated=True)
        found += _each_also_walked(dated, others, listed, listed.first - len(found))
    return found


def _merged_with_list(
    tokens: QuerySet[Any], listed: ListRead, *, dated: bool
) -> tuple[str, tuple[Any, ...]]:
    """The SQL (and its parameters) of ``tokens`` (summary tokens) joined to the list, dated or
    undated ones, in the list's order, as their date and incident ("day", "record_id")."""
    db = listed.within.db
    rows = tokens.annotate(day=SUMMARY_DATE).filter(day__isnull=not dated)
    tokens_sql, tokens_params = _compiled(rows.order_by().values_list("day", "record_id"), db)
    within = listed.within.order_by().filter(date_start__isnull=not dated)
    list_sql, list_params = _compiled(within.values_list("date_start", "id"), db)
    on = '"listed"."id" = "tokens"."record_id"'
    if dated:
        on += ' AND "listed"."date_start" = "tokens"."day"'
    # Django's SQL and constant names; every value is a parameter.
    sql = f'SELECT "tokens"."day", "tokens"."record_id" FROM ({tokens_sql}) AS "tokens" '  # noqa: S608 - constant names
    sql += f'INNER JOIN ({list_sql}) AS "listed" ON {on} '
    sql += 'ORDER BY "tokens"."day" DESC, "tokens"."record_id" DESC'
    return sql, (*tokens_params, *list_params)


def _compiled(rows: QuerySet[Any], db: str) -> tuple[str, tuple[Any, ...]]:
    sql, params = rows.query.get_compiler(using=db).as_sql()
    return str(sql), tuple(params)


def _each_also_walked(
    walked: tuple[str, tuple[Any, ...]], others: list[QuerySet[Any]], listed: ListRead, limit: int
) -> list[Listed]:
    """The first ``limit`` rows of ``walked`` (the SQL and parameters of summary tokens in the
    list's order, as their date and incident: "day" and "record_id") whose incident each of
    ``others`` also finds. The walk is a subquery PostgreSQL cannot flatten (``OFFSET 0``), so
    that its own conditions (the list's) are tested before the other words' lookups, one row at
    a time and in its order; each of those is a scalar subquery, as in _each_also.

    It is planned with no sort, no hash join and no cache of lookups (IN_ORDER_ONLY, settings
    that last for this query alone), so that the walk comes from the token index in its order.
    PostgreSQL plans a subquery it cannot flatten for all its rows when the query around it
    sorts (the outer ``ORDER BY``, which the walk's order then meets without a sort), and for
    all of a common word's 134,000 tokens at a million incidents a hash join and a sort are
    cheaper: 550 ms where the walk takes 12. It expects a merge of a word's tokens with the
    list (_merged_with_list) to find few rows, since it counts the date's equality and the
    incident's as if they were independent, and then chose to join all of both and sort them
    too (200 ms)."""
    db = listed.within.db
    sql, params = walked
    outer = RawSQL('"walked"."record_id"', ())
    tests: list[str] = []
    test_params: list[Any] = []
    for other in others:
        probe = other.filter(record_id=outer).values("record_id")[:1]
        probe_sql, probe_params = _compiled(probe, db)
        tests.append(f"({probe_sql}) IS NOT NULL")
        test_params.extend(probe_params)
    where = f"WHERE {' AND '.join(tests)} " if tests else ""
    # Django's SQL and constant names; every value is a parameter.
    query = f'SELECT "day", "record_id" FROM ({sql} OFFSET 0) AS "walked" {where}'  # noqa: S608 - constant names
    query += 'ORDER BY "day" DESC, "record_id" DESC LIMIT %s'
    with transaction.atomic(using=db), connections[db].cursor() as cursor:
        cursor.execute(IN_ORDER_ONLY)
        cursor.execute(query, [*params, *test_params, limit])
        found = [(day, incident) for day, incident in cursor.fetchall()]
        # Nothing was written: rolling back ends the settings with the (sub)transaction.
        transaction.set_rollback(True, using=db)
    return found


# Planner settings for one read that must come in its index's order (_each_also_walked). A walk
# looks each incident up once, so PostgreSQL's cache of lookups by key (Memoize) never hits and
# only costs its stores: 1-1.5 ms of the 15-17 of the walk of "ножом битами" at a million.
IN_ORDER_ONLY = (
    "SELECT set_config('enable_sort', 'off', true), set_config('enable_hashjoin', 'off', true),"
    " set_config('enable_memoize', 'off', true)"
)


def names_first(
    tokens: QuerySet[Any], others: list[QuerySet[Any]], listed: ListRead
) -> Callable[[], list[Listed]]:
    """As summaries_first, for the tokens of people's names (each of ``others`` finds the same
    person, tested as each token is read: names of two words are few): the list's first
    incidents whose people they find, each once however many of its people they find."""

    def read() -> list[Listed]:
        found = _dated(_each_also(tokens, others, OuterRef("record_id")), NAME_DATE, listed)
        in_list = _kept_by_list(found, listed, NAME_INCIDENT, NAME_INCIDENT)
        ordered = (
            in_list.annotate(day=NAME_DATE, incident=NAME_INCIDENT)
            .order_by(F("day").desc(), F("incident").desc())
            .values_list("day", "incident")
            .distinct()
        )
        return list(ordered[: listed.first])

    return read


# A list narrowed by its filters that PostgreSQL expects to hold at most this many incidents is
# read once into a hash that each token is tested against (_kept_by_list): about 4 MB, within
# the hash memory PostgreSQL gives a query by default (work_mem 4 MB times 2).
HASHED_LIST_ROWS = 100_000


def _kept_by_list(tokens: QuerySet[Any], listed: ListRead, outer: Any, incident: Any) -> Any:
    """``tokens`` whose incident (``outer`` inside a subquery, ``incident`` in the tokens'
    own query) the list holds, tested as the tokens are read in the list's order.

    By default each token's incident is looked up by its primary key (``EXISTS``). A list
    that a filter narrows (a region, ...) keeps few of a word's incidents: a thousand found
    among seven thousand tokens of "ножом" in Moscow's incidents of three years at a million
    incidents. PostgreSQL, guessing the word's tokens far fewer than they are, then joined
    all of them (64,000) to the list and sorted the result (74 ms). Where it expects the list
    to be small (HASHED_LIST_ROWS), the list is read once into a hash and the tokens tested
    against it as they are read, stopping at the page's count (40 ms): an ``IN`` kept from
    becoming a join by a branch of an ``OR`` that is never true."""
    within = listed.within.order_by()
    if listed.small:
        tokens = tokens.alias(listed_incident=incident)
        kept = Q(listed_incident__in=within.values("pk")) | Q(listed_incident__lt=0)
        return tokens.filter(kept)
    return tokens.filter(Exists(within.filter(pk=outer)))


def titles_first(rows: QuerySet[Any], listed: ListRead) -> list[Listed]:
    """The list's first incidents (``listed``), in its default order, among those
    whose title words ``rows`` finds (rows of the titles' word table, title_search; an
    incident's once for each of its title's lexemes they find).

    The rows' incidents are sorted by the dates the rows carry (migration 0021), each once,
    and only then tested against the list, one at a time, until ``listed.first`` are found: a
    word in 2% of a million titles sorts 20,000 rows, and tests a few more than a page's
    count. The test is a scalar subquery over a subquery that PostgreSQL cannot flatten
    (``DISTINCT``, ``OFFSET 0``): as a join, or a condition on the word table's rows, it
    looked up every one of the word's incidents before the sort.
    """
    sql, params = titles_first_sql(rows, listed)
    with connections[listed.within.db].cursor() as cursor:
        cursor.execute(sql, params)
        return [(day, incident) for day, incident in cursor.fetchall()]


def titles_first_sql(rows: QuerySet[Any], listed: ListRead) -> tuple[str, list[Any]]:
    """titles_first's query and its parameters."""
    dated = _dated(rows, TITLE_DATE, listed).annotate(day=TITLE_DATE)
    ordered = (
        dated.order_by(F("day").desc(nulls_first=True), F("incident_id").desc())
        .values_list("incident_id", "day")
        .distinct()
    )
    sorted_sql, sorted_params = ordered.query.get_compiler(using=listed.within.db).as_sql()
    test_sql, test_params = _in_list(listed)
    # Both subqueries are Django's SQL, their values parameters: no one's input is in the text.
    inner = f'({sorted_sql} OFFSET 0) AS "words" WHERE ({test_sql}) IS NOT NULL'
    sql = f'SELECT "day", "incident_id" FROM {inner} ORDER BY {LIST_ORDER} LIMIT %s'  # noqa: S608 - constant names
    return sql, [*sorted_params, *test_params, listed.first]


def _in_list(listed: ListRead) -> tuple[str, tuple[Any, ...]]:
    """A scalar subquery that is the id of the incident of the row ``"words"`` where the list
    holds it (NULL where not), and its parameters: a test of one row at a time, which
    PostgreSQL does not turn into a join."""
    outer = RawSQL('"words"."incident_id"', ())
    listed_one = listed.within.order_by().filter(pk=outer).values("pk")[:1]
    sql, params = listed_one.query.get_compiler(using=listed.within.db).as_sql()
    return str(sql), tuple(params)


# How many different lexemes of the titles a word's beginnings may find for its rows to be
# merged from their ranges of the list-order index (title_word_lexemes).
MERGED_LEXEMES = 32
# How many of a title word's incidents, in the list's order, are tested against the list, per
# incident the page reads, before titles_merged gives up: a list whose filters keep few of them
# is walked instead (selectors._title_part).
MERGED_TESTED_PER_INCIDENT = 8

WORD_TABLE = IncidentTitleWord._meta.db_table

# The SQL below is built from constant names and Django's own SQL; every value is a parameter.
# The next lexeme of the word table after (or from) one, by one step through its index.
_NEXT_LEXEME = (
    'SELECT "lexeme" FROM "{table}" WHERE "lexeme" {after} {lexeme} ORDER BY "lexeme" LIMIT 1'
)
# The lexemes from a prefix on, one step each, while they begin with it.
LEXEMES_BEGINNING = (  # noqa: S608 - constant names
    "WITH RECURSIVE found(lexeme) AS (({first}) UNION ALL SELECT ({next}) FROM found "
    "WHERE starts_with(found.lexeme, %s)) "
    "SELECT lexeme FROM found WHERE starts_with(lexeme, %s) LIMIT %s"
).format(
    first=_NEXT_LEXEME.format(table=WORD_TABLE, after=">=", lexeme="%s"),
    next=_NEXT_LEXEME.format(table=WORD_TABLE, after=">", lexeme="found.lexeme"),
)


def title_word_lexemes(prefixes: tuple[str, ...], db: str) -> list[str] | None:
    """The lexemes of the titles' word table that begin with one of ``prefixes``, each found by
    one step through its index (a recursive query that skips from one lexeme to the next, not
    a read of their rows); None where they are more than MERGED_LEXEMES."""
    found: set[str] = set()
    with connections[db].cursor() as cursor:
        for prefix in prefixes:
            cursor.execute(LEXEMES_BEGINNING, [prefix, prefix, prefix, MERGED_LEXEMES + 1])
            found.update(lexeme for (lexeme,) in cursor.fetchall())
            if len(found) > MERGED_LEXEMES:
                return None
    return sorted(found)


def titles_merged(prefixes: tuple[str, ...], listed: ListRead) -> list[Listed] | None:
    """The list's first incidents (``listed``), in its default order, among those
    whose title has a lexeme that one of ``prefixes`` (one word's, title_search.word_lexemes)
    begins; None where this read cannot tell: more than MERGED_LEXEMES such lexemes, or fewer
    than ``listed.first`` incidents kept by the list among the word's first
    MERGED_TESTED_PER_INCIDENT times as many.

    Each lexeme's rows are a range of the word table's list-order index (migration 0021),
    already in the list's order: PostgreSQL merges the ranges as it reads them (a Merge Append),
    each incident once, and tests each incident against the list by its primary key, one row
    at a time, until ``listed.first`` are found. What it reads is what the page needs, however
    many titles hold the word: "Москва", in a third of a million titles, costs what a rarer word
    does, where sorting its rows read every one of them (300 ms)."""
    db = listed.within.db
    lexemes = title_word_lexemes(prefixes, db)
    if lexemes is None:
        return None
    if not lexemes:
        return []
    ranges, range_params = zip(*(_lexeme_rows(lexeme, listed) for lexeme in lexemes), strict=True)
    tested = listed.first * MERGED_TESTED_PER_INCIDENT
    rows = " UNION ALL ".join(f"({sql})" for sql in ranges)
    merged = f'SELECT DISTINCT "day", "incident_id" FROM ({rows}) AS "rows" '  # noqa: S608 - constant names
    merged += f"ORDER BY {LIST_ORDER} LIMIT %s"
    merged_params = [*(value for params in range_params for value in params), tested]
    test_sql, test_params = _in_list(listed)
    page = f'SELECT "day", "incident_id" FROM ({merged}) AS "words" WHERE ({test_sql}) IS NOT NULL '  # noqa: S608 - constant names
    page += f"ORDER BY {LIST_ORDER} LIMIT %s"
    with connections[db].cursor() as cursor:
        cursor.execute(page, [*merged_params, *test_params, listed.first])
        found = [(day, incident) for day, incident in cursor.fetchall()]
        if len(found) < listed.first:
            # Fewer than the page reads: all the word's incidents the list keeps, unless the
            # read stopped at ``tested`` rows.
            cursor.execute(f"SELECT count(*) FROM ({merged}) AS words", merged_params)  # noqa: S608 - constant names
            (read,) = cursor.fetchone()
            if read >= tested:
                return None
    return found


def _lexeme_rows(lexeme: str, listed: ListRead) -> tuple[str, tuple[Any, ...]]:
    """The rows of one lexeme of the titles' word table within the list's dates, in the list's
    order (a range of the index on lexeme, date and incident), and the query's parameters."""
    rows = _dated(IncidentTitleWord.objects.filter(lexeme=lexeme), TITLE_DATE, listed)
    ordered = (
        rows.annotate(day=TITLE_DATE)
        .order_by(F("day").desc(), F("incident_id").desc())
        .values_list("day", "incident_id")
    )
    sql, params = ordered.query.get_compiler(using=listed.within.db).as_sql()
    return str(sql), tuple(params)


def _dated(tokens: QuerySet[Any], day: RawSQL, listed: ListRead) -> QuerySet[Any]:
    """The tokens whose incident's date is within the list's dates: a range of the index."""
    if listed.date_from is not None:
        tokens = tokens.alias(after=day).filter(after__gte=listed.date_from)
    if listed.date_to is not None:
        tokens = tokens.alias(before=day).filter(before__lte=listed.date_to)
    return tokens


def _each_also(tokens: QuerySet[Any], others: list[QuerySet[Any]], record: Any) -> QuerySet[Any]:
    """``tokens`` whose record each of ``others`` also finds, tested row by row: each test is a
    scalar subquery, which PostgreSQL never turns into a join (an EXISTS it would, and then read
    every token of the other word to hash them)."""
    for number, other in enumerate(others):
        probe = Subquery(other.filter(record_id=record).values("record_id")[:1])
        tokens = tokens.alias(**{f"also_{number}": probe}).filter(
            **{f"also_{number}__isnull": False}
        )
    return tokens
