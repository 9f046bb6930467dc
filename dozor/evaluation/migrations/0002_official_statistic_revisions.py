"""Official statistics get numbered, immutable revisions.

The figures already entered become revision 1, by whoever last changed them, when they did. On
PostgreSQL a trigger refuses UPDATE and DELETE of revisions, so nothing connecting with the
application's role rewrites what a printed report card was based on.
"""

import django.db.models.deletion
from django.db import migrations, models


REFUSE_CHANGE = """
CREATE OR REPLACE FUNCTION official_revision_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'revisions of official statistics are history: % is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER official_revision_append_only
    BEFORE UPDATE OR DELETE ON evaluation_officialstatisticrevision
    FOR EACH ROW EXECUTE FUNCTION official_revision_refuse_change();
"""
ALLOW_CHANGE = """
DROP TRIGGER IF EXISTS official_revision_append_only ON evaluation_officialstatisticrevision;
DROP FUNCTION IF EXISTS official_revision_refuse_change();
"""


def first_revisions(apps, schema_editor):
    statistic_model = apps.get_model("evaluation", "OfficialStatistic")
    revision_model = apps.get_model("evaluation", "OfficialStatisticRevision")
    for row in statistic_model.objects.all():
        revision_model.objects.create(
            statistic=row,
            number=1,
            recorded=row.recorded,
            prosecuted=row.prosecuted,
            sentenced=row.sentenced,
            source=row.source,
            source_url=row.source_url,
            note=row.note,
            created_at=row.updated_at,
            created_by_id=row.updated_by_id,
        )


def refuse_changes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REFUSE_CHANGE, params=None)


def allow_changes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW_CHANGE, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('evaluation', '0001_initial'),
        ("security", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name='officialstatistic',
            name='revision',
            field=models.PositiveIntegerField(default=1, verbose_name='revision'),
        ),
        migrations.CreateModel(
            name='OfficialStatisticRevision',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField(verbose_name='revision')),
                ('recorded', models.PositiveIntegerField(blank=True, null=True, verbose_name='recorded by police')),
                ('prosecuted', models.PositiveIntegerField(blank=True, null=True, verbose_name='prosecuted')),
                ('sentenced', models.PositiveIntegerField(blank=True, null=True, verbose_name='sentenced')),
                ('source', models.CharField(max_length=500, verbose_name='source')),
                ('source_url', models.URLField(blank=True, max_length=500, verbose_name='source address')),
                ('note', models.TextField(blank=True, max_length=5000, verbose_name='note')),
                ('created_at', models.DateTimeField(verbose_name='when')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to="security.user", verbose_name='by')),
                ('statistic', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='revisions', to='evaluation.officialstatistic')),
            ],
            options={
                'verbose_name': 'revision of official statistics',
                'verbose_name_plural': 'revisions of official statistics',
                'ordering': ['statistic', 'number'],
                'constraints': [models.UniqueConstraint(fields=('statistic', 'number'), name='official_statistic_revision_unique')],
            },
        ),
        migrations.RunPython(first_revisions, migrations.RunPython.noop),
        migrations.RunPython(refuse_changes, allow_changes),
    ]
