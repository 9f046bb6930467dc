"""Stored estimate runs: what was asked, on which data, and what came out, stratum by stratum."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dozor.analysis.mse import METHODS

STRATIFICATIONS = ("year", "region", "bias", "none")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


FINISHED = frozenset({RunStatus.DONE, RunStatus.FAILED, RunStatus.CANCELLED})


class EstimateRun(models.Model):
    """One estimate over the capture histories a user could see when it ran.

    The settings, the seed and the SHA-256 of the capture-history table are kept with the results
    so that anyone can recompute the run and check that the same data gives the same numbers.
    """

    organisation = models.ForeignKey(
        "records.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="estimate_runs",
        verbose_name=_("organisation"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="estimate_runs",
        verbose_name=_("started by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    method = models.CharField(
        _("method"), max_length=10, choices=[(m, m) for m in METHODS], default="loglinear"
    )
    stratify_by = models.CharField(
        _("stratified by"), max_length=10, choices=[(s, s) for s in STRATIFICATIONS]
    )
    country = models.CharField(_("country"), max_length=2, blank=True)
    # [{"id": 3, "name": "..."}] in column order of the capture-history table.
    lists = models.JSONField(_("source lists"))
    settings = models.JSONField(_("method settings"), default=dict, blank=True)
    seed = models.BigIntegerField(_("seed"))
    # How many replicate linkages carry the uncertainty of the unreviewed links into the
    # interval (estimation.replicates); 0: none, the interval takes the links as they are.
    linkage_replicates = models.PositiveIntegerField(_("replicate linkages"), default=0)
    data_hash = models.CharField(_("SHA-256 of the capture histories"), max_length=64, blank=True)
    progress_done = models.PositiveIntegerField(_("strata done"), default=0)
    progress_total = models.PositiveIntegerField(_("strata"), default=0)
    cancel_requested = models.BooleanField(_("cancellation requested"), default=False)
    results = models.JSONField(_("results per stratum"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    started_at = models.DateTimeField(_("began running"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last change"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("estimate run")
        verbose_name_plural = _("estimate runs")
        constraints = [
            models.CheckConstraint(
                condition=Q(progress_done__lte=models.F("progress_total")),
                name="estimate_run_progress_bounded",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="estimate_run_status_idx"),
            models.Index(fields=["organisation", "-created_at"], name="estimate_run_org_idx"),
        ]

    def __str__(self) -> str:
        return f"estimate run {self.pk} ({self.method}, {self.stratify_by}, {self.status})"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def list_names(self) -> list[str]:
        return [str(item["name"]) for item in self.lists]

    @property
    def list_ids(self) -> list[int]:
        return [int(item["id"]) for item in self.lists]

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 0
        return round(100 * self.progress_done / self.progress_total)

    def result_for(self, stratum: str) -> dict[str, Any] | None:
        return next((r for r in self.results if r.get("stratum") == stratum), None)
