from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from dozor.accounts.models import Role, User
from dozor.accounts.services import totp_device_remove, user_sign_in_unlock, user_update
from dozor.commands import DozorCommand


class Command(DozorCommand):
    help = (
        "Show or change a user: role, the grant to see names, deactivation, a lost "
        "authenticator, a sign-in lockout. Without options, prints the user."
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
        self.stdout.write(
            f"{user.username}: role {user.role}, organisation "
            f"{user.organisation.name if user.organisation else '—'}, "
            f"{'sees names' if user.sees_names_of(user.organisation_id or 0) else 'pseudonyms'}, "
            f"{'active' if user.is_active else 'deactivated'}"
        )
