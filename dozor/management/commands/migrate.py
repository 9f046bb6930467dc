from django.core.management.commands.migrate import Command as DjangoMigrate

from dozor.commands import DozorCommand


class Command(DjangoMigrate):
    help = "Create or update the database tables. Safe to run at any time: it adds what is missing."
    suppressed_base_arguments = DozorCommand.suppressed_base_arguments
