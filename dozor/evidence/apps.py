from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "dozor.evidence"
    label = "evidence"
    verbose_name = _("Evidence")

    def ready(self) -> None:
        # The dossier sits below this app and cannot import it: the evidence section is handed
        # to it here, once the models it reads are loaded.
        from dozor.evidence.dossier import dossier_evidence
        from dozor.responses.dossier import dossier_section_register

        dossier_section_register(dossier_evidence)
