from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from dozor.commands import DozorCommand
from dozor.security.crypto import (
    MIN_PASSPHRASE_LENGTH,
    KeyRing,
    KeyringLocked,
    key_file_write,
    key_generate,
    passphrase_read,
)
from dozor.security.keyring import key_inside_home, key_source, keyring, keyring_set, keyring_state
from dozor.security.keys import (
    MSG_NOT_INITIALISED,
    CheckReport,
    NewKey,
    keyring_check,
    keyring_init,
    keyring_rotate,
    new_key_from_passphrase,
    search_tokens_check,
    search_tokens_rebuild,
)

MSG_ONE_SOURCE = "give exactly one of --key-file, --passphrase-file or --passphrase-prompt."
MSG_KEY_FILE_EXISTS = "{path} exists already; Dozor never overwrites a key file. Choose a new path."
MSG_PASSPHRASES_DIFFER = "the two passphrases differ; nothing was changed."


class Command(DozorCommand):
    help = (
        "Encryption keys. `keys init` sets up the database's key: a new key file (keep it on "
        "removable media, apart from the database) or a passphrase. `keys rotate` re-wraps every "
        "data key under a new key, all or nothing. `keys check` opens every encrypted value and "
        "file and lists any that do not open (table, row, field). `keys reindex` rewrites the "
        "search tokens of every sealed summary and name from the values; `keys reindex --check` "
        "changes nothing and lists each record whose tokens are missing or stale (table, row, "
        "field). `keys status` says where the key comes from."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        for name, text in (
            ("init", "set up the database's key (a new key file or a passphrase)"),
            ("rotate", "re-wrap every data key under a new key file or passphrase"),
        ):
            action = actions.add_parser(name, help=text, description=text)
            action.add_argument("--key-file", type=Path, help="write a new random key to FILE")
            action.add_argument(
                "--passphrase-file", type=Path, help="derive the key from the passphrase in FILE"
            )
            action.add_argument(
                "--passphrase-prompt", action="store_true", help="type the passphrase twice"
            )
        actions.add_parser("check", help="open every encrypted value and file, list failures")
        reindex = actions.add_parser(
            "reindex",
            help="rewrite the search tokens of sealed text from its values",
            description=(
                "Rewrite the search tokens of every sealed summary and name from the values, all "
                "or nothing. With --check, change nothing and list each record whose tokens are "
                "missing or stale."
            ),
        )
        reindex.add_argument(
            "--check", action="store_true", help="only list records whose tokens are wrong"
        )
        actions.add_parser("status", help="where the key comes from, and whether it fits")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "status":
                self._status()
            elif action == "check":
                self._check()
            elif action == "reindex":
                self._reindex(check=options["check"])
            elif action == "init":
                new = self._new_key(options)
                keyring_init(new=new)
                keyring_set(None)
                self.stdout.write(f"The database's key is set up (key id {new.ring.kek_id}).")
                self._how_to_start(options)
            else:
                old = keyring()
                new = self._new_key(options)
                report = keyring_rotate(old=old, new=new)
                keyring_set(None)
                self.stdout.write(
                    f"Rotated: {report.values:,} values re-wrapped ({report.sealed_plaintext:,} "
                    f"of them sealed for the first time), {report.files:,} files; new key id "
                    f"{report.kek_id}. Start Dozor with the new key from now on; destroy the old "
                    "one once a backup made with the new key has been restored as a test."
                )
                self._how_to_start(options)
        except KeyringLocked as error:
            raise CommandError(f"Dozor is locked: {error}") from None
        except ValueError as error:
            raise CommandError(str(error)) from None

    def _new_key(self, options: dict[str, Any]) -> NewKey:
        given = [options["key_file"], options["passphrase_file"], options["passphrase_prompt"]]
        if sum(bool(item) for item in given) != 1:
            raise ValueError(MSG_ONE_SOURCE)
        if options["key_file"]:
            path: Path = options["key_file"]
            if path.exists():
                raise ValueError(MSG_KEY_FILE_EXISTS.format(path=path))
            key = key_generate()
            ring = KeyRing(key)
            key_file_write(path, key)
            self.stdout.write(f"Wrote a new key to {path} (readable by you only).")
            return NewKey(ring=ring)
        if options["passphrase_file"]:
            return new_key_from_passphrase(passphrase_read(options["passphrase_file"]))
        first = getpass.getpass(f"New passphrase (at least {MIN_PASSPHRASE_LENGTH} characters): ")
        if getpass.getpass("The same again: ") != first:
            raise ValueError(MSG_PASSPHRASES_DIFFER)
        if len(first) < MIN_PASSPHRASE_LENGTH:
            raise ValueError(f"the passphrase is shorter than {MIN_PASSPHRASE_LENGTH} characters.")
        return new_key_from_passphrase(first)

    def _how_to_start(self, options: dict[str, Any]) -> None:
        if options["key_file"]:
            self.stdout.write(f"Start Dozor with DOZOR_KEY_FILE={options['key_file']}.")
        else:
            self.stdout.write(
                "Start Dozor with DOZOR_KEY_PASSPHRASE_FILE pointing at a file holding the "
                "passphrase (on removable media or a RAM disk, never beside the database)."
            )

    def _status(self) -> None:
        source = key_source()
        state = keyring_state()
        ring = keyring()
        self.stdout.write(f"Key source: {source.describe()}")
        self.stdout.write(
            f"Database key id: {state.kek_id}" if state else f"Database: {MSG_NOT_INITIALISED}"
        )
        if ring.locked:
            self.stdout.write(f"Locked: {ring.reason}")
        else:
            self.stdout.write(f"Unlocked with key id {ring.kek_id}.")
        if key_inside_home(source):
            self.stdout.write(
                "Warning: the key file lies in DOZOR_HOME, beside the database: whoever takes one "
                "takes both. Move it to removable media and set DOZOR_KEY_FILE."
            )

    def _report(self, report: CheckReport, *, summary: str, failure: str) -> None:
        """Each problem on its line (table, row, field: never a value), then the summary; exit 1
        with ``failure`` if there was any."""
        for problem in report.problems:
            self.stdout.write(str(problem))
        self.stdout.write(summary)
        if report.problems:
            raise CommandError(failure)

    def _check(self) -> None:
        report = keyring_check(ring=keyring())
        count = len(report.problems)
        self._report(
            report,
            summary=f"Checked {report.values:,} encrypted values and {report.files:,} files: "
            f"{count:,} do not open.",
            failure=f"{count} values or files do not open (listed above).",
        )

    def _reindex(self, *, check: bool) -> None:
        if check:
            report = search_tokens_check(ring=keyring())
            count = len(report.problems)
            self._report(
                report,
                summary=f"Checked the search tokens of {report.values:,} sealed values: "
                f"{count:,} records need `dozor keys reindex`.",
                failure=f"{count} records have missing or stale search tokens (listed above); "
                "`dozor keys reindex` rewrites them.",
            )
            return
        rebuilt = search_tokens_rebuild(ring=keyring())
        self.stdout.write(
            f"Rewrote the search tokens of {rebuilt.records:,} sealed values "
            f"({rebuilt.tokens:,} tokens)."
        )
