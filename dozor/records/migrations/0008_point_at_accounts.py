"""Point the foreign keys to users and organisations at the accounts app (0001 there says why).

Only Django's picture of the models changes: the columns, constraints and tables stay as they are.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('records', '0007_merge_link_kind_and_import_fact'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='organisation',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='organisation',
                    name='updated_by',
                ),
                migrations.AlterField(
                    model_name='incident',
                    name='organisation',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='incidents', to='accounts.organisation', verbose_name='owning organisation'),
                ),
                migrations.AlterField(
                    model_name='incident',
                    name='target_organisation',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='attacks', to='accounts.organisation', verbose_name='targeted organisation'),
                ),
                migrations.AlterField(
                    model_name='sourcelist',
                    name='organisation',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='source_lists', to='accounts.organisation', verbose_name='owning organisation'),
                ),
                migrations.AlterField(
                    model_name='incident',
                    name='created_by',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by'),
                ),
                migrations.AlterField(
                    model_name='incident',
                    name='updated_by',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='changed by'),
                ),
                migrations.AlterField(
                    model_name='incidentreport',
                    name='linked_by',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name='personinvolvement',
                    name='created_by',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by'),
                ),
                migrations.AlterField(
                    model_name='personinvolvement',
                    name='updated_by',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='changed by'),
                ),
                migrations.AlterField(
                    model_name='report',
                    name='created_by',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='stored by'),
                ),
                migrations.AlterField(
                    model_name='sourcelist',
                    name='created_by',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by'),
                ),
                migrations.AlterField(
                    model_name='sourcelist',
                    name='updated_by',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='changed by'),
                ),
            ],
            database_operations=[],
        ),
    ]
