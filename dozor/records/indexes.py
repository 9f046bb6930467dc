"""Indexes only PostgreSQL can build, declared in the models so that other databases skip them."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.backends.ddl_references import Statement


class _PostgresOnly:
    """Made on PostgreSQL; on other databases the index's SQL is a comment, so that the
    migration, and the table rebuilds SQLite's schema editor does later, still run there."""

    name: str

    def create_sql(self, model: Any, schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql":
            return self._skipped(schema_editor)
        return super().create_sql(model, schema_editor, using=using, **kwargs)  # type: ignore[misc]

    def remove_sql(self, model: Any, schema_editor: Any, **kwargs: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql":
            return self._skipped(schema_editor)
        return super().remove_sql(model, schema_editor, **kwargs)  # type: ignore[misc]

    def _skipped(self, schema_editor: Any) -> Statement:
        return Statement(
            "-- %(name)s: a PostgreSQL index, not made on %(vendor)s",
            name=self.name,
            vendor=schema_editor.connection.vendor,
        )


class PostgresOnlyGinIndex(_PostgresOnly, GinIndex):
    """A GIN index on PostgreSQL; nothing on other databases.

    With ``opclasses=["gin_trgm_ops"]`` (the pg_trgm extension, created by the migration that adds
    the index) it lets PostgreSQL answer ``LIKE '%text%'`` from the index instead of reading every
    row. SQLite has no such index and reads every row anyway.
    """


class PostgresOnlyIndex(_PostgresOnly, models.Index):
    """A B-tree index on PostgreSQL only: one whose point is its INCLUDE columns (a covering
    index, read without the table), which SQLite would make as a copy of an index it has."""
