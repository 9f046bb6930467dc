from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "dozor.evidence"
    label = "evidence"
    verbose_name = _("Evidence")

    def ready(self) -> None:
        # The dossier and the incident search sit below this app and cannot import it: the
        # evidence section and search part are handed to them here, once the models are loaded.
        from dozor.evidence.dossier import dossier_evidence
        from dozor.evidence.search import incidents_with_evidence_matching
        from dozor.records.selectors import incident_search_part_register
        from dozor.responses.dossier import dossier_section_register

        dossier_section_register(dossier_evidence)
        incident_search_part_register(incidents_with_evidence_matching)
