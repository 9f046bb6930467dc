from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from dozor.audit.selectors import audit_count, audit_verify
from dozor.commands import DozorCommand

MAX_PROBLEMS_SHOWN = 100


class Command(DozorCommand):
    help = (
        "Check the audit trail. `dozor audit verify` recomputes every entry's hash and its link "
        "to the entry before it, and names each entry that was edited, deleted or moved. It exits "
        "with status 1 when it finds any."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"], help="verify: check the hash chain")

    def handle(self, *args: Any, **options: Any) -> None:
        problems = []
        for problem in audit_verify():
            problems.append(problem)
            if len(problems) <= MAX_PROBLEMS_SHOWN:
                self.stderr.write(str(problem))
        if problems:
            raise CommandError(f"The audit trail has {len(problems)} problem(s); see above.")
        self.stdout.write(f"The audit trail is intact: {audit_count()} entries, chain verified.")
