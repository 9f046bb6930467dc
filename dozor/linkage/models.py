"""Linkage runs, the candidate pairs they found, and the reviewers' decisions on them.

Nothing here changes a report: an incident's reports change only through its links
(records.IncidentReport), and each decision is kept, with who made it and when, as training data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from dozor.records.models import Organisation, Report


class LinkageRun(models.Model):
    """One run of the linkage model over the reports of one organisation's own source lists."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    engine = models.CharField(_("engine"), max_length=10, default="duckdb")
    threshold = models.FloatField(_("review threshold"))
    reports = models.PositiveIntegerField(_("reports"), default=0)
    pairs = models.PositiveIntegerField(_("candidate pairs"), default=0)
    clusters = models.PositiveIntegerField(_("clusters"), default=0)
    seconds = models.FloatField(_("seconds"), default=0)
    model = models.JSONField(_("model parameters"), default=dict)
    # What the run compared and left out, and the fields left out of some reports
    # (dozor.analysis.linkage.Coverage.as_dict() with "fields_left_out").
    coverage = models.JSONField(_("what was compared"), default=dict)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("linkage run")
        verbose_name_plural = _("linkage runs")

    def __str__(self) -> str:
        return f"linkage run {self.pk} ({self.started_at:%Y-%m-%d %H:%M})"


class CandidatePair(models.Model):
    """Two reports the model scored as possibly one incident. report_a has the smaller id."""

    run = models.ForeignKey(LinkageRun, on_delete=models.CASCADE, related_name="candidates")
    report_a = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+")
    report_b = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+")
    match_probability = models.FloatField(_("match probability"))
    match_weight = models.FloatField(_("match weight"))

    class Meta:
        ordering = ["-match_probability", "id"]
        verbose_name = _("candidate pair")
        verbose_name_plural = _("candidate pairs")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "report_a", "report_b"], name="candidate_unique_pair"
            ),
            models.CheckConstraint(
                condition=Q(report_a__lt=F("report_b")), name="candidate_ordered_pair"
            ),
        ]
        indexes = [models.Index(fields=["run", "-match_probability"], name="candidate_run_idx")]

    def __str__(self) -> str:
        return f"{self.report_a_id}~{self.report_b_id} ({self.match_probability:.2f})"


class Decision(models.TextChoices):
    MATCH = "match", _("Same incident")
    NO_MATCH = "no_match", _("Different incidents")
    UNSURE = "unsure", _("Unsure")


class LinkDecision(models.Model):
    """A reviewer's decision on two reports. Never edited: a new decision supersedes it.

    A decision belongs to the organisation that made it (the one owning the reports): it leaves
    that organisation's queue and trains that organisation's runs, never another's.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    report_a = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="+")
    report_b = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), auto_now_add=True)
    match_probability = models.FloatField(_("score when decided"), null=True, blank=True)

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("link decision")
        verbose_name_plural = _("link decisions")
        constraints = [
            models.CheckConstraint(
                condition=Q(report_a__lt=F("report_b")), name="decision_ordered_pair"
            ),
        ]
        indexes = [
            models.Index(
                fields=["organisation", "report_a", "report_b", "-id"], name="decision_org_pair_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.report_a_id}~{self.report_b_id}: {self.decision}"
