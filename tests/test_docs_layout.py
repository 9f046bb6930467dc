"""docs/development.md's layout names every package of the tree, and nothing that is not there."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _layout_packages() -> set[str]:
    text = (ROOT / "docs" / "development.md").read_text(encoding="utf-8")
    block = text.split("## Layout", 1)[1].split("```", 2)[1]
    return set(re.findall(r"^  ([a-z_]+)/", block, flags=re.M))


def _tree_packages() -> set[str]:
    return {
        path.parent.name
        for path in (ROOT / "dozor").glob("*/__init__.py")
        if path.parent.name not in {"management", "locale", "templates", "static"}
    }


def test_the_development_layout_names_every_package_of_dozor() -> None:
    missing = _tree_packages() - _layout_packages()
    assert not missing, f"docs/development.md's layout does not name: {sorted(missing)}"


def test_the_development_layout_names_no_package_that_is_gone() -> None:
    gone = _layout_packages() - _tree_packages()
    assert not gone, f"docs/development.md's layout names packages not in dozor/: {sorted(gone)}"
