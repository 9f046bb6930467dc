"""`dozor sourcelist`: the source lists reports are imported into — add one, or list them."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.db.models import Count

from dozor.commands import DozorCommand
from dozor.records.models import Organisation, SourceList
from dozor.records.services import source_list_create
from dozor.records.vocab import vocabulary
from dozor.security.models import User
from dozor.security.policy import may

MSG_NOT_A_WRITER = "'{user}' is not a documenter or administrator of an organisation."
MSG_NO_USER = "There is no user '{user}'."


def _user(name: str) -> User:
    user = User.objects.filter(username=name).select_related("organisation").first()
    if user is None:
        raise CommandError(MSG_NO_USER.format(user=name))
    return user


class Command(DozorCommand):
    help = (
        "Add a source list of your organisation, or list the source lists: "
        "`dozor sourcelist add NGO --kind partner_list --user NAME`, then "
        "`dozor import FILE --source-list NGO ...`. Kinds and reliabilities are the terms of "
        "`dozor vocab source_kind` and `dozor vocab source_reliability`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="add a source list of the user's organisation")
        add.add_argument("name", help="the list's name, unique in Dozor (e.g. NGO, Press 2024)")
        add.add_argument("--kind", required=True, help="a source_kind code, e.g. partner_list")
        add.add_argument("--user", required=True, help="who adds it (a documenter)")
        add.add_argument("--reliability", default="unknown", help="a source_reliability code")
        add.add_argument("--language", default="ru", help="the language of its records")
        add.add_argument("--description", default="")
        add.add_argument("--json", action="store_true", help="print the new list as JSON")
        listing = sub.add_parser("list", help="list the source lists and their reports")
        listing.add_argument("--user", required=True, help="whose organisation's lists")
        listing.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "add":
            self._add(options)
        else:
            self._list(options)

    def _add(self, options: dict[str, Any]) -> None:
        user = _user(options["user"])
        if not may(user, "source_list.write"):
            raise CommandError(MSG_NOT_A_WRITER.format(user=user.username))
        assert isinstance(user.organisation, Organisation)
        kinds = vocabulary("source_kind").codes
        if options["kind"] not in kinds:
            raise CommandError(
                f"--kind {options['kind']}: not a kind of source list; known: {', '.join(kinds)}."
            )
        try:
            source_list = source_list_create(
                name=options["name"],
                kind=options["kind"],
                organisation=user.organisation,
                user=user,
                reliability=options["reliability"],
                language=options["language"],
                description=options["description"],
            )
        except ValidationError as error:
            problems = [
                f"--{'name' if field == '__all__' else field}: {message}"
                for field, messages in error.message_dict.items()
                for message in messages
            ]
            raise CommandError(" ".join(problems)) from None
        if options["json"]:
            self.stdout.write(json.dumps(_row(source_list, 0), ensure_ascii=False))
            return
        self.stdout.write(
            f"Source list '{source_list.name}' ({source_list.kind}) added for "
            f"{user.organisation.name}. Import into it with "
            f"`dozor import FILE --source-list '{source_list.name}' --mapping MAPPING --user "
            f"{user.username}`."
        )

    def _list(self, options: dict[str, Any]) -> None:
        user = _user(options["user"])
        if user.organisation_id is None:
            raise CommandError(f"'{user.username}' belongs to no organisation.")
        lists = (
            SourceList.objects.filter(organisation_id=user.organisation_id)
            .annotate(report_count=Count("reports"))
            .order_by("name")
        )
        rows = [_row(source_list, source_list.report_count) for source_list in lists]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        if not rows:
            self.stdout.write("No source lists yet: add one with `dozor sourcelist add`.")
        for row in rows:
            self.stdout.write(f"{row['name']}\t{row['kind']}\t{row['reports']} reports")


def _row(source_list: SourceList, reports: int) -> dict[str, Any]:
    return {
        "name": source_list.name,
        "kind": source_list.kind,
        "reliability": source_list.reliability,
        "language": source_list.language,
        "reports": reports,
    }
