"""Serving the WSGI application: waitress in one process, or gunicorn sized for the machine."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Protocol

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
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


# Beside STATIC_ROOT (not in it: WhiteNoise serves that folder): what the last collection was
# made of, so that a start with nothing changed skips it.
COLLECTED_STAMP = "static.collected"


def static_sources_fingerprint() -> str:
    """A digest of every static file the finders offer (its path, size and modification time)
    and of the storage that hashes and compresses them: it changes when an upgrade or an edit
    changes what collectstatic would write."""
    ignore = apps.get_app_config("staticfiles").ignore_patterns  # type: ignore[attr-defined]
    entries = []
    for finder in get_finders():
        for path, storage in finder.list(ignore):
            found = os.stat(storage.path(path))
            entries.append(f"{path}\0{found.st_size}\0{found.st_mtime_ns}")
    digest = hashlib.sha256(settings.STORAGES["staticfiles"]["BACKEND"].encode())
    for entry in sorted(entries):
        digest.update(entry.encode() + b"\n")
    return digest.hexdigest()


def _collected_files_present(root: Path) -> bool:
    """The manifest of the last collection, and every file it names, are in STATIC_ROOT."""
    try:
        manifest = json.loads((root / "staticfiles.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return all((root / name).is_file() for name in manifest.get("paths", {}).values())


def static_collect() -> None:
    """Copy the static files into STATIC_ROOT under names that carry a hash of their content.

    Run at every start, so that the files served are the installed version's. Hashing and
    compressing them all takes tens of seconds (the API reference's scripts are megabytes), so
    a start whose files are those of the last collection, still all in place, skips it: that
    check reads only the files' sizes and dates. Until a collection has run, pages link the plain
    names (dozor.static_storage).
    """
    root = Path(settings.STATIC_ROOT)
    stamp = root.parent / COLLECTED_STAMP
    fingerprint = static_sources_fingerprint()
    try:
        unchanged = stamp.read_text(encoding="utf-8") == fingerprint
    except OSError:
        unchanged = False
    if unchanged and _collected_files_present(root):
        return
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(fingerprint, encoding="utf-8")


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
        f"{'thread' if threads == 1 else 'threads'} (Ctrl+C stops it)\n"
    )
    out.flush()
    DozorServer().run()
