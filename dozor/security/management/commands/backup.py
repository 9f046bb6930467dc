from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from dozor.commands import DozorCommand
from dozor.security.backup import BackupError, archive_members, backup_verify, backup_write
from dozor.security.crypto import KeyringLocked
from dozor.security.keyring import keyring


class Command(DozorCommand):
    help = (
        "Write an encrypted, integrity-checked archive of the database and the stored files "
        "(`dozor backup --to FILE`), consistent even while Dozor runs; or check one without "
        "restoring it (`dozor backup verify FILE`). The archive is encrypted with a key derived "
        "from the encryption key: it is safe to keep anywhere, and restoring needs that key. "
        "See docs/backup.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", nargs="?", choices=["verify"], help="verify an archive")
        parser.add_argument("archive", nargs="?", type=Path, help="the archive to verify")
        parser.add_argument("--to", type=Path, help="write a new archive to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "verify":
                if options["archive"] is None:
                    raise CommandError("dozor backup verify FILE: name the archive to check.")
                summary = backup_verify(path=options["archive"], ring=keyring())
                for line in archive_members(summary):
                    self.stdout.write(line)
                self.stdout.write(
                    f"{summary.path}: intact. {summary.vendor} database of {summary.created}, "
                    f"{summary.files} stored files, key id {summary.kek_id}."
                )
                return
            if options["to"] is None:
                raise CommandError("dozor backup --to FILE: name the archive to write.")
            summary = backup_write(to=options["to"], ring=keyring())
        except KeyringLocked as error:
            raise CommandError(f"Dozor is locked: {error}") from None
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Wrote {summary.path}: {summary.vendor} database and {summary.files} stored files, "
            f"encrypted for key id {summary.kek_id}. Copy it off-site; keep the key apart."
        )
