"""Search over incident titles: PostgreSQL's full-text search, SQLite's FTS5.

Titles are not sealed (they are what a list shows without the key, and must name nobody), so
the database indexes their words itself. A word of the query finds a word of the title when

- the title's word begins with it ("напад" finds "нападение", "Ростов" finds "Ростове"), or
- its stem begins the stem of the title's word, by the Snowball stemmers for Russian and English
  that PostgreSQL's ``russian`` and ``english`` configurations use ("нападения" finds
  "нападение", "attacks" finds "attack", "defenders" finds "defending").

Case, ё and е, and punctuation do not count (crypto.normalise). Every word of the query of
MIN_WORD_LENGTH letters or more must find a word of the title, in any order; shorter words are
left out, and a query with no such word finds no title. The middle of a word finds nothing.

PostgreSQL: the column ``title_fts``, the title's tsvector in the ``simple`` (the words as
written), ``russian`` and ``english`` configurations, generated and stored by the database
(migration 0011; not a model field), and the table ``records_incident_title_word`` (migration
0014; ``records.IncidentTitleWord``, which Django does not manage) that the database's triggers
fill with each of its lexemes beside the incident's id. Its primary key (lexeme, incident) is a
B-tree in byte order, so a word's beginning is one range of it, read without the incidents'
rows. A query asks PostgreSQL for each word's lexemes in the three configurations
(``word_lexemes``: made as the titles' were), and finds, for each word, the titles with a
lexeme that one of them begins; and all the words.

SQLite: the FTS5 table ``records_incident_title_fts`` (rowid = incident id) holds each title's
words and their stems, normalised here (FTS5's ``remove_diacritics`` leaves Cyrillic ё as it
is). Triggers on ``records_incident``, made by migration 0011, keep it right on every insert,
change of title and delete, whatever writes them (services, bulk_create, update(), the demo
loader). SQLite has no Russian stemmer, so the triggers call the SQL functions
``dozor_title_words`` and ``dozor_title_stems``, which register_sqlite_functions() gives every
connection Django opens. A query is, for each word, ``words : "word"*`` or ``stems : "stem"*``
for each of its stems; and all the words.
"""

from __future__ import annotations

import functools
import operator
import threading
from dataclasses import dataclass
from typing import Any

import snowballstemmer
from django.db import connection
from django.db.models import Count, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Left
from django.db.models.lookups import Exact

from dozor.security.crypto import normalise, word_searchable

FTS_TABLE = "records_incident_title_fts"
# The incidents whose title the FTS5 expression (a parameter) matches.
IN_FTS = "SELECT rowid FROM records_incident_title_fts WHERE records_incident_title_fts MATCH %s"
CONFIGURATIONS = ("simple", "russian", "english")
# A word's lexemes in every configuration, as title_fts holds a title's (the word a parameter).
WORD_LEXEMES = (
    "tsvector_to_array("
    + " || ".join(f"to_tsvector('{c}'::regconfig, %s)" for c in CONFIGURATIONS)
    + ")"
)
# The stemmers of the russian and english configurations, for SQLite's index and its queries.
STEMMERS = ("russian", "english")

_stemmers = threading.local()


def _stemmer(language: str) -> Any:
    # Snowball's stemmers keep the word being stemmed in the object: one per thread.
    found = getattr(_stemmers, language, None)
    if found is None:
        found = snowballstemmer.stemmer(language)
        setattr(_stemmers, language, found)
    return found


@functools.lru_cache(maxsize=50_000)
def word_stems(word: str) -> frozenset[str]:
    """The Russian and English stems of a normalised word (a stemmer that finds no ending to
    take off gives the word itself, as PostgreSQL's configurations do)."""
    return frozenset(_stemmer(language).stemWord(word) for language in STEMMERS)


def title_words(title: str | None) -> str:
    """What the FTS5 table's ``words`` column holds: the title's normalised words."""
    return normalise(title or "")


def title_stems(title: str | None) -> str:
    """What the FTS5 table's ``stems`` column holds: the stems of the title's words."""
    stems: dict[str, None] = {}
    for word in title_words(title).split():
        stems.update(dict.fromkeys(sorted(word_stems(word))))
    return " ".join(stems)


def query_words(text: str) -> list[str]:
    """The words of a query that search titles: normalised, each once, none too short."""
    return list(dict.fromkeys(word for word in normalise(text).split() if word_searchable(word)))


@dataclass(frozen=True)
class TitleMatch:
    """The incidents whose title every word of a text finds, as titles_matching gives them
    (``ids``); and on PostgreSQL, from the same read of the words' lexemes, the word table's
    rows of any of the words, not grouped, whose number says how common the words are
    (``rows``), and the ids written to be narrowed to one incident (``one_at_a_time``: an
    ``EXISTS`` tested for each row of the list, where the incident's few words are read by its
    id; see _title_words_matching), and each word's lexemes (``lexemes``, word_lexemes)."""

    ids: QuerySet[Any]
    rows: QuerySet[Any] | None = None
    lexemes: tuple[tuple[str, ...], ...] = ()

    @functools.cached_property
    def one_at_a_time(self) -> QuerySet[Any] | None:
        """Built when asked: most searches never test the list row by row."""
        if self.rows is None:
            return None
        lexemes = [list(alternatives) for alternatives in self.lexemes]
        return _title_words_matching(lexemes, one_at_a_time=True)

    @property
    def words(self) -> int:
        """How many words the text has (on SQLite, where their lexemes are not read: 1)."""
        return len(self.lexemes) or 1


