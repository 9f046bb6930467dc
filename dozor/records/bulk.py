"""Bulk inserts for the services that store many records at once: PostgreSQL's COPY there.

Django 5.2 bulk-inserts on PostgreSQL through one large INSERT whose every value passes through
the query compiler and psycopg's client-side parameter merging; for an import's rows (two sealed
JSON documents each) that costs more than reading, mapping and sealing them. COPY streams the
rows instead. The primary keys are taken from the table's sequence first, so the objects come back
with their ids as after ``bulk_create``. Each field's own ``pre_save`` and ``get_db_prep_save``
make the values (timestamps, sealing, blind indexes), exactly as a save would, and the search
tokens of the sealed fields are written after the rows (COPY again). Other databases use
``bulk_create``, which writes the tokens itself (security.search.SearchableQuerySet). Call it
inside the service's transaction: rows and tokens commit together.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models

from dozor.security.fields import EncryptedTextField
from dozor.security.search import search_tokens_write


def bulk_insert(objects: Sequence[models.Model]) -> None:
    """Insert new rows of one model, setting their primary keys; one statement per call."""
    if not objects:
        return
    model = type(objects[0])
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objects)
        return
    meta = model._meta
    fields = list(meta.concrete_fields)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objects)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    # Fields that compute sibling columns (blind indexes, public facts) go first.
    computing = [f for f in fields if isinstance(f, EncryptedTextField) and f.indexes]
    rows: list[list[Any]] = []
    for instance, pk in zip(objects, ids, strict=True):
        instance.pk = pk
        prepared = {f.attname: f.pre_save(instance, True) for f in computing}
        row = []
        for field in fields:
            if field.attname in prepared:
                value = prepared[field.attname]
            else:
                value = field.pre_save(instance, True)
            row.append(field.get_db_prep_save(value, connection))
        rows.append(row)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
    for instance in objects:
        instance._state.adding = False
        instance._state.db = connection.alias
    search_tokens_write(objects, adding=True)
