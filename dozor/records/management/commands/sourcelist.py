"""`dozor sourcelist`: the old name of `dozor sources`, kept so that scripts keep working."""

from __future__ import annotations

from dozor.records.management.commands import sources


class Command(sources.Command):
    help = (
        "The old name of `dozor sources`, which it runs: `dozor sourcelist add|list|rename|"
        "describe` takes the same options. " + sources.Command.help
    )
