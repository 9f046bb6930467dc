from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError, CommandParser
from django.db import transaction

from dozor.accounts.models import User
from dozor.accounts.policy import may
from dozor.commands import DozorCommand
from dozor.intake.console import progress_line, remap_text, summary_text
from dozor.intake.mapping import Mapping, MappingError, mapping_parse
from dozor.intake.readers import FORMATS, ImportFileError
from dozor.intake.remap import remap_run
from dozor.intake.saved_mappings import (
    SAVED_CHOICE_PREFIX,
    saved_mapping_label,
    saved_mapping_latest,
    saved_mappings_current,
)
from dozor.intake.services import import_run, uploads_clean
from dozor.records.models import SourceList
from dozor.records.services import source_list_create
from dozor.security.crypto import KeyringLocked
from dozor.vocab.registry import vocabulary

MSG_NO_SAVED_MAPPING = (
    "--mapping {value}: the organisation of '{user}' has no saved mapping '{name}' (its saved "
    "mappings: {known})."
)
MSG_ARGUMENTS_MISSING = (
    "An import needs {missing}: dozor import FILE --source-list NAME --mapping MAPPING.yaml "
    "--user NAME (or --clean-uploads alone)."
)

MSG_REMAP_FILE = (
    "--remap re-reads the rows already stored in the source list, exactly as they were "
    "received: give no FILE (dozor import --remap --source-list NAME --mapping CORRECTED.yaml "
    "--user NAME)."
)
MSG_REMAP_OPTION = "--remap: {options} only apply when a file is imported."
MSG_REMAP_ARGUMENTS_MISSING = (
    "A re-read needs {missing}: dozor import --remap --source-list NAME --mapping "
    "CORRECTED.yaml --user NAME."
)

MSG_NOT_A_WRITER = "'{user}' is not a documenter or administrator of an organisation."


