"""Reads of records, always filtered by what the asking user may see."""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, cast

from django.contrib.auth.models import AnonymousUser
from django.db import connections
from django.db.models import Exists, F, Max, Model, OuterRef, Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

import dozor.lib.lookups  # noqa: F401 - registers the ``among`` lookup _in_any uses
from dozor.accounts.models import User
from dozor.accounts.policy import may
from dozor.analysis.text import name_forms, name_like
from dozor.records.custom_fields import CustomField, CustomFilter
from dozor.records.models import (
    Incident,
    IncidentBias,
    IncidentReport,
    PersonInvolvement,
    Report,
)
from dozor.records.report_schema import standard_values
from dozor.records.search_order import (
    Listed,
    ListRead,
    names_first,
    summaries_first,
    titles_first,
    titles_merged,
    tokens_in_list_order,
)
from dozor.records.title_search import TitleMatch, title_match
from dozor.security.crypto import KeyRing, normalise, tokens, word_searchable
from dozor.security.fields import EncryptedTextField
from dozor.security.keyring import keyring
from dozor.security.search import query_tokens
from dozor.vocab import geography
from dozor.vocab.registry import VocabularyError, vocabulary

# An undated incident comes first in the newest-first order and last in the oldest-first one, on
# every database: PostgreSQL's default for a descending order (and its indexes' order), which
# SQLite's default (nulls always lowest) would reverse.
_NEWEST = F("date_start").desc(nulls_first=True)
_OLDEST = F("date_start").asc(nulls_last=True)
SORTS: dict[str, tuple[Any, ...]] = {
    "date": (_OLDEST, "id"),
    "-date": (_NEWEST, "-id"),
    "reference": ("reference",),
    "-reference": ("-reference",),
    "region": ("region", _NEWEST, "-id"),
    "type": ("incident_type", _NEWEST, "-id"),
    "-killed": ("-killed", "-injured", _NEWEST, "-id"),
    "-injured": ("-injured", "-killed", _NEWEST, "-id"),
}
DEFAULT_SORT = "-date"


@dataclass(frozen=True)
class IncidentFilters:
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    country: str = ""
    region: str = ""
    bias_motivation: str = ""
    incident_type: str = ""
    verification_status: str = ""
    defender_targeted: bool | None = None
    text: str = ""
    sort: str = DEFAULT_SORT
    # Filters on the organisation's own fields (custom_field_forms.custom_filters).
    custom: tuple[CustomFilter, ...] = ()


# The column's own length: a longer reference is no incident's.
REFERENCE_MAX_LENGTH: int = Incident._meta.get_field("reference").max_length or 0


def incidents_visible(user: User | AnonymousUser) -> QuerySet[Incident]:
    """What the user may see, by each record's confidentiality.

    public: every signed-in user; restricted: the whole owning organisation; confidential: the
    owning organisation's administrators, documenters and advocates.
    """
    if not user.is_authenticated or not user.is_active:
        return Incident.objects.none()
    assert isinstance(user, User)
    visible = Q(confidentiality="public")
    if user.organisation_id is not None:
        own = Q(organisation_id=user.organisation_id)
        if user.is_trusted_with_confidential():
            visible |= own
        else:
            visible |= own & ~Q(confidentiality="confidential")
    return Incident.objects.filter(visible)


def incidents_latest_year(
    user: User | AnonymousUser, *, country: str = "", up_to: int | None = None
) -> int | None:
    """The latest year (up to ``up_to``, when given) in which an incident the user may see
    began, in one country or in any; None when there is none. Reports open on it rather than on
    the calendar's year, which may hold nothing yet."""
    incidents = incidents_visible(user)
    if country:
        incidents = incidents.filter(country=country)
    if up_to is not None:
        incidents = incidents.filter(date_start__lte=datetime.date(up_to, 12, 31))
    latest = incidents.order_by().aggregate(latest=Max("date_start"))["latest"]
    return latest.year if latest is not None else None


