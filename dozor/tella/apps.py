from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TellaConfig(AppConfig):
    name = "dozor.tella"
    label = "tella"
    verbose_name = _("Tella")
