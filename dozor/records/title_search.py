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
(migration 0011; not a model field), with a GIN index. Stored, not an index on the expression:
a word common enough for PostgreSQL to read many rows then reads the vectors instead of making
three of them per row. A query is, for each word, the word as a prefix (``'word':*``) in each
configuration, one of which must match; and all the words.

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
import threading
from typing import Any

import snowballstemmer
from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

from dozor.security.crypto import normalise, word_searchable

FTS_TABLE = "records_incident_title_fts"
# The incidents whose title the FTS5 expression (a parameter) matches.
IN_FTS = "SELECT rowid FROM records_incident_title_fts WHERE records_incident_title_fts MATCH %s"
CONFIGURATIONS = ("simple", "russian", "english")
# Whether an incident's title the tsquery matches: the stored vector, which the GIN index serves.
# Unqualified: the queryset is often a subquery, where Django renames the table (U0, ...).
TITLE_VECTOR_MATCHES = "title_fts @@ ({})"
# One word of a query: its lexeme (a parameter) as a prefix in any configuration.
TSQUERY_WORD = "(" + " || ".join(f"to_tsquery('{c}'::regconfig, %s)" for c in CONFIGURATIONS) + ")"
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


def titles_matching(text: str) -> QuerySet[Any]:
    """The ids (``values("pk")``) of the incidents whose title every word of the text finds."""
    # The records app's config imports this module before the models are ready.
    from dozor.records.models import Incident

    words = query_words(text)
    incidents = Incident.objects.order_by()
    if not words:
        return incidents.none().values("pk")
    if connection.vendor == "postgresql":
        sql, params = _tsquery(words)
        # A condition on the incidents themselves, not "id IN (SELECT id ... WHERE title_fts @@)":
        # PostgreSQL answered that by joining the whole primary key index to the matches.
        matches = RawSQL(TITLE_VECTOR_MATCHES.format(sql), params, output_field=BooleanField())  # noqa: S611 - constant SQL; the words are parameters
        return incidents.filter(matches).values("pk")
    by_fts = RawSQL(IN_FTS, (fts5_query(words),))  # noqa: S611 - constant SQL; the text is a parameter
    return incidents.filter(pk__in=by_fts).values("pk")


def _tsquery(words: list[str]) -> tuple[str, list[str]]:
    """The tsquery of the words, as SQL and its parameters: each word as a prefix in any
    configuration, and all the words."""
    params = []
    for word in words:
        # A quoted lexeme: whatever the word holds is one lexeme to PostgreSQL, never syntax.
        lexeme = "'{}':*".format(word.replace("\\", "\\\\").replace("'", "''"))
        params += [lexeme] * len(CONFIGURATIONS)
    return " && ".join([TSQUERY_WORD] * len(words)), params


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
