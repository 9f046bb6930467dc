"""Files Dozor writes are readable by the account that runs it and by no other (issue 12).

The home, the database and its WAL are checked through the real ``dozor`` command in a throwaway
DOZOR_HOME; files written with --out through the commands, under the loose umask (022) of an
ordinary shell, since that is what left an export with names world-readable.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.conftest import Cast
from tests.factories import SourceListFactory
from tests.test_config import run_dozor


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.database_free  # `dozor` on a SQLite home of its own
def test_a_new_home_is_private_and_so_are_its_database_and_secret_key(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = run_dozor(home, "migrate")
    assert result.returncode == 0, result.stderr
    assert mode(home) == 0o700
    assert mode(home / "dozor.sqlite3") == 0o600
    assert mode(home / "secret_key") == 0o600
    for path in home.rglob("*"):
        assert mode(path) & 0o077 == 0, path


@pytest.mark.database_free  # `dozor` on a SQLite home of its own
def test_an_open_home_left_by_an_older_version_is_tightened_wal_included(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "keys").mkdir(parents=True)
    database = home / "dozor.sqlite3"
    previous = os.umask(0o022)
    # A process still holding the database leaves its WAL beside it, as readable as the file.
    holder = sqlite3.connect(database)
    try:
        holder.execute("PRAGMA journal_mode=WAL")
        holder.execute("CREATE TABLE held (x)")
        holder.commit()
        (home / "secret_key").write_text("k" * 64)
        (home / "keys" / "old.key").write_text("not a real key")
        home.chmod(0o755)
        wal = home / "dozor.sqlite3-wal"
        assert mode(database) == mode(wal) == mode(home / "secret_key") == 0o644
        result = run_dozor(home, "vocab", "bias_motivation")
        assert result.returncode == 0, result.stderr
        assert mode(home) == 0o700
        assert mode(database) == 0o600
        assert mode(wal) == 0o600
        assert mode(home / "dozor.sqlite3-shm") == 0o600
        assert mode(home / "secret_key") == 0o600
        assert mode(home / "keys") == 0o700
        assert mode(home / "keys" / "old.key") == 0o600
    finally:
        os.umask(previous)
        holder.close()


@pytest.mark.database_free  # `dozor` on a SQLite home of its own
def test_other_files_in_a_shared_home_folder_are_left_alone(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    notes = home / "notes.txt"
    notes.write_text("not Dozor's")
    notes.chmod(0o644)
    assert run_dozor(home, "vocab", "bias_motivation").returncode == 0
    assert mode(notes) == 0o644
    assert mode(home) == 0o700


@pytest.mark.usefixtures("loose_umask")
def test_an_incident_export_with_names_is_written_for_its_owner_only(
    cast: Cast, tmp_path: Path
) -> None:
    out = tmp_path / "incidents.csv"
    call_command("export", "incidents", "--format=csv", f"--out={out}", "--user=owner")
    assert cast.incident.reference in out.read_text(encoding="utf-8")
    assert mode(out) == 0o600


@pytest.mark.usefixtures("loose_umask")
def test_an_export_over_an_existing_readable_file_makes_it_private(
    cast: Cast, tmp_path: Path
) -> None:
    out = tmp_path / "incidents.json"
    out.write_text("old")
    out.chmod(0o644)
    call_command("export", "incidents", "--format=json", f"--out={out}", "--user=owner")
    assert mode(out) == 0o600
    assert out.read_text(encoding="utf-8") != "old"


@pytest.mark.usefixtures("loose_umask")
def test_a_dossier_with_names_is_written_for_its_owner_only(cast: Cast, tmp_path: Path) -> None:
    out = tmp_path / "dossier.html"
    call_command("dossier", cast.incident.reference, user="owner", names=True, out=str(out))
    assert cast.incident.reference in out.read_text(encoding="utf-8")
    assert mode(out) == 0o600


MAPPING = """version: 1
name: modes
id_column: id
fields:
  date:
    column: date
    type: date
    formats: ['%Y-%m-%d']
    required: true
"""


@pytest.mark.usefixtures("loose_umask")
def test_a_quarantine_export_with_names_is_written_for_its_owner_only(
    cast: Cast, tmp_path: Path
) -> None:
    SourceListFactory(organisation=cast.organisation, name="Modes list")
    mapping, rows = tmp_path / "modes.yaml", tmp_path / "rows.csv"
    mapping.write_text(MAPPING, encoding="utf-8")
    rows.write_text("id,date,victim\nq1,not a date,Иван Петров\n", encoding="utf-8")
    call_command(
        "import", str(rows), "--source-list=Modes list", f"--mapping={mapping}", "--user=owner"
    )
    out = tmp_path / "quarantine.csv"
    call_command("quarantine", "export", "--user=owner", f"--out={out}")
    assert "Иван Петров" in out.read_text(encoding="utf-8")
    assert mode(out) == 0o600
