from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser

from dozor.accounts.models import Role, User
from dozor.accounts.services import user_create
from dozor.commands import DozorCommand
from dozor.demo.files import TRUTH_FILE, demo_files_write
from dozor.demo.generator import demo_generate
from dozor.demo.services import demo_load, demo_loaded
from dozor.records.models import SourceList
from dozor.security.crypto import key_file_write, key_generate
from dozor.security.keyring import default_key_file, key_source, keyring, keyring_set, keyring_state
from dozor.security.keys import NewKey, keyring_init
from dozor.server import serve

ADMIN_USERNAME = "admin"


class Command(DozorCommand):
    help = (
        "Set up a demo: create the database in DOZOR_HOME, load a synthetic, clearly labelled data "
        "set (about 3,000 incidents 2004-2024 from three overlapping source lists; no real "
        "person's name), create the administrator 'admin' (the password is printed once) and "
        "serve the web app on http://127.0.0.1:8000. Running it again reuses what is there."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="prepare everything, then exit")
        parser.add_argument(
            "--size", type=int, default=3000, help="documented incidents to generate (3000)"
        )
        parser.add_argument("--seed", type=int, default=2008, help="random seed (2008)")
        parser.add_argument("--host", default="127.0.0.1", help="address to serve on")
        parser.add_argument("--port", type=int, default=8000, help="port to serve on")
        parser.add_argument(
            "--write-files",
            metavar="FOLDER",
            help=(
                "write the three source lists as the files their keepers would send (the NGO's "
                "CSV, the press scan's JSON Lines, the partner's XLSX) and truth.csv into FOLDER, "
                "print how to import them with the mappings shipped in dozor/intake/mappings/, "
                "and exit; the database is not touched"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        size, seed = options["size"], options["seed"]
        if not 1 <= size <= 1_000_000:
            raise CommandError(f"--size {size}: expected a number from 1 to 1,000,000.")
        if options["write_files"]:
            self._write_files(Path(options["write_files"]), size=size, seed=seed)
            return
        self.stdout.write(f"Dozor home: {settings.DOZOR_HOME}")
        self.stdout.write("Preparing the database ...")
        call_command("migrate", verbosity=0, interactive=False)
        self._key()
        loaded = demo_loaded()
        if loaded is not None:
            self.stdout.write(
                f"Demo data already loaded ({loaded.documented_incidents} incidents, "
                f"seed {loaded.seed}); keeping it."
            )
        else:
            self._load(size=size, seed=seed)
        self._admin()
        if not options["no_serve"]:
            serve(host=options["host"], port=options["port"], threads=8, out=self.stdout)

    def _write_files(self, folder: Path, *, size: int, seed: int) -> None:
        """The demo lists as partner files, for trying the import → link → estimate chain."""
        if folder.exists() and not folder.is_dir():
            raise CommandError(f"--write-files {folder}: exists and is not a folder.")
        files = demo_files_write(demo_generate(size=size, seed=seed), folder)
        self.stdout.write(f"Wrote {len(files)} source lists and {TRUTH_FILE} into {folder}:")
        for file in files:
            self.stdout.write(
                f"  dozor import {file.path} --source-list 'Demo {file.list_key}' "
                f"--new-source-list --kind {file.kind} --mapping {file.mapping} --user NAME"
            )
        self.stdout.write(
            "then: dozor link --user NAME; dozor link accept --user NAME; "
            "dozor estimate --user NAME --by none"
        )

    def _key(self) -> None:
        """Give the demo an encryption key: the configured one, or a new key file in DOZOR_HOME."""
        if keyring_state() is not None:
            ring = keyring()
            if ring.locked:
                raise CommandError(f"The demo database is locked: {ring.reason}")
            return
        source = key_source()
        if source.kind == "none":
            path = default_key_file()
            key_file_write(path, key_generate())
            keyring_set(None)
            self.stdout.write(
                f"Created the encryption key {path} (readable by you only). Names, summaries and "
                "source records are encrypted with it. This is a demo: a real deployment keeps "
                "the key apart from the database (a key file on removable media, or a "
                "passphrase), because whoever takes both reads everything. See docs/security.md."
            )
        ring = keyring()
        if ring.locked:
            raise CommandError(f"The encryption key is not usable: {ring.reason}")
        keyring_init(new=NewKey(ring=ring))
        keyring_set(None)

    def _load(self, *, size: int, seed: int) -> None:
        started = time.monotonic()
        self.stdout.write(f"Generating {size} synthetic incidents (seed {seed}) ...")
        dataset = demo_generate(size=size, seed=seed)
        interactive = sys.stdout.isatty()

        def progress(done: int, total: int) -> None:
            if interactive:
                self.stdout.write(f"\r  stored {done:,} of {total:,} rows", ending="")

        summary = demo_load(dataset=dataset, user=None, progress=progress)
        if interactive:
            self.stdout.write("")
        self.stdout.write(
            f"Loaded {summary.incidents:,} incidents from {summary.reports:,} reports in "
            f"{summary.source_lists} source lists, {summary.people:,} people, "
            f"{summary.response_events:,} official response events, "
            f"{summary.attachments} evidence files, "
            f"{summary.submissions} submissions waiting in triage, "
            f"{summary.organisations} organisations in {time.monotonic() - started:.1f} s. "
            f"({summary.undocumented:,} more events of the synthetic world were recorded by no "
            "list; they are kept apart as the truth for estimation.)"
        )

    def _admin(self) -> None:
        admin = User.objects.filter(username=ADMIN_USERNAME).first()
        if admin is not None:
            self.stdout.write(
                f"Sign in as '{ADMIN_USERNAME}' with the password printed when it was created "
                f"(a new one: dozor createuser {ADMIN_USERNAME} --reset-password)."
            )
            return
        first_list = SourceList.objects.order_by("id").select_related("organisation").first()
        organisation = first_list.organisation if first_list else None
        _user, password = user_create(
            username=ADMIN_USERNAME, role=Role.ADMINISTRATOR, organisation=organisation
        )
        self.stdout.write(f"Created the administrator '{ADMIN_USERNAME}'.")
        self.stdout.write(f"Password (shown once, keep it safe): {password}")
