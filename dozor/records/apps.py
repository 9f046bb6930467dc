from django.apps import AppConfig
from django.db import connections
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _

from dozor.records.title_search import register_sqlite_functions


class RecordsConfig(AppConfig):
    name = "dozor.records"
    label = "records"
    verbose_name = _("Records")

    def ready(self) -> None:
        connection_created.connect(register_sqlite_functions, dispatch_uid="dozor_title_search")
        # A connection opened before the app was ready (a setup that queried early) gets them too.
        for opened in connections.all(initialized_only=True):
            if opened.connection is not None:
                register_sqlite_functions(None, opened)
