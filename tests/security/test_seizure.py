"""What a seized disk holds after `dozor demo`, and backups taken from it, end to end.

These run the real `dozor` command in a throwaway DOZOR_HOME, as an operator would.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import ahocorasick
import pytest

from dozor.demo.generator import demo_generate
from tests.homes import Server, sqlite_database_place
from tests.test_config import ROOT, run_dozor

SIZE, SEED = 60, 2008
# The module's tests share one demo home and one archive: one worker makes them once. Each runs
# `dozor` on a SQLite home of its own, so the PostgreSQL pass leaves them out, except the one
# marked `postgres`, which runs the demo on the suite's server.
pytestmark = [pytest.mark.database_free, pytest.mark.xdist_group("seizure")]


def victim_names(size: int, seed: int) -> set[str]:
    """Every name the demo's sources write: Cyrillic, Latin transliterations, declined forms."""
    dataset = demo_generate(size=size, seed=seed)
    names = {p.name for i in dataset.incidents for p in i.persons if p.name}
    for report in dataset.reports:
        names.update(v["name"] for v in report.parsed["victims"] if v["name"])
        names.update(report.raw.get("victims_as_written", []))
        for victim in report.raw.get("Victims", []):
            if victim["name"]:
                names.add(victim["name"])
    return names


def sqlite_bytes(home: Path) -> bytes:
    database = home / "dozor.sqlite3"
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    data = database.read_bytes()
    wal = home / "dozor.sqlite3-wal"
    return data + (wal.read_bytes() if wal.exists() else b"")


IMPORT_WITH_NAMES = """
import sys, django
django.setup()
from dozor.intake.mapping import mapping_parse
from dozor.intake.models import PendingUpload, QuarantinedRow
from dozor.intake.services import import_run, upload_store
from dozor.records.models import SourceList
from dozor.accounts.models import User
quarantined, waiting = sys.argv[1], sys.argv[2]
source_list = SourceList.objects.order_by("id").first()
user = User.objects.create_user(
    username="seizure-importer", organisation=source_list.organisation, role="documenter"
)
mapping = mapping_parse(
    "version: 1\\nname: seizure\\nid_column: id\\nfields:\\n  date:\\n    column: date\\n"
    "    type: date\\n    formats: ['%Y-%m-%d']\\n    required: true\\n", "seizure.yaml"
)
text = f"id,date,victim\\nq1,not a date,{quarantined}\\n"
import_run(user=user, source_list=source_list, data=text.encode(), file_name="rows.csv",
           mapping=mapping)
upload_store(user=user, source_list=source_list, file_name=f"{waiting}.csv",
             data=f"id,date,victim\\nw1,2020-01-01,{waiting}\\n".encode(),
             mapping_name="seizure", mapping_text=mapping.text)
assert QuarantinedRow.objects.filter(batch__file_name="rows.csv").count() == 1
assert PendingUpload.objects.count() == 1
"""


def import_with_names(home: Path, quarantined: str, waiting: str, **environment: str) -> None:
    """Quarantine a row naming ``quarantined``; leave an upload naming ``waiting`` unconfirmed."""
    run_script(home, IMPORT_WITH_NAMES, quarantined, waiting, **environment)


EVIDENCE_WITH_NAMES = """
import io, sys, django
django.setup()
from PIL import Image
from dozor.accounts.models import User
from dozor.evidence.models import Attachment
from dozor.evidence.services import Received, attachment_receive
from dozor.records.models import Incident
name = sys.argv[1]
incident = Incident.objects.order_by("id").first()
user = User.objects.create_user(
    username="seizure-evidence", organisation=incident.organisation, role="documenter"
)
photo = io.BytesIO()
Image.new("RGB", (8, 8)).save(photo, format="JPEG", comment=name.encode())
attachment_receive(user=user, target=incident, kind="photo", description=f"Снимок: {name}",
                   received=Received(f"{name}.jpg", io.BytesIO(photo.getvalue())))
assert Attachment.objects.filter(received_by=user).count() == 1
"""


def evidence_with_names(home: Path, name: str) -> None:
    """Keep a photo as evidence whose own bytes, file name and description name ``name``."""
    run_script(home, EVIDENCE_WITH_NAMES, name)


