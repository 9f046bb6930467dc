"""Search over sealed text: a table of keyed tokens per record, written with the value.

A sealed field that is searched names its token table with :class:`SearchIndex`. Each row of the
table is (record, field, token): the keyed index (crypto.KeyRing.search_token) of one normalised
word of the value, or of one of its beginnings. The table's primary key starts with the field and
the token, so finding the records that hold a word is one B-tree lookup, and a search for several
words is the intersection of such lookups; nothing reads every record.

The tokens are written in the same transaction as the value: by ``save()`` (:class:`Searchable`),
by ``bulk_create()`` (:class:`SearchableQuerySet`) and by the bulk paths that call
:func:`search_tokens_write` themselves. Key rotation and ``dozor keys reindex`` rebuild them
(dozor.security.keys); ``dozor keys reindex --check`` names each record whose tokens are missing
or stale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import connection, models, router, transaction

from dozor.security.crypto import KeyRing, normalise
from dozor.security.keyring import keyring

if TYPE_CHECKING:
    from dozor.security.fields import EncryptedTextField

# Rows per INSERT where PostgreSQL's COPY is not used.
INSERT_BATCH = 5000


def _as_text(value: Any) -> str:
    return str(value or "")


@dataclass(frozen=True)
class SearchIndex:
    """How a sealed field is searched: its token table (``"app_label.ModelName"``), whether the
    beginnings of words get tokens too, and the text of a value that is tokenised (the value
    itself for text; for a JSON document, the part of it that is searched)."""

    table: str
    prefixes: bool = True
    text: Callable[[Any], str] = field(default=_as_text)

    def token_model(self) -> Any:
        """The token table's model: a concrete SearchToken, whose ``record`` the abstract base
        cannot declare (typed loosely for that reason)."""
        model = apps.get_model(self.table)
        assert issubclass(model, SearchToken)
        return model


class SearchToken(models.Model):
    """One keyed token of one record's sealed field. Concrete tables add ``record`` (a foreign
    key to the record, deleted with it) and ``pk = CompositePrimaryKey("field", "token",
    "record")``: the primary key's B-tree is the search index. A second index on (record, field)
    serves rewriting one record's tokens."""

    field = models.CharField(max_length=40)
    token = models.CharField(max_length=16)

    class Meta:
        abstract = True


def searched_fields(model: type[models.Model]) -> list[EncryptedTextField]:
    # fields.py imports this module for SearchIndex: fields are read here, when called.
    from dozor.security.fields import EncryptedTextField

    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, EncryptedTextField) and f.search is not None
    ]


def value_tokens(ring: KeyRing, field: EncryptedTextField, value: Any) -> set[str]:
    """The tokens of one value of a searched field (none for an empty or unreadable value)."""
    # fields.py imports this module for SearchIndex: fields are read here, when called.
    from dozor.security.fields import is_locked

    assert field.search is not None
    if value is None or value == "" or is_locked(value):
        return set()
    return ring.search_tokens(field.label, field.search.text(value), prefixes=field.search.prefixes)


def query_tokens(ring: KeyRing, field: EncryptedTextField, words: Iterable[str]) -> list[str]:
    """The tokens a search looks up for query words in a field (each word normalised)."""
    return sorted({ring.search_token(field.label, normalise(word)) for word in words})


def search_tokens_write(
    objects: Sequence[models.Model],
    *,
    adding: bool = False,
    only: Iterable[str] | None = None,
    ring: KeyRing | None = None,
) -> int:
    """Replace the tokens of these saved records' searched fields by those of their values.

    ``adding``: the records are new, so there are no old tokens to delete. ``only``: the names of
    the fields that were saved (``save(update_fields=...)``); other fields keep their tokens.
    Returns how many token rows were written.
    """
    if not objects:
        return 0
    model = type(objects[0])
    fields = searched_fields(model)
    if only is not None:
        wanted = set(only)
        fields = [f for f in fields if f.name in wanted or f.attname in wanted]
    if not fields:
        return 0
    ring = ring or keyring()
    written = 0
    for searched in fields:
        assert searched.search is not None
        table = searched.search.token_model()
        pks = [instance.pk for instance in objects]
        if not adding:
            for start in range(0, len(pks), INSERT_BATCH):
                table._default_manager.filter(
                    record_id__in=pks[start : start + INSERT_BATCH], field=searched.name
                ).delete()
        rows = [
            (pk, token)
            for instance, pk in zip(objects, pks, strict=True)
            for token in sorted(value_tokens(ring, searched, getattr(instance, searched.attname)))
        ]
        tokens_insert(table, searched.name, rows)
        written += len(rows)
    return written


def tokens_insert(table: Any, field_name: str, rows: list[tuple[Any, str]]) -> None:
    """Insert (record, token) rows of one field: COPY on PostgreSQL, executemany elsewhere.

    Plain rows, not model instances: a summary gives a hundred tokens and more, and building a
    model object for each took more than half of `dozor demo`'s time on SQLite.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(table._meta.get_field(name).column) for name in ("record", "field", "token")
    )
    name = quote(table._meta.db_table)
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy,
        ):
            for record, token in rows:
                copy.write_row((record, field_name, token))
        return
    sql = f"INSERT INTO {name} ({columns}) VALUES (%s, %s, %s)"  # noqa: S608 - quoted names from the model's _meta
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_BATCH):
            cursor.executemany(
                sql,
                [
                    (record, field_name, token)
                    for record, token in rows[start : start + INSERT_BATCH]
                ],
            )


class SearchableQuerySet(models.QuerySet):  # type: ignore[type-arg]
    """``bulk_create()`` writes the new records' search tokens in the same transaction."""

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            if not kwargs.get("ignore_conflicts") and not kwargs.get("update_conflicts"):
                search_tokens_write(created, adding=True)
        return created


class Searchable(models.Model):
    """A model with searched sealed fields: ``save()`` writes their tokens with the value."""

    objects = SearchableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        adding = self._state.adding
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            super().save(*args, **kwargs)
            search_tokens_write([self], adding=adding, only=kwargs.get("update_fields"))