def names_visible(user: User | AnonymousUser, incident: Incident) -> bool:
    """Whether the user sees people's names in this incident, or only their pseudonyms.

    Every read of a name goes through here or person_label(): the owning organisation's
    administrators, documenters and advocates see names; analysts and readers only with the
    name grant an administrator gives; other organisations never.
    """
    return may(user, "names.view", incident)


def person_label(user: User | AnonymousUser, person: PersonInvolvement, incident: Incident) -> str:
    """The name when the user may see it (and one was recorded), otherwise the pseudonym."""
    if person.name and names_visible(user, incident):
        # Not str(): a sealed name Dozor cannot open is a LockedText the page shows as "locked".
        return cast(str, person.name)
    return str(person)


def person_name(user: User | AnonymousUser, person: PersonInvolvement, incident: Incident) -> str:
    """The recorded name when the user may see it, else an empty string (for edit forms)."""
    return person.name if names_visible(user, incident) else ""


@dataclass(frozen=True)
class PersonShown:
    person: PersonInvolvement
    label: str
    named: bool
    # The person's custom field values shown (custom_field_selectors.CustomShown).
    custom: tuple[Any, ...] = ()


def people_shown(user: User | AnonymousUser, incident: Incident) -> list[PersonShown]:
    """The incident's people as this user may see them: names or pseudonyms."""
    shown = []
    for person in incident.people.all():
        label = person_label(user, person, incident)
        shown.append(PersonShown(person=person, label=label, named=label != str(person)))
    return shown


def incident_has_names(incident: Incident) -> bool:
    return any(person.name for person in incident.people.all())


def incident_list(
    *, user: User | AnonymousUser, filters: IncidentFilters, first: int | None = None
) -> QuerySet[Incident]:
    """The incidents the user may see that the filters find, in the filters' order.

    ``first``: the caller reads at most the list's first ``first`` incidents (a page of the
    list and its capped count, CappedPaginator). A search in the list's default order may then
    read only that many of each of its large parts, in that order ("Search in the list's
    order" in docs/development.md); without it every match is found, as an export needs."""
    return incident_list_read(user=user, filters=filters, first=first).incidents


@dataclass(frozen=True)
class ListFound:
    """The list the filters find: ``incidents``, filtered and in the filters' order, and, where
    a search has read them already (its parts in the list's order, _in_any), the ids of its
    first incidents, in that order: as many as the reader asked for (``first``), or all there
    are. None: they are the query's to find."""

    incidents: QuerySet[Incident]
    first_ids: list[int] | None = None


def incident_list_read(
    *, user: User | AnonymousUser, filters: IncidentFilters, first: int | None = None
) -> ListFound:
    """incident_list, with the ids of its first ``first`` incidents where a search read them."""
    incidents = incidents_visible(user)
    if filters.date_from:
        incidents = incidents.filter(date_start__gte=filters.date_from)
    if filters.date_to:
        incidents = incidents.filter(date_start__lte=filters.date_to)
    for column in ("country", "region", "incident_type", "verification_status"):
        if value := getattr(filters, column):
            incidents = incidents.filter(**{column: value})
    if filters.defender_targeted is not None:
        incidents = incidents.filter(defender_targeted=filters.defender_targeted)
    for custom in filters.custom:
        if _custom_filter_allowed(user, custom.field):
            incidents = incidents.filter(pk__in=custom.incident_ids())
    if filters.bias_motivation:
        incidents = incidents.filter(
            Exists(
                IncidentBias.objects.filter(
                    incident_id=OuterRef("pk"), motivation=filters.bias_motivation
                )
            )
        )
    order = SORTS.get(filters.sort, SORTS[DEFAULT_SORT])
    if not filters.text:
        return ListFound(incidents.order_by(*order))
    listed = None
    if first is not None and order == SORTS[DEFAULT_SORT]:
        unfiltered = replace(filters, date_from=None, date_to=None, text="")
        narrowed = unfiltered != IncidentFilters()
        in_index_order = narrowed and any(
            unfiltered == IncidentFilters(**{column: getattr(filters, column)})
            for column in IN_LIST_ORDER_INDEXES
        )
        listed = ListRead(
            incidents, first, filters.date_from, filters.date_to, narrowed, in_index_order
        )
    matches = _text_matches(filters.text, user, listed)
    return ListFound(incidents.filter(matches.condition).order_by(*order), matches.first_ids)


