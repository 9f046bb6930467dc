"""`dozor sources`: the source lists reports come from — add, list, rename, describe."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError, CommandParser

from dozor.accounts.models import Organisation, User
from dozor.accounts.policy import may
from dozor.commands import DozorCommand
from dozor.records.models import SourceList
from dozor.records.report_selectors import source_list_description_for, source_lists_of
from dozor.records.services import SOURCE_LIST_LANGUAGES, source_list_create, source_list_update
from dozor.vocab.registry import vocabulary

MSG_NO_USER = "There is no user '{user}'."
MSG_NO_ORGANISATION = "'{user}' belongs to no organisation."
MSG_UNKNOWN_ORGANISATION = "There is no organisation named '{name}' (known: {known})."
MSG_NOT_A_WRITER = "'{user}' is not a documenter or administrator of an organisation."
MSG_NOT_A_WRITER_OF = (
    "'{user}' may not change the source lists of {organisation}: only its documenters and "
    "administrators may."
)
MSG_NO_LIST = "There is no source list '{name}' in {organisation} (its lists: {known})."
MSG_NOT_A_TERM = "{option} {value}: not a {what}; known: {codes}."
MSG_NOTHING_TO_DESCRIBE = "Give at least one of --description, --reliability and --language."


def user_named(name: str) -> User:
    """The user a command acts as, or a CommandError naming the one that does not exist."""
    user = User.objects.filter(username=name).select_related("organisation").first()
    if user is None:
        raise CommandError(MSG_NO_USER.format(user=name))
    return user


def _check_term(option: str, value: str | None, vocabulary_name: str, what: str) -> None:
    if value is None:
        return
    codes = vocabulary(vocabulary_name).codes
    if value not in codes:
        raise CommandError(
            MSG_NOT_A_TERM.format(option=option, value=value, what=what, codes=", ".join(codes))
        )


def _check_language(value: str | None) -> None:
    if value is not None and value not in SOURCE_LIST_LANGUAGES:
        raise CommandError(
            MSG_NOT_A_TERM.format(
                option="--language",
                value=value,
                what="language of Dozor",
                codes=", ".join(SOURCE_LIST_LANGUAGES),
            )
        )


def _refused(error: ValidationError) -> CommandError:
    """A service's validation errors as the options they concern: "--name: ..."."""
    problems = [
        f"--{'name' if name == '__all__' else name}: {message}"
        for name, messages in error.message_dict.items()
        for message in messages
    ]
    return CommandError(" ".join(problems))


