"""Assessments of a state against its OSCE commitments, the thresholds of computed indicators, and
the official statistics a state publishes.

Assessments and thresholds belong to the organisation that made them. Scores of computed
indicators are never stored: they follow from the data and the thresholds every time.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import NOTE_MAX_LENGTH, Organisation
from dozor.records.models import Incident
from dozor.validators import validate_country

FIRST_YEAR = 1990
LAST_YEAR = 2100


class Score(models.IntegerChoices):
    ABSENT = 0, _("absent")
    PARTIAL = 1, _("partial")
    MET = 2, _("met")


class Assessment(models.Model):
    """One organisation's score of one assessed indicator for one country and year."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="assessments"
    )
    country = models.CharField(_("country"), max_length=2, validators=[validate_country])
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    indicator = models.CharField(_("indicator"), max_length=40)
    # Null is "n/a": the indicator does not apply or cannot be judged this year.
    score = models.PositiveSmallIntegerField(
        _("score"), choices=Score.choices, null=True, blank=True
    )
    justification = models.TextField(_("justification"), max_length=NOTE_MAX_LENGTH)
    links = models.TextField(_("links"), blank=True, max_length=NOTE_MAX_LENGTH)
    documents = models.TextField(_("documents"), blank=True, max_length=NOTE_MAX_LENGTH)
    incidents = models.ManyToManyField(
        Incident, blank=True, related_name="assessments", verbose_name=_("incidents")
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["country", "year", "indicator"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "country", "year", "indicator"],
                name="assessment_unique_indicator_year",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=2), name="assessment_score_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.year} {self.indicator}"

    @property
    def link_list(self) -> list[str]:
        return [line.strip() for line in self.links.splitlines() if line.strip()]

    @property
    def document_list(self) -> list[str]:
        return [line.strip() for line in self.documents.splitlines() if line.strip()]


class IndicatorThreshold(models.Model):
    """An organisation's own thresholds for a computed indicator, replacing the catalogue's."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="indicator_thresholds"
    )
    indicator = models.CharField(_("indicator"), max_length=40)
    partial = models.FloatField(_("partial from"))
    met = models.FloatField(_("met from"))
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["indicator"]
        verbose_name = _("indicator threshold")
        verbose_name_plural = _("indicator thresholds")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "indicator"], name="threshold_unique_indicator"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.partial} / {self.met}"


class OfficialStatistic(models.Model):
    """The hate crimes a state says it recorded, prosecuted and sentenced in a year: the figures
    in force, which are those of the latest revision.

    Published figures are public facts, shared by every organisation's report card, so only
    administrators change them and every change is kept as an OfficialStatisticRevision.
    """

    country = models.CharField(_("country"), max_length=2, validators=[validate_country])
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    recorded = models.PositiveIntegerField(_("recorded by police"), null=True, blank=True)
    prosecuted = models.PositiveIntegerField(_("prosecuted"), null=True, blank=True)
    sentenced = models.PositiveIntegerField(_("sentenced"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=500)
    source_url = models.URLField(_("source address"), blank=True, max_length=500)
    note = models.TextField(_("note"), blank=True, max_length=NOTE_MAX_LENGTH)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["country", "year"]
        verbose_name = _("official statistic")
        verbose_name_plural = _("official statistics")
        constraints = [
            models.UniqueConstraint(fields=["country", "year"], name="official_statistic_unique")
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.year}"

    @property
    def reference(self) -> str:
        """How the audit trail and the pages name these figures."""
        return f"{self.country} {self.year}"


class RevisionQuerySet(models.QuerySet["OfficialStatisticRevision"]):
    """No bulk update or delete: a revision, once written, is history."""

    def update(self, **kwargs: Any) -> int:
        raise TypeError("Revisions of official statistics cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("Revisions of official statistics cannot be deleted.")


class OfficialStatisticRevision(models.Model):
    """One change of a state's figures for a year: what they were set to, by whom, when, from
    which source. Numbered from 1 per country and year; never changed or deleted, so a card
    printed against revision 1 can be checked after revision 2 replaced it."""

    statistic = models.ForeignKey(
        OfficialStatistic, on_delete=models.PROTECT, related_name="revisions"
    )
    number = models.PositiveIntegerField(_("revision"))
    recorded = models.PositiveIntegerField(_("recorded by police"), null=True, blank=True)
    prosecuted = models.PositiveIntegerField(_("prosecuted"), null=True, blank=True)
    sentenced = models.PositiveIntegerField(_("sentenced"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=500)
    source_url = models.URLField(_("source address"), blank=True, max_length=500)
    note = models.TextField(_("note"), blank=True, max_length=NOTE_MAX_LENGTH)
    created_at = models.DateTimeField(_("when"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["statistic", "number"]
        verbose_name = _("revision of official statistics")
        verbose_name_plural = _("revisions of official statistics")
        constraints = [
            models.UniqueConstraint(
                fields=["statistic", "number"], name="official_statistic_revision_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.statistic} r{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("Revisions of official statistics cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("Revisions of official statistics cannot be deleted.")