# The filters that an index of the incidents holds in the list's order (Incident's "_list_idx"
# indexes: the column, then the date and the id descending).
IN_LIST_ORDER_INDEXES = ("region", "incident_type", "verification_status", "defender_targeted")


# The columns a row of the list shows ({% incident_rows %}, the API's list): fetching and
# converting every column of fifty incidents (dates and times, coordinates, sealed text) cost more
# than showing them.
LIST_COLUMNS = (
    "reference",
    "title",
    "date_start",
    "date_end",
    "date_precision",
    "country",
    "region",
    "incident_type",
    "defender_targeted",
    "killed",
    "injured",
    "verification_status",
)


@dataclass(frozen=True)
class ListRow:
    """One incident as a row of the list: its LIST_COLUMNS and its bias motivations' codes."""

    incident: Incident
    biases: tuple[str, ...]


def list_rows(incidents: QuerySet[Incident]) -> list[ListRow]:
    """The rows of a page of the list, in its order, in two queries: the incidents, then the
    motivations of all of them. Django's prefetch made a query set per incident to hold its
    motivations, an eighth of a list page's time."""
    shown = list(incidents.only(*LIST_COLUMNS))
    motivations: dict[int, list[str]] = {incident.pk: [] for incident in shown}
    biases = IncidentBias.objects.filter(incident_id__in=motivations).order_by("id")
    for incident_id, motivation in biases.values_list("incident_id", "motivation"):
        motivations[incident_id].append(motivation)
    return [ListRow(incident, tuple(motivations[incident.pk])) for incident in shown]


def _custom_filter_allowed(user: User | AnonymousUser, field: CustomField) -> bool:
    """Only the user's organisation's custom fields filter, sealed ones only for those who see
    names: a filter that finds an incident confirms the value, whatever the list then shows."""
    if not isinstance(user, User) or field.organisation_id != user.organisation_id:
        return False
    return not field.sensitive or names_searchable(user)


def names_searchable(user: User | AnonymousUser) -> bool:
    """Whether the user's searches may match people's names (their own organisation's).

    Only those who see names search them: otherwise a search for a guessed surname that finds
    an incident confirms the guess, whatever the page then shows.
    """
    return (
        isinstance(user, User)
        and user.organisation_id is not None
        and user.sees_names_of(user.organisation_id)
    )


# Parts of an incident search that apps above the records add from their AppConfig.ready (the
# evidence app searches the text of the files kept as evidence). Each is given the key ring, the
# searched words (every one to be found) and the user's organisation, and gives querysets of ids
# of incidents, found only in that organisation's records: it is asked only for users who see
# that organisation's names.
IncidentSearchPart = Callable[[KeyRing, list[str], int], list[QuerySet[Any]]]
INCIDENT_SEARCH_PARTS: list[IncidentSearchPart] = []


def incident_search_part_register(part: IncidentSearchPart) -> None:
    if part not in INCIDENT_SEARCH_PARTS:
        INCIDENT_SEARCH_PARTS.append(part)


