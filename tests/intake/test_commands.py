"""The import and quarantine commands, called as a person calls them; and an import killed half-way,
run as a `dozor` process of its own on a database of its own."""

import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from dozor.intake.models import ImportBatch, QuarantinedRow
from dozor.records.models import Report, SourceList
from tests.conftest import Cast
from tests.factories import SourceListFactory
from tests.homes import DozorHome
from tests.intake.conftest import TORONTO_CSV, TORONTO_MAPPING
from tests.test_config import ROOT

SETUP = (
    "from dozor.records.models import Organisation, SourceList; "
    "SourceList.objects.create(name='Toronto police', kind='police_data', "
    "organisation=Organisation.objects.get(name='Северный маяк'))"
)


def prepared(home: DozorHome) -> None:
    """A documenter `doc` of Северный маяк and its list "Toronto police", in a migrated home."""
    created = home.run(
        "createuser",
        "doc",
        "--role",
        "documenter",
        "--organisation",
        "Северный маяк",
        "--new-organisation",
    )
    assert created.returncode == 0, created.stderr
    assert home.run("manage", "shell", "-c", SETUP).returncode == 0


def counts(home: DozorHome) -> tuple[int, ...]:
    return home.counts(Report, ImportBatch, QuarantinedRow)


IMPORT = ["--source-list", "Toronto police", "--mapping", str(TORONTO_MAPPING), "--user", "doc"]
IMPORT_AS_OWNER = [*IMPORT[:-1], "owner"]


@pytest.fixture
def toronto(cast: Cast) -> SourceList:
    return SourceListFactory(
        name="Toronto police", kind="police_data", organisation=cast.organisation
    )


def command(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def counts_here() -> str:
    models = (Report, ImportBatch, QuarantinedRow)
    return " ".join(str(model.objects.count()) for model in models)


@pytest.mark.django_db
def test_import_prints_a_json_summary_and_adds_nothing_the_second_time(toronto) -> None:
    summary = json.loads(command("import", str(TORONTO_CSV), *IMPORT_AS_OWNER, "--json"))
    assert (summary["stored"], summary["quarantined"], summary["already_present"]) == (1798, 7, 0)
    second = json.loads(command("import", str(TORONTO_CSV), *IMPORT_AS_OWNER, "--json"))
    assert (second["stored"], second["quarantined"], second["already_present"]) == (0, 0, 1805)
    assert counts_here() == "1798 2 7"


@pytest.mark.django_db
def test_quarantine_fix_stores_a_corrected_row(toronto) -> None:
    command("import", str(TORONTO_CSV), *IMPORT_AS_OWNER)
    listing = json.loads(command("quarantine", "list", "--user", "owner", "--json"))
    assert len(listing) == 7
    first = str(listing[0]["id"])
    fixed = command(
        "quarantine", "fix", first, "--user", "owner", "--set", "PRIMARY_OFFENCE=Assault"
    )
    assert "Stored row" in fixed
    assert counts_here() == "1799 1 7"


@pytest.mark.django_db
def test_quarantine_export_neutralises_formulas(toronto, tmp_path, capsys) -> None:
    evil = tmp_path / "evil.csv"
    header, first = TORONTO_CSV.read_text(encoding="utf-8").splitlines()[:2]
    formula = "=cmd|' /C calc'!A0"
    evil.write_text(f"{header}\n{first.replace('2014-08-01', formula)}\n", encoding="utf-8")
    command("import", str(evil), *IMPORT_AS_OWNER)
    capsys.readouterr()
    call_command("quarantine", "export", "--user", "owner")  # the CSV goes to the real stdout
    exported = capsys.readouterr().out
    cells = [cell for row in csv.reader(io.StringIO(exported)) for cell in row]
    assert "'" + formula in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


@pytest.mark.django_db
def test_an_import_refuses_a_broken_mapping_naming_the_key(toronto, tmp_path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "version: 1\nname: x\nfields: {a: {column: A, type: colour}}\n", encoding="utf-8"
    )
    with pytest.raises(
        CommandError, match=re.escape("m.yaml: fields.a.type: expected one of text")
    ):
        command(
            "import",
            str(TORONTO_CSV),
            "--source-list",
            "Toronto police",
            "--mapping",
            str(mapping),
            "--user",
            "owner",
        )
    assert counts_here() == "0 0 0"


def big_file(path: Path, rows: int) -> Path:
    lines = TORONTO_CSV.read_text(encoding="utf-8").splitlines()
    header, body = lines[0], lines[1:]
    with path.open("w", encoding="utf-8") as handle:
        handle.write(header + "\n")
        for number in range(rows):
            line = body[number % len(body)]
            handle.write(re.sub(r"GO-\d+", f"GO-K{number}", line, count=1) + "\n")
    return path


def test_an_import_killed_half_way_leaves_the_database_as_it_was(
    migrated_home: DozorHome, tmp_path: Path
) -> None:
    """A process of its own: SIGKILL half-way through the import is the point."""
    home = migrated_home
    prepared(home)
    home.run("import", str(TORONTO_CSV), *IMPORT)
    before = counts(home)
    big = big_file(tmp_path / "big.csv", 60_000)
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DOZOR_", "DJANGO_"))}
    environment.update({"DOZOR_HOME": str(home.path), **home.env})
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
    assert counts(home) == before
