"""PostgreSQL: each row of the titles' word table carries its incident's date, so that a title
word's incidents in the list's order are read from the word table alone.

A word in a few per cent of the titles (20,000 rows of ``records_incident_title_word`` at a
million incidents) was put in the list's order by looking up each of its incidents' dates: a
join of every row to ``records_incident``, 60 ms before the first of the page's incidents was
known. Here the word table gains ``date_start`` (like the token tables' in 0018 and 0019: a
column Django does not know, read only by the search, dozor.records.search_order) and an index
on (lexeme, date descending, incident descending): a word's rows, read in a range of it, sort
by the list's order without a look at the incidents, and only the first of them are tested
against the list.

The column is added by writing the table again with it (migrations/_token_tables.py). The
table's own trigger function (0014) writes the date with the lexemes, and runs again when an
incident's date changes.
"""

from django.db import migrations

from dozor.records.migrations._token_tables import table_rebuilt


def _write_function(columns: str, values: str) -> str:
    return f"""
    CREATE OR REPLACE FUNCTION records_incident_title_word_write() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            DELETE FROM records_incident_title_word WHERE incident_id = OLD.id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO records_incident_title_word ({columns})
            SELECT {values} FROM unnest(tsvector_to_array(NEW.title_fts)) AS lexeme;
        END IF;
        RETURN NULL;
    END
    $$
    """


def _update_trigger(columns: list[str]) -> list[str]:
    changed = " OR ".join(f"OLD.{name} IS DISTINCT FROM NEW.{name}" for name in columns)
    return [
        "DROP TRIGGER IF EXISTS records_incident_title_word_update ON records_incident",
        f"""
        CREATE TRIGGER records_incident_title_word_update AFTER UPDATE OF {", ".join(columns)}
        ON records_incident FOR EACH ROW WHEN ({changed})
        EXECUTE FUNCTION records_incident_title_word_write()
        """,
    ]


POSTGRESQL_CREATE = [
    _write_function("lexeme, incident_id, date_start", "lexeme, NEW.id, NEW.date_start"),
    *_update_trigger(["id", "title", "date_start"]),
    """
    CREATE INDEX incident_title_word_list_idx ON records_incident_title_word
    (lexeme, date_start DESC, incident_id DESC)
    """,
]
POSTGRESQL_DROP = [
    "DROP INDEX IF EXISTS incident_title_word_list_idx",
    _write_function("lexeme, incident_id", "lexeme, NEW.id"),
    *_update_trigger(["id", "title"]),
    "ALTER TABLE records_incident_title_word DROP COLUMN IF EXISTS date_start",
]


def title_word_dates_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table_rebuilt(
            schema_editor,
            "records_incident_title_word",
            {"date_start": ("date", "i.date_start")},
            "JOIN records_incident i ON i.id = t.incident_id",
        )
        for sql in POSTGRESQL_CREATE:
            schema_editor.execute(sql)


def title_word_dates_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRESQL_DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0020_incident_id_listed_index"),
    ]

    operations = [
        migrations.RunPython(title_word_dates_create, title_word_dates_drop),
    ]
