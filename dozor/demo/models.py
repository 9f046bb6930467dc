"""What the synthetic demo data set knows and users' data never does: the truth behind reports.

Kept apart from the records so that linkage and estimation can be scored against it; no page
shows it.
"""

from __future__ import annotations

from django.db import models


class DemoLoad(models.Model):
    """One load of the demo data set into this database."""

    seed = models.IntegerField()
    size = models.PositiveIntegerField()
    loaded_at = models.DateTimeField(auto_now_add=True)
    true_incidents = models.PositiveIntegerField()
    documented_incidents = models.PositiveIntegerField()
    reports = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"demo seed {self.seed}, {self.documented_incidents} incidents"


class TrueIncident(models.Model):
    """An event of the synthetic world, documented by some source list or by none."""

    key = models.CharField(max_length=20, unique=True)
    date = models.DateField()
    region = models.CharField(max_length=6)
    incident_type = models.CharField(max_length=40)
    documented = models.BooleanField()
    incident = models.OneToOneField(
        "records.Incident", on_delete=models.CASCADE, null=True, related_name="demo_truth"
    )

    def __str__(self) -> str:
        return self.key


class ReportTruth(models.Model):
    report = models.OneToOneField("records.Report", on_delete=models.CASCADE, related_name="truth")
    true_incident = models.ForeignKey(
        TrueIncident, on_delete=models.CASCADE, related_name="reports"
    )

    def __str__(self) -> str:
        return f"{self.report_id} -> {self.true_incident_id}"
