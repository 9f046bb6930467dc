"""Each filter's index of the list carries the other filters' columns (models.list_index_include):
a list narrowed by a region and a type is counted and paged from one index, the other filter
tested on its entries, instead of reading thousands of the table's wide rows. Each index is
built again: about two seconds each at a million incidents."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_api_token_rate_count"),
        ("records", "0021_title_word_date"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="incident",
            name="incident_region_list_idx",
        ),
        migrations.RemoveIndex(
            model_name="incident",
            name="incident_type_list_idx",
        ),
        migrations.RemoveIndex(
            model_name="incident",
            name="incident_status_list_idx",
        ),
        migrations.RemoveIndex(
            model_name="incident",
            name="incident_defender_list_idx",
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                fields=["region", "-date_start", "-id"],
                include=(
                    "country",
                    "incident_type",
                    "verification_status",
                    "defender_targeted",
                    "organisation",
                    "confidentiality",
                ),
                name="incident_region_list_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                fields=["incident_type", "-date_start", "-id"],
                include=(
                    "country",
                    "region",
                    "verification_status",
                    "defender_targeted",
                    "organisation",
                    "confidentiality",
                ),
                name="incident_type_list_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                fields=["verification_status", "-date_start", "-id"],
                include=(
                    "country",
                    "region",
                    "incident_type",
                    "defender_targeted",
                    "organisation",
                    "confidentiality",
                ),
                name="incident_status_list_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                fields=["defender_targeted", "-date_start", "-id"],
                include=(
                    "country",
                    "region",
                    "incident_type",
                    "verification_status",
                    "organisation",
                    "confidentiality",
                ),
                name="incident_defender_list_idx",
            ),
        ),
    ]
