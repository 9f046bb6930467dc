from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "dozor.evaluation"
    verbose_name = _("Evaluation against OSCE commitments")
