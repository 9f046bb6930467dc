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

from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import BigIntegerField, DateField, Exists, F, OuterRef, QuerySet
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


def summaries_first(
    tokens: QuerySet[Any], within: QuerySet[Incident], first: int
) -> Callable[[], list[int]]:
    """What reads the ids of the first ``first`` incidents of ``within``, in the list's default
    order (date descending, then id descending, as selectors.SORTS["-date"]), among those that
    ``tokens`` (a query set of one word's summary tokens, narrowed by the search's other
    conditions) finds.

    The token index is walked in that order from the word's first entry; each token's incident
    is tested against ``within`` (what the user may see, and the list's other filters) by its
    primary key, and the read stops after ``first``.
    """

    def read() -> list[int]:
        in_list = tokens.filter(Exists(within.order_by().filter(pk=OuterRef("record_id"))))
        ordered = in_list.order_by(SUMMARY_DATE.desc(), "-record_id")
        return list(ordered.values_list("record_id", flat=True)[:first])

    return read


def names_first(
    tokens: QuerySet[Any], within: QuerySet[Incident], first: int
) -> Callable[[], list[int]]:
    """As summaries_first, for ``tokens`` of people's names: the ids of the first ``first``
    incidents of ``within`` whose people the tokens find, each once however many of its people
    they find."""

    def read() -> list[int]:
        in_list = tokens.filter(Exists(within.order_by().filter(pk=NAME_INCIDENT)))
        ordered = (
            in_list.annotate(day=NAME_DATE, incident=NAME_INCIDENT)
            .order_by(F("day").desc(), F("incident").desc())
            .values_list("incident", flat=True)
            .distinct()
        )
        return list(ordered[:first])

    return read
