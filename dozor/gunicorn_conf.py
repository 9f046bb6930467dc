"""gunicorn's configuration for Dozor, sized by DOZOR_WORKERS and DOZOR_THREADS.

`dozor serve --production` uses these values; to run gunicorn yourself (under systemd, in a
container) give it this module, and anything on gunicorn's command line takes precedence:

    gunicorn -c python:dozor.gunicorn_conf --bind 127.0.0.1:8000

Django is not loaded here: gunicorn reads this module in its master process before the workers
start. The names below are gunicorn's settings (https://gunicorn.org/reference/settings/).
"""

from __future__ import annotations

import gc
from typing import Any

from dozor.config import server_threads as _server_threads
from dozor.config import server_workers as _server_workers

# How long one request may run before gunicorn replaces its process (a sync worker tells gunicorn
# it is alive only between requests). The longest are the incident list's downloads, streamed as
# they are written: about 1,300 incidents a second (bench/exports.py), a quarter of an hour for a
# million; twice that here.
REQUEST_TIMEOUT_SECONDS = 30 * 60


def options() -> dict[str, Any]:
    """gunicorn's settings for this machine and this environment."""
    return {
        "wsgi_app": "dozor.wsgi:application",
        "bind": ["127.0.0.1:8000"],
        # One request at a time in each process, and a process more than the cores: a request
        # spends about three quarters of its time in Python, so more at once only take turns. On
        # two cores 5 processes x 4 threads used a tenth more CPU per request than 3 x 1, and
        # its p95 was 2.5 times as long (docs/development.md, "Load"). A sync worker accepts a
        # connection only when it is free, so a long request (a PDF, an export) holds no one
        # else's. With DOZOR_THREADS above 1 gunicorn runs its threaded worker instead.
        "worker_class": "sync",
        "workers": _server_workers(),
        "threads": _server_threads(),
        "timeout": REQUEST_TIMEOUT_SECONDS,
        "graceful_timeout": 30,
        # With DOZOR_THREADS above 1: behind a reverse proxy that keeps its connections open.
        "keepalive": 75,
        # No access log: its lines carry the query string, where searches and filters put names.
        # Dozor logs each request's page name, status and time itself (dozor.request_timing).
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "dozor",
        # Two servers on one machine would otherwise share one control socket path; Dozor is
        # managed with signals (HUP reloads, TERM stops).
        "control_socket_disable": True,
    }


def on_starting(server: Any) -> None:
    """Collect the static files once, in the master, before the workers start."""
    import os

    # Django and the modules that need its settings are loaded here, in the master, only when
    # gunicorn starts: reading this module (`gunicorn --print-config`) sets nothing up.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dozor.settings")
    import django

    from dozor.security.filemodes import private_umask  # before the settings create files

    private_umask()
    django.setup()
    from django.db import connections

    from dozor.server import static_collect  # it needs the settings django.setup() just read

    static_collect()
    # The workers are forked from this process: none of them may inherit its connection.
    connections.close_all()


def post_worker_init(worker: Any) -> None:
    """Take what the worker has loaded (Django, Dozor's modules, its URL patterns and models)
    out of the garbage collector's way, so that its collections stop walking them again for the
    few objects each request leaves: about 3% less CPU per request under load
    (docs/development.md, "Load")."""
    gc.freeze()


# gunicorn reads its settings from this module's names.
globals().update(options())
