from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from dozor.intake.mapping import Mapping, mapping_parse
from dozor.records.models import SourceList
from tests.conftest import Cast
from tests.factories import SourceListFactory

ROOT = Path(__file__).resolve().parents[2]
TORONTO_CSV = ROOT / "tests" / "data" / "intake" / "toronto_hate_crimes_open_data_2018_2024.csv"
TORONTO_MAPPING = ROOT / "dozor" / "intake" / "mappings" / "toronto_police_hate_crimes.yaml"

SMALL_MAPPING = """
version: 1
name: partner list
id_column: id
fields:
  date:
    column: Дата
    type: date
    formats: ["%d.%m.%Y", "%Y-%m-%d"]
    required: true
  biases:
    type: codes
    vocabulary: bias_motivation
    separator: ","
    columns:
      Мотив:
        values:
          racist_xenophobic: [ксенофобия, расизм]
          anti_lgbti: [гомофобия]
  killed:
    column: Убито
    type: integer
    default: 0
"""


@pytest.fixture
def small_mapping() -> Mapping:
    return mapping_parse(SMALL_MAPPING, "partner.yaml")


@pytest.fixture
def toronto_mapping() -> Mapping:
    return mapping_parse(TORONTO_MAPPING.read_text(encoding="utf-8"), TORONTO_MAPPING.name)


@pytest.fixture
def source_list(cast: Cast) -> SourceList:
    return SourceListFactory(name="Партнёр", organisation=cast.organisation)


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def import_by_command(
    path: Path, source_list: SourceList, user: Any, *options: str, mapping_text: str = SMALL_MAPPING
) -> str:
    """`dozor import` of one file with a mapping (the small one unless given), as a documenter
    types it; its output."""
    mapping = path.parent / "mapping.yaml"
    mapping.write_text(mapping_text, encoding="utf-8")
    out = StringIO()
    call_command(
        "import",
        str(path),
        "--source-list",
        source_list.name,
        "--mapping",
        str(mapping),
        "--user",
        user.username,
        *options,
        stdout=out,
    )
    return out.getvalue()
