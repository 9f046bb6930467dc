"""Organisation (from records) and User (from security) move here; their tables stay.

Only Django's picture of the models moves (state_operations); the database keeps the tables
``records_organisation`` and ``security_user`` with every row, key and constraint, which the
models name in ``db_table``. The migrations that follow in the other apps point their foreign
keys at the models here and then drop the old models from the picture, again without touching a
table. A database made before this migration needs nothing done by hand: ``dozor migrate``
records this step as applied where the tables already exist (dozor/accounts/upgrade.py).
"""

import django.contrib.auth.models
import django.contrib.auth.validators
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import dozor.validators


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("records", "0007_merge_link_kind_and_import_fact"),
        ("security", "0003_merge_0002_keyringstate_0002_user_can_see_names"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="User",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("password", models.CharField(max_length=128, verbose_name="password")),
                        ("last_login", models.DateTimeField(blank=True, null=True, verbose_name="last login")),
                        ("is_superuser", models.BooleanField(default=False, help_text="Designates that this user has all permissions without explicitly assigning them.", verbose_name="superuser status")),
                        ("username", models.CharField(error_messages={"unique": "A user with that username already exists."}, help_text="Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only.", max_length=150, unique=True, validators=[django.contrib.auth.validators.UnicodeUsernameValidator()], verbose_name="username")),
                        ("first_name", models.CharField(blank=True, max_length=150, verbose_name="first name")),
                        ("last_name", models.CharField(blank=True, max_length=150, verbose_name="last name")),
                        ("email", models.EmailField(blank=True, max_length=254, verbose_name="email address")),
                        ("is_staff", models.BooleanField(default=False, help_text="Designates whether the user can log into this admin site.", verbose_name="staff status")),
                        ("is_active", models.BooleanField(default=True, help_text="Designates whether this user should be treated as active. Unselect this instead of deleting accounts.", verbose_name="active")),
                        ("date_joined", models.DateTimeField(default=django.utils.timezone.now, verbose_name="date joined")),
                        ("role", models.CharField(choices=[("administrator", "Administrator"), ("documenter", "Documenter"), ("analyst", "Analyst"), ("advocate", "Advocate"), ("reader", "Reader")], default="reader", max_length=20, verbose_name="role")),
                        ("can_see_names", models.BooleanField(default=False, help_text="Analysts and readers see pseudonyms; an administrator may let this user see the names in their organisation's records.", verbose_name="may see names")),
                        ("groups", models.ManyToManyField(blank=True, help_text="The groups this user belongs to. A user will get all permissions granted to each of their groups.", related_name="user_set", related_query_name="user", to="auth.group", verbose_name="groups")),
                        ("user_permissions", models.ManyToManyField(blank=True, help_text="Specific permissions for this user.", related_name="user_set", related_query_name="user", to="auth.permission", verbose_name="user permissions")),
                    ],
                    options={
                        "verbose_name": "user",
                        "verbose_name_plural": "users",
                        "db_table": "security_user",
                        "abstract": False,
                    },
                    managers=[
                        ("objects", django.contrib.auth.models.UserManager()),
                    ],
                ),
                migrations.CreateModel(
                    name="Organisation",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="changed")),
                        ("name", models.CharField(max_length=300, unique=True, verbose_name="name")),
                        ("name_en", models.CharField(blank=True, max_length=300, verbose_name="name in English")),
                        ("kind", models.CharField(default="ngo", max_length=40, validators=[dozor.validators.VocabularyValidator("organisation_kind")], verbose_name="kind")),
                        ("country", models.CharField(default="RU", max_length=2, validators=[dozor.validators.validate_country], verbose_name="country")),
                        ("region", models.CharField(blank=True, max_length=6, verbose_name="region")),
                        ("description", models.TextField(blank=True, max_length=5000, verbose_name="description")),
                        ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.user", verbose_name="created by")),
                        ("updated_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.user", verbose_name="changed by")),
                    ],
                    options={
                        "verbose_name": "organisation",
                        "verbose_name_plural": "organisations",
                        "db_table": "records_organisation",
                        "ordering": ["name"],
                    },
                ),
                migrations.AddField(
                    model_name="user",
                    name="organisation",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="members", to="accounts.organisation", verbose_name="organisation"),
                ),
            ],
            database_operations=[],
        ),
    ]