def _text_matches(text: str, user: User | AnonymousUser, listed: ListRead | None = None) -> Matches:
    """Every word of the text finds a word of the title (its beginning or its stem,
    dozor.records.title_search); or, through the search tokens, every word of the text is a word
    (or the beginning of a word) of the sealed summary, or of one person's name.

    Summaries and names are encrypted, so they are matched by keyed tokens of whole words and of
    word beginnings (dozor.security.search), not by substrings: each word of the text is one
    indexed lookup in a token table, and the records that hold every word are the intersection.
    Words shorter than crypto.MIN_WORD_LENGTH have no tokens and are left out of that part;
    beginnings find a word from crypto.MIN_PREFIX to crypto.MAX_PREFIX letters. Without the key
    only titles are searched.

    Names and the summaries that hold them are searched only in the incidents whose names the
    user sees (names_searchable: their own organisation's, with the role or the grant). In every
    other incident the summary is searched only with words that cannot be part of a name
    (text.redaction.name_like) and that are none of the incident's people's names in any case:
    a search that found "Каримзоде" in a summary shown as "Victim A" would confirm the name.

    ``listed``: the list the text filters and how many of its first incidents are read
    (incident_list); given it, the parts of summaries and of names are read only as far as
    their first incidents of the list in its default order, where the database can
    (dozor.records.search_order).
    """
    by_title = title_match(text)
    ring = keyring()
    every_word = tokens(text)
    words = [word for word in every_word if word_searchable(word)]
    if ring.locked or not words:
        return _in_any([_title_part(by_title, listed)], listed)
    # Each part is answered from an index (a token lookup per word, or the titles' full-text
    # index); _in_any decides, by how many each part holds, how the list is tested against
    # them. The summaries' part starts from the token table: as a filter on the incidents,
    # PostgreSQL read every incident's id to test it against the tokens' ids.
    summary_words = [_holding(ring, Incident, "summary", [word]) for word in words]
    name_words = [_holding(ring, PersonInvolvement, "name", [word]) for word in words]
    in_summary, in_names = summary_words[0], name_words[0]
    for summary_word, name_word in zip(summary_words[1:], name_words[1:], strict=True):
        in_summary = in_summary.filter(record_id__in=summary_word)
        in_names = in_names.filter(record_id__in=name_word)
    parts = [_title_part(by_title, listed)]
    several = len(words) > 1
    own = user.organisation_id if isinstance(user, User) and names_searchable(user) else None
    # The user's own incidents of the list, read by the parts of names and of summaries alike
    # (one ListRead: PostgreSQL's estimate of its size is asked once, ListRead.small).
    own_listed = _own_listed(listed, own)
    if own is not None:
        own_people = PersonInvolvement.objects.order_by().filter(
            pk__in=in_names, incident__organisation_id=own
        )
        read = _ordered(names_first, name_words, own_listed)
        parts.append(Part(own_people.values("incident_id"), read, counted_first=several))
        for search_part in INCIDENT_SEARCH_PARTS:
            parts.extend(Part(ids) for ids in search_part(ring, words, own))
    if not any(name_like(word) for word in every_word):
        forms = {form for word in words for form in name_forms(word)} | set(words)
        person_named = PersonInvolvement.objects.filter(
            pk__in=_holding(ring, PersonInvolvement, "name", forms)
        )
        victim_named = IncidentReport.objects.filter(
            report_id__in=_holding(ring, Report, "fields", forms)
        )
        if own is not None:
            # In the user's own incidents the summary is searched whoever it names.
            person_named = person_named.exclude(incident__organisation_id=own)
            victim_named = victim_named.exclude(incident__organisation_id=own)
        named = Q(record_id__in=person_named.values("incident_id")) | Q(
            record_id__in=victim_named.values("incident_id")
        )
        in_summary = in_summary.exclude(named)
        read = _ordered(summaries_first, summary_words, listed, excluded=named)
        parts.append(Part(in_summary, read, counted_first=several))
    elif own is not None:
        read = _ordered(summaries_first, summary_words, own_listed)
        own_summaries = Incident.objects.order_by().filter(pk__in=in_summary, organisation_id=own)
        parts.append(Part(own_summaries.values("pk"), read, counted_first=several))
    return _in_any(parts, listed)


