"""Decisions belong to an organisation.

Until now a decision had no organisation, so one organisation's decision on reports it could read
through a public incident left another organisation's queue and trained its runs. Each existing
decision is given the organisation of the person who made it (or, for someone who has since left
every organisation, the organisation that owns the first report's list). The column becomes
required in 0003, in a transaction of its own.
"""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models


def fill_organisation(apps: Any, schema_editor: Any) -> None:
    LinkDecision = apps.get_model("linkage", "LinkDecision")
    decisions = LinkDecision.objects.select_related("decided_by", "report_a__source_list")
    for decision in decisions.iterator():
        decision.organisation_id = (
            decision.decided_by.organisation_id or decision.report_a.source_list.organisation_id
        )
        decision.save(update_fields=["organisation"])


class Migration(migrations.Migration):
    dependencies = [
        ("linkage", "0001_initial"),
        ("records", "0003_list_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="linkdecision",
            name="organisation",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="records.organisation",
                verbose_name="organisation",
            ),
        ),
        migrations.RunPython(fill_organisation, migrations.RunPython.noop),
    ]
