from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from dozor.commands import DozorCommand
from dozor.config import MAX_THREADS, MAX_WORKERS
from dozor.server import pending_migrations, serve, serve_production

# waitress's threads when --threads is not given: one process answers this many requests at once.
WAITRESS_THREADS = 8
MSG_PORT = "--port {port}: expected a port number from 1 to 65535."
MSG_WORKERS = "--workers {value}: expected a number from 1 to {maximum}."
MSG_WORKERS_WAITRESS = "--workers needs --production: waitress serves from one process."
MSG_THREADS = "--threads {value}: expected a number from 1 to {maximum}."
MSG_MIGRATIONS = "The database is missing {count} migration(s); run `dozor migrate` first."


class Command(DozorCommand):
    # It answers requests: the URL checks too (dozor.commands).
    requires_system_checks = "__all__"
    help = (
        "Serve the web app. Without --production: waitress, one process with threads (a laptop, "
        "one organisation, Windows). With --production: gunicorn, DOZOR_WORKERS processes x "
        "DOZOR_THREADS threads, sized for the machine's cores and memory by default (Linux and "
        "macOS; docs/configuration.md, 'Serving in production'). Both collect the static files "
        "first and refuse to start while the database lacks migrations. Put the server behind an "
        "HTTPS reverse proxy when other machines reach it. Example: "
        "dozor serve --production --host 127.0.0.1 --port 8000"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on")
        parser.add_argument(
            "--production",
            action="store_true",
            help="serve with gunicorn in several processes (DOZOR_WORKERS x DOZOR_THREADS)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            help="processes, with --production (default DOZOR_WORKERS: auto, from the cores)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            help=(
                f"threads per process (default: DOZOR_THREADS with --production, "
                f"{WAITRESS_THREADS} without)"
            ),
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        production: bool,
        workers: int | None,
        threads: int | None,
        **options: Any,
    ) -> None:
        if not 1 <= port <= 65535:
            raise CommandError(MSG_PORT.format(port=port))
        if workers is not None and not production:
            raise CommandError(MSG_WORKERS_WAITRESS)
        if workers is not None and not 1 <= workers <= MAX_WORKERS:
            raise CommandError(MSG_WORKERS.format(value=workers, maximum=MAX_WORKERS))
        if threads is not None and not 1 <= threads <= MAX_THREADS:
            raise CommandError(MSG_THREADS.format(value=threads, maximum=MAX_THREADS))
        waiting = pending_migrations()
        if waiting:
            raise CommandError(MSG_MIGRATIONS.format(count=len(waiting)))
        if production:
            serve_production(
                host=host,
                port=port,
                workers=workers or settings.DOZOR_WORKERS,
                threads=threads or settings.DOZOR_THREADS,
                out=self.stdout,
            )
        else:
            serve(host=host, port=port, threads=threads or WAITRESS_THREADS, out=self.stdout)