def _title_part(by_title: TitleMatch, listed: ListRead | None) -> Part:
    """The titles' part. On PostgreSQL, for a list read in its order, a word's rows in the word
    table are read first, to FEW_MATCHES + 1: no more, and they are its few incidents; several
    words are counted first as incidents that hold them all (Part.counted_first), since together
    they may be few where each is in many titles. More, and the part's first incidents of the
    list are read: one word's merged from its lexemes' ranges in the list's order
    (search_order.titles_merged), unless a filter narrows the list or that read cannot tell;
    else one word's rows sorted by their dates (search_order.titles_first) where no filter
    narrows the list, and otherwise by the database's own plan (the word table's ids joined to
    the list and sorted). Those two give way where the words are in so many titles
    (title_dense_rows() rows of the word table) that walking the list and testing each row
    finds them sooner. Tested row by row, a title
    word in 2% of a million incidents took 620 ms to find the list's first thousand and one in
    a few hundred titles read every row of the list (4 s); read first, a word in 7% of them
    took 480 ms, where the walk takes 120.
    Read whole to learn that it held more than FEW_MATCHES incidents, a word in 2% of a million
    titles took 20 ms, its rows grouped by incident; its first rows, a fraction of one."""
    rows = by_title.rows
    several = by_title.words > 1
    if listed is None or rows is None or not tokens_in_list_order(listed.within.db):
        return Part(by_title.ids, one_at_a_time=lambda: by_title.one_at_a_time)

    def first() -> list[Listed] | None:
        if not several and not listed.narrowed:
            merged = titles_merged(by_title.lexemes[0], listed)
            if merged is not None:
                return merged
        dense = title_dense_rows(listed.within.db)
        if rows[:dense].count() >= dense:
            return None
        if not several and not listed.narrowed:
            return titles_first(rows, listed)
        within = listed.within.filter(pk__in=by_title.ids).order_by(*SORTS[DEFAULT_SORT])
        return list(within.values_list("date_start", "pk")[: listed.first])

    # One word's rows are its incidents, each once for every lexeme of its title that the word
    # begins; several words' are counted as incidents that hold them all.
    counted = None if several else rows
    return Part(
        by_title.ids,
        first,
        counted_first=True,
        counted=counted,
        one_at_a_time=lambda: by_title.one_at_a_time,
    )


# How many rows of the titles' word table (title_search) make a title part dense in a million
# incidents (title_dense_rows scales it to the database's size).
TITLE_DENSE_ROWS = 60_000
INCIDENTS_MEASURED = 1_000_000
TABLE = Incident._meta.db_table


def title_dense_rows(db: str) -> int:
    """TITLE_DENSE_ROWS for the incidents this database holds (PostgreSQL's count of the table
    from its last analysis; unscaled when it has none). The plan's cost grows with the word's
    rows; the walk's with how many rows of the list it tests to find the first thousand and
    one, the incidents over the word's rows: they cost the same where the rows' square grows
    with the incidents. At 100,000 incidents a title word in 30% of them (60,000 rows) took
    94 ms read by the plan; walked, the search's last query took 22."""
    with connections[db].cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [TABLE])
        found = cursor.fetchone()
    return dense_rows_for(float(found[0]) if found else -1.0)


def dense_rows_for(incidents: float) -> int:
    """title_dense_rows() for this many incidents (-1: not known, the table never analysed)."""
    if incidents <= 0:
        return TITLE_DENSE_ROWS
    return max(1, round(TITLE_DENSE_ROWS * math.sqrt(incidents / INCIDENTS_MEASURED)))


def _own_listed(listed: ListRead | None, own: int | None) -> ListRead | None:
    """The incidents of ``listed`` that organisation ``own`` holds (None without a list or an
    organisation)."""
    if listed is None or own is None:
        return None
    return replace(listed, within=listed.within.filter(organisation_id=own))


