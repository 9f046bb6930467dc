"""Countries (ISO 3166-1) and regions (ISO 3166-2).

Russia's federal subjects come from ``data/regions_ru.csv`` with English and Russian names
and federal districts; other countries' subdivisions come from pycountry.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

import pycountry

REGIONS_FILE = Path(__file__).parent / "data" / "regions_ru.csv"


@dataclass(frozen=True)
class Region:
    code: str
    country: str
    names: dict[str, str]
    capitals: dict[str, str]
    federal_district: str = ""

    def name(self, language: str = "en") -> str:
        return self.names.get(language[:2], self.names["en"])


@functools.cache
def russian_regions() -> dict[str, Region]:
    with REGIONS_FILE.open(encoding="utf-8", newline="") as handle:
        return {
            row["code"]: Region(
                code=row["code"],
                country="RU",
                names={"en": row["name_en"], "ru": row["name_ru"]},
                capitals={"en": row["capital_en"], "ru": row["capital_ru"]},
                federal_district=row["federal_district"],
            )
            for row in csv.DictReader(handle)
        }


@functools.cache
def country_regions(country: str) -> dict[str, Region]:
    """The regions of one country by ISO 3166-2 code; empty for an unknown country."""
    if country == "RU":
        return russian_regions()
    subdivisions = pycountry.subdivisions.get(country_code=country) or []  # type: ignore[no-untyped-call]
    return {
        sub.code: Region(code=sub.code, country=country, names={"en": sub.name}, capitals={})
        for sub in subdivisions
    }


def country_exists(code: str) -> bool:
    return len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None


def country_name(code: str, language: str = "en") -> str:
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    if language.startswith("ru"):
        return _russian_country_names().get(code, country.name)
    return str(country.name)


@functools.cache
def country_names(language: str) -> dict[str, str]:
    """Every country but Russia by ISO 3166-1 code, named as a text would name it: pycountry's
    common name where it has one ("Moldova", not "Moldova, Republic of")."""
    names = {}
    for country in pycountry.countries:
        if country.alpha_2 == "RU":
            continue
        common = getattr(country, "common_name", None) or country.name
        name = country_name(country.alpha_2, language) if language == "ru" else common
        if "," not in name:
            names[country.alpha_2] = str(name)
    return names


@functools.cache
def _russian_country_names() -> dict[str, str]:
    import gettext

    translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ru"])
    return {c.alpha_2: translation.gettext(c.name) for c in pycountry.countries}


def region_name(code: str, language: str = "en") -> str:
    region = country_regions(code.split("-")[0]).get(code)
    return region.name(language) if region else code