def title_match(text: str) -> TitleMatch:
    # The records app's config imports this module before the models are ready.
    from dozor.records.models import Incident, IncidentTitleWord

    words = query_words(text)
    incidents = Incident.objects.order_by()
    if not words:
        return TitleMatch(incidents.none().values("pk"))
    if connection.vendor == "postgresql":
        lexemes = word_lexemes(words)
        return TitleMatch(
            _title_words_matching(lexemes),
            IncidentTitleWord.objects.filter(_any_word(lexemes)).values("incident_id"),
            tuple(tuple(alternatives) for alternatives in lexemes),
        )
    by_fts = RawSQL(IN_FTS, (fts5_query(words),))  # noqa: S611 - constant SQL; the text is a parameter
    return TitleMatch(incidents.filter(pk__in=by_fts).values("pk"))


def titles_matching(text: str) -> QuerySet[Any]:
    """The ids of the incidents whose title every word of the text finds: a query set of one
    column (``values()``: ``pk``, or on PostgreSQL the word table's ``incident_id``), in which an
    id may come more than once (a subquery's ``IN`` and ``EXISTS`` do not mind)."""
    return title_match(text).ids


def word_lexemes(words: list[str]) -> list[list[str]]:
    """Each word's lexemes, made by PostgreSQL's own configurations as it made the titles': the
    word itself (simple) and its Russian and English stems, without any that another of them
    begins (its matches are among the other's)."""
    select = ", ".join([WORD_LEXEMES] * len(words))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select}", [word for word in words for _ in CONFIGURATIONS])
        row = cursor.fetchone()
    found = []
    for lexemes in row:
        unique = set(lexemes or [])
        found.append(
            sorted(
                lexeme
                for lexeme in unique
                if not any(other != lexeme and lexeme.startswith(other) for other in unique)
            )
        )
    return found


def _word_begins(lexemes: list[list[str]], *, one_at_a_time: bool = False) -> list[Q]:
    """For each word, a condition on a word-table row: its lexeme begins with one of the
    word's (``startswith``: a range of the table's byte-ordered primary key; ``left`` for
    one_at_a_time, which no index serves)."""
    each = []
    for alternatives in lexemes:
        begins = Q(lexeme__in=[])  # a word no configuration keeps: no title holds it
        for lexeme in alternatives:
            if one_at_a_time:
                begins |= Q(Exact(Left("lexeme", len(lexeme)), Value(lexeme)))
            else:
                begins |= Q(lexeme__startswith=lexeme)
        each.append(begins)
    assert each
    return each


def _any_word(lexemes: list[list[str]], *, one_at_a_time: bool = False) -> Q:
    return functools.reduce(operator.or_, _word_begins(lexemes, one_at_a_time=one_at_a_time))


def _title_words_matching(
    lexemes: list[list[str]], *, one_at_a_time: bool = False
) -> QuerySet[Any]:
    """The ids (``values("incident_id")``) of the incidents whose title every word finds (each
    word's ``lexemes``, word_lexemes), from the word table alone: for each word a lexeme of the
    title that one of its lexemes begins; and all the words.

    One read of the words' ranges, grouped by incident, keeping those where each word found a
    lexeme. Not one ``IN`` per word nested in the next: with the statistics of a table just
    written, PostgreSQL joined six such levels (a whole title typed as the search) in nested
    loops and ran for minutes.

    ``one_at_a_time`` compares each lexeme's beginning (``left``), so that narrowed to one
    incident the words are read by the incident's id. With ``startswith`` PostgreSQL read, for
    each row of the list, the range of a rare word's lexemes in the primary key: a word in 2% of
    the titles of a million incidents made a list page take 40 s. Grouped even for one word:
    ungrouped, PostgreSQL hashed the ``EXISTS`` instead, reading the whole word table.
    """
    # The records app's config imports this module before the models are ready.
    from dozor.records.models import IncidentTitleWord

    each = _word_begins(lexemes, one_at_a_time=one_at_a_time)
    counts = {
        f"word_{number}": Count("lexeme", filter=begins) for number, begins in enumerate(each)
    }
    return (
        IncidentTitleWord.objects.filter(functools.reduce(operator.or_, each))
        .values("incident_id")
        .annotate(**counts)
        .filter(**{f"{name}__gt": 0 for name in counts})
        .values("incident_id")
    )


def _fts5_string(term: str) -> str:
    # An FTS5 string: inside double quotes nothing is syntax but a doubled quote.
    return '"{}"'.format(term.replace('"', '""'))


def fts5_query(words: list[str]) -> str:
    """The FTS5 MATCH expression for query words: each word as a prefix of a title's word or
    its stems as prefixes of a stem of one, and every word."""
    clauses = []
    for word in words:
        either = [f"words : {_fts5_string(word)}*"]
        either += [f"stems : {_fts5_string(stem)}*" for stem in sorted(word_stems(word))]
        clauses.append("(" + " OR ".join(either) + ")")
    return " AND ".join(clauses)


def register_sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Give a new SQLite connection the functions the title index's triggers call."""
    if connection.vendor == "sqlite":
        database = connection.connection
        database.create_function("dozor_title_words", 1, title_words, deterministic=True)
        database.create_function("dozor_title_stems", 1, title_stems, deterministic=True)
