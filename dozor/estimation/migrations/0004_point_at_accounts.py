"""Point the foreign keys to users and organisations at the accounts app (0001 there says why).

Only Django's picture of the models changes: the columns, constraints and tables stay as they are.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('estimation', '0003_merge_methods_and_linkage_replicates'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='estimaterun',
                    name='created_by',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='estimate_runs', to=settings.AUTH_USER_MODEL, verbose_name='started by'),
                ),
                migrations.AlterField(
                    model_name='estimaterun',
                    name='organisation',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='estimate_runs', to='accounts.organisation', verbose_name='organisation'),
                ),
                migrations.AlterField(
                    model_name='publishedfigure',
                    name='published_by',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='published by'),
                ),
                migrations.AlterField(
                    model_name='publishedseries',
                    name='organisation',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='published_series', to='accounts.organisation', verbose_name='organisation'),
                ),
            ],
            database_operations=[],
        ),
    ]
