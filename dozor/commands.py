"""The base class of Dozor's own management commands: help written for users, no Django clutter."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from dozor.lib.origin import Origin, acting_from


class DozorCommand(BaseCommand):
    suppressed_base_arguments = {
        "--version",
        "--settings",
        "--pythonpath",
        "--traceback",
        "--no-color",
        "--force-color",
        "--skip-checks",
    }

    def execute(self, *args: Any, **options: Any) -> str | None:
        # Whatever the command writes or reads lands in the audit trail as coming from it.
        with acting_from(Origin(channel=f"command:{self.__module__.rsplit('.', 1)[-1]}")):
            return super().execute(*args, **options)
