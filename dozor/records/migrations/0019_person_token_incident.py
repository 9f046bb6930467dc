"""PostgreSQL: each token of a person's name carries the person's incident and its date, as the
summaries' tokens carry their incident's date (migration 0018), so that the incidents whose
people's names hold a word (or its beginning, "Султон"), newest first, are one range of one
index: (field, token, date descending, incident descending).

Triggers keep the two columns right whatever writes the rows: a token takes its person's
incident and date when it is inserted; a change of an incident's date is copied to its people's
tokens, and a person moved to another incident takes that incident and its date.

SQLite has no such columns (0018).
"""

from django.db import migrations

from dozor.records.migrations._token_tables import table_rebuilt

POSTGRESQL_CREATE = [
    """
    CREATE FUNCTION records_persontoken_incident_fill() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        SELECT p.incident_id, i.date_start INTO NEW.incident_id, NEW.date_start
        FROM records_personinvolvement p JOIN records_incident i ON i.id = p.incident_id
        WHERE p.id = NEW.record_id;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE FUNCTION records_person_token_incident_copy() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE records_persontoken SET incident_id = NEW.incident_id,
            date_start = (SELECT date_start FROM records_incident WHERE id = NEW.incident_id)
        WHERE record_id = NEW.id;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE FUNCTION records_incident_person_token_date_copy() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE records_persontoken t SET date_start = NEW.date_start
        FROM records_personinvolvement p WHERE p.incident_id = NEW.id AND t.record_id = p.id;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER records_persontoken_incident_fill BEFORE INSERT OR UPDATE OF record_id
    ON records_persontoken FOR EACH ROW EXECUTE FUNCTION records_persontoken_incident_fill()
    """,
    """
    CREATE TRIGGER records_person_token_incident_copy AFTER UPDATE OF incident_id
    ON records_personinvolvement FOR EACH ROW
    WHEN (OLD.incident_id IS DISTINCT FROM NEW.incident_id)
    EXECUTE FUNCTION records_person_token_incident_copy()
    """,
    """
    CREATE TRIGGER records_incident_person_token_date_copy AFTER UPDATE OF date_start
    ON records_incident FOR EACH ROW
    WHEN (OLD.date_start IS DISTINCT FROM NEW.date_start)
    EXECUTE FUNCTION records_incident_person_token_date_copy()
    """,
    """
    CREATE INDEX person_token_list_idx ON records_persontoken
    (field, token, date_start DESC, incident_id DESC)
    """,
]
POSTGRESQL_DROP = [
    "DROP INDEX IF EXISTS person_token_list_idx",
    "DROP TRIGGER IF EXISTS records_incident_person_token_date_copy ON records_incident",
    "DROP TRIGGER IF EXISTS records_person_token_incident_copy ON records_personinvolvement",
    "DROP TRIGGER IF EXISTS records_persontoken_incident_fill ON records_persontoken",
    "DROP FUNCTION IF EXISTS records_incident_person_token_date_copy()",
    "DROP FUNCTION IF EXISTS records_person_token_incident_copy()",
    "DROP FUNCTION IF EXISTS records_persontoken_incident_fill()",
    "ALTER TABLE records_persontoken DROP COLUMN IF EXISTS incident_id",
    "ALTER TABLE records_persontoken DROP COLUMN IF EXISTS date_start",
]


def person_token_incident_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table_rebuilt(
            schema_editor,
            "records_persontoken",
            {"incident_id": ("bigint", "p.incident_id"), "date_start": ("date", "i.date_start")},
            "JOIN records_personinvolvement p ON p.id = t.record_id "
            "JOIN records_incident i ON i.id = p.incident_id",
        )
        for sql in POSTGRESQL_CREATE:
            schema_editor.execute(sql)


def person_token_incident_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRESQL_DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0018_incident_token_date"),
    ]

    operations = [
        migrations.RunPython(person_token_incident_create, person_token_incident_drop),
    ]
