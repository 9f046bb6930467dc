from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from dozor.commands import DozorCommand
from dozor.server import pending_migrations, serve


class Command(DozorCommand):
    help = (
        "Serve the web app with a production-grade server (waitress). "
        "Put it behind an HTTPS reverse proxy when other machines reach it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on")
        parser.add_argument("--threads", type=int, default=8, help="worker threads")

    def handle(self, *args: Any, host: str, port: int, threads: int, **options: Any) -> None:
        waiting = pending_migrations()
        if waiting:
            raise CommandError(
                f"The database is missing {len(waiting)} migration(s); run `dozor migrate` first."
            )
        if not 1 <= port <= 65535:
            raise CommandError(f"--port {port}: expected a port number from 1 to 65535.")
        serve(host=host, port=port, threads=threads, out=self.stdout)
