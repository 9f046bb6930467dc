"""Every decision has an organisation (filled in 0002); decisions are looked up within it."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("linkage", "0002_linkdecision_organisation"),
    ]

    operations = [
        migrations.AlterField(
            model_name="linkdecision",
            name="organisation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="records.organisation",
                verbose_name="organisation",
            ),
        ),
        migrations.RemoveIndex(
            model_name="linkdecision",
            name="decision_pair_idx",
        ),
        migrations.AddIndex(
            model_name="linkdecision",
            index=models.Index(
                fields=["organisation", "report_a", "report_b", "-id"],
                name="decision_org_pair_idx",
            ),
        ),
    ]
