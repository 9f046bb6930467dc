from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError, CommandParser

from dozor.accounts.models import User
from dozor.audit.models import Action
from dozor.commands import DozorCommand
from dozor.intake import selectors
from dozor.intake.console import problem_text
from dozor.intake.services import quarantine_read_record, quarantine_resubmit
from dozor.lib.csv_safety import csv_rows_write, csv_text
from dozor.security.filemodes import private_write_text


class Command(DozorCommand):
    help = (
        "The rows an import could not store. `list` shows them with every problem; `export` "
        "writes them as CSV (one line per problem); `fix ID --set COLUMN=VALUE` stores a row "
        "with corrected cells, or says what is still wrong. Only rows of your organisation's "
        "source lists are shown."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="list the rows waiting for a correction")
        listing.add_argument("--user", required=True)
        listing.add_argument("--source-list", help="only this source list")
        listing.add_argument("--json", action="store_true")
        export = sub.add_parser("export", help="write the rows as CSV")
        export.add_argument("--user", required=True)
        export.add_argument("--source-list", help="only this source list")
        export.add_argument(
            "--out",
            type=Path,
            help="the file to write, readable by you only (default: standard output)",
        )
        fix = sub.add_parser("fix", help="store a quarantined row with corrected cells")
        fix.add_argument("id", type=int, help="the row's number in `dozor quarantine list`")
        fix.add_argument("--user", required=True)
        fix.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="COLUMN=VALUE",
            help="a corrected cell (repeatable)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"There is no user '{options['user']}'.")
        rows = selectors.quarantine_visible(user)
        if options.get("source_list"):
            rows = rows.filter(source_list__name=options["source_list"])
        if options["action"] in ("list", "export"):
            quarantine_read_record(
                user=user,
                action=Action.VIEW if options["action"] == "list" else Action.EXPORT,
                rows=rows.count(),
            )
        if options["action"] == "list":
            if options["json"]:
                data = [
                    {
                        "id": shown.row.pk,
                        "import": shown.row.batch_id,
                        "source_list": shown.row.source_list.name,
                        "row": shown.row.row_number,
                        "raw": shown.raw,
                        "problems": shown.problems,
                    }
                    for shown in selectors.quarantine_shown_all(user, rows)
                ]
                self.stdout.write(json.dumps(data, ensure_ascii=False))
                return
            for shown in selectors.quarantine_shown_all(user, rows):
                row = shown.row
                self.stdout.write(
                    f"#{row.pk}  {row.source_list.name}, import {row.batch_id} "
                    f"({row.batch.file_name}), row {row.row_number}"
                )
                for problem in shown.problems:
                    self.stdout.write(f"    {problem_text(problem)}")
            return
        if options["action"] == "export":
            header = selectors.QUARANTINE_EXPORT_HEADER
            exported = selectors.quarantine_export_rows(rows, user)
            if options.get("out") is None:
                csv_rows_write(sys.stdout, header, exported)
            else:
                # The rows hold names as imported: the file gets mode 600, like every export.
                private_write_text(options["out"], csv_text(header, exported))
            return
        found = rows.filter(pk=options["id"]).first()
        if found is None:
            raise CommandError(f"There is no quarantined row #{options['id']} waiting for you.")
        row = found
        corrections = {}
        for item in options["set"]:
            column, separator, value = item.partition("=")
            if not separator:
                raise CommandError(f"--set {item}: write it as COLUMN=VALUE.")
            corrections[column] = value
        try:
            report, problems = quarantine_resubmit(user=user, row=row, corrections=corrections)
        except (ValueError, PermissionDenied) as error:
            raise CommandError(str(error)) from None
        if report is None:
            text = "\n".join(f"  {problem_text(problem.as_dict())}" for problem in problems)
            raise CommandError(f"Row #{row.pk} is still not storable:\n{text}")
        self.stdout.write(
            f"Stored row #{row.pk} as report {report.external_id} (revision {report.revision})."
        )
