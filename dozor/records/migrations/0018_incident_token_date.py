"""PostgreSQL: each summary token carries its incident's date, so that a word's first incidents
in the list's order are one range of one index.

A search for a word many summaries hold ("ножом" in one in eight) read every one of the word's
tokens to learn which incidents hold it, then walked the list until it had the page's count:
the cost grew with the word's frequency, 134,000 tokens at a million incidents. Here the token
table gains the incident's ``date_start`` (a column Django does not know: it never writes or
reads it but through the search, dozor.records.search_order) and an index on (field, token,
date descending, record descending), the list's own order; the first thousand incidents that
hold a word are then the first thousand entries of one range of that index, whatever the
word's frequency. (People's names: migration 0019.)

The column is added by writing the table again with it (migrations/_token_tables.py: minutes,
where an UPDATE of every token took 16 at 100,000 incidents). Triggers keep the column right
whatever writes the rows: a token takes its incident's date when it is inserted (services, bulk_create, COPY), and a change of an incident's date is copied to
its tokens. Tokens are never updated otherwise (a record's tokens are deleted and written
again), and they are deleted with their incident.

SQLite has no such column: its searches are small, and read the tokens as before.
"""

from django.db import migrations

from dozor.records.migrations._token_tables import table_rebuilt

POSTGRESQL_CREATE = [
    """
    CREATE FUNCTION records_incidenttoken_date_fill() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.date_start := (SELECT date_start FROM records_incident WHERE id = NEW.record_id);
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE FUNCTION records_incident_token_date_copy() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE records_incidenttoken SET date_start = NEW.date_start WHERE record_id = NEW.id;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER records_incidenttoken_date_fill BEFORE INSERT OR UPDATE OF record_id
    ON records_incidenttoken FOR EACH ROW EXECUTE FUNCTION records_incidenttoken_date_fill()
    """,
    """
    CREATE TRIGGER records_incident_token_date_copy AFTER UPDATE OF date_start
    ON records_incident FOR EACH ROW
    WHEN (OLD.date_start IS DISTINCT FROM NEW.date_start)
    EXECUTE FUNCTION records_incident_token_date_copy()
    """,
    """
    CREATE INDEX incident_token_list_idx ON records_incidenttoken
    (field, token, date_start DESC, record_id DESC)
    """,
]
POSTGRESQL_DROP = [
    "DROP INDEX IF EXISTS incident_token_list_idx",
    "DROP TRIGGER IF EXISTS records_incident_token_date_copy ON records_incident",
    "DROP TRIGGER IF EXISTS records_incidenttoken_date_fill ON records_incidenttoken",
    "DROP FUNCTION IF EXISTS records_incident_token_date_copy()",
    "DROP FUNCTION IF EXISTS records_incidenttoken_date_fill()",
    "ALTER TABLE records_incidenttoken DROP COLUMN IF EXISTS date_start",
]


def token_dates_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table_rebuilt(
            schema_editor,
            "records_incidenttoken",
            {"date_start": ("date", "i.date_start")},
            "JOIN records_incident i ON i.id = t.record_id",
        )
        for sql in POSTGRESQL_CREATE:
            schema_editor.execute(sql)


def token_dates_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRESQL_DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0017_local_term_broader"),
    ]

    operations = [
        migrations.RunPython(token_dates_create, token_dates_drop),
    ]
