"""The layers of docs/development.md hold: analysis loads no Django and no app; the import
contracts of pyproject.toml (lint-imports) are kept."""

from __future__ import annotations

import importlib
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

# Run in a fresh interpreter: the test process has Django and every app loaded already. Every
# public name is asked for, so that what a package loads lazily is loaded too.
PROBE = """
import importlib, json, sys
package = importlib.import_module(sys.argv[1])
for name in getattr(package, "__all__", []):
    getattr(package, name)
print(json.dumps(sorted(sys.modules)))
"""
# What a `dozor` command or a server process loads as it starts: Django, every app and the URLs
# (the system checks read them). A module lazy_loader holds for later is not loaded yet.
STARTUP = """
import importlib.util, json, sys, django
django.setup()
import dozor.urls
lazy = importlib.util._LazyModule
print(json.dumps(sorted(name for name, module in sys.modules.items() if type(module) is not lazy)))
"""
# The libraries loaded only when a name that needs them is used: the numerical ones, Splink and
# DuckDB, and openpyxl.
HEAVY = ("numpy", "pandas", "scipy", "statsmodels", "splink", "duckdb", "pyarrow", "openpyxl")


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


def test_django_and_the_urls_load_without_the_heavy_libraries() -> None:
    """The apps name the estimation methods and the views import the linkage, the estimation and
    the import services as Django starts; loading pandas, SciPy, Splink and openpyxl for that cost
    every `dozor` command and server process a second and a half (`dozor vocab`: 2.5 s of CPU,
    0.9 s without)."""
    environment = {**_bare_environment(), "DJANGO_SETTINGS_MODULE": "tests.settings"}
    result = subprocess.run(
        [sys.executable, "-c", STARTUP],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.splitlines()[-1])
    assert [name for name in loaded if name.split(".")[0] in HEAVY] == []


@pytest.mark.parametrize("package", ANALYSIS)
def test_every_public_name_of_an_analysis_package_resolves(package: str) -> None:
    module = importlib.import_module(package)
    names = getattr(module, "__all__", [])
    assert sorted(dir(module)) == sorted(names) or not hasattr(module, "__getattr__")
    assert [name for name in names if getattr(module, name, None) is None] == []


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


def _commented(lines: list[str], line: int) -> bool:
    """A comment on the import's line (1-based) or on the line just above it."""
    return "#" in lines[line - 1] or (line >= 2 and lines[line - 2].strip().startswith("#"))


def test_every_function_local_dozor_import_says_why() -> None:
    """A local import hides a dependency from whoever reads the module's head: each one needs a
    comment saying why it is there (docs/development.md, "Where a new feature's code goes")."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import import_graph
    finally:
        sys.path.pop(0)
    _, local = import_graph.scan()
    silent = []
    for place in local:
        path, line, _ = place.split(":", 2)
        lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
        # the import may be the second of a group that one comment above explains
        start = int(line)
        while start > 1 and lines[start - 2].strip().startswith(("from ", "import ")):
            start -= 1
        if not _commented(lines, start) and not _commented(lines, int(line)):
            silent.append(place)
    assert not silent, f"function-local imports without a comment saying why: {silent}"
