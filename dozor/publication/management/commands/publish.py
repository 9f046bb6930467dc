from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from dozor.commands import DozorCommand
from dozor.publication.services import publication_write


class Command(DozorCommand):
    help = (
        "Write the public export into a folder: counts of incidents, killed and injured by year "
        "and by region, bias motivation and incident type, with cells under 5 suppressed (and "
        "enough others that totals do not give them away), and the incidents marked public, "
        "without names or free text, placed by region and dated by month. CSV and JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, type=Path, help="the folder to write into")

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        if out.exists() and not out.is_dir():
            raise CommandError(f"--out {out}: this is a file; give a folder.")
        try:
            written = publication_write(out=out)
        except OSError as error:
            raise CommandError(f"--out {out}: cannot write there ({error.strerror}).") from None
        self.stdout.write(f"Wrote {len(written)} files to {out}.")
