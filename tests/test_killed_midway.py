"""A process killed with SIGKILL in the middle of `dozor link accept` or `dozor import --remap`
leaves the database as it was: nothing of the batch or the re-read is half-written.

Each step runs as its own `dozor` process on a database of its own (SQLite in a folder, or a
scratch PostgreSQL database when the suite runs on PostgreSQL). The killed process kills itself
right after the batch's incidents (or the re-read's revisions) are written and before they are
committed: the one moment a half-written batch could be left behind.
"""

from __future__ import annotations

import signal
from pathlib import Path

from tests.intake.test_commands import database  # noqa: F401 - the fixture
from tests.test_config import run_dozor

USER = "doc"
COUNTS = (
    "from dozor.records.models import Incident, IncidentReport, Report; "
    "from dozor.linkage.models import AcceptBatch; from dozor.intake.models import ImportBatch; "
    "from dozor.audit.models import AuditEntry; "
    "print(Incident.objects.count(), IncidentReport.objects.count(), Report.objects.count(), "
    "AcceptBatch.objects.count(), ImportBatch.objects.count(), AuditEntry.objects.count())"
)
# Run a command with one function replaced by itself followed by SIGKILL.
KILL_AFTER = (
    "import os, signal, sys; from unittest import mock; import {module} as target; "
    "from django.core.management import call_command; original = target.{function}\n"
    "def then_die(*args, **kwargs):\n"
    "    result = original(*args, **kwargs); sys.stdout.flush(); "
    "os.kill(os.getpid(), signal.SIGKILL); return result\n"
    "with mock.patch.object(target, '{function}', then_die): call_command({command})"
)


def _ok(tmp_path: Path, env: dict[str, str], *args: str) -> str:
    result = run_dozor(tmp_path, *args, **env)
    assert result.returncode == 0, (args, result.stderr[-2000:])
    return result.stdout


def _counts(tmp_path: Path, env: dict[str, str]) -> str:
    return _ok(tmp_path, env, "manage", "shell", "-c", COUNTS).strip().splitlines()[-1]


def _killed(tmp_path: Path, env: dict[str, str], module: str, function: str, command: str) -> None:
    code = KILL_AFTER.format(module=module, function=function, command=command)
    result = run_dozor(tmp_path, "manage", "shell", "-c", code, **env)
    assert result.returncode == -signal.SIGKILL, result.stderr[-2000:]


def _partner_lists(tmp_path: Path, env: dict[str, str]) -> list[tuple[str, Path, Path]]:
    """A documenter's organisation with the demo's three lists imported from their files."""
    _ok(tmp_path, env, "migrate")
    _ok(
        tmp_path,
        env,
        *("createuser", USER, "--role", "documenter"),
        *("--organisation", "Коалиция", "--new-organisation"),
    )
    folder = tmp_path / "files"
    _ok(tmp_path, env, "demo", "--write-files", str(folder), "--size", "60", "--seed", "2")
    mappings = Path(__file__).resolve().parents[1] / "dozor" / "intake" / "mappings"
    lists = [
        ("NGO", folder / "ngo.csv", mappings / "demo_ngo.yaml", "ngo_database"),
        ("Press", folder / "press.jsonl", mappings / "demo_press.yaml", "press_scan"),
        ("Partner", folder / "partner.xlsx", mappings / "demo_partner.yaml", "partner_list"),
    ]
    for name, path, mapping, kind in lists:
        _ok(
            tmp_path,
            env,
            *("import", str(path), "--source-list", name, "--new-source-list", "--kind", kind),
            *("--mapping", str(mapping), "--user", USER),
        )
    return [(name, path, mapping) for name, path, mapping, _ in lists]


def test_accept_killed_after_writing_its_incidents_leaves_nothing_of_the_batch(
    tmp_path: Path,
    database: dict[str, str],  # noqa: F811
) -> None:
    _partner_lists(tmp_path, database)
    _ok(tmp_path, database, "link", "--user", USER)
    before = _counts(tmp_path, database)
    _killed(
        tmp_path,
        database,
        "dozor.linkage.accept",
        "incidents_create_with_reports",
        f"'link', 'accept', '--user', '{USER}'",
    )
    assert _counts(tmp_path, database) == before
    # The database is whole: the same accept runs to the end, and the trail verifies.
    _ok(tmp_path, database, "link", "accept", "--user", USER)
    assert _counts(tmp_path, database) != before
    _ok(tmp_path, database, "audit", "verify")


def test_remap_killed_after_writing_its_revisions_leaves_nothing_of_the_re_read(
    tmp_path: Path,
    database: dict[str, str],  # noqa: F811
) -> None:
    lists = _partner_lists(tmp_path, database)
    name, _path, mapping = lists[0]
    corrected = tmp_path / "corrected.yaml"
    # The correction drops a field, so every report of the list gets a new revision.
    text = mapping.read_text(encoding="utf-8")
    corrected.write_text(text.split("  information_source:")[0], encoding="utf-8")
    before = _counts(tmp_path, database)
    _killed(
        tmp_path,
        database,
        "dozor.intake.remap",
        "_remap_audit",
        f"'import', '--remap', '--source-list', '{name}', '--mapping', '{corrected}', "
        f"'--user', '{USER}'",
    )
    assert _counts(tmp_path, database) == before
    _ok(
        tmp_path,
        database,
        *("import", "--remap", "--source-list", name, "--mapping", str(corrected)),
        *("--user", USER),
    )
    assert _counts(tmp_path, database) != before
    _ok(tmp_path, database, "audit", "verify")
