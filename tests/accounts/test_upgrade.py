"""A database made before the accounts app held users and organisations migrates with every row.

The fixture (tests/data/upgrade/README.md) is a real home of the release before: its users sign in
with the same passwords, belong to the same organisations, and their incident still opens with the
same key, after today's `dozor migrate`.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.test_config import run_dozor

# A SQLite home of their own, whatever database the suite runs on; one worker runs the module,
# which upgrades the old home once.
pytestmark = [pytest.mark.database_free, pytest.mark.xdist_group("upgrade")]

DUMP = Path(__file__).resolve().parents[1] / "data" / "upgrade" / "before_accounts.sql"
PASSPHRASE = "a passphrase kept only for this test database"


def _old_home(tmp_path: Path, *, drop_applied: tuple[str, str] | None = None) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    with sqlite3.connect(home / "dozor.sqlite3") as db:
        db.executescript(DUMP.read_text(encoding="utf-8"))
        if drop_applied is not None:
            db.execute("DELETE FROM django_migrations WHERE app = ? AND name = ?", drop_applied)
    passphrase = tmp_path / "passphrase"
    passphrase.write_text(PASSPHRASE + "\n", encoding="utf-8")
    return {"DOZOR_HOME": str(home), "DOZOR_KEY_PASSPHRASE_FILE": str(passphrase)}


def _rows(home: str, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(Path(home) / "dozor.sqlite3") as db:
        return db.execute(sql).fetchall()


USERS = "SELECT username, password, role, organisation_id FROM security_user ORDER BY username"
ORGANISATIONS = "SELECT id, name FROM records_organisation ORDER BY id"


@dataclass(frozen=True)
class Upgrade:
    env: dict[str, str]
    users: list[tuple[object, ...]]  # as they were before the upgrade
    organisations: list[tuple[object, ...]]
    migrated: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def upgrade(tmp_path_factory: pytest.TempPathFactory) -> Upgrade:
    """The old home, with its rows read, then `dozor migrate`: once for the module."""
    tmp_path = tmp_path_factory.mktemp("upgrade")
    env = _old_home(tmp_path)
    users, organisations = _rows(env["DOZOR_HOME"], USERS), _rows(env["DOZOR_HOME"], ORGANISATIONS)
    return Upgrade(env, users, organisations, run_dozor(tmp_path, "migrate", **env))


def _upgraded_copy(upgrade: Upgrade, tmp_path: Path) -> dict[str, str]:
    """A copy of the upgraded home for a test that writes to it."""
    home = Path(shutil.copytree(upgrade.env["DOZOR_HOME"], tmp_path / "home"))
    return {**upgrade.env, "DOZOR_HOME": str(home)}


def test_migrate_brings_a_database_from_before_the_accounts_app_over_with_every_row(
    upgrade: Upgrade, tmp_path: Path
) -> None:
    env = upgrade.env
    assert [user[0] for user in upgrade.users] == ["anna", "boris", "vera"]

    assert upgrade.migrated.returncode == 0, upgrade.migrated.stderr
    assert "now the accounts app's" in upgrade.migrated.stdout
    assert _rows(env["DOZOR_HOME"], USERS) == upgrade.users
    assert _rows(env["DOZOR_HOME"], ORGANISATIONS) == upgrade.organisations
    nothing_left = run_dozor(tmp_path, "migrate", "--check", **env)
    assert nothing_left.returncode == 0, nothing_left.stdout + nothing_left.stderr
    again = run_dozor(tmp_path, "migrate", **_upgraded_copy(upgrade, tmp_path))
    assert again.returncode == 0, again.stderr
    assert "accounts app" not in again.stdout


def test_after_the_upgrade_users_organisations_and_records_work_as_before(
    upgrade: Upgrade, tmp_path: Path
) -> None:
    assert upgrade.migrated.returncode == 0, upgrade.migrated.stderr
    env = _upgraded_copy(upgrade, tmp_path)

    added = run_dozor(
        tmp_path,
        "createuser",
        "dmitri",
        "--role",
        "analyst",
        "--organisation",
        "Правовая инициатива",
        **env,
    )
    assert added.returncode == 0, added.stderr
    lists = run_dozor(tmp_path, "sources", "list", "--user", "anna", **env)
    assert lists.returncode == 0, lists.stderr
    assert "Правовая инициатива: база" in lists.stdout
    exported = run_dozor(
        tmp_path, "export", "incidents", "--user", "boris", "--format", "json", "--out", "-", **env
    )
    assert exported.returncode == 0, exported.stderr
    incidents = json.loads(exported.stdout)
    assert [incident["title"] for incident in incidents] == ["Нападение у станции метро"]
    assert "Султон Рахимов" in incidents[0]["summary"]
    elsewhere = run_dozor(
        tmp_path, "export", "incidents", "--user", "vera", "--format", "json", "--out", "-", **env
    )
    assert json.loads(elsewhere.stdout) == []


def test_the_upgrade_writes_the_search_tokens_of_the_sealed_summaries(
    upgrade: Upgrade, tmp_path: Path
) -> None:
    assert upgrade.migrated.returncode == 0, upgrade.migrated.stderr
    env = upgrade.env

    checked = run_dozor(tmp_path, "keys", "reindex", "--check", **env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    found = run_dozor(
        tmp_path,
        "export",
        "incidents",
        "--user",
        "boris",
        "--text",
        "Султон",
        "--format",
        "json",
        "--out",
        "-",
        **env,
    )
    assert found.returncode == 0, found.stderr
    assert [incident["title"] for incident in json.loads(found.stdout)] == [
        "Нападение у станции метро"
    ]


def test_without_the_key_the_upgrade_stops_before_the_search_tokens_and_says_why(
    tmp_path: Path,
) -> None:
    env = _old_home(tmp_path)
    del env["DOZOR_KEY_PASSPHRASE_FILE"]
    migrated = run_dozor(tmp_path, "migrate", **env)
    assert migrated.returncode != 0
    assert "have no search tokens yet" in migrated.stdout + migrated.stderr
    applied = _rows(env["DOZOR_HOME"], "SELECT name FROM django_migrations WHERE app = 'records'")
    assert ("0010_search_tokens",) not in applied


@pytest.mark.parametrize(
    "unapplied",
    [
        ("records", "0007_merge_link_kind_and_import_fact"),
        ("security", "0003_merge_0002_keyringstate_0002_user_can_see_names"),
    ],
)
def test_migrate_brings_an_older_database_up_to_the_accounts_app_first(
    tmp_path: Path, unapplied: tuple[str, str]
) -> None:
    """A database a few migrations behind: what the accounts app starts from is applied first."""
    env = _old_home(tmp_path, drop_applied=unapplied)

    migrated = run_dozor(tmp_path, "migrate", **env)

    assert migrated.returncode == 0, migrated.stderr
    assert run_dozor(tmp_path, "migrate", "--check", **env).returncode == 0
    assert (*unapplied,) in _rows(env["DOZOR_HOME"], "SELECT app, name FROM django_migrations")
