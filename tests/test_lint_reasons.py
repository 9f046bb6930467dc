"""Every ruff exception in the tree says why it is there (docs/development.md, "Habits")."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("dozor", "tests", "bench", "scripts")
# ruff's line exception (spelt in two parts so that this file holds none), its rule codes, then
# whatever follows on the line
DIRECTIVE = "no" + "qa"
EXCEPTION = re.compile(
    rf"#\s*{DIRECTIVE}(?::\s*(?P<codes>[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*))?(?P<rest>.*)$"
)


def _reason(line: str) -> str | None:
    """The reason given after the codes; None for a line without an exception."""
    match = EXCEPTION.search(line)
    if match is None:
        return None
    return match["rest"].strip(" -—–:") if match["codes"] else ""


def _silent_exceptions() -> list[str]:
    silent = []
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                reason = _reason(line)
                if reason is not None and len(reason.split()) < 2:
                    silent.append(f"{path.relative_to(ROOT)}:{number}")
    return silent


def test_every_ruff_exception_names_its_rule_and_gives_a_reason() -> None:
    silent = _silent_exceptions()
    assert not silent, f"a `{DIRECTIVE}` without rule codes and a reason after them: {silent}"


def test_the_exception_pattern_tells_a_reason_from_its_absence() -> None:
    assert _reason(f"x  # {DIRECTIVE}: S608 - fixed column names") == "fixed column names"
    assert _reason(f"x  # {DIRECTIVE}: E731, S105") == ""
    assert _reason(f"x  # {DIRECTIVE}") == ""
    assert _reason("x = 1  # a plain comment") is None
