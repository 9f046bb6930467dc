"""A search's summaries and people's names read in the list's order, on PostgreSQL.

Each summary token carries its incident's date there (migration 0018, kept by triggers), and
the token table has an index on (field, token, date descending, record descending): the list's
default order. Each token of a person's name carries the person's incident and its date (0019),
indexed the same way. So the incidents whose summaries hold a word, newest first, are one range
of that index, and their first thousands cost what they return, not what the word holds: a
word in one summary in eight is 134,000 tokens at a million incidents, where a page and its
capped count need a few thousand. selectors._text_matches reads a part this way only for a
caller that reads no more than the list's first rows (the list's pages and the API's); exports
read every match as before.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import BigIntegerField, DateField, Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.expressions import RawSQL

from dozor.records.models import Incident, IncidentToken, PersonToken


def _column(model: type[Any], name: str, field: Any) -> RawSQL:
    """A column of a token table that is no field of its model: it exists on PostgreSQL only,
    and only the database writes it."""
    sql = f'"{model._meta.db_table}"."{name}"'
    return RawSQL(sql, (), output_field=field)  # noqa: S611 - constant names, no one's input


SUMMARY_DATE = _column(IncidentToken, "date_start", DateField())
NAME_DATE = _column(PersonToken, "date_start", DateField())
NAME_INCIDENT = _column(PersonToken, "incident_id", BigIntegerField())


def tokens_in_list_order(using: str = "default") -> bool:
    """Whether the database keeps the tokens' dates (PostgreSQL)."""
    return connections[using].vendor == "postgresql"


@dataclass(frozen=True)
class ListRead:
    """What a page of the list reads: ``within``, the incidents it lists (what the user may
    see, and its filters), its first ``first`` of them, and the filters' dates, which the
    tokens' dates narrow to a range of their index."""

    within: QuerySet[Incident]
    first: int
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def summaries_first(
    tokens: QuerySet[Any], others: list[QuerySet[Any]], listed: ListRead
) -> Callable[[], list[int]]:
    """What reads the ids of the list's first incidents (``listed``), in its default order
    (date descending, then id descending, as selectors.SORTS["-date"]), among those whose
    summary tokens ``tokens`` (one word's, narrowed by the search's other conditions) finds and
    each of ``others`` (the other words' tokens) finds too.

    The token index is walked in that order from the word's first entry (of the filters'
    dates). Each token's incident is tested against the list by its primary key and against
    the other words by theirs, one row at a time, and the read stops after ``listed.first``: a
    join would read every token of every word first.
    """

    def read() -> list[int]:
        found = _dated(_each_also(tokens, others, OuterRef("record_id")), SUMMARY_DATE, listed)
        in_list = found.filter(Exists(listed.within.order_by().filter(pk=OuterRef("record_id"))))
        ordered = in_list.order_by(SUMMARY_DATE.desc(), "-record_id")
        return list(ordered.values_list("record_id", flat=True)[: listed.first])

    return read


def names_first(
    tokens: QuerySet[Any], others: list[QuerySet[Any]], listed: ListRead
) -> Callable[[], list[int]]:
    """As summaries_first, for the tokens of people's names (each of ``others`` finds the same
    person): the ids of the list's first incidents whose people they find, each once however
    many of its people they find."""

    def read() -> list[int]:
        found = _dated(_each_also(tokens, others, OuterRef("record_id")), NAME_DATE, listed)
        in_list = found.filter(Exists(listed.within.order_by().filter(pk=NAME_INCIDENT)))
        ordered = (
            in_list.annotate(day=NAME_DATE, incident=NAME_INCIDENT)
            .order_by(F("day").desc(), F("incident").desc())
            .values_list("incident", flat=True)
            .distinct()
        )
        return list(ordered[: listed.first])

    return read


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
