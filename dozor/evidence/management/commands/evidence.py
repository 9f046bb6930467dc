from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from dozor.commands import DozorCommand
from dozor.evidence.services import evidence_verify

PROGRESS_EVERY = 100


class Command(DozorCommand):
    help = (
        "Check the evidence files. `dozor evidence verify` reads every stored file back from the "
        "encrypted store, recomputes its SHA-256 and compares it with the one taken when the "
        "file was received; it names each file that is missing, damaged or changed, and exits "
        "with status 1 when it finds any."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"], help="verify: re-hash every file")

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(checked: int) -> None:
            if checked % PROGRESS_EVERY == 0:
                self.stderr.write(f"{checked} files checked…")

        checked, problems = evidence_verify(progress=progress)
        for problem in problems:
            self.stderr.write(
                f"attachment {problem.attachment_id} (file {problem.file_id}): {problem.problem}"
            )
        if problems:
            raise CommandError(
                f"{len(problems)} of {checked} evidence files are missing, damaged or changed; "
                "see above."
            )
        self.stdout.write(f"All {checked} evidence files are as they were received.")
