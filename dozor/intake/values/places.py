"""Regions (ISO 3166-2) and countries (ISO 3166-1) from the names partners write.

Russia's regions are known by their official Russian and English names (regions_ru.csv), by
pycountry's transliterations and by the short and informal forms of places.yaml ("СПб",
"Подмосковье", "ХМАО"); other countries' regions by pycountry's names, in English and, where its
catalogue has them, Russian. A name is compared by its words (see :func:`place_key`): case, ё/е,
punctuation, word order, "г."/"город" do not matter, and "обл."/"область"/"oblast"/"region" are
one word, as are "край"/"krai"/"territory", "респ."/"республика"/"republic" and
"АО"/"автономный округ".

A name that matches nothing, or more than one region, is refused, never guessed. The capital of a
region ("Казань", "Novosibirsk") is a city, not the region: it is refused with a word that says
so. Moscow and St Petersburg are both cities and regions (RU-MOW, RU-SPE).
"""

from __future__ import annotations

import functools
import gettext
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pycountry
from pydantic import BaseModel, ConfigDict, model_validator

from dozor.intake.values import Refusal, name_words
from dozor.lib.schemas import yaml_parse
from dozor.vocab.geography import country_regions, russian_regions

PLACES_FILE = Path(__file__).with_name("places.yaml")
REGION_CODE = re.compile(r"^([A-Za-z]{2})-([A-Za-z0-9]{1,3})$")
COUNTRY_CODE = re.compile(r"^[A-Za-z]{2,3}$")
RUSSIA = "RU"

# A name as compared: its words other than the kind (sorted), and its kind (oblast, krai, ...).
PlaceKey = tuple[tuple[str, ...], str | None]


class PlaceNames(BaseModel):
    """The schema of places.yaml."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    region_kinds: dict[str, list[str]]
    ignored_words: list[str]
    regions_ru: dict[str, list[str]]
    countries: dict[str, list[str]]
    short_names: dict[str, dict[str, str]]

    @model_validator(mode="after")
    def _codes_exist(self) -> PlaceNames:
        unknown = [code for code in self.regions_ru if code not in russian_regions()]
        unknown += [code for code in self.countries if not _country(code)]
        unknown += [code for code in self.short_names if not _country(code)]
        if unknown:
            raise ValueError(f"unknown codes: {', '.join(unknown)}")
        return self


def _country(code: str) -> bool:
    return len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None


@functools.cache
def place_names() -> PlaceNames:
    """places.yaml, checked; a broken file stops the program with what is wrong in it."""
    return PlaceNames.model_validate(yaml_parse(PLACES_FILE.read_text(encoding="utf-8")))


@functools.cache
def _grammar() -> tuple[dict[tuple[str, ...], str], frozenset[tuple[str, ...]]]:
    names = place_names()
    kinds = {
        name_words(phrase): kind
        for kind, phrases in names.region_kinds.items()
        for phrase in phrases
    }
    return kinds, frozenset(name_words(phrase) for phrase in names.ignored_words)


def place_key(text: str) -> PlaceKey | None:
    """A region's name as it is compared; None when nothing is left of it but kind words."""
    kinds, ignored = _grammar()
    tokens = name_words(text)
    stem: list[str] = []
    kind: str | None = None
    position = 0
    while position < len(tokens):
        for length in (3, 2, 1):
            phrase = tokens[position : position + length]
            if len(phrase) == length and (phrase in kinds or phrase in ignored):
                kind = kinds.get(phrase, kind)
                position += length
                break
        else:
            stem.append(tokens[position])
            position += 1
    return (tuple(sorted(stem)), kind) if stem else None


@dataclass
class RegionIndex:
    """One country's regions by the keys of their names, and its regions' capitals."""

    country: str
    exact: dict[PlaceKey, set[str]] = field(default_factory=dict)
    by_stem: dict[tuple[str, ...], set[tuple[str | None, str]]] = field(default_factory=dict)
    capitals: dict[PlaceKey, str] = field(default_factory=dict)

    def add(self, name: str, code: str) -> None:
        key = place_key(name)
        if key is None:
            return
        self.exact.setdefault(key, set()).add(code)
        self.by_stem.setdefault(key[0], set()).add((key[1], code))

    def find(self, key: PlaceKey) -> set[str]:
        """The regions a name may be: by its exact words and kind, else by its words alone
        ("Татарстан" for "Республика Татарстан"; "Krasnodar region" for "Krasnodar Krai")."""
        if key in self.exact:
            return self.exact[key]
        stem, kind = key
        return {code for other, code in self.by_stem.get(stem, ()) if kind is None or other}


@functools.cache
def region_index(country: str) -> RegionIndex:
    index = RegionIndex(country)
    for code, region in country_regions(country).items():
        for name in region.names.values():
            index.add(name, code)
    for subdivision in pycountry.subdivisions.get(country_code=country) or []:  # type: ignore[no-untyped-call]
        index.add(subdivision.name, subdivision.code)
        russian = _russian("iso3166-2").gettext(subdivision.name)
        if russian and russian != subdivision.name:
            index.add(russian, subdivision.code)
    if country == RUSSIA:
        for code, forms in place_names().regions_ru.items():
            for form in forms:
                index.add(form, code)
        for code, region in russian_regions().items():
            for capital in region.capitals.values():
                key = place_key(capital)
                if key is not None and key not in index.exact:
                    index.capitals[key] = code
    return index


