from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser

from dozor.commands import DozorCommand
from dozor.security.backup import BackupError, backup_restore
from dozor.security.crypto import KeyringLocked
from dozor.security.keyring import keyring, keyring_set


class Command(DozorCommand):
    help = (
        "Restore a backup archive (made by `dozor backup`) into this Dozor's database and file "
        "store. Needs the encryption key the archive was made with (DOZOR_KEY_FILE, ...). Refuses "
        "to replace a database that holds data unless --force is given. See docs/backup.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="the archive to restore")
        parser.add_argument(
            "--force", action="store_true", help="replace a database that is not empty"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = backup_restore(
                path=options["archive"], ring=keyring(), force=options["force"]
            )
        except KeyringLocked as error:
            raise CommandError(f"Dozor is locked: {error}") from None
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from None
        keyring_set(None)
        # An archive from an older Dozor gets this version's tables.
        call_command("migrate", verbosity=0, interactive=False)
        self.stdout.write(
            f"Restored {summary.path} ({summary.vendor} database of {summary.created}, "
            f"{summary.files} stored files). Run `dozor keys check` to open every value."
        )
