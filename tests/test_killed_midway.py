"""A process killed with SIGKILL in the middle of `dozor link accept` or `dozor import --remap`
leaves the database as it was: nothing of the batch or the re-read is half-written.

Each step runs as its own `dozor` process on a database of its own (SQLite in a folder, or a
scratch PostgreSQL database when the suite runs on PostgreSQL): a process killed with SIGKILL is
the point. The killed process kills itself right after the batch's incidents (or the re-read's
revisions) are written and before they are committed: the one moment a half-written batch could
be left behind. Both tests start from the same imported lists, prepared once for the module and
copied for each test (tests/homes.py).
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from dozor.audit.models import AuditEntry
from dozor.intake.models import ImportBatch
from dozor.linkage.models import AcceptBatch
from dozor.records.models import Incident, IncidentReport, Report
from tests.homes import DozorHome, HomeTemplate

USER = "doc"

# The module's tests share a fixture made once: one worker runs them all.
pytestmark = pytest.mark.xdist_group("killed-midway")

# Run a command with one function replaced by itself followed by SIGKILL.
KILL_AFTER = (
    "import os, signal, sys; from unittest import mock; import {module} as target; "
    "from django.core.management import call_command; original = target.{function}\n"
    "def then_die(*args, **kwargs):\n"
    "    result = original(*args, **kwargs); sys.stdout.flush(); "
    "os.kill(os.getpid(), signal.SIGKILL); return result\n"
    "with mock.patch.object(target, '{function}', then_die): call_command({command})"
)


def _ok(home: DozorHome, *args: str) -> str:
    result = home.run(*args)
    assert result.returncode == 0, (args, result.stderr[-2000:])
    return result.stdout


def _counts(home: DozorHome) -> tuple[int, ...]:
    return home.counts(Incident, IncidentReport, Report, AcceptBatch, ImportBatch, AuditEntry)


def _killed(home: DozorHome, module: str, function: str, command: str) -> None:
    code = KILL_AFTER.format(module=module, function=function, command=command)
    result = home.run("manage", "shell", "-c", code)
    assert result.returncode == -signal.SIGKILL, result.stderr[-2000:]


MAPPINGS = Path(__file__).resolve().parents[1] / "dozor" / "intake" / "mappings"
LISTS = [
    ("NGO", "ngo.csv", MAPPINGS / "demo_ngo.yaml", "ngo_database"),
    ("Press", "press.jsonl", MAPPINGS / "demo_press.yaml", "press_scan"),
    ("Partner", "partner.xlsx", MAPPINGS / "demo_partner.yaml", "partner_list"),
]


@pytest.fixture(scope="module")
def partner_lists_template(
    migrated_template: HomeTemplate, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HomeTemplate]:
    """A documenter's organisation with the demo's three lists imported from their files."""
    home = migrated_template.copy(tmp_path_factory.mktemp("partner-lists"))
    _ok(
        home,
        *("createuser", USER, "--role", "documenter"),
        *("--organisation", "Коалиция", "--new-organisation"),
    )
    folder = home.path / "files"
    _ok(home, "demo", "--write-files", str(folder), "--size", "60", "--seed", "2")
    for name, file, mapping, kind in LISTS:
        _ok(
            home,
            *("import", str(folder / file), "--source-list", name, "--new-source-list"),
            *("--kind", kind, "--mapping", str(mapping), "--user", USER),
        )
    template = HomeTemplate.from_home(home, migrated_template)
    try:
        yield template
    finally:
        template.drop()


@pytest.fixture
def partner_lists(partner_lists_template: HomeTemplate, tmp_path: Path) -> Iterator[DozorHome]:
    home = partner_lists_template.copy(tmp_path)
    try:
        yield home
    finally:
        partner_lists_template.drop_copy(home)


def test_accept_killed_after_writing_its_incidents_leaves_nothing_of_the_batch(
    partner_lists: DozorHome,
) -> None:
    home = partner_lists
    _ok(home, "link", "--user", USER)
    before = _counts(home)
    _killed(
        home,
        "dozor.linkage.accept",
        "incidents_create_with_reports",
        f"'link', 'accept', '--user', '{USER}'",
    )
    assert _counts(home) == before
    # The database is whole: the same accept runs to the end, and the trail verifies.
    _ok(home, "link", "accept", "--user", USER)
    assert _counts(home) != before
    _ok(home, "audit", "verify")


def test_remap_killed_after_writing_its_revisions_leaves_nothing_of_the_re_read(
    partner_lists: DozorHome, tmp_path: Path
) -> None:
    home = partner_lists
    name, _file, mapping, _kind = LISTS[0]
    corrected = tmp_path / "corrected.yaml"
    # The correction drops a field, so every report of the list gets a new revision.
    text = mapping.read_text(encoding="utf-8")
    corrected.write_text(text.split("  information_source:")[0], encoding="utf-8")
    before = _counts(home)
    _killed(
        home,
        "dozor.intake.remap",
        "_remap_audit",
        f"'import', '--remap', '--source-list', '{name}', '--mapping', '{corrected}', "
        f"'--user', '{USER}'",
    )
    assert _counts(home) == before
    _ok(
        home,
        *("import", "--remap", "--source-list", name, "--mapping", str(corrected)),
        *("--user", USER),
    )
    assert _counts(home) != before
    _ok(home, "audit", "verify")
