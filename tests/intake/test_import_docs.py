"""docs/import.md describes the mappings Dozor reads: its table of standard fields cannot drift
from the report schema, and its key table names every key of every field type."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from dozor.intake.mapping import CheckSpec, FormatSpec, MappingSpec
from dozor.intake.mapping_types import FIELD_TYPES
from dozor.intake.response_events import EventRuleSpec
from dozor.records.report_schema import STANDARD_FIELDS

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "import.md"
sys.path.insert(0, str(ROOT / "scripts"))
import schema_docs  # noqa: E402 (a script, importable once its folder is on the path)


def section(heading: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(heading)
    following = text.find("\n### ", start + len(heading))
    return text[start : following if following > 0 else None]


def table_rows(text: str) -> list[list[str]]:
    rows = []
    for line in text.splitlines():
        if line.startswith("| `"):
            rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_the_standard_fields_table_lists_exactly_the_report_schemas_fields() -> None:
    rows = table_rows(section("### Standard report fields"))
    documented = [
        (name.strip("`"), kind, vocabulary, linkage, incident)
        for name, kind, vocabulary, linkage, incident, _ in rows
    ]
    assert documented == [
        (
            field.name,
            field.type,
            field.vocabulary or "",
            "yes" if field.linkage else "no",
            "yes" if field.incident else "no",
        )
        for field in STANDARD_FIELDS
    ]


def test_the_key_table_names_every_key_of_every_field_type() -> None:
    documented = {
        key
        for row in table_rows(section("### Fields"))
        for key in re.findall(r"`([a-z_]+)`", row[0])
    }
    declared = {
        info.alias or name
        for kind in FIELD_TYPES.values()
        for name, info in kind.model_fields.items()
    }
    assert declared == documented


def test_the_key_tables_are_those_the_mapping_models_declare() -> None:
    stale = schema_docs.drifted(DOC)
    assert not stale, (
        f"docs/import.md's key tables {', '.join(stale)} differ from the mapping models; "
        f"run `{schema_docs.COMMAND}`"
    )


def test_every_key_of_the_mapping_models_has_a_description() -> None:
    models = [MappingSpec, FormatSpec, CheckSpec, EventRuleSpec, *FIELD_TYPES.values()]
    undescribed = [
        f"{model.__name__}.{name}"
        for model in models
        for name, info in model.model_fields.items()
        if not info.description
    ]
    assert undescribed == []


def test_a_key_table_edited_by_hand_is_found_drifted(tmp_path: Path) -> None:
    edited = tmp_path / "import.md"
    text = DOC.read_text(encoding="utf-8")
    edited.write_text(text.replace("| the column to read |", "| a column |"), encoding="utf-8")
    assert schema_docs.drifted(edited) == ["mapping-fields"]
