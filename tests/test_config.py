import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from dozor import config
from dozor.cli import COMMANDS, DATABASE_FREE_COMMANDS

ROOT = Path(__file__).resolve().parents[1]
GOOD_KEY = "k" * 64


def test_safe_production_settings_have_no_refusals() -> None:
    assert (
        config.production_refusals(debug=False, key=GOOD_KEY, allowed_hosts=["dozor.example"]) == []
    )


@pytest.mark.parametrize(
    ("debug", "key", "hosts", "fragment"),
    [
        (True, GOOD_KEY, ["a"], "DOZOR_DEBUG is on"),
        (False, "django-insecure-" + "x" * 60, ["a"], "DOZOR_SECRET_KEY is a default"),
        (False, "short", ["a"], "DOZOR_SECRET_KEY is a default"),
        (False, GOOD_KEY, ["*"], "contains '*'"),
    ],
)
def test_production_refuses_unsafe_settings(
    debug: bool, key: str, hosts: list[str], fragment: str
) -> None:
    problems = config.production_refusals(debug=debug, key=key, allowed_hosts=hosts)
    assert any(fragment in problem for problem in problems)


def run_dozor(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("DOZOR_", "DJANGO_"))
    }
    environment.update({"DOZOR_HOME": str(tmp_path)}, **env)
    return subprocess.run(
        [sys.executable, "-m", "dozor.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        timeout=120,
    )


@pytest.mark.database_free  # refused before any database is opened
@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"DOZOR_DEBUG": "true"}, "allowed only with DOZOR_ENV=development"),
        ({"DOZOR_SECRET_KEY": "django-insecure-abc"}, "DOZOR_SECRET_KEY is a default"),
        ({"DOZOR_ALLOWED_HOSTS": "*"}, "contains '*'"),
        ({"DOZOR_DEBUG": "maybe"}, "expected true or false"),
        ({"DOZOR_ENV": "staging"}, "expected one of production"),
    ],
)
def test_the_command_refuses_to_start_with_unsafe_settings(
    tmp_path: Path, env: dict[str, str], fragment: str
) -> None:
    """A process of its own: settings read from the environment at start-up, exit status 2."""
    result = run_dozor(tmp_path, "migrate", **env)
    assert result.returncode == 2
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr


def test_a_generated_secret_key_is_kept_private_and_reused(tmp_path: Path) -> None:
    first = config.secret_key(tmp_path)
    assert config.secret_key(tmp_path) == first
    assert len(first) >= config.MIN_SECRET_KEY_LENGTH
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_env_bool_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOZOR_SECURE_COOKIES", "perhaps")
    with pytest.raises(ImproperlyConfigured, match="DOZOR_SECURE_COOKIES='perhaps'"):
        config.env_bool("DOZOR_SECURE_COOKIES")


def test_every_setting_is_documented() -> None:
    documentation = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [
        setting.name for setting in config.SETTINGS if f"`{setting.name}`" not in documentation
    ]
    assert missing == []


def test_every_command_is_documented() -> None:
    documentation = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    missing = [
        name
        for name in {**COMMANDS, **DATABASE_FREE_COMMANDS}
        if f"`dozor {name}" not in documentation
    ]
    assert missing == []
