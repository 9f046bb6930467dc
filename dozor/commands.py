"""The base class of Dozor's own management commands: help written for users, no Django clutter."""

from __future__ import annotations

from django.core.management.base import BaseCommand


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