class Command(DozorCommand):
    help = (
        "Import a CSV, XLSX or JSON Lines file into a source list: `dozor import FILE "
        "--source-list NAME --mapping MAPPING.yaml --user NAME`. Every row becomes a report "
        "(kept verbatim, with the fields the mapping reads from it) or a quarantined row with "
        "a message per problem; `dozor quarantine` corrects those. Importing the same file "
        "again adds nothing. The whole import is one transaction: if it stops half-way, "
        "nothing of it is stored. The mapping file is described in docs/import.md. "
        "`dozor import --clean-uploads` deletes files uploaded on the web page and never "
        "confirmed within DOZOR_IMPORT_UPLOAD_HOURS. "
        "`dozor import --remap --source-list NAME --mapping CORRECTED.yaml --user NAME` re-reads "
        "the rows already stored in the list with a corrected mapping, without the file: every "
        "report imported into the list is read again from its stored row (the row exactly as "
        "received), so the file is not needed and no other version of it can slip in. A report "
        "whose fields change gets a new revision (it joins the report's incident); one whose "
        "fields stay the same is left alone; one the mapping cannot read is left as it is and "
        "listed; quarantined rows the mapping reads are stored. One transaction; --dry-run "
        "shows what would change and stores nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="the CSV, XLSX or JSON Lines file")
        parser.add_argument("--source-list", help="name of the source list (required)")
        parser.add_argument(
            "--mapping",
            help="the mapping file, YAML, or saved:NAME for the newest version of a mapping the "
            "user's organisation saved (required)",
        )
        parser.add_argument("--user", help="who imports, a documenter (required)")
        parser.add_argument(
            "--new-source-list",
            action="store_true",
            help="create the source list for the user's organisation if it does not exist "
            "(with --kind; a failed or dry run creates nothing)",
        )
        parser.add_argument(
            "--kind",
            help="with --new-source-list: a source_kind code (dozor vocab source_kind), "
            "e.g. partner_list",
        )
        parser.add_argument(
            "--clean-uploads",
            action="store_true",
            help="only delete web uploads never confirmed within DOZOR_IMPORT_UPLOAD_HOURS",
        )
        parser.add_argument(
            "--encoding",
            help="the file's encoding when it cannot be detected (utf-8-replace: UTF-8, each "
            "bad byte read as U+FFFD)",
        )
        parser.add_argument("--format", choices=FORMATS, help="when the file name does not say")
        parser.add_argument(
            "--dry-run", action="store_true", help="read and check everything, store nothing"
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help='print the summary as JSON, with the mapping\'s warnings as "warnings"',
        )
        parser.add_argument(
            "--remap",
            action="store_true",
            help="re-read the rows already stored in --source-list with the corrected --mapping "
            "(no FILE: each report's stored row is read, exactly as it was received); a report "
            "whose fields change gets a new revision, which joins the incident the report is "
            "part of",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["clean_uploads"]:
            deleted = uploads_clean()
            self.stdout.write(f"Deleted {deleted} unconfirmed upload(s).")
            return
        if options["remap"]:
            self._remap(options)
            return
        missing = [
            name
            for name, key in (
                ("FILE", "file"),
                ("--source-list", "source_list"),
                ("--mapping", "mapping"),
                ("--user", "user"),
            )
            if not options[key]
        ]
        if missing:
            raise CommandError(MSG_ARGUMENTS_MISSING.format(missing=", ".join(missing)))
        if options["kind"] and not options["new_source_list"]:
            raise CommandError("--kind: only with --new-source-list.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: there is no such file.")
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"There is no user '{options['user']}'.")
        mapping = mapping_for(options["mapping"], user)
        source_list = SourceList.objects.filter(name=options["source_list"]).first()
        if source_list is None and not options["new_source_list"]:
            raise CommandError(
                f"There is no source list '{options['source_list']}'. Add it first: "
                f"dozor sources add '{options['source_list']}' --kind partner_list "
                f"--user {options['user']} (kinds: dozor vocab source_kind), or pass "
                "--new-source-list --kind KIND."
            )
        progress = progress_line(sys.stderr) if not options["json"] or sys.stderr.isatty() else None
        # The new list and the import are one transaction: an import that fails, or only
        # checks (--dry-run), leaves no empty list behind.
        with transaction.atomic():
            if source_list is None:
                source_list = self._source_list_create(user, options)
                created = True
            else:
                created = False
            try:
                summary = import_run(
                    user=user,
                    source_list=source_list,
                    path=path,
                    file_name=path.name,
                    mapping=mapping,
                    file_format=options["format"],
                    encoding=options["encoding"],
                    dry_run=options["dry_run"],
                    keep_outcomes=0,
                    progress=progress,
                )
            except (ImportFileError, PermissionDenied, KeyringLocked) as error:
                raise CommandError(str(error)) from None
            if created and options["dry_run"]:
                transaction.set_rollback(True)
        warnings = [*mapping.warnings, *summary.warnings]
        if options["json"]:
            data = {**summary.as_dict(), "warnings": warnings}
            self.stdout.write(json.dumps(data, ensure_ascii=False))
        else:
            for warning in warnings:
                self.stdout.write(f"Warning: {warning}")
            self.stdout.write(summary_text(summary))
        if created and not options["dry_run"] and not options["json"]:
            self.stdout.write(
                f"Source list '{source_list.name}' ({source_list.kind}) created for "
                f"{user.organisation}."
            )

    def _remap(self, options: dict[str, Any]) -> None:
        if options["file"]:
            raise CommandError(MSG_REMAP_FILE)
        unsupported = [
            option
            for option, key in (
                ("--new-source-list", "new_source_list"),
                ("--kind", "kind"),
                ("--encoding", "encoding"),
                ("--format", "format"),
            )
            if options[key]
        ]
        if unsupported:
            raise CommandError(MSG_REMAP_OPTION.format(options=", ".join(unsupported)))
        missing = [
            name
            for name, key in (
                ("--source-list", "source_list"),
                ("--mapping", "mapping"),
                ("--user", "user"),
            )
            if not options[key]
        ]
        if missing:
            raise CommandError(MSG_REMAP_ARGUMENTS_MISSING.format(missing=", ".join(missing)))
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"There is no user '{options['user']}'.")
        mapping = mapping_for(options["mapping"], user)
        source_list = SourceList.objects.filter(name=options["source_list"]).first()
        if source_list is None:
            raise CommandError(f"There is no source list '{options['source_list']}'.")
        progress = progress_line(sys.stderr) if not options["json"] or sys.stderr.isatty() else None
        try:
            summary = remap_run(
                user=user,
                source_list=source_list,
                mapping=mapping,
                dry_run=options["dry_run"],
                progress=progress,
            )
        except (PermissionDenied, KeyringLocked) as error:
            raise CommandError(str(error)) from None
        if options["json"]:
            data = {**summary.as_dict(), "warnings": list(mapping.warnings)}
            self.stdout.write(json.dumps(data, ensure_ascii=False))
        else:
            for warning in mapping.warnings:
                self.stdout.write(f"Warning: {warning}")
            self.stdout.write(remap_text(summary))

    def _source_list_create(self, user: User, options: dict[str, Any]) -> SourceList:
        if not may(user, "source_list.write") or user.organisation is None:
            raise CommandError(MSG_NOT_A_WRITER.format(user=user.username))
        kinds = vocabulary("source_kind").codes
        if not options["kind"]:
            raise CommandError(f"--new-source-list needs --kind: one of {', '.join(kinds)}.")
        if options["kind"] not in kinds:
            raise CommandError(
                f"--kind {options['kind']}: not a kind of source list; known: {', '.join(kinds)}."
            )
        try:
            return source_list_create(
                name=options["source_list"],
                kind=options["kind"],
                organisation=user.organisation,
                user=user,
            )
        except ValidationError as error:
            raise CommandError(f"--source-list: {'; '.join(error.messages)}") from None


def mapping_for(value: str, user: User) -> Mapping:
    """The mapping --mapping names: a file, or with ``saved:NAME`` the newest version of the
    mapping NAME the user's organisation saved (never another organisation's)."""
    if not value.startswith(SAVED_CHOICE_PREFIX):
        return mapping_read(Path(value))
    name = value.removeprefix(SAVED_CHOICE_PREFIX)
    saved = (
        saved_mapping_latest(organisation_id=user.organisation_id, name=name)
        if user.organisation_id is not None
        else None
    )
    if saved is None:
        known = ", ".join(m.name for m in saved_mappings_current(user.organisation_id))
        raise CommandError(
            MSG_NO_SAVED_MAPPING.format(
                value=value, user=user.username, name=name, known=known or "none yet"
            )
        )
    try:
        return mapping_parse(saved.text, file=saved_mapping_label(saved))
    except MappingError as error:
        raise CommandError(str(error)) from None


def mapping_read(path: Path) -> Mapping:
    """The mapping file, checked; a CommandError names the file and what is wrong with it."""
    try:
        return mapping_parse(path.read_text(encoding="utf-8"), file=str(path))
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"{path}: cannot read the mapping ({error}).") from None
    except MappingError as error:
        raise CommandError(str(error)) from None
