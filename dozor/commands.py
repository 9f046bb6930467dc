"""The base class of Dozor's own management commands: help written for users, no Django clutter."""

from __future__ import annotations

from typing import Any, Literal

from django.core.checks import Tags
from django.core.management.base import BaseCommand

from dozor.lib.origin import Origin, acting_from

# The system checks a command runs: all but the URL and template ones. A command answers no
# request; the URL checks import every page's code (a third of a short command's time) and the
# template checks every template tag library with the views and forms it imports (a sixth).
# `dozor serve` and `dozor manage check` run them all.
COMMAND_CHECKS = [
    tag
    for name, tag in vars(Tags).items()
    if not name.startswith("_") and tag not in (Tags.urls, Tags.templates)
]


class DozorCommand(BaseCommand):
    requires_system_checks: list[str] | Literal["__all__"] = COMMAND_CHECKS
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
