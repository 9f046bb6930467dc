"""Counting and paging a long list without counting every row on every page.

A coalition's list can hold a million incidents. Counting every row a filter matches, on every
page, costs more than finding the page itself (PostgreSQL reads each matching index entry), and an
OFFSET deep in the list reads every row before it. So the list counts at most EXACT_COUNT_LIMIT + 1
rows: a list that short gets its exact count and every page; a longer one is labelled with the
database's estimate of its length (PostgreSQL's planner: "about 410,000") or, where there is none
(SQLite), as "more than 5,000", and its pages stop after EXACT_COUNT_LIMIT rows; a search stops at
SEARCH_COUNT_LIMIT, and is never estimated. The sorts reach the rest: the oldest incidents are the
first page of the list sorted by date. A list found long is remembered as long, with its
estimate, for LONG_LIST_SECONDS by the process that found it: its next pages, and the next
reader whose visibility and filters make the same query, are not counted again.

A page is read in two steps inside one statement: the ids of its rows, in the list's order, from
the filtered query (which an index answers alone when it holds the filter's, the sort's and the
visibility's columns), then those rows with everything the page shows, by primary key. The
database never reads the wide rows it skips or those it only tests against a filter.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db import DatabaseError, connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

# Lists longer than this are not counted exactly, and their pages stop here (tests lower it).
EXACT_COUNT_LIMIT = 5_000
# A search is counted and paged this far: "more than 1,000 incidents" asks for more words or a
# filter, not for page 60. Each of its parts then reads at most this many incidents and one, in
# the list's order (dozor.records.search_order), whatever the size of the database.
SEARCH_COUNT_LIMIT = 1_000


if TYPE_CHECKING:
    _Paginator = Paginator[Any]
else:
    _Paginator = Paginator  # not subscriptable at run time


class CappedPaginator(_Paginator):
    """Django's paginator over at most ``limit`` rows of a query set, counting no further.

    ``count`` is the exact number of rows when there are at most ``limit``; otherwise ``limit``
    (the pages offered end there), ``capped`` is true and ``estimate`` is the database's
    estimate of the whole list's length, or None if it has none or it is no larger.
    """

    def __init__(
        self,
        object_list: QuerySet[Any],
        per_page: int,
        *,
        limit: int | None = None,
        rows: Callable[[QuerySet[Any]], Sequence[Any]] | None = None,
        estimated: bool = True,
        ids_first: bool = False,
        first_ids: Sequence[Any] | None = None,
    ) -> None:
        """``object_list``: the filtered, ordered list; ``rows``: how a page reads its rows
        (the columns, what they show of related rows), given the query of the page's rows only;
        ``estimated``: whether a long list may be labelled with the planner's estimate;
        ``ids_first``: count and page from one read of the list's first ``limit + 1`` ids,
        for a list whose every query costs more than those ids (a search: both the count and
        the page would look its words up again); ``first_ids``: those ids, where they are
        known already, in the list's order (a search read them, selectors.ListFound): the
        list is not read again for them."""
        super().__init__(object_list, per_page)
        self.queryset = object_list
        self.limit = EXACT_COUNT_LIMIT if limit is None else limit
        self.rows: Callable[[QuerySet[Any]], Sequence[Any]] = rows or list
        self.estimated = estimated
        self.ids_first = ids_first or first_ids is not None
        self.first_ids = first_ids
        self.capped = False

    def page(self, number: Any) -> Page[Any]:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        queryset = self.queryset
        ids = self._ids[bottom:top] if self.ids_first else queryset.values("pk")[bottom:top]
        shown = queryset.model._default_manager.filter(pk__in=ids).order_by(
            *queryset.query.order_by
        )
        return Page(self.rows(shown), number, self)

    @cached_property
    def _ids(self) -> list[Any]:
        if self.first_ids is not None:
            return list(self.first_ids[: self.limit + 1])
        return list(self.queryset.values_list("pk", flat=True)[: self.limit + 1])

    @cached_property
    def count(self) -> int:
        # The subquery stops at limit + 1 rows: SELECT count(*) FROM (... LIMIT n).
        if self.ids_first:
            found = len(self._ids)
        elif self._remembered is not None:
            found = self.limit + 1
        else:
            found = self.queryset.order_by()[: self.limit + 1].count()
        if found <= self.limit:
            return found
        self.capped = True
        if not self.ids_first and self._remembered is None:
            self._remembered = _long_lists.remember(self._key)
        return self.limit

    @cached_property
    def estimate(self) -> int | None:
        if not self.count or not self.capped or not self.estimated:
            return None
        remembered = self._remembered
        if remembered is not None and remembered.estimated:
            return remembered.estimate
        rows = planner_estimate(self.queryset)
        estimate = None if rows is None or rows <= self.limit else round_estimate(rows)
        if remembered is not None:
            remembered.estimate, remembered.estimated = estimate, True
        return estimate

    @cached_property
    def _key(self) -> tuple[Any, ...]:
        """The list as the database is asked for it: a digest of its query and parameters (the
        user's visibility among them; a filter's values are not kept in memory as they were
        typed), the database and the limit. Making it compiles the query once more, which a
        short list spends for nothing (under a millisecond)."""
        sql, params = self.queryset.query.sql_with_params()
        digest = hashlib.sha256(repr((sql, params)).encode()).digest()
        return (self.queryset.db, self.limit, digest)

    @cached_property
    def _remembered(self) -> LongList | None:
        return None if self.ids_first else _long_lists.get(self._key)


# How long this process remembers a list it found longer than its limit, with its estimate:
# counting it again and asking the planner for its length, a long list's two queries besides
# its page, tell nothing new that soon. A list remembered as long that has meanwhile become
# short is labelled and paged as long for at most this long (its last pages empty).
LONG_LIST_SECONDS = 60.0
# How many lists are remembered at most: the oldest is forgotten first.
LONG_LISTS_KEPT = 512


@dataclass
class LongList:
    """A list found longer than its limit, until ``until`` (time.monotonic())."""

    until: float
    estimate: int | None = None
    estimated: bool = False


class LongLists:
    """The long lists this process remembers, by their query (CappedPaginator._key): only a
    user whose visibility and filters make the same query meets the same list."""

    def __init__(self) -> None:
        self._lists: dict[tuple[Any, ...], LongList] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> LongList | None:
        with self._lock:
            found = self._lists.get(key)
            if found is not None and found.until <= time.monotonic():
                del self._lists[key]
                return None
            return found

    def remember(self, key: tuple[Any, ...]) -> LongList:
        remembered = LongList(until=time.monotonic() + LONG_LIST_SECONDS)
        with self._lock:
            self._lists.pop(key, None)
            while len(self._lists) >= LONG_LISTS_KEPT:
                del self._lists[next(iter(self._lists))]
            self._lists[key] = remembered
        return remembered

    def forget(self) -> None:
        with self._lock:
            self._lists.clear()


_long_lists = LongLists()


def long_lists_forget() -> None:
    """Forget every long list this process remembers (tests, whose lists come and go)."""
    _long_lists.forget()


def planner_estimate(queryset: QuerySet[Any]) -> int | None:
    """PostgreSQL's estimate of how many rows the query set returns (EXPLAIN, which plans the
    query without running it); None on other databases or if the plan cannot be read."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    try:
        plan = json.loads(queryset.order_by().explain(format="json"))
        return int(plan[0]["Plan"]["Plan Rows"])
    except (DatabaseError, ValueError, KeyError, IndexError, TypeError):
        return None


def round_estimate(rows: int) -> int:
    """An estimate rounded to two significant figures: 412,345 is "about 410,000"."""
    if rows < 100:
        return rows
    scale = 10 ** (int(math.log10(rows)) - 1)
    return int(round(rows / scale) * scale)
