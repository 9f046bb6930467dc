"""The gazetteer: Russia's major cities and the common short names of its regions.

``data/places_ru.csv`` adds to the regions and capitals of ``data/regions_ru.csv``
(dozor.vocab.geography) what press texts and partners' files call places: cities that are not
capitals, short and English names of regions. Each row is checked against its columns and the
regions when the file is first read. ``data/settlements_ru.csv`` adds Russia's towns of 15,000
people or more with their regions, written from GeoNames by scripts/settlements_from_geonames.py.
Finding places in a text is dozor.analysis.text.places.
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path

from dozor.vocab.geography import russian_regions

PLACES_FILE = Path(__file__).parent / "data" / "places_ru.csv"
PLACE_COLUMNS = ("name_ru", "name_en", "region", "kind", "near_region", "aliases")
SETTLEMENTS_FILE = Path(__file__).parent / "data" / "settlements_ru.csv"
SETTLEMENT_COLUMNS = ("name_ru", "name_en", "region", "population", "geonameid")


class GazetteerError(ValueError):
    """The gazetteer file does not follow its schema."""


def _check_row(row: dict[str, str], line: int, known: set[str]) -> None:
    missing = [column for column in PLACE_COLUMNS if column not in row]
    if missing:
        raise GazetteerError(f"{PLACES_FILE.name}, line {line}: missing columns {missing}.")
    if row["region"] not in known or (row["near_region"] and row["near_region"] not in known):
        raise GazetteerError(
            f"{PLACES_FILE.name}, line {line}: region “{row['region']}” is not a Russian "
            "ISO 3166-2 code from regions_ru.csv."
        )
    if row["kind"] not in ("locality", "region"):
        raise GazetteerError(
            f"{PLACES_FILE.name}, line {line}: kind must be “locality” or “region”."
        )


@functools.cache
def gazetteer_rows() -> tuple[dict[str, str], ...]:
    """The gazetteer file's rows, checked against its schema and the regions vocabulary."""
    known = set(russian_regions())
    with PLACES_FILE.open(encoding="utf-8", newline="") as handle:
        rows = tuple(csv.DictReader(line for line in handle if not line.startswith("#")))
    for line, row in enumerate(rows, start=6):
        _check_row(row, line, known)
    return rows


@functools.cache
def settlement_rows() -> tuple[dict[str, str], ...]:
    """The towns from GeoNames, checked: every column there and every region a Russian one."""
    known = set(russian_regions())
    with SETTLEMENTS_FILE.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    rows = tuple(csv.DictReader(lines))
    skipped = len(SETTLEMENTS_FILE.read_text(encoding="utf-8").splitlines()) - len(lines)
    for line, row in enumerate(rows, start=skipped + 2):
        missing = [column for column in SETTLEMENT_COLUMNS if not row.get(column)]
        if missing:
            raise GazetteerError(f"{SETTLEMENTS_FILE.name}, line {line}: missing {missing}.")
        if row["region"] not in known:
            raise GazetteerError(
                f"{SETTLEMENTS_FILE.name}, line {line}: region “{row['region']}” is not a "
                "Russian ISO 3166-2 code from regions_ru.csv."
            )
    return rows
