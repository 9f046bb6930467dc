"""The layers of docs/development.md hold: analysis loads no Django and no app; the import
contracts of pyproject.toml (lint-imports) are kept."""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import dozor.analysis

ROOT = Path(__file__).resolve().parent.parent
APPS = sorted(path.parent.name for path in (ROOT / "dozor").glob("*/apps.py"))
ANALYSIS = sorted(
    f"dozor.analysis.{module.name}" for module in pkgutil.iter_modules(dozor.analysis.__path__)
)

# Run in a fresh interpreter: the test process has Django and every app loaded already.
PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(sys.modules)))
"""


def _bare_environment() -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    environment["PYTHONPATH"] = str(ROOT)
    return environment


def test_the_apps_and_the_analysis_packages_are_found() -> None:
    assert {"records", "security", "responses"} <= set(APPS)
    assert {"dozor.analysis.linkage", "dozor.analysis.mse", "dozor.analysis.text"} <= set(ANALYSIS)


@pytest.mark.parametrize("package", ANALYSIS)
def test_an_analysis_package_loads_no_django_and_no_app(package: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, package],
        cwd=ROOT,
        env=_bare_environment(),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.splitlines()[-1])
    forbidden = [
        name
        for name in loaded
        if name == "django"
        or name.startswith("django.")
        or any(name == f"dozor.{app}" or name.startswith(f"dozor.{app}.") for app in APPS)
    ]
    assert forbidden == []


def test_the_import_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=ROOT,
        env=_bare_environment(),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
