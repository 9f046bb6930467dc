"""The import and quarantine commands, run as a person runs them; and an import killed half-way."""

import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from tests.intake.conftest import TORONTO_CSV, TORONTO_MAPPING
from tests.test_config import ROOT, run_dozor

SETUP = (
    "from dozor.records.models import Organisation, SourceList; "
    "SourceList.objects.create(name='Toronto police', kind='police_data', "
    "organisation=Organisation.objects.get(name='Северный маяк'))"
)
COUNTS = (
    "from dozor.records.models import Report; from dozor.intake.models import ImportBatch, "
    "QuarantinedRow; print(Report.objects.count(), ImportBatch.objects.count(), "
    "QuarantinedRow.objects.count())"
)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A database of its own for the subprocesses, on the backend the suite runs on, and the key."""
    key = {"DOZOR_KEY": os.environ["DOZOR_KEY"]}
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        yield key
        return
    config = settings.DATABASES["default"]
    name = f"dozor_intake_kill_{uuid.uuid4().hex[:10]}"
    admin = dict(
        host=config["HOST"], port=config["PORT"], user=config["USER"], password=config["PASSWORD"]
    )
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = (
        f"postgres://{config['USER']}:{config['PASSWORD']}@{config['HOST']}:{config['PORT']}/{name}"
    )
    try:
        yield {"DOZOR_DATABASE_URL": url, **key}
    finally:
        # The killed import's server process may take a moment to notice its client is gone.
        for _attempt in range(20):
            try:
                with psycopg.connect(dbname="postgres", autocommit=True, **admin) as connection:
                    connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
                break
            except psycopg.errors.ObjectInUse:
                time.sleep(0.5)


def prepared(tmp_path: Path, env: dict[str, str]) -> None:
    assert run_dozor(tmp_path, "migrate", **env).returncode == 0
    created = run_dozor(
        tmp_path,
        "createuser",
        "doc",
        "--role",
        "documenter",
        "--organisation",
        "Северный маяк",
        "--new-organisation",
        **env,
    )
    assert created.returncode == 0, created.stderr
    assert run_dozor(tmp_path, "manage", "shell", "-c", SETUP, **env).returncode == 0


def counts(tmp_path: Path, env: dict[str, str]) -> str:
    result = run_dozor(tmp_path, "manage", "shell", "-c", COUNTS, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


IMPORT = ["--source-list", "Toronto police", "--mapping", str(TORONTO_MAPPING), "--user", "doc"]


def test_import_prints_a_json_summary_and_adds_nothing_the_second_time(tmp_path, database) -> None:
    prepared(tmp_path, database)
    first = run_dozor(tmp_path, "import", str(TORONTO_CSV), *IMPORT, "--json", **database)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert (summary["stored"], summary["quarantined"], summary["already_present"]) == (1798, 7, 0)
    second = json.loads(
        run_dozor(tmp_path, "import", str(TORONTO_CSV), *IMPORT, "--json", **database).stdout
    )
    assert (second["stored"], second["quarantined"], second["already_present"]) == (0, 0, 1805)
    assert counts(tmp_path, database) == "1798 2 7"


def test_quarantine_fix_stores_a_corrected_row(tmp_path, database) -> None:
    prepared(tmp_path, database)
    run_dozor(tmp_path, "import", str(TORONTO_CSV), *IMPORT, **database)
    listing = json.loads(
        run_dozor(tmp_path, "quarantine", "list", "--user", "doc", "--json", **database).stdout
    )
    assert len(listing) == 7
    first = str(listing[0]["id"])
    fixed = run_dozor(
        tmp_path,
        "quarantine",
        "fix",
        first,
        "--user",
        "doc",
        "--set",
        "PRIMARY_OFFENCE=Assault",
        **database,
    )
    assert fixed.returncode == 0, fixed.stderr
    assert "Stored row" in fixed.stdout
    assert counts(tmp_path, database) == "1799 1 7"


def test_quarantine_export_neutralises_formulas(tmp_path, database) -> None:
    prepared(tmp_path, database)
    evil = tmp_path / "evil.csv"
    header, first = TORONTO_CSV.read_text(encoding="utf-8").splitlines()[:2]
    formula = "=cmd|' /C calc'!A0"
    evil.write_text(f"{header}\n{first.replace('2014-08-01', formula)}\n", encoding="utf-8")
    assert run_dozor(tmp_path, "import", str(evil), *IMPORT, **database).returncode == 0
    exported = run_dozor(tmp_path, "quarantine", "export", "--user", "doc", **database).stdout
    cells = [cell for row in csv.reader(io.StringIO(exported)) for cell in row]
    assert "'" + formula in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_an_import_refuses_a_broken_mapping_naming_the_key(tmp_path, database) -> None:
    prepared(tmp_path, database)
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "version: 1\nname: x\nfields: {a: {column: A, type: colour}}\n", encoding="utf-8"
    )
    result = run_dozor(
        tmp_path,
        "import",
        str(TORONTO_CSV),
        "--source-list",
        "Toronto police",
        "--mapping",
        str(mapping),
        "--user",
        "doc",
        **database,
    )
    assert result.returncode == 1
    assert "m.yaml: fields.a.type: expected one of text" in result.stderr


def big_file(path: Path, rows: int) -> Path:
    lines = TORONTO_CSV.read_text(encoding="utf-8").splitlines()
    header, body = lines[0], lines[1:]
    with path.open("w", encoding="utf-8") as handle:
        handle.write(header + "\n")
        for number in range(rows):
            line = body[number % len(body)]
            handle.write(re.sub(r"GO-\d+", f"GO-K{number}", line, count=1) + "\n")
    return path


def test_an_import_killed_half_way_leaves_the_database_as_it_was(tmp_path, database) -> None:
    prepared(tmp_path, database)
    run_dozor(tmp_path, "import", str(TORONTO_CSV), *IMPORT, **database)
    before = counts(tmp_path, database)
    big = big_file(tmp_path / "big.csv", 60_000)
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DOZOR_", "DJANGO_"))}
    environment.update({"DOZOR_HOME": str(tmp_path), **database})
    process = subprocess.Popen(
        [sys.executable, "-m", "dozor.cli", "import", str(big), *IMPORT],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        env=environment,
        cwd=ROOT,
    )
    assert process.stderr is not None
    seen = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        seen += os.read(process.stderr.fileno(), 256)
        done = [int(n.replace(b",", b"")) for n in re.findall(rb"([\d,]+) rows", seen)]
        if done and max(done) >= 5_000:
            break
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert max(done) < 60_000, "the import finished before it could be killed"
    assert counts(tmp_path, database) == before
