"""The ``dozor`` command.

Dozor's commands are Django management commands with help written for users; this entry point lists
them, loads the settings (and says plainly what is wrong with them) and runs one. ``dozor manage``
passes anything else to Django's own command line for operators.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

COMMANDS = {
    "demo": "Create a demo database with synthetic data and serve it (first steps start here).",
    "serve": "Serve the web app.",
    "migrate": "Create or update the database tables.",
    "createuser": "Add a user with a role in an organisation, or reset a password.",
    "vocab": "List the controlled vocabularies, or the terms of one.",
    "incident": "Record an incident from the command line.",
    "estimate": "Estimate how many incidents no source list recorded, from the database.",
    "press": "Draft reports from press texts, folders or feeds, for review.",
    "dossier": "Print a case dossier (PDF or HTML, English or Russian) for officials.",
    "user": "Change a user's role, name grant or active state; unlock; reset two-factor.",
    "audit": "Verify the audit trail's hash chain and name any entry that was tampered with.",
    "publish": "Write the public export: suppressed aggregates and public incidents, no names.",
    "sources": "Add, list, rename or describe the source lists reports are imported into.",
    "sourcelist": "The old name of `dozor sources`.",
    "import": "Import a partner's CSV, XLSX or JSON Lines file as reports, with a mapping.",
    "quarantine": "List, export or correct the rows an import could not store.",
    "reports": "List the reports stored from the source lists, or show one as it came.",
    "report": "Write the report card or the annual statistical report (PDF or HTML).",
    "officialstats": "List, enter or load the hate-crime figures a state publishes.",
    "link": "Find reports that describe the same incident and queue them for review.",
    "keys": "Set up, rotate and check the encryption key (docs/security.md).",
    "backup": "Write an encrypted backup archive, or verify one.",
    "restore": "Restore a backup archive into an empty database.",
    "export": "Export the ODIHR submission (XLSX, CSV) or the filtered incident list (CSV, JSON).",
    "evidence": "Re-hash evidence files, write a file's custody record, read documents' text.",
}
# Commands that need no database or settings: they run without Django.
DATABASE_FREE_COMMANDS = {
    "mse": "Estimate what no list recorded from a capture-history CSV (no database needed).",
}

USAGE = """usage: dozor COMMAND [OPTIONS]

Dozor documents hate crimes and attacks on human-rights defenders, follows the state's response,
and counts honestly.

Commands:
{commands}
  manage      Run any Django management command (for operators).

Run `dozor COMMAND --help` for the options of one command.
Configuration comes from environment variables (DOZOR_HOME, DOZOR_DATABASE_URL, ...):
see docs/configuration.md.
"""


def usage() -> str:
    lines = [
        f"  {name:<11} {text}" for name, text in {**COMMANDS, **DATABASE_FREE_COMMANDS}.items()
    ]
    return USAGE.format(commands="\n".join(lines))


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    name, rest = args[0], args[1:]
    # Before anything is written: the database, its WAL, keys and --out files are the
    # account's alone (dozor.security.filemodes). Imported here, like everything below, so that
    # `dozor --help` and `dozor mse` start without loading Django.
    from dozor.security.filemodes import private_umask

    private_umask()
    if name not in COMMANDS and name not in DATABASE_FREE_COMMANDS and name != "manage":
        print(f"dozor: there is no command '{name}'.\n", file=sys.stderr)
        print(usage(), file=sys.stderr)
        return 2
    if name == "mse":
        # Plain Python on a CSV: no settings, no database, so Django is never set up for it.
        from dozor.analysis.mse.cli import main as mse_main

        return mse_main(rest)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dozor.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    # Only once DJANGO_SETTINGS_MODULE is set, with the rest of Django.
    from dozor.security.crypto import KeyringLocked

    try:
        django.setup()
    except ImproperlyConfigured as error:
        print(f"dozor: the configuration is not usable: {error}", file=sys.stderr)
        return 2
    command = rest if name == "manage" else [name, *rest]
    try:
        execute_from_command_line(["dozor", *command])
    except SystemExit as exit_:
        return int(exit_.code or 0) if not isinstance(exit_.code, str) else 1
    except KeyringLocked as error:
        print(
            f"dozor: locked: {error}\nGive the key with DOZOR_KEY_FILE, DOZOR_KEY_PASSPHRASE_FILE "
            "or DOZOR_KEY (docs/security.md).",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print("dozor: interrupted.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
