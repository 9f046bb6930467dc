from __future__ import annotations

import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from dozor.accounts.models import Organisation, Role, User
from dozor.accounts.services import organisation_create, user_create, user_password_reset
from dozor.commands import DozorCommand


class Command(DozorCommand):
    help = (
        "Add a user with a role in an organisation. A strong password is generated and printed "
        "once unless --password-stdin is given. With --reset-password, give an existing user a "
        "new password instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="the name the person signs in with")
        parser.add_argument(
            "--role",
            choices=Role.values,
            default=Role.READER,
            help="what the user may do (default: reader)",
        )
        parser.add_argument("--organisation", help="the organisation the user works for")
        parser.add_argument(
            "--new-organisation",
            action="store_true",
            help="create the organisation named by --organisation if it does not exist",
        )
        parser.add_argument("--email", default="", help="the user's e-mail address")
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )
        parser.add_argument(
            "--reset-password", action="store_true", help="set a new password for an existing user"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = sys.stdin.readline().rstrip("\n") if options["password_stdin"] else None
        username = options["username"]
        if options["reset_password"]:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"There is no user '{username}'.")
            try:
                new_password = user_password_reset(user=user, password=password)
            except ValidationError as error:
                raise CommandError("Password refused: " + " ".join(error.messages)) from None
            self._report(user, new_password, generated=password is None, verb="has a new password")
            return
        organisation = self._organisation(options["organisation"], options["new_organisation"])
        try:
            user, new_password = user_create(
                username=username,
                role=options["role"],
                organisation=organisation,
                email=options["email"],
                password=password,
            )
        except ValidationError as error:
            problems = (
                "; ".join(
                    f"{field}: {' '.join(messages)}"
                    for field, messages in error.message_dict.items()
                )
                if hasattr(error, "error_dict")
                else " ".join(error.messages)
            )
            raise CommandError(f"User not created: {problems}") from None
        self._report(user, new_password, generated=password is None, verb="was created")

    def _organisation(self, name: str | None, create: bool) -> Organisation | None:
        if not name:
            return None
        organisation = Organisation.objects.filter(name=name).first()
        if organisation is not None:
            return organisation
        if create:
            try:
                return organisation_create(name=name)
            except ValidationError as error:
                raise CommandError(
                    "Organisation not created: " + " ".join(error.messages)
                ) from None
        known = ", ".join(Organisation.objects.values_list("name", flat=True)[:20]) or "none yet"
        raise CommandError(
            f"There is no organisation named '{name}' (known: {known}). "
            "Add --new-organisation to create it."
        )

    def _report(self, user: User, password: str, *, generated: bool, verb: str) -> None:
        self.stdout.write(f"User '{user.username}' ({user.role}) {verb}.")
        if generated:
            self.stdout.write(f"Password (shown once, keep it safe): {password}")