def _ordered(
    reader: Callable[[QuerySet[Any], list[QuerySet[Any]], ListRead], Callable[[], list[Listed]]],
    words: list[QuerySet[Any]],
    listed: ListRead | None,
    *,
    excluded: Q | None = None,
) -> Callable[[], list[Listed]] | None:
    """What reads the first incidents of the list ``listed`` whose tokens hold every one of
    ``words`` (a query set of tokens each) and none that ``excluded`` names, in the list's
    order, with their dates; None where that cannot be read (no list, or SQLite).

    The word with the fewest tokens leads (search_order reads its tokens in order and tests
    the others row by row): "Мадина Султонова" reads the few Султонова, not every Мадина.
    """
    if listed is None or not tokens_in_list_order(listed.within.db):
        return None

    def read() -> list[Listed]:
        ordered = words
        if len(words) > 1:
            counts = _counted_to(LEADING_WORD_COUNT + 1, words)
            leading = counts.index(min(counts))
            ordered = [words[leading], *words[:leading], *words[leading + 1 :]]
        tokens = ordered[0] if excluded is None else ordered[0].exclude(excluded)
        return reader(tokens, ordered[1:], listed)()

    return read


# How far the tokens of each word of a search are counted to choose the one that leads: past
# it, words are alike enough for the order of the query to decide.
LEADING_WORD_COUNT = 2_000


def _counted_to(limit: int, words: list[QuerySet[Any]]) -> list[int]:
    """How many rows each query set of ``words`` holds, counted to ``limit``: one query."""
    db = words[0].db
    counted, params = [], []
    for word in words:
        sql, word_params = word.order_by()[:limit].query.get_compiler(using=db).as_sql()
        counted.append(f"(SELECT count(*) FROM ({sql}) AS counted)")  # noqa: S608 - Django's SQL
        params.extend(word_params)
    with connections[db].cursor() as cursor:
        # Django's SQL; every value is a parameter.
        cursor.execute(f"SELECT {', '.join(counted)}", params)
        return list(cursor.fetchone())


# A part of a search with at most this many incidents is read first, and the list looks its
# incidents up by id; a part with more is left to the database, as a condition that the list's
# rows are tested against in the list's order.
FEW_MATCHES = 1_000


@dataclass(frozen=True)
class Part:
    """A part of a search: ``ids``, a query set of the ids of the incidents it finds; and,
    for a part that can be read in the list's order, ``first``, which reads its first
    incidents of the list with their dates (search_order). ``counted_first``: the part is
    counted to FEW_MATCHES before it is read in the list's order, since it is often few and
    then cheap to read whole: what several words' tokens or titles hold together (few where
    each word may be in many), or one title word's rows; ``counted``, the rows counted where
    they are not ``ids`` (the ids of its incidents, some perhaps more than once: a title word's
    rows, one for each lexeme of a title it begins). ``one_at_a_time``: what builds the ids
    written to be tested for one incident at a time, where that differs (None from it: it does
    not), asked only for a part tested row by row."""

    ids: QuerySet[Any]
    first: Callable[[], list[Listed] | None] | None = None
    counted_first: bool = False
    counted: QuerySet[Any] | None = None
    one_at_a_time: Callable[[], QuerySet[Any] | None] | None = None

    def row_by_row(self) -> QuerySet[Any]:
        """The ids to test each row of the list against."""
        written = self.one_at_a_time() if self.one_at_a_time is not None else None
        return written if written is not None else self.ids

    def few(self) -> set[int] | None:
        """The part's incidents where they are at most FEW_MATCHES (None: more), read once
        to FEW_MATCHES + 1 rows; a part read in the list's order is read so only if counted
        first."""
        if self.first is not None and not self.counted_first:
            return None
        rows = self.counted if self.counted is not None else self.ids
        (column,) = rows.query.values_select or ("pk",)
        ids = list(rows.values_list(column, flat=True)[: FEW_MATCHES + 1])
        return set(ids) if len(ids) <= FEW_MATCHES else None


@dataclass(frozen=True)
class Matches:
    """What a search finds: ``condition``, the incidents it finds; and ``first_ids`` (where
    every part was read whole or in the list's order, _in_any) the ids of the list's first
    incidents among them, in the list's default order, as many as it reads (ListRead.first)."""

    condition: Q
    first_ids: list[int] | None = None


