import json
from pathlib import Path

import pytest

from dozor.cli import COMMANDS
from tests.test_config import run_dozor


def test_help_lists_every_command(tmp_path: Path) -> None:
    result = run_dozor(tmp_path, "--help")
    assert result.returncode == 0
    for name in COMMANDS:
        assert f"  {name}" in result.stdout


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_has_help_for_users(tmp_path: Path, name: str) -> None:
    result = run_dozor(tmp_path, name, "--help")
    assert result.returncode == 0, result.stderr
    assert f"usage: dozor {name}" in result.stdout
    assert "--pythonpath" not in result.stdout


def test_mse_runs_without_a_database(tmp_path: Path) -> None:
    hare = Path(__file__).parent / "data" / "mse" / "hare.csv"
    result = run_dozor(tmp_path, "mse", str(hare), "--json", DOZOR_DATABASE_URL="nonsense://")
    assert result.returncode == 0, result.stderr
    estimate = json.loads(result.stdout)
    assert estimate["observed"] == 68 and estimate["method"] == "lcmcr"
    assert estimate["lower"] <= estimate["estimate"] <= estimate["upper"]


def test_an_unknown_command_is_named(tmp_path: Path) -> None:
    result = run_dozor(tmp_path, "frobnicate")
    assert result.returncode == 2
    assert "there is no command 'frobnicate'" in result.stderr


def test_vocab_lists_terms_in_russian(tmp_path: Path) -> None:
    result = run_dozor(tmp_path, "vocab", "bias_motivation", "--lang", "ru")
    assert result.returncode == 0
    assert "antisemitic" in result.stdout and "Антисемитизм" in result.stdout


def test_vocab_names_an_unknown_vocabulary(tmp_path: Path) -> None:
    result = run_dozor(tmp_path, "vocab", "colours")
    assert result.returncode == 1
    assert "There is no vocabulary 'colours'" in result.stderr


def prepared(tmp_path: Path) -> None:
    assert run_dozor(tmp_path, "migrate").returncode == 0
    created = run_dozor(
        tmp_path,
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


def test_incident_add_stores_a_valid_incident(tmp_path: Path) -> None:
    prepared(tmp_path)
    result = run_dozor(
        tmp_path,
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
def test_incident_add_refuses_bad_input_and_stores_nothing(
    tmp_path: Path, args: list[str], fragment: str
) -> None:
    prepared(tmp_path)
    base = ["incident", "add", "--user", "doc", "--title", "x", "--type", "threat"]
    result = run_dozor(tmp_path, *base, *args)
    assert result.returncode == 1
    assert fragment in result.stderr
    good = run_dozor(tmp_path, *base, "--date", "2008")
    assert "RU-2008-00001" in good.stdout, "the refused incident must not have used a reference"