CUSTOM_WITH_NAMES = """
import datetime, sys, django
django.setup()
from dozor.accounts.models import Organisation, User
from dozor.records import services
from dozor.records.custom_fields import CustomValue
name = sys.argv[1]
organisation = Organisation.objects.order_by("id").first()
admin = User.objects.create_user(
    username="seizure-fields", organisation=organisation, role="administrator"
)
services.custom_field_create(
    organisation=organisation, user=admin,
    data=services.CustomFieldInput(
        key="officer", field_type="text", label_en="Officer", label_ru="Участковый",
        sensitive=True,
    ),
)
incident = services.incident_create(
    organisation=organisation, user=admin,
    data=services.IncidentInput(
        title="Угрозы", incident_type="threat", date_start=datetime.date(2024, 3, 8),
        custom={"officer": name},
    ),
)
assert CustomValue.objects.get(incident=incident).sealed == name
"""


def custom_with_names(home: Path, name: str, **environment: str) -> None:
    """Record an incident whose sensitive custom field holds ``name``."""
    run_script(home, CUSTOM_WITH_NAMES, name, **environment)


SUBMISSION_WITH_NAMES = """
import io, sys, django
django.setup()
from PIL import Image
from dozor.accounts.models import Organisation
from dozor.security.files import file_store
from dozor.submissions import services
name, account = sys.argv[1], sys.argv[2]
photo = io.BytesIO()
Image.new("RGB", (8, 8)).save(photo, format="JPEG", comment=name.encode())
submission = services.submission_receive(
    organisation=Organisation.objects.order_by("id").first(),
    channel="form",
    text=services.SubmissionText(
        title=name, what_happened=account, where_text="Казань", contact=f"{name}, Signal",
        wants_asylum_help=True,
    ),
)
services.submission_file_add(
    submission=submission, name=f"{name}.jpg", media_type="image/jpeg",
    stored=file_store().store_stream(io.BytesIO(photo.getvalue())),
)
"""
# What a seized database and file store show of the submissions without the key.
SUBMISSION_READ = """
import django
django.setup()
from dozor.security.files import file_store
from dozor.submissions.models import Submission, SubmissionFile
# The demo's submissions wait in triage too: the one this test sent is the last.
submission = Submission.objects.latest("pk")
print(submission.title, submission.what_happened, submission.contact)
stored = SubmissionFile.objects.get(submission=submission)
print(stored.file_name)
try:
    file_store().read(stored.file_id)
except Exception as error:
    print("refused:", type(error).__name__)
else:
    print("the file opened")
"""