class Command(DozorCommand):
    help = (
        "The source lists your organisation's reports come from. "
        "`dozor sources add NGO --kind partner_list --user NAME` adds one to import into "
        "(`dozor import FILE --source-list NGO ...`); `dozor sources list --user NAME` lists them "
        "with their reports and last import; `dozor sources rename OLD NEW --user NAME` and "
        "`dozor sources describe NGO --description TEXT --user NAME` change one. With --user the "
        "command acts with that user's rights (documenters and administrators change lists); "
        "with --organisation ORG instead it acts as the server's operator, as `dozor createuser` "
        "does, to set up a new organisation's lists. Kinds and reliabilities are the terms of "
        "`dozor vocab source_kind` and `dozor vocab source_reliability`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="add a source list")
        add.add_argument("name", help="the list's name, unique in Dozor (e.g. NGO, Press 2024)")
        add.add_argument("--kind", required=True, help="a source_kind code, e.g. partner_list")
        self._who(add)
        add.add_argument("--reliability", default="unknown", help="a source_reliability code")
        add.add_argument("--language", default="ru", help="the language of its records: ru or en")
        add.add_argument("--description", default="", help="what the list is, for colleagues")
        add.add_argument("--json", action="store_true", help="print the new list as JSON")
        listing = sub.add_parser("list", help="list the source lists, their reports and imports")
        self._who(listing)
        listing.add_argument("--json", action="store_true")
        rename = sub.add_parser("rename", help="give a source list a new name")
        rename.add_argument("old", help="its name now")
        rename.add_argument("new", help="its new name, unique in Dozor")
        self._who(rename)
        rename.add_argument("--json", action="store_true")
        describe = sub.add_parser(
            "describe", help="change a source list's description, reliability or language"
        )
        describe.add_argument("name", help="the list's name")
        describe.add_argument("--description", help="what the list is ('' to clear it)")
        describe.add_argument("--reliability", help="a source_reliability code")
        describe.add_argument("--language", help="the language of its records: ru or en")
        self._who(describe)
        describe.add_argument("--json", action="store_true")

    @staticmethod
    def _who(parser: CommandParser) -> None:
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--user", help="act as this user, in their organisation")
        who.add_argument(
            "--organisation", help="act as the server's operator for this organisation"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user, organisation = self._actor(options)
        action = options["action"]
        if action == "list":
            self._list(user, organisation, options)
            return
        if action == "add":
            source_list = self._add(user, organisation, options)
        else:
            source_list = self._change(user, organisation, options)
        if options["json"]:
            counted = source_lists_of(organisation.pk).get(pk=source_list.pk)
            self.stdout.write(json.dumps(_row(counted, user), ensure_ascii=False))

    def _actor(self, options: dict[str, Any]) -> tuple[User | None, Organisation]:
        """Who acts, and in which organisation: a user in theirs, or the operator in the one
        named by --organisation."""
        if options["user"]:
            user = user_named(options["user"])
            if user.organisation is None:
                raise CommandError(MSG_NO_ORGANISATION.format(user=user.username))
            return user, user.organisation
        organisation = Organisation.objects.filter(name=options["organisation"]).first()
        if organisation is None:
            known = ", ".join(Organisation.objects.values_list("name", flat=True)[:20])
            raise CommandError(
                MSG_UNKNOWN_ORGANISATION.format(
                    name=options["organisation"], known=known or "none yet"
                )
            )
        return None, organisation

    def _add(
        self, user: User | None, organisation: Organisation, options: dict[str, Any]
    ) -> SourceList:
        if user is not None and not may(user, "source_list.write"):
            raise CommandError(MSG_NOT_A_WRITER.format(user=user.username))
        _check_term("--kind", options["kind"], "source_kind", "kind of source list")
        _check_term("--reliability", options["reliability"], "source_reliability", "reliability")
        _check_language(options["language"])
        try:
            source_list = source_list_create(
                name=options["name"],
                kind=options["kind"],
                organisation=organisation,
                user=user,
                reliability=options["reliability"],
                language=options["language"],
                description=options["description"],
            )
        except ValidationError as error:
            raise _refused(error) from None
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        if not options["json"]:
            self.stdout.write(
                f"Source list '{source_list.name}' ({source_list.kind}) added for "
                f"{organisation.name}. Import into it with "
                f"`dozor import FILE --source-list '{source_list.name}' --mapping MAPPING --user "
                f"{user.username if user else 'NAME'}`."
            )
        return source_list

    def _change(
        self, user: User | None, organisation: Organisation, options: dict[str, Any]
    ) -> SourceList:
        name = options["old"] if options["action"] == "rename" else options["name"]
        source_list = SourceList.objects.filter(organisation=organisation, name=name).first()
        if source_list is None:
            known = ", ".join(
                SourceList.objects.filter(organisation=organisation)
                .order_by("name")
                .values_list("name", flat=True)[:30]
            )
            raise CommandError(
                MSG_NO_LIST.format(
                    name=name, organisation=organisation.name, known=known or "none yet"
                )
            )
        if user is not None and not may(user, "source_list.write", source_list):
            raise CommandError(
                MSG_NOT_A_WRITER_OF.format(user=user.username, organisation=organisation.name)
            )
        changes: dict[str, Any] = {}
        if options["action"] == "rename":
            changes["name"] = options["new"]
        else:
            _check_term(
                "--reliability", options["reliability"], "source_reliability", "reliability"
            )
            _check_language(options["language"])
            changes = {
                key: options[key]
                for key in ("description", "reliability", "language")
                if options[key] is not None
            }
            if not changes:
                raise CommandError(MSG_NOTHING_TO_DESCRIBE)
        before = source_list.name
        try:
            changed = source_list_update(source_list=source_list, user=user, **changes)
        except ValidationError as error:
            raise _refused(error) from None
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        if not options["json"]:
            if options["action"] == "rename":
                self.stdout.write(f"Source list '{before}' is now '{changed.name}'.")
            else:
                self.stdout.write(
                    f"Source list '{changed.name}': {', '.join(sorted(changes))} saved."
                )
        return changed

    def _list(self, user: User | None, organisation: Organisation, options: dict[str, Any]) -> None:
        rows = [_row(source_list, user) for source_list in source_lists_of(organisation.pk)]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        if not rows:
            self.stdout.write("No source lists yet: add one with `dozor sources add`.")
        for row in rows:
            last = row["last_import"][:10] if row["last_import"] else "never imported into"
            self.stdout.write(f"{row['name']}\t{row['kind']}\t{row['reports']} reports\t{last}")


def _row(source_list: SourceList, user: User | None) -> dict[str, Any]:
    """A source list of source_lists_of() as the command prints it; its description as the user
    may read it (the operator, who holds the database, reads it whole)."""
    last_import = source_list.last_import  # type: ignore[attr-defined]
    return {
        "name": source_list.name,
        "kind": source_list.kind,
        "reliability": source_list.reliability,
        "language": source_list.language,
        "description": (
            source_list_description_for(user, source_list)
            if user is not None
            else source_list.description
        ),
        "organisation": source_list.organisation.name,
        "reports": source_list.report_count,  # type: ignore[attr-defined]
        "last_import": last_import.isoformat() if last_import else None,
    }
