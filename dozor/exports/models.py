"""The incidents an organisation marks for its submission to ODIHR's annual hate-crime report."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dozor.records.models import Incident

# ODIHR has collected hate-crime data since its first report (covering 2006).
FIRST_REPORT_YEAR = 2006
LAST_REPORT_YEAR = 2100


class OdihrSubmission(models.Model):
    """An incident marked for the civil-society submission to ODIHR for one report year."""

    incident = models.OneToOneField(
        Incident,
        on_delete=models.CASCADE,
        related_name="odihr_submission",
        verbose_name=_("incident"),
    )
    year = models.PositiveSmallIntegerField(
        _("report year"),
        validators=[MinValueValidator(FIRST_REPORT_YEAR), MaxValueValidator(LAST_REPORT_YEAR)],
    )
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("marked by"),
    )
    marked_at = models.DateTimeField(_("marked"), auto_now_add=True)

    class Meta:
        ordering = ["year", "incident"]
        verbose_name = _("ODIHR submission mark")
        verbose_name_plural = _("ODIHR submission marks")
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=FIRST_REPORT_YEAR, year__lte=LAST_REPORT_YEAR),
                name="odihr_submission_year_plausible",
            )
        ]
        indexes = [models.Index(fields=["year", "incident"], name="odihr_submission_year_idx")]

    def __str__(self) -> str:
        return f"{self.incident_id} → ODIHR {self.year}"
