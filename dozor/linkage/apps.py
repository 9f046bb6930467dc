from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinkageConfig(AppConfig):
    name = "dozor.linkage"
    label = "linkage"
    verbose_name = _("Linkage")
    default_auto_field = "django.db.models.BigAutoField"
