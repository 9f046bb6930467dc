"""Serving the WSGI application: waitress in one process, or gunicorn sized for the machine."""

from __future__ import annotations

from typing import Any, Protocol

from django.core.management import call_command
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor


class Writer(Protocol):
    def write(self, text: str) -> object: ...

    def flush(self) -> object: ...


def pending_migrations() -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def static_collect() -> None:
    """Copy the static files into STATIC_ROOT under names that carry a hash of their content.

    Run at every start, so that the files served are the installed version's; it takes well under
    a second. Until it has run, pages link the plain names (dozor.static_storage).
    """
    call_command("collectstatic", interactive=False, verbosity=0)


def serve(*, host: str, port: int, threads: int, out: Writer) -> None:
    import waitress

    static_collect()
    # Importing the WSGI module sets Django up: only once the server is really started.
    from dozor.wsgi import application

    out.write(f"Dozor is serving on http://{host}:{port}/  (Ctrl+C stops it)\n")
    out.flush()
    waitress.serve(application, host=host, port=port, threads=threads, ident="Dozor")


def serve_production(*, host: str, port: int, workers: int, threads: int, out: Writer) -> None:
    """gunicorn with dozor/gunicorn_conf.py's settings, listening on ``host:port``."""
    # gunicorn only for --production: waitress serves on systems gunicorn does not run on.
    from gunicorn.app.base import BaseApplication

    from dozor.gunicorn_conf import options  # with gunicorn, whose settings it names

    static_collect()
    settings: dict[str, Any] = {
        **options(),
        "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
        "workers": workers,
        "threads": threads,
    }

    class DozorServer(BaseApplication):  # type: ignore[misc]  # gunicorn ships no types
        def load_config(self) -> None:
            for name, value in settings.items():
                self.cfg.set(name, value)

        def load(self) -> Any:
            # Importing the WSGI module sets Django up: in each worker, as it starts.
            from dozor.wsgi import application

            return application

    # The workers are forked from this process: none of them may inherit its connection.
    connections.close_all()
    out.write(
        f"Dozor is serving on http://{host}:{port}/ with {workers} processes x {threads} "
        "threads (Ctrl+C stops it)\n"
    )
    out.flush()
    DozorServer().run()