def run_script(home: Path, script: str, *arguments: str, **environment: str) -> str:
    """Run ``script`` as a Django process of ``home`` (with ``environment`` added); its output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOZOR_", "DJANGO_"))}
    env.update(DOZOR_HOME=str(home), DJANGO_SETTINGS_MODULE="dozor.settings", **environment)
    result = subprocess.run(
        [sys.executable, "-c", script, *arguments],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def files_bytes(home: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(home.rglob("*")) if path.is_file())


def leaked(names: set[str], data: bytes) -> list[str]:
    """The names whose UTF-8 bytes occur anywhere in ``data``.

    One Aho-Corasick pass over the data for all the names at once: asking `name in data` for each
    of the default demo's 7,000 names read its 56 MB file 7,000 times (90 s). Latin-1 maps each
    byte to one character, so matching the decoded texts is matching the bytes.
    """
    if not names:
        return []
    automaton = ahocorasick.Automaton()
    for name in names:
        automaton.add_word(name.encode().decode("latin-1"), name)
    automaton.make_automaton()
    return sorted({name for _end, name in automaton.iter(data.decode("latin-1"))})


def canonical_dump(database: Path) -> dict[str, list[list[object]]]:
    connection = sqlite3.connect(database)
    tables = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    dump = {
        table: sorted(
            (list(row) for row in connection.execute(f'SELECT * FROM "{table}"')),  # noqa: S608 - table names read from the seized file itself
            key=lambda row: json.dumps(row, default=str),
        )
        for table in sorted(tables)
    }
    connection.close()
    return dump


# What a documenter adds after the demo: a press draft, a coder's note, a note on the response
# timeline and a raising with officials, each naming a victim.
FREE_TEXT = """
import datetime, hashlib, sys, django
django.setup()
from dozor.press.models import DraftReport
from dozor.records.models import IncidentBias, PersonInvolvement, SourceList
from dozor.responses.models import Raising, ResponseEvent
first, second = sys.argv[1:3]
text = f"Вчера в Москве неизвестные избили {first}. {first} госпитализирован."
DraftReport.objects.create(
    source_list=SourceList.objects.order_by("id").first(), text=text,
    sha256=hashlib.sha256(text.encode()).hexdigest(), published=datetime.date(2008, 12, 4),
    language="ru", extracted={"fields": {"victims": [{"name": first, "sex": "male"}]}},
)
bias = IncidentBias.objects.order_by("id").first()
bias.note = f"{second} узнал нападавших по татуировкам"
bias.save()
person = PersonInvolvement.objects.order_by("id").first()
person.group_affiliation = f"община, где молится {second}"
person.save()
ResponseEvent.objects.filter(pk=ResponseEvent.objects.order_by("id").first().pk).update(
    note=f"{first} опознал подозреваемого"
)
raising = Raising.objects.order_by("id").first()
raising.request = f"Просим сообщить, почему не расследуется нападение на {second}"
raising.reply = f"Проверка по заявлению {second} продолжается"
raising.save()
print(DraftReport.objects.filter(text=text).count(), IncidentBias.objects.get(pk=bias.pk).note)
"""


def free_text_add(home: Path, names: set[str], **env: str) -> tuple[str, str]:
    """Add a press draft naming one victim and a bias note naming another; returns both names."""
    first, second = sorted(name for name in names if " " in name)[:2]
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DOZOR_", "DJANGO_"))}
    environment.update(DOZOR_HOME=str(home), DJANGO_SETTINGS_MODULE="dozor.settings", **env)
    result = subprocess.run(
        [sys.executable, "-c", FREE_TEXT, first, second],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    # Filtering on a sealed column never matches; the note reads back through the key.
    assert result.stdout.strip() == f"0 {second} узнал нападавших по татуировкам"
    return first, second


@dataclass(frozen=True)
class Demo:
    home: Path
    stdout: str


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path) -> Demo:
    """One `dozor demo` for the module, with the free text a documenter adds after it. The home
    starts migrated: tests/security/test_file_modes.py runs `dozor migrate` in a new home, and
    tests/demo/test_load.py `dozor demo` from nothing."""
    home = tmp_path_factory.mktemp("seized")
    sqlite_database_place(migrated_sqlite, home)
    result = run_dozor(home, "demo", "--no-serve", "--size", str(SIZE), "--seed", str(SEED))
    assert result.returncode == 0, result.stderr
    free_text_add(home, victim_names(SIZE, SEED))
    return Demo(home, result.stdout)


@pytest.fixture(scope="module")
def demo_home(demo: Demo) -> Path:
    return demo.home


def demo_copy(demo_home: Path, destination: Path) -> Path:
    """A copy of the demo's home (database, key, secrets, modes) for a test that writes to it."""
    return Path(shutil.copytree(demo_home, destination))


@dataclass(frozen=True)
class Archive:
    path: Path
    dump: dict[str, list[list[object]]]  # the database as it was when the archive was taken


