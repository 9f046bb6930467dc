"""Linkage runs, the candidate pairs they found, and the reviewers' decisions on them.

Nothing here changes a report: an incident's reports change only through its links
(records.IncidentReport), and each decision is kept, with who made it and when, as training data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import Organisation
from dozor.records.models import Incident, IncidentReport, Report


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


class AcceptBatch(models.Model):
    """One acceptance of the model's groups of a run as incidents: what it made, by whom.

    Its links are records.IncidentReport rows of kind "model"; which of them, and which
    incidents it created, are AcceptedLink and AcceptedIncident rows, so the batch can be undone.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    run = models.ForeignKey(
        LinkageRun, on_delete=models.PROTECT, related_name="accept_batches", verbose_name=_("run")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    created_at = models.DateTimeField(_("accepted"), auto_now_add=True)
    min_probability = models.FloatField(_("lowest probability accepted"))
    incidents_created = models.PositiveIntegerField(_("incidents created"), default=0)
    links_made = models.PositiveIntegerField(_("reports linked"), default=0)
    lone_reports = models.PositiveIntegerField(_("lone reports"), default=0)
    joined_existing = models.PositiveIntegerField(
        _("reports added to existing incidents"), default=0
    )
    pairs_left = models.PositiveIntegerField(_("pairs left for review"), default=0)
    groups_left = models.PositiveIntegerField(_("groups left for a person"), default=0)
    # The id of the batch's own entry in the audit trail, its last: anything the trail records
    # about its incidents after it happened since.
    audit_entry_id = models.BigIntegerField(null=True, blank=True, editable=False)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("undone by"),
    )
    undo_result = models.JSONField(_("what the undo did"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("accepted batch")
        verbose_name_plural = _("accepted batches")

    def __str__(self) -> str:
        return f"accept batch {self.pk} of run {self.run_id}"


class AcceptedIncident(models.Model):
    """An incident a batch created, and the response events its reports brought into it."""

    batch = models.ForeignKey(AcceptBatch, on_delete=models.CASCADE, related_name="incidents")
    incident = models.ForeignKey(
        Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reference = models.CharField(_("reference"), max_length=20)
    events = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["batch", "id"]

    def __str__(self) -> str:
        return self.reference


class AcceptedLink(models.Model):
    """A link a batch made. ``link`` empties when the link is removed (the report left)."""

    batch = models.ForeignKey(AcceptBatch, on_delete=models.CASCADE, related_name="links")
    link = models.ForeignKey(
        IncidentReport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey(
        Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reference = models.CharField(_("reference"), max_length=20)
    into_new = models.BooleanField(default=True)  # into an incident the batch created
    # The response events the report brought into an incident the batch did not create.
    events = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["batch", "id"]

    def __str__(self) -> str:
        return f"{self.report_id} -> {self.reference}"


class LinkageJobKind(models.TextChoices):
    RUN = "run", _("linkage run")
    ACCEPT = "accept", _("acceptance of the model's groups")


class LinkageJobState(models.TextChoices):
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class LinkageJob(models.Model):
    """A run or an acceptance started from the Linkage page, working in the background.

    Written outside the work's own transaction, so that any server process can show how it goes.
    """

    token = models.CharField(max_length=32, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=LinkageJobKind.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last news"), auto_now=True)
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=LinkageJobState.choices,
        default=LinkageJobState.RUNNING,
    )
    reports = models.PositiveIntegerField(_("reports"), default=0)
    min_probability = models.FloatField(null=True, blank=True)
    run = models.ForeignKey(
        LinkageRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    batch = models.ForeignKey(
        AcceptBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Only Dozor's own messages (they name counts and report numbers, never a person).
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("linkage job")
        verbose_name_plural = _("linkage jobs")

    def __str__(self) -> str:
        return self.token