def _in_any(parts: list[Part], listed: ListRead | None) -> Matches:
    """The incidents that any of the parts (querysets of incident ids) holds.

    How the database is best asked depends on how many each part holds, which its planner
    guesses badly (the tokens' frequencies are spread over millions of distinct values). Few:
    the ids are read first (each part stops at FEW_MATCHES + 1), and the list looks them up by
    primary key, whatever the length of the list. Many: each part becomes a condition that the
    list's rows are tested against as its index is walked in the list's order, so that a page
    stops after its fifty and a count after the paginator's cap; a union of the parts, joined to
    the list, read all of both every time. A part of one word that can be read in the list's
    order (``Part.first``), few or many, and one counted first (``Part.counted_first``) that holds
    many: its first incidents of the list, which are all of it that the list's first rows can
    hold, are read that way and looked up by id as well; unless the part says it holds too
    many for that (a word in many titles), when it is tested row by row. Several words are
    counted first: together they may be few ("Мадина Султонова") where each is in many, and
    walking one word's tokens in order, or the list for a word in many titles, would test every
    one of them.

    Where no part is tested row by row, the list's first incidents (``listed``) are known here
    (Matches.first_ids): those the parts read in the list's order were tested against it as
    they were read, and come with their dates; the few read whole are tested in one query
    (_first_listed). The list's pages then read them, not the list again.
    """
    few: set[int] = set()
    ordered: dict[int, datetime.date | None] = {}
    many: list[tuple[QuerySet[Any], str]] = []
    for part in parts:
        held = part.few()
        if held is not None:
            few.update(held)
            continue
        # A part's first incidents of the list are all the list can show of it; None: too many
        # to read that way (a word in many titles), which the list's walk finds sooner.
        first = part.first() if part.first is not None else None
        if first is None:
            (column,) = part.ids.query.values_select or ("pk",)
            many.append((part.row_by_row(), column))
        else:
            ordered.update((incident, day) for day, incident in first)
    condition = Q(pk__among=few | ordered.keys())
    for ids_of, column in many:
        # EXISTS, not IN: PostgreSQL may answer it from a hashed set of the part's ids or, when
        # that set would not fit in memory, by a lookup per row in the part's index. An IN that
        # does not fit is tested by reading the whole part again for every row.
        condition |= Q(Exists(ids_of.filter(**{column: OuterRef("pk")})))
    if many and not (few or ordered) and len(many) == 1:
        # A condition that is never true, so that the one part stays a branch of an OR: alone,
        # PostgreSQL turns it into a join that looks up every match by id.
        condition |= Q(pk__lt=0)
    if many or listed is None:
        return Matches(condition)
    return Matches(condition, _first_listed(listed, ordered, few - ordered.keys()))


def _first_listed(
    listed: ListRead, ordered: dict[int, datetime.date | None], untested: set[int]
) -> list[int]:
    """The ids of the list's first incidents (``listed``), in its default order (date
    descending, undated first, then id descending: SORTS["-date"]), among those read in that
    order with their dates (``ordered``: tested against the list already) and ``untested``
    (tested here, in one query by their ids)."""
    found = dict(ordered)
    if untested:
        tested = listed.within.filter(pk__among=untested).order_by()
        found.update((pk, day) for day, pk in tested.values_list("date_start", "pk"))
    newest_first = sorted(
        found.items(),
        key=lambda item: (item[1] is None, item[1] or datetime.date.min, item[0]),
        reverse=True,
    )
    return [incident for incident, _ in newest_first[: listed.first]]


def _holding(ring: KeyRing, model: type[Model], field_name: str, words: Iterable[str]) -> Any:
    """The ids of the records whose searched field holds any of the words: one indexed lookup
    per word in the field's token table."""
    field = model._meta.get_field(field_name)
    assert isinstance(field, EncryptedTextField) and field.search is not None
    searchable = [word for word in words if word_searchable(normalise(word))]
    return (
        field.search.token_model()
        ._default_manager.filter(field=field.name, token__in=query_tokens(ring, field, searchable))
        .values("record_id")
    )


