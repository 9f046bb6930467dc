from typing import Any

from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

from dozor.accounts.upgrade import accounts_history_align
from dozor.commands import COMMAND_CHECKS, DozorCommand

MSG_BROUGHT_OVER = "Users and organisations are now the accounts app's; no table changed."


class Command(DjangoMigrate):
    help = "Create or update the database tables. Safe to run at any time: it adds what is missing."
    suppressed_base_arguments = DozorCommand.suppressed_base_arguments

    def check(self, *args: Any, **kwargs: Any) -> None:
        # Django's migrate runs every check itself; it answers no request (dozor.commands).
        kwargs["tags"] = kwargs.get("tags") or COMMAND_CHECKS
        super().check(*args, **kwargs)

    def handle(self, *args: Any, **options: Any) -> None:
        # A database made before the accounts app held users and organisations is brought over
        # first; Django's own check of the history would refuse it (dozor.accounts.upgrade).
        if accounts_history_align(connections[options["database"]]) and options["verbosity"]:
            self.stdout.write(MSG_BROUGHT_OVER)
        super().handle(*args, **options)
