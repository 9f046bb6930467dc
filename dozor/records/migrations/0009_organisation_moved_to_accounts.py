"""Organisation now lives in the accounts app (accounts/migrations/0001_initial.py): drop it from this
app's picture of the models. The table stays, with every row; the accounts app owns it now.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('estimation', '0004_point_at_accounts'),
        ('evaluation', '0003_point_at_accounts'),
        ('linkage', '0006_point_at_accounts'),
        ('records', '0008_point_at_accounts'),
        ('responses', '0003_point_at_accounts'),
        ('security', '0004_user_moved_to_accounts'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name='Organisation',
                ),
            ],
            database_operations=[],
        ),
    ]
