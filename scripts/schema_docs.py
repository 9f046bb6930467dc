"""Write the key reference of docs/import.md from the declared mapping models.

Each table sits between ``<!-- schema:NAME -->`` and ``<!-- /schema:NAME -->`` and is made from
the models' fields: their keys, the field types that take them, their defaults and their
descriptions (``Field(description=...)``). Change a model, then run

    python scripts/schema_docs.py           # rewrite the tables
    python scripts/schema_docs.py --check   # exit 1 if the doc has drifted from the models

tests/intake/test_import_docs.py runs the check.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "import.md"
COMMAND = "python scripts/schema_docs.py"


def _default(value: Any) -> str:
    """A default as a person writes it in YAML; empty when there is none worth showing."""
    if value is None or value in ((), [], {}, ""):
        return ""
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, BaseModel):
        parts = ", ".join(f"{key}: {item}" for key, item in value.model_dump().items() if item)
        return f"`{{{parts}}}`" if parts else ""
    if isinstance(value, tuple | list):
        return f"`{json.dumps(list(value), ensure_ascii=False)}`"
    return f"`{value}`"


def _keys(model: type[BaseModel]) -> Iterable[tuple[str, str, str]]:
    for name, info in model.model_fields.items():
        default = (
            "" if info.is_required() else _default(info.get_default(call_default_factory=True))
        )
        yield info.alias or name, default, info.description or ""


def keys_table(model: type[BaseModel]) -> str:
    """The keys of one model: key, default, meaning."""
    rows = ["| key | default | meaning |", "|---|---|---|"]
    for key, default, meaning in _keys(model):
        required = " (required)" if model.model_fields[_attribute(model, key)].is_required() else ""
        rows.append(f"| `{key}` | {default} | {meaning}{required} |")
    return "\n".join(rows)


def _attribute(model: type[BaseModel], key: str) -> str:
    return next(name for name, info in model.model_fields.items() if (info.alias or name) == key)


def field_keys_table(types: dict[str, type[BaseModel]]) -> str:
    """The keys of every field type, one row per key and meaning, naming the types that take it."""
    found: dict[tuple[str, str], dict[str, str]] = {}
    for kind, model in types.items():
        for key, default, meaning in _keys(model):
            found.setdefault((key, meaning), {})[kind] = default
    rows = ["| key | for | default | meaning |", "|---|---|---|---|"]
    for (key, meaning), kinds in found.items():
        which = "all" if len(kinds) == len(types) else ", ".join(f"`{kind}`" for kind in kinds)
        defaults = set(kinds.values())
        default = defaults.pop() if len(defaults) == 1 else ""
        rows.append(f"| `{key}` | {which} | {default} | {meaning} |")
    return "\n".join(rows)


def tables() -> dict[str, str]:
    """Each generated table of docs/import.md, by the name of its markers."""
    from dozor.intake.mapping import CheckSpec, FormatSpec, MappingSpec
    from dozor.intake.mapping_types import FIELD_TYPES
    from dozor.intake.response_events import EventRuleSpec

    return {
        "mapping": keys_table(MappingSpec),
        "mapping-format": keys_table(FormatSpec),
        "mapping-fields": field_keys_table(dict(FIELD_TYPES)),
        "mapping-checks": keys_table(CheckSpec),
        "mapping-response-events": keys_table(EventRuleSpec),
    }


def _marked(name: str) -> re.Pattern[str]:
    return re.compile(
        rf"(<!-- schema:{re.escape(name)} -->\n)(.*?)(<!-- /schema:{re.escape(name)} -->)", re.S
    )


def rewritten(text: str, generated: dict[str, str]) -> str:
    """``text`` with each marked table replaced by its generated one."""
    for name, table in generated.items():
        pattern = _marked(name)
        if not pattern.search(text):
            raise SystemExit(f"{DOC.name}: no <!-- schema:{name} --> markers")
        text = pattern.sub(lambda match, t=table: f"{match[1]}{t}\n{match[3]}", text)
    return text


def drifted(doc: Path = DOC) -> list[str]:
    """The names of the tables in ``doc`` that differ from the models."""
    text = doc.read_text(encoding="utf-8")
    return [
        name
        for name, table in tables().items()
        if (found := _marked(name).search(text)) is None or found[2] != table + "\n"
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the doc has drifted")
    options = parser.parse_args(argv)
    if options.check:
        stale = drifted()
        if stale:
            print(f"{DOC.name}: out of date: {', '.join(stale)}; run {COMMAND}", file=sys.stderr)
        return 1 if stale else 0
    DOC.write_text(rewritten(DOC.read_text(encoding="utf-8"), tables()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
