from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from dozor.accounts.models import ApiToken, Role, User
from dozor.accounts.selectors import api_tokens_of
from dozor.accounts.services import (
    api_token_revoke,
    api_tokens_active,
    totp_device_remove,
    user_sign_in_unlock,
    user_update,
)
from dozor.commands import DozorCommand

MSG_NOTHING_TO_REVOKE = (
    "{username} has no token named '{name}' that is not revoked yet; `dozor user {username} "
    "--tokens` lists their tokens."
)
TOKEN_COLUMNS = ("name", "scope", "begins with", "created", "expires", "last used", "state")


def _when(moment: datetime.datetime | None) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M") if moment else "never"


def token_table(tokens: Iterable[ApiToken]) -> list[str]:
    """The lines of the --tokens table: what a token is and where it stands, times in UTC;
    never its key, which Dozor does not have, nor its digest."""
    rows = [
        (
            token.name,
            token.scope,
            f"{token.prefix}…",
            _when(token.created_at),
            _when(token.expires_at),
            _when(token.last_used_at),
            token.state().value,
        )
        for token in tokens
    ]
    widths = [max(len(row[i]) for row in [TOKEN_COLUMNS, *rows]) for i in range(len(TOKEN_COLUMNS))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [TOKEN_COLUMNS, *rows]
    ]


class Command(DozorCommand):
    help = (
        "Show or change a user: role, the grant to see names, deactivation, a lost "
        "authenticator, a sign-in lockout, their API tokens. Without options, prints the user."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="the user's sign-in name")
        parser.add_argument("--role", choices=Role.values, help="give the user this role")
        names = parser.add_mutually_exclusive_group()
        names.add_argument(
            "--grant-names", action="store_true", help="let an analyst or reader see names"
        )
        names.add_argument("--revoke-names", action="store_true", help="back to pseudonyms only")
        active = parser.add_mutually_exclusive_group()
        active.add_argument(
            "--deactivate",
            action="store_true",
            help="stop the user signing in (kept for the record)",
        )
        active.add_argument("--activate", action="store_true", help="let the user sign in again")
        parser.add_argument(
            "--remove-two-factor",
            action="store_true",
            help=(
                "remove the user's authenticator (lost or new phone): they set up a new one at "
                "their next sign-in; the only way to replace a confirmed authenticator"
            ),
        )
        parser.add_argument(
            "--unlock",
            action="store_true",
            help=(
                "clear the failed sign-ins that locked the user out, at every address (and the "
                "address counts, where addresses are locked on their own)"
            ),
        )
        parser.add_argument(
            "--tokens",
            action="store_true",
            help=(
                "list the user's API tokens (name, scope, first characters, created, expires, "
                "last used, state; times in UTC); a key is never shown, Dozor does not keep it"
            ),
        )
        parser.add_argument(
            "--revoke-token",
            metavar="TOKEN_NAME",
            help="revoke the user's token of this name: the next request made with it is refused",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"There is no user '{options['username']}'.")
        names = True if options["grant_names"] else False if options["revoke_names"] else None
        active = True if options["activate"] else False if options["deactivate"] else None
        try:
            if options["role"] is not None or names is not None or active is not None:
                user = user_update(
                    user=user, by=None, role=options["role"], can_see_names=names, is_active=active
                )
            if options["remove_two_factor"]:
                removed = totp_device_remove(user=user, by=None)
                self.stdout.write(
                    f"{user.username}: authenticator removed; a new one is set up at the next "
                    "sign-in."
                    if removed
                    else f"{user.username}: had no authenticator; nothing removed."
                )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if options["unlock"]:
            cleared = user_sign_in_unlock(user=user, by=None)
            self.stdout.write(
                f"{user.username}: sign-in unlocked ({cleared} lockout record(s) cleared)."
            )
        if options["revoke_token"] is not None:
            name = options["revoke_token"].strip()
            token = api_tokens_active(user).filter(name=name).first()
            if token is None:
                raise CommandError(MSG_NOTHING_TO_REVOKE.format(username=user.username, name=name))
            api_token_revoke(token=token, by=None)
            self.stdout.write(
                f"{user.username}: token '{name}' ({token.prefix}…) revoked; a request made with "
                "it is refused from now on."
            )
        self.stdout.write(
            f"{user.username}: role {user.role}, organisation "
            f"{user.organisation.name if user.organisation else '—'}, "
            f"{'sees names' if user.sees_names_of(user.organisation_id or 0) else 'pseudonyms'}, "
            f"{'active' if user.is_active else 'deactivated'}"
        )
        if options["tokens"]:
            tokens = list(api_tokens_of(user))
            if tokens:
                self.stdout.write("\n".join(token_table(tokens)))
            else:
                self.stdout.write(f"{user.username} has no API tokens.")
