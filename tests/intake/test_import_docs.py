"""docs/import.md describes the mappings Dozor reads: its table of standard fields cannot drift
from the report schema, and its key table names every key of every field type."""

from __future__ import annotations

import re
from pathlib import Path

from dozor.intake.mapping_types import FIELD_TYPES
from dozor.records.report_schema import STANDARD_FIELDS

DOC = Path(__file__).resolve().parents[2] / "docs" / "import.md"


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
