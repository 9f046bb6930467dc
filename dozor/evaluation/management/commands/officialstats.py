from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from dozor.accounts.models import User
from dozor.commands import DozorCommand
from dozor.evaluation import selectors, services

SEED_FILE = Path(__file__).resolve().parents[2] / "data" / "official_statistics_ru.csv"
MSG_NO_USER = "--user {name}: there is no active user of that name."
MSG_NO_FILE = "{path}: there is no such file."
MSG_ADD_NEEDS = "add needs --country, --year and --source."
MSG_HISTORY_NEEDS = "history needs --country and --year."


class Command(DozorCommand):
    help = (
        "The hate-crime figures a state publishes (recorded by police, prosecuted, sentenced), set "
        "beside the monitors' own counts on every organisation's report card. `list` shows them "
        "with the revision in force; `history --country C --year Y` shows every revision (who, "
        "when, source); `add` enters one year; `load FILE.csv` (columns "
        "country,year,recorded,prosecuted,sentenced,source and optionally source_url,note) or "
        "`load --seed` (Russia's figures 2016-2020 as published on ODIHR's site) loads many: all "
        "rows or, if one is wrong, none. Each change is a new revision in the audit trail. "
        "Writing needs an administrator of any organisation (--user)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=("list", "history", "add", "load"))
        parser.add_argument("file", nargs="?", help="the CSV file to load")
        parser.add_argument("--user", required=True, help="whose rights apply (a user name)")
        parser.add_argument(
            "--seed", action="store_true", help="load the figures shipped with Dozor"
        )
        parser.add_argument("--country", default="", help="ISO 3166 code, e.g. RU")
        parser.add_argument("--year", type=int)
        parser.add_argument("--recorded", type=int)
        parser.add_argument("--prosecuted", type=int)
        parser.add_argument("--sentenced", type=int)
        parser.add_argument("--source", default="", help="who published the figures, where")
        parser.add_argument("--source-url", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["user"]
        user = User.objects.filter(username=name, is_active=True).first()
        if user is None:
            raise CommandError(MSG_NO_USER.format(name=name))
        try:
            if options["action"] == "list":
                self._list(user, options["country"].upper())
            elif options["action"] == "history":
                self._history(user, options)
            elif options["action"] == "add":
                self._add(user, options)
            else:
                self._load(user, options)
        except ValidationError as error:
            raise CommandError("\n".join(error.messages)) from None

    def _list(self, user: User, country: str) -> None:
        self.stdout.write("country\tyear\trecorded\tprosecuted\tsentenced\tsource\trevision")
        for row in selectors.official_statistics(user, country=country):
            values = [row.recorded, row.prosecuted, row.sentenced]
            cells = ["" if v is None else str(v) for v in values]
            self.stdout.write(
                "\t".join([row.country, str(row.year), *cells, row.source, str(row.revision)])
            )

    def _history(self, user: User, options: dict[str, Any]) -> None:
        if not options["country"] or options["year"] is None:
            raise CommandError(MSG_HISTORY_NEEDS)
        revisions = selectors.official_statistic_revisions(
            user, country=options["country"].upper(), year=options["year"]
        )
        self.stdout.write("revision\twhen\tby\trecorded\tprosecuted\tsentenced\tsource")
        for revision in revisions:
            values = [revision.recorded, revision.prosecuted, revision.sentenced]
            cells = ["" if v is None else str(v) for v in values]
            by = revision.created_by.get_username() if revision.created_by else ""
            when = revision.created_at.isoformat(timespec="seconds")
            self.stdout.write("\t".join([str(revision.number), when, by, *cells, revision.source]))

    def _add(self, user: User, options: dict[str, Any]) -> None:
        if not options["country"] or options["year"] is None or not options["source"]:
            raise CommandError(MSG_ADD_NEEDS)
        row = services.official_statistic_save(
            user=user,
            item=services.StatisticInput(
                country=options["country"].upper(),
                year=options["year"],
                recorded=options["recorded"],
                prosecuted=options["prosecuted"],
                sentenced=options["sentenced"],
                source=options["source"],
                source_url=options["source_url"],
            ),
        )
        self.stdout.write(
            f"Saved the official figures of {row.country} {row.year} (revision {row.revision})."
        )

    def _load(self, user: User, options: dict[str, Any]) -> None:
        path = SEED_FILE if options["seed"] else Path(options["file"] or "")
        if not options["seed"] and not options["file"]:
            raise CommandError("load needs a FILE.csv or --seed.")
        if not path.is_file():
            raise CommandError(MSG_NO_FILE.format(path=path))
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise CommandError(f"{path.name}: not UTF-8 text.") from None
        rows = services.official_statistics_load(text=text, file=path.name, user=user)
        self.stdout.write(f"Loaded the official figures of {len(rows)} year(s) from {path.name}.")
