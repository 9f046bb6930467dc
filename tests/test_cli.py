"""The `dozor` command. A test runs it as a process of its own when the process is the point (the
entry point, its exit status, a command without a database); the commands' behaviour is tested
in process with ``call_command``, which runs the same code without a process start and a database
on disk."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from dozor import cli
from dozor.cli import COMMANDS
from dozor.commands import COMMAND_CHECKS
from dozor.management.commands.serve import Command as Serve
from dozor.records.models import Incident
from tests.homes import DozorHome
from tests.test_config import run_dozor


@pytest.mark.database_free  # `dozor` on a SQLite home of its own
def test_help_lists_every_command(tmp_path: Path) -> None:
    """A process of its own: the `dozor` entry point as a person starts it."""
    result = run_dozor(tmp_path, "--help")
    assert result.returncode == 0
    for name in COMMANDS:
        assert f"  {name}" in result.stdout


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_has_help_for_users(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    umask = os.umask(
        0o077
    )  # main() makes the process's files private; the suite's stay as they are
    try:
        status = cli.main([name, "--help"])
    finally:
        os.umask(umask)
    out = capsys.readouterr().out
    assert status == 0
    assert f"usage: dozor {name}" in out
    assert "--pythonpath" not in out


@pytest.mark.database_free  # `dozor` on a SQLite home of its own
def test_mse_runs_without_a_database(tmp_path: Path) -> None:
    """A process of its own: no database and no settings are the point."""
    hare = Path(__file__).parent / "data" / "mse" / "hare.csv"
    result = run_dozor(tmp_path, "mse", str(hare), "--json", DOZOR_DATABASE_URL="nonsense://")
    assert result.returncode == 0, result.stderr
    estimate = json.loads(result.stdout)
    assert estimate["observed"] == 68 and estimate["method"] == "lcmcr"
    assert estimate["lower"] <= estimate["estimate"] <= estimate["upper"]


@pytest.mark.database_free  # `dozor` on a SQLite home of its own
def test_an_unknown_command_is_named(tmp_path: Path) -> None:
    """A process of its own: the exit status is the point."""
    result = run_dozor(tmp_path, "frobnicate")
    assert result.returncode == 2
    assert "there is no command 'frobnicate'" in result.stderr


def test_vocab_lists_terms_in_russian() -> None:
    out = StringIO()
    call_command("vocab", "bias_motivation", "--lang", "ru", stdout=out)
    assert "antisemitic" in out.getvalue() and "Антисемитизм" in out.getvalue()


@pytest.mark.database_free  # `dozor` on a SQLite home of its own
def test_vocab_names_an_unknown_vocabulary(tmp_path: Path) -> None:
    """A process of its own: a refusal is exit status 1 and a message, not a traceback."""
    result = run_dozor(tmp_path, "vocab", "colours")
    assert result.returncode == 1
    assert "There is no vocabulary 'colours'" in result.stderr


@pytest.mark.database_free  # a process on a SQLite home of its own
def test_a_command_runs_its_checks_without_importing_every_page(tmp_path: Path) -> None:
    """A process of its own: what a command loads is the point. The URL checks import every
    page's code and the template checks every template tag library; a command answers no
    request, so it leaves them to `dozor serve`."""
    code = (
        "import sys; from dozor.cli import main; status = main(['vocab', 'sex']); "
        "pages = [m for m in sys.modules if m == 'dozor.urls' or m.startswith('dozor.') "
        "and '.templatetags.' in m]; "
        "print(pages or 'no page loaded', status)"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DOZOR_", "DJANGO_"))}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**environment, "DOZOR_HOME": str(tmp_path)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "no page loaded 0"


def test_serve_runs_every_check_the_other_commands_all_but_the_url_and_template_ones() -> None:
    assert Serve.requires_system_checks == "__all__"
    assert "urls" not in COMMAND_CHECKS and "templates" not in COMMAND_CHECKS
    assert {"models", "security", "database"} <= set(COMMAND_CHECKS)


def test_migrate_prints_no_system_check_warning(migrated_home: DozorHome) -> None:
    """On SQLite Django warned on every command that the list's covering indexes lose their
    INCLUDE columns there: noise a user cannot act on (settings.SILENCED_SYSTEM_CHECKS)."""
    result = migrated_home.run("migrate")
    assert result.returncode == 0, result.stderr
    assert "System check" not in result.stderr + result.stdout


def prepared(home: DozorHome) -> None:
    """A documenter `doc` of Северный маяк, made with `dozor createuser`, in a migrated home."""
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
    assert "Password (shown once" in created.stdout


def test_incident_add_stores_a_valid_incident(migrated_home: DozorHome) -> None:
    """Processes of their own: `dozor createuser` and `dozor incident add` end to end, exit 0,
    with no key given, as on a first run."""
    home = DozorHome(migrated_home.path, {**migrated_home.env})
    del home.env["DOZOR_KEY"]
    prepared(home)
    result = home.run(
        "incident",
        "add",
        "--user",
        "doc",
        "--title",
        "Обыск в офисе",
        "--type",
        "search_raid",
        "--date",
        "2008-12-04",
        "--region",
        "RU-SPE",
        "--defenders",
    )
    assert result.returncode == 0, result.stderr
    assert "Saved incident RU-2008-00001." in result.stdout


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--date", "2023-02-30"], "--date 2023-02-30: not a real date"),
        (["--date", "04.12.2008"], "write the date as YYYY-MM-DD"),
        (["--region", "RU-XXX"], "region: “RU-XXX” is not a region of"),
        (["--country", "DE", "--region", "RU-MOW"], "is not a region of Germany"),
        (["--killed", "-1"], "killed: Ensure this value is greater than or equal to 0"),
        (["--bias", "nope"], "“nope” is not a term of “bias_motivation”"),
    ],
)
def test_incident_add_refuses_bad_input_and_stores_nothing(args: list[str], fragment: str) -> None:
    call_command(
        *("createuser", "doc", "--role", "documenter"),
        *("--organisation", "Северный маяк", "--new-organisation"),
        stdout=StringIO(),
    )
    base = ["incident", "add", "--user", "doc", "--title", "x", "--type", "threat"]
    with pytest.raises(CommandError) as refused:
        call_command(*base, *args, stdout=StringIO())
    assert fragment in str(refused.value)
    assert not Incident.objects.exists()
    good = StringIO()
    call_command(*base, "--date", "2008", stdout=good)
    assert "RU-2008-00001" in good.getvalue(), "the refused incident must not have used a reference"
