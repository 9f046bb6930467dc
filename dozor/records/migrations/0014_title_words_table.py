"""PostgreSQL: a title's words in a narrow table of their own, searched by a B-tree.

Migration 0011 searched titles with a GIN index on the stored vector ``title_fts``. A word that
many titles hold ("Москва" in a third of them) made PostgreSQL read every one of those incidents'
rows to learn their ids: 30,000 rows, 85 ms at 100,000 incidents, 140 ms at a million. Here each
lexeme of ``title_fts`` (its simple, russian and english forms) is a row (lexeme, incident) of
``records_incident_title_word``, whose primary key is a B-tree in byte order (the C collation),
so that the beginning of a lexeme (``LIKE 'москв%'``) is a range of that index, read alone,
ids included: a tenth of the pages. The GIN index goes; the column stays (the triggers read
it).

Triggers keep the table right whatever writes the incidents (services, bulk_create, COPY,
update(), a restore): on insert, on a change of the title, on delete, and on TRUNCATE (which
fires no row trigger; Django's test flush truncates). No foreign key: Django does not know the
table (it is no model), and truncating the incidents it references would then fail.

A later migration that changes ``records_incident.title`` must drop ``title_fts`` first (0011)
and make it again after: the triggers read it by name when they run.

SQLite keeps its FTS5 table (0011); nothing changes there.
"""

import django.db.models.deletion
from django.db import migrations, models

POSTGRESQL_CREATE = [
    """
    CREATE TABLE records_incident_title_word (
        lexeme text COLLATE "C" NOT NULL,
        incident_id bigint NOT NULL,
        PRIMARY KEY (lexeme, incident_id)
    )
    """,
    "CREATE INDEX records_incident_title_word_incident ON records_incident_title_word (incident_id)",
    """
    CREATE FUNCTION records_incident_title_word_write() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            DELETE FROM records_incident_title_word WHERE incident_id = OLD.id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO records_incident_title_word (lexeme, incident_id)
            SELECT lexeme, NEW.id FROM unnest(tsvector_to_array(NEW.title_fts)) AS lexeme;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE FUNCTION records_incident_title_word_clear() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE records_incident_title_word;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER records_incident_title_word_insert AFTER INSERT ON records_incident
    FOR EACH ROW EXECUTE FUNCTION records_incident_title_word_write()
    """,
    """
    CREATE TRIGGER records_incident_title_word_update AFTER UPDATE OF id, title
    ON records_incident FOR EACH ROW
    WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.title IS DISTINCT FROM NEW.title)
    EXECUTE FUNCTION records_incident_title_word_write()
    """,
    """
    CREATE TRIGGER records_incident_title_word_delete AFTER DELETE ON records_incident
    FOR EACH ROW EXECUTE FUNCTION records_incident_title_word_write()
    """,
    """
    CREATE TRIGGER records_incident_title_word_truncate AFTER TRUNCATE ON records_incident
    FOR EACH STATEMENT EXECUTE FUNCTION records_incident_title_word_clear()
    """,
    """
    INSERT INTO records_incident_title_word (lexeme, incident_id)
    SELECT lexeme, id FROM records_incident, unnest(tsvector_to_array(title_fts)) AS lexeme
    """,
    "DROP INDEX IF EXISTS incident_title_fts_idx",
]
POSTGRESQL_DROP = [
    "CREATE INDEX IF NOT EXISTS incident_title_fts_idx ON records_incident USING gin (title_fts)",
    "DROP TRIGGER IF EXISTS records_incident_title_word_insert ON records_incident",
    "DROP TRIGGER IF EXISTS records_incident_title_word_update ON records_incident",
    "DROP TRIGGER IF EXISTS records_incident_title_word_delete ON records_incident",
    "DROP TRIGGER IF EXISTS records_incident_title_word_truncate ON records_incident",
    "DROP FUNCTION IF EXISTS records_incident_title_word_write()",
    "DROP FUNCTION IF EXISTS records_incident_title_word_clear()",
    "DROP TABLE IF EXISTS records_incident_title_word",
]


def title_words_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRESQL_CREATE:
            schema_editor.execute(sql)


def title_words_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRESQL_DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0013_incident_id_visibility_index"),
    ]

    operations = [
        migrations.RunPython(title_words_create, title_words_drop),
        # The table as Django reads it (records.IncidentTitleWord, not managed: no SQL).
        migrations.CreateModel(
            name="IncidentTitleWord",
            fields=[
                ("lexeme", models.TextField()),
                (
                    "incident",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="records.incident",
                    ),
                ),
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "lexeme",
                        "incident",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
            ],
            options={"db_table": "records_incident_title_word", "managed": False},
        ),
    ]