def incident_get(*, user: User | AnonymousUser, reference: str) -> Incident:
    """One visible incident, or Incident.DoesNotExist (also when it exists but is not visible).

    A reference no incident can have (longer than the column, or holding a NUL, which
    PostgreSQL refuses in a text parameter) is not looked up."""
    if len(reference) > REFERENCE_MAX_LENGTH or "\x00" in reference:
        raise Incident.DoesNotExist
    return (
        incidents_visible(user)
        .select_related("organisation", "target_organisation", "created_by", "updated_by")
        .prefetch_related("biases", "people", "report_links__report__source_list")
        .get(reference=reference)
    )


def incident_can_edit(user: User | AnonymousUser, incident: Incident) -> bool:
    return may(user, "incident.write", incident)


# The fields whose disagreement between an incident's reports is shown on its page, in order.
# Only facts that identify nobody (Report.facts, readable without the key): never names.
DISAGREEMENT_FIELDS = (
    ("date", _("Date")),
    ("place", _("Place")),
    ("incident_type", _("Incident type")),
    ("killed", _("Killed")),
    ("injured", _("Injured")),
    ("bias_motivations", _("Bias motivations")),
)


@dataclass(frozen=True)
class Disagreement:
    """One field on which an incident's reports give different values, and who says what."""

    field: str
    label: Any
    values: list[tuple[str, list[str]]]  # a value as shown, the reports that give it


def _term(name: str, code: str, language: str) -> str:
    try:
        return vocabulary(name).term(code).label(language)
    except VocabularyError:
        return code


def _fact_shown(field: str, values: dict[str, Any], language: str) -> str | None:
    """One report's value of a compared field as the page shows it; None when not given."""
    if field == "date":
        if "date" not in values or values.get("date_precision") == "unknown":
            return None
        precision = values.get("date_precision", "day")
        shown = str(values["date"])
        if precision == "range" and values.get("date_end"):
            shown = f"{shown} – {values['date_end']}"
        return f"{shown} ({_term('date_precision', precision, language)})"
    if field == "place":
        parts = []
        if values.get("country"):
            parts.append(geography.country_name(values["country"], language))
        if values.get("region"):
            parts.append(geography.region_name(values["region"], language))
        return ", ".join(parts) or None
    if field == "incident_type":
        code = values.get("incident_type")
        return _term("incident_type", code, language) if code else None
    if field == "bias_motivations":
        codes = sorted(set(values.get("bias_motivations") or []))
        return ", ".join(_term("bias_motivation", c, language) for c in codes) or None
    number = values.get(field)
    return None if number is None else str(number)


def _report_label(report: Report) -> str:
    revision = f" (r{report.revision})" if report.revision > 1 else ""
    return f"{report.source_list.name} #{report.external_id}{revision}"


def incident_disagreements(incident: Incident) -> list[Disagreement]:
    """Where the incident's reports disagree (two dates, two types, two killed counts ...):
    for each such field, each value and the reports (source list and identifier) that give it.

    Computed from the reports linked now, so it stays right as reports join or leave. Reads only
    the facts that identify nobody, so it never shows a name and works with the key locked.
    Callers must have checked that the user may see the incident.
    """
    language = get_language() or "en"
    reports = [
        link.report
        for link in incident.report_links.select_related("report__source_list").order_by(
            "report__source_list__name", "report__external_id", "report__revision"
        )
    ]
    read = [(report, standard_values(report.facts)[0]) for report in reports]
    found = []
    for field, label in DISAGREEMENT_FIELDS:
        by_value: dict[str, list[str]] = {}
        for report, values in read:
            shown = _fact_shown(field, values, language)
            if shown is not None:
                by_value.setdefault(shown, []).append(_report_label(report))
        if len(by_value) > 1:
            found.append(Disagreement(field, label, list(by_value.items())))
    return found