@functools.cache
def _russian(domain: str) -> gettext.NullTranslations:
    try:
        return gettext.translation(domain, pycountry.LOCALES_DIR, languages=["ru"])
    except OSError:
        return gettext.NullTranslations()


def region_exists(code: str) -> bool:
    """Whether an ISO 3166-2 code names a region Dozor knows."""
    return code in country_regions(code.split("-")[0])


def region_synonyms(table: Mapping[str, Iterable[str]]) -> dict[PlaceKey, str]:
    """A mapping's own names for regions, ``{code: [name, ...]}``, by key."""
    own: dict[PlaceKey, str] = {}
    for code, names in table.items():
        for name in names:
            key = place_key(name)
            if key is not None:
                own[key] = code
    return own


def region_read(
    text: str,
    *,
    country: str | None = None,
    own: Mapping[PlaceKey, str] | None = None,
) -> str | Refusal:
    """The ISO 3166-2 code of the region a cell names, or why it names none.

    ``country`` is the country the region must be in; a name without it is read as Russia's.
    """
    stripped = " ".join(text.split())
    code = REGION_CODE.match(stripped)
    if code:
        found, in_country = stripped.upper(), code.group(1).upper()
        if not region_exists(found):
            return Refusal("region_unknown_code", {"value": stripped})
        if country and in_country != country:
            return Refusal(
                "region_other_country", {"value": found, "country": country, "other": in_country}
            )
        return found
    country = country or RUSSIA
    key = place_key(stripped)
    if key is not None and own and key in own:
        return own[key]
    index = region_index(country)
    if key is not None and key in index.exact and len(index.exact[key]) == 1:
        return next(iter(index.exact[key]))
    if key is not None and key in index.capitals:
        return Refusal(
            "region_is_a_city",
            {"value": stripped, "region": index.capitals[key], "country": country},
        )
    codes = index.find(key) if key is not None else set()
    if len(codes) == 1:
        return next(iter(codes))
    if codes:
        return Refusal("region_ambiguous", {"value": stripped, "codes": ", ".join(sorted(codes))})
    example = min(country_regions(country), default=f"{country}-…")
    return Refusal("region_not_placed", {"value": stripped, "country": country, "example": example})


# ---- countries -------------------------------------------------------------------------------


def _country_key(text: str) -> tuple[str, ...]:
    return tuple(sorted(word for word in name_words(text) if word not in ("of", "the")))


@functools.cache
def country_index() -> dict[tuple[str, ...], set[str]]:
    """Every country by the words of its names: pycountry's (English and Russian) and
    places.yaml's."""
    index: dict[tuple[str, ...], set[str]] = {}

    def add(name: str, code: str) -> None:
        key = _country_key(name)
        if key:
            index.setdefault(key, set()).add(code)

    russian = _russian("iso3166-1")
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            name = getattr(country, attribute, None)
            if name:
                add(name, country.alpha_2)
                add(russian.gettext(name), country.alpha_2)
    for code, forms in place_names().countries.items():
        for form in forms:
            add(form, code)
    return index


def country_synonyms(table: Mapping[str, Iterable[str]]) -> dict[tuple[str, ...], str]:
    """A mapping's own names for countries, ``{code: [name, ...]}``, by key."""
    return {_country_key(name): code for code, names in table.items() for name in names}


def country_read(text: str, *, own: Mapping[tuple[str, ...], str] | None = None) -> str | Refusal:
    """The ISO 3166-1 alpha-2 code of the country a cell names, or why it names none."""
    stripped = " ".join(text.split())
    if COUNTRY_CODE.match(stripped):
        if len(stripped) == 2:
            country = pycountry.countries.get(alpha_2=stripped.upper())
        else:
            country = pycountry.countries.get(alpha_3=stripped.upper())
        if country is not None:
            return str(country.alpha_2)
    key = _country_key(stripped)
    if own and key in own:
        return own[key]
    codes = country_index().get(key, set())
    if len(codes) == 1:
        return next(iter(codes))
    if codes:
        return Refusal("country_ambiguous", {"value": stripped, "codes": ", ".join(sorted(codes))})
    return Refusal("country_unknown", {"value": stripped})


def country_exists(code: str) -> bool:
    return _country(code)


def country_short_name(code: str, language: str = "en") -> str:
    """A country's name for a message: the short form where pycountry's is the long official
    one ("Russia", not "Russian Federation")."""
    short = place_names().short_names.get(code, {})
    if language[:2] in short:
        return short[language[:2]]
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    name = str(getattr(country, "common_name", None) or country.name)
    return _russian("iso3166-1").gettext(name) if language.startswith("ru") else name