@pytest.fixture(scope="module")
def archive(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Archive:
    """`dozor backup` of the demo, made once; tests that change it work on a copy."""
    path = tmp_path_factory.mktemp("archive") / "dozor.backup"
    taken = run_dozor(demo_home, "backup", "--to", str(path))
    assert taken.returncode == 0, taken.stderr
    return Archive(path, canonical_dump(demo_home / "dozor.sqlite3"))


def test_the_demo_makes_its_key_file_readable_by_its_owner_only(demo_home: Path) -> None:
    key = demo_home / "keys" / "dozor.key"
    assert key.stat().st_mode & 0o077 == 0


def test_the_demo_home_and_every_file_in_it_are_readable_by_their_owner_only(
    demo_home: Path,
) -> None:
    assert stat.S_IMODE(demo_home.stat().st_mode) == 0o700
    assert [path for path in demo_home.rglob("*") if path.stat().st_mode & 0o077] == []


def test_the_demo_says_a_real_deployment_keeps_the_key_apart(demo: Demo) -> None:
    assert "a real deployment keeps the key apart from the database" in demo.stdout


def test_the_seized_sqlite_file_holds_no_victims_name(demo_home: Path) -> None:
    names = victim_names(SIZE, SEED)
    assert len(names) > 100
    data = sqlite_bytes(demo_home)
    assert "Северный".encode() in data or b"records_incident" in data  # the file is readable
    assert b"press_draftreport" in data
    assert leaked(names, data) == []


def test_a_quarantined_row_and_a_waiting_upload_leave_no_name_on_disk(
    demo_home: Path, tmp_path: Path
) -> None:
    home = demo_copy(demo_home, tmp_path / "importing")
    quarantined, waiting = "Пантелеймонова Серафима", "Глафира Вседержителева"
    import_with_names(home, quarantined, waiting)
    assert "dozor.sqlite3" in {path.name for path in home.iterdir()}
    assert leaked({quarantined, waiting}, sqlite_bytes(home)) == []
    assert leaked({quarantined, waiting}, files_bytes(home)) == []


def test_a_sensitive_custom_field_leaves_no_value_in_the_database_file(
    demo_home: Path, tmp_path: Path
) -> None:
    home = demo_copy(demo_home, tmp_path / "custom")
    name = "Участковый Пётр Семёнович Грызлов"
    custom_with_names(home, name)
    assert leaked({name, "Грызлов"}, sqlite_bytes(home)) == []


def test_an_evidence_photo_leaves_neither_its_name_nor_its_bytes_on_disk(
    demo_home: Path, tmp_path: Path
) -> None:
    home = demo_copy(demo_home, tmp_path / "evidence")
    name = "Евлампия Краснопевцева"
    evidence_with_names(home, name)
    assert leaked({name}, sqlite_bytes(home)) == []
    assert leaked({name}, files_bytes(home)) == []
    assert list((home / "files").rglob("*.enc")), "the photo should be in the file store"
    # Nor do the previews (a JPEG thumbnail, a PDF's page as a PNG) or the demo's certificate
    # and refusal letter, which name its victims.
    stored = files_bytes(home / "files")
    assert b"JFIF" not in stored and b"\x89PNG" not in stored and b"%PDF" not in stored
    assert leaked(victim_names(SIZE, SEED), stored) == []


def test_a_submission_of_the_public_form_leaves_no_text_name_or_file_bytes_on_disk(
    demo_home: Path, tmp_path: Path
) -> None:
    home = demo_copy(demo_home, tmp_path / "submission")
    name, account = "Ираида Подколесина", "Избили у подъезда на Баумана, угрожали расправой"
    run_script(home, SUBMISSION_WITH_NAMES, name, account)
    assert leaked({name, account, "Казань"}, sqlite_bytes(home)) == []
    assert leaked({name, account}, files_bytes(home)) == []
    assert b"JFIF" not in files_bytes(home / "files")


def test_a_seized_database_and_store_without_the_key_show_no_submission(
    demo_home: Path, tmp_path: Path
) -> None:
    home = demo_copy(demo_home, tmp_path / "submission-locked")
    name, account = "Ираида Подколесина", "Избили у подъезда на Баумана, угрожали расправой"
    run_script(home, SUBMISSION_WITH_NAMES, name, account)
    (home / "keys" / "dozor.key").unlink()
    shown = run_script(home, SUBMISSION_READ)
    assert name not in shown and account not in shown
    assert "locked" in shown
    assert "refused:" in shown and "the file opened" not in shown


def test_the_seized_file_holds_no_name_written_in_drafts_notes_or_raisings(demo_home: Path) -> None:
    first, second = sorted(name for name in victim_names(SIZE, SEED) if " " in name)[:2]
    assert leaked({first, second}, sqlite_bytes(demo_home)) == []


def test_without_the_key_dozor_is_locked_and_shows_no_name(demo_home: Path) -> None:
    key = demo_home / "keys" / "dozor.key"
    moved = demo_home.parent / f"{demo_home.name}.key"
    key.rename(moved)
    try:
        status = run_dozor(demo_home, "keys", "status")
        check = run_dozor(demo_home, "keys", "check")
    finally:
        moved.rename(key)
    assert "Locked: no encryption key was given" in status.stdout
    assert check.returncode != 0
    assert "DOZOR_KEY_FILE" in check.stderr


def test_keys_check_opens_every_value_of_the_demo(demo_home: Path) -> None:
    result = run_dozor(demo_home, "keys", "check")
    assert result.returncode == 0, result.stderr
    assert ": 0 do not open." in result.stdout


def test_a_backup_restores_to_an_identical_database(
    demo_home: Path, archive: Archive, tmp_path: Path
) -> None:
    assert leaked(victim_names(SIZE, SEED), archive.path.read_bytes()) == []
    verified = run_dozor(demo_home, "backup", "verify", str(archive.path))
    assert verified.returncode == 0, verified.stderr
    assert "intact" in verified.stdout
    fresh = tmp_path / "fresh"
    key = {"DOZOR_KEY_FILE": str(demo_home / "keys" / "dozor.key")}
    restored = run_dozor(fresh, "restore", str(archive.path), **key)
    assert restored.returncode == 0, restored.stderr
    assert canonical_dump(fresh / "dozor.sqlite3") == archive.dump
    # The archive and what was restored from it are the operator's alone, like the original.
    assert stat.S_IMODE(archive.path.stat().st_mode) == 0o600
    assert [path for path in fresh.rglob("*") if path.stat().st_mode & 0o077] == []
    assert run_dozor(fresh, "keys", "check", **key).returncode == 0


def test_restore_refuses_a_database_with_data(demo_home: Path, archive: Archive) -> None:
    result = run_dozor(demo_home, "restore", str(archive.path))
    assert result.returncode != 0
    assert "the database is not empty" in result.stderr


def test_a_changed_archive_fails_verification(
    demo_home: Path, archive: Archive, tmp_path: Path
) -> None:
    changed = tmp_path / "changed.backup"
    data = bytearray(archive.path.read_bytes())
    data[len(data) // 2] ^= 1
    changed.write_bytes(bytes(data))
    result = run_dozor(demo_home, "backup", "verify", str(changed))
    assert result.returncode != 0
    assert "does not decrypt" in result.stderr


def test_an_archive_does_not_open_with_another_key(archive: Archive, tmp_path: Path) -> None:
    other = tmp_path / "other"
    run_dozor(other, "keys", "init", "--key-file", str(other / "k.key"))
    result = run_dozor(
        other, "backup", "verify", str(archive.path), DOZOR_KEY_FILE=str(other / "k.key")
    )
    assert result.returncode != 0
    assert "was made with key id" in result.stderr


# Writes incidents of three people each, one transaction each, until told to stop; says when
# the first one is in.
WRITER = """
import datetime, sys, time, django
from pathlib import Path
django.setup()
from dozor.accounts.models import Organisation
from dozor.records.services import IncidentInput, PersonInput, incident_create
organisation = Organisation.objects.order_by("id").first()
stop, deadline = Path(sys.argv[1]), time.monotonic() + 60
written = 0
while not stop.exists() and time.monotonic() < deadline:
    incident_create(organisation=organisation, user=None, data=IncidentInput(
        title="Запись", incident_type="threat", date_start=datetime.date(2020, 1, 1),
        people=[PersonInput(name="Имя Фамилия") for _ in range(3)]))
    written += 1
    if written == 1:
        print("writing", flush=True)
"""


def test_a_backup_taken_while_incidents_are_written_is_consistent(
    demo_home: Path, tmp_path: Path
) -> None:
    home = demo_copy(demo_home, tmp_path / "busy")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DOZOR_", "DJANGO_"))}
    environment.update(DOZOR_HOME=str(home), DJANGO_SETTINGS_MODULE="dozor.settings")
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(stop)],
        env=environment,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "writing"
        archive = tmp_path / "busy.backup"
        taken = run_dozor(home, "backup", "--to", str(archive))
        assert taken.returncode == 0, taken.stderr
        assert writer.poll() is None, "the writer stopped before the backup was taken"
    finally:
        stop.touch()
        writer.wait(timeout=60)
    assert writer.returncode == 0
    fresh = tmp_path / "restored"
    key = {"DOZOR_KEY_FILE": str(home / "keys" / "dozor.key")}
    assert run_dozor(fresh, "restore", str(archive), **key).returncode == 0
    database = sqlite3.connect(fresh / "dozor.sqlite3")
    written = database.execute(
        "SELECT count(*) FROM records_incident WHERE title = 'Запись'"
    ).fetchone()[0]
    partial = database.execute(
        "SELECT count(*) FROM records_incident i WHERE title = 'Запись' AND "
        "(SELECT count(*) FROM records_personinvolvement p WHERE p.incident_id = i.id) <> 3"
    ).fetchone()[0]
    database.close()
    assert written > 0
    assert partial == 0


@pytest.mark.postgres
def test_a_pg_dump_of_the_demo_holds_no_victims_name(tmp_path: Path) -> None:
    """On the PostgreSQL server the suite runs on, in a database of the test's own."""
    server = Server.of_the_suite()
    name = f"dozor_crypto_seized_{os.getpid()}"
    server.drop(name)
    server.create(name)
    url = server.url(name)
    parts = urlsplit(url)
    try:
        result = run_dozor(
            tmp_path,
            "demo",
            "--no-serve",
            "--size",
            str(SIZE),
            "--seed",
            str(SEED),
            DOZOR_DATABASE_URL=url,
        )
        assert result.returncode == 0, result.stderr
        free_text_add(tmp_path, victim_names(SIZE, SEED), DOZOR_DATABASE_URL=url)
        dump = subprocess.run(
            ["pg_dump", "--dbname", url.replace("postgres://", "postgresql://")],
            capture_output=True,
            check=True,
            env={**os.environ, "PGPASSWORD": parts.password or ""},
        ).stdout
        assert b"records_personinvolvement" in dump
        assert leaked(victim_names(SIZE, SEED), dump) == []
        in_import = {"Пантелеймонова Серафима", "Глафира Вседержителева"}
        import_with_names(tmp_path, *sorted(in_import), DOZOR_DATABASE_URL=url)
        dump = subprocess.run(
            ["pg_dump", "--dbname", url.replace("postgres://", "postgresql://")],
            capture_output=True,
            check=True,
            env={**os.environ, "PGPASSWORD": parts.password or ""},
        ).stdout
        assert b"intake_quarantinedrow" in dump and b"intake_pendingupload" in dump
        assert leaked(in_import, dump) == []
        custom_with_names(tmp_path, "Участковый Грызлов", DOZOR_DATABASE_URL=url)
        dump = subprocess.run(
            ["pg_dump", "--dbname", url.replace("postgres://", "postgresql://")],
            capture_output=True,
            check=True,
            env={**os.environ, "PGPASSWORD": parts.password or ""},
        ).stdout
        assert b"records_customvalue" in dump
        assert leaked({"Грызлов"}, dump) == []
        assert leaked(in_import, files_bytes(tmp_path)) == []
        archive = tmp_path / "pg.backup"
        backup = run_dozor(tmp_path, "backup", "--to", str(archive), DOZOR_DATABASE_URL=url)
        assert backup.returncode == 0, backup.stderr
        assert leaked(victim_names(SIZE, SEED), archive.read_bytes()) == []
    finally:
        server.drop(name)


def test_the_default_demo_leaves_no_victims_name_in_the_sqlite_file(
    tmp_path: Path, migrated_sqlite: Path
) -> None:
    sqlite_database_place(migrated_sqlite, tmp_path)
    result = run_dozor(tmp_path, "demo", "--no-serve")
    assert result.returncode == 0, result.stderr
    names = victim_names(3000, 2008)
    assert len(names) > 5000
    assert leaked(names, sqlite_bytes(tmp_path)) == []
