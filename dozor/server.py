"""Serving the WSGI application with waitress."""

from __future__ import annotations

from typing import Protocol

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


class Writer(Protocol):
    def write(self, text: str) -> object: ...

    def flush(self) -> object: ...


def pending_migrations() -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def serve(*, host: str, port: int, threads: int, out: Writer) -> None:
    import waitress

    # Importing the WSGI module sets Django up: only once the server is really started.
    from dozor.wsgi import application

    out.write(f"Dozor is serving on http://{host}:{port}/  (Ctrl+C stops it)\n")
    out.flush()
    waitress.serve(application, host=host, port=port, threads=threads, ident="Dozor")
