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
        "accounts.Organisation",
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
    # The run's first method (the default method when it was asked for): the one its figures
    # are quoted from (estimate_latest) when it ran several. A run stored before runs could have
    # several methods has only this.
    method = models.CharField(
        _("method"), max_length=10, choices=[(m, m) for m in METHODS], default="loglinear"
    )
    # Every method asked for, the first one first; one result per stratum and method.
    methods = models.JSONField(_("methods"), default=list, blank=True)
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
        return (
            f"estimate run {self.pk} ({', '.join(self.method_list)}, {self.stratify_by}, "
            f"{self.status})"
        )

    @property
    def method_list(self) -> list[str]:
        """The methods of the run, its first method first."""
        return [str(m) for m in self.methods] or [self.method]

    def result_method(self, result: dict[str, Any]) -> str:
        """The method of one stored result (results stored before several methods lack it)."""
        return str(result.get("method") or self.method)

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

    def result_for(self, stratum: str, method: str | None = None) -> dict[str, Any] | None:
        """The stored result of one stratum for ``method`` (default: the run's first method)."""
        wanted = method or self.method
        return next(
            (
                r
                for r in self.results
                if r.get("stratum") == stratum and self.result_method(r) == wanted
            ),
            None,
        )

    def strata_results(self) -> list[tuple[str, dict[str, dict[str, Any]]]]:
        """Each stratum in the order computed, with its results by method in the run's order."""
        strata: dict[str, dict[str, dict[str, Any]]] = {}
        for result in self.results:
            strata.setdefault(str(result["stratum"]), {})[self.result_method(result)] = result
        order = {method: position for position, method in enumerate(self.method_list)}
        return [
            (key, dict(sorted(found.items(), key=lambda item: order.get(item[0], len(order)))))
            for key, found in strata.items()
        ]


class FigureKind(models.TextChoices):
    ESTIMATE = "estimate", _("estimate")
    DOCUMENTED = "documented", _("documented count")


class PublishedSeries(models.Model):
    """One figure an organisation quotes, through its revisions: what (an estimate or a documented
    count) of which group (how the incidents were grouped, the group, the country, the lists) in
    which period. Its revisions are the PublishedFigure rows; ``revision`` is the latest number.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="published_series",
        verbose_name=_("organisation"),
    )
    kind = models.CharField(_("what"), max_length=10, choices=FigureKind.choices)
    stratify_by = models.CharField(
        _("grouped by"), max_length=10, choices=[(s, s) for s in STRATIFICATIONS]
    )
    stratum = models.CharField(_("group"), max_length=100)
    country = models.CharField(_("country"), max_length=2, blank=True)
    # [{"id": 3, "name": "..."}] in list order; lists_key is their ids, sorted, for grouping.
    lists = models.JSONField(_("source lists"))
    lists_key = models.CharField(_("source list ids"), max_length=200)
    # The year of a by-year group; empty for a group over every date recorded.
    period = models.CharField(_("period"), max_length=10, blank=True)
    revision = models.PositiveIntegerField(_("latest revision"), default=0)

    class Meta:
        ordering = ["organisation", "stratify_by", "stratum", "kind"]
        verbose_name = _("published figure")
        verbose_name_plural = _("published figures")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "organisation",
                    "kind",
                    "stratify_by",
                    "stratum",
                    "country",
                    "lists_key",
                    "period",
                ],
                name="published_series_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.stratify_by}={self.stratum} {self.country or '*'} {self.period}"

    @property
    def list_names(self) -> list[str]:
        return [str(item["name"]) for item in self.lists]


class PublishedFigureQuerySet(models.QuerySet["PublishedFigure"]):
    """No bulk update or delete: a figure once published is history."""

    def update(self, **kwargs: Any) -> int:
        raise TypeError(MSG_PUBLISHED_IMMUTABLE)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError(MSG_PUBLISHED_IMMUTABLE)


MSG_PUBLISHED_IMMUTABLE = "A published figure is history: it cannot be changed or deleted."


class PublishedFigure(models.Model):
    """One revision of a published figure: the figure as it was quoted, from which run, when and
    by whom. Numbered from 1 per series; never changed or deleted, so a report printed with
    revision 1 can be checked after revision 2 replaced it."""

    series = models.ForeignKey(PublishedSeries, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField(_("revision"))
    method = models.CharField(_("method"), max_length=10, blank=True)
    documented = models.PositiveIntegerField(_("documented"))
    figure = models.FloatField(_("figure"))
    lower = models.FloatField(_("lower limit"), null=True, blank=True)
    upper = models.FloatField(_("upper limit"), null=True, blank=True)
    level = models.FloatField(_("interval level"), null=True, blank=True)
    # The cautions the estimate carried when it was published, as stored with the run.
    cautions = models.JSONField(_("cautions"), default=list, blank=True)
    run = models.ForeignKey(
        EstimateRun,
        on_delete=models.PROTECT,
        related_name="published_figures",
        verbose_name=_("estimate run"),
    )
    data_hash = models.CharField(_("SHA-256 of the capture histories"), max_length=64)
    seed = models.BigIntegerField(_("seed"))
    published_at = models.DateTimeField(_("published"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("published by"),
    )

    objects = PublishedFigureQuerySet.as_manager()

    class Meta:
        ordering = ["series", "number"]
        verbose_name = _("revision of a published figure")
        verbose_name_plural = _("revisions of published figures")
        constraints = [
            models.UniqueConstraint(fields=["series", "number"], name="published_figure_unique")
        ]

    def __str__(self) -> str:
        return f"{self.series} r{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError(MSG_PUBLISHED_IMMUTABLE)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError(MSG_PUBLISHED_IMMUTABLE)
