"""Places in press texts, normalised to an ISO 3166-2 region of Russia and a locality.

The gazetteer joins Russia's regions and their capitals (dozor/vocab/data/regions_ru.csv) with the
major cities and the common short names of regions in dozor/vocab/data/places_ru.csv
(dozor.vocab.gazetteer). Russian names are matched by lemma, so "в Екатеринбурге", "под Москвой"
and "в Набережных Челнах" find their city; English names are matched as written.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from dozor.analysis.text.morphology import CYRILLIC, WORD, fold, lemmas
from dozor.vocab.gazetteer import gazetteer_rows
from dozor.vocab.geography import russian_regions

NEAR_WORDS = frozenset({"под", "близ", "около", "near", "outside"})
REGION_SUFFIXES = {" Oblast": (" region", " Region", " oblast"), " Krai": (" region", " Territory")}


@dataclass(frozen=True)
class Place:
    name: str  # the canonical Russian name, whatever the text's language
    region: str
    kind: str  # "locality" or "region"
    near_region: str = ""  # the region around a city that is a region of its own


@dataclass(frozen=True)
class PlaceFinding:
    start: int
    end: int
    text: str
    place: Place
    near: bool


@dataclass(frozen=True)
class _Entry:
    words: tuple[str, ...]
    place: Place


@functools.cache
def _entries(language: str) -> dict[str, list[_Entry]]:
    """Gazetteer entries keyed by the first word's lemma (Russian) or folded form (English)."""
    # The gazetteer file comes first: on a tie its entry (a city, with the region around it)
    # wins over the region of the same name.
    names: list[tuple[str, Place]] = []
    for row in gazetteer_rows():
        place = Place(row["name_ru"], row["region"], row["kind"], row["near_region"])
        aliases = [alias for alias in row["aliases"].split(";") if alias]
        for name in (row[f"name_{language}"], *aliases):
            if bool(CYRILLIC.search(name)) == (language == "ru"):
                names.append((name, place))
    for region in russian_regions().values():
        names.append((region.names[language], Place(region.names["ru"], region.code, "region")))
        for suffix, variants in REGION_SUFFIXES.items():
            if language == "en" and region.names["en"].endswith(suffix):
                stem = region.names["en"].removesuffix(suffix)
                place = Place(region.names["ru"], region.code, "region")
                names += [(stem + variant, place) for variant in variants]
        names.append(
            (region.capitals[language], Place(region.capitals["ru"], region.code, "locality"))
        )
    index: dict[str, list[_Entry]] = {}
    for name, place in names:
        words = tuple(WORD.findall(name.replace(".", "")))
        entry = _Entry(words, place)
        for key in _keys(words[0], language):
            index.setdefault(key, []).append(entry)
    return index


@functools.cache
def english_place_words() -> frozenset[str]:
    """Every word of an English place name in the gazetteer, folded."""
    return frozenset(
        fold(word) for entries in _entries("en").values() for e in entries for word in e.words
    )


def _keys(word: str, language: str) -> frozenset[str]:
    return lemmas(word) if language == "ru" else frozenset({fold(word)})


def _same_word(text_word: str, name_word: str, language: str) -> bool:
    return bool(_keys(text_word, language) & _keys(name_word, language))


def find_places(
    text: str, *, language: str, excluded: Sequence[tuple[int, int]] = ()
) -> list[PlaceFinding]:
    """Places named in the text, in reading order. Spans in ``excluded`` (people's names) are
    skipped; a name must be capitalised as place names are."""
    tokens = [m for m in WORD.finditer(text.replace(".", " ")) if m.group(0)]
    index = _entries(language)
    found: list[PlaceFinding] = []
    position = 0
    while position < len(tokens):
        token = tokens[position]
        word = token.group(0)
        best: tuple[int, _Entry] | None = None
        if word[0].isupper() and not _inside(token.start(), excluded):
            for key in _keys(word, language):
                for entry in index.get(key, ()):
                    size = len(entry.words)
                    window = tokens[position : position + size]
                    if (
                        len(window) == size
                        and all(
                            _same_word(t.group(0), w, language)
                            for t, w in zip(window, entry.words, strict=True)
                        )
                        and (best is None or size > len(best[1].words))
                    ):
                        best = (size, entry)
        if best is None:
            position += 1
            continue
        size, entry = best
        end = tokens[position + size - 1].end()
        previous = fold(tokens[position - 1].group(0)) if position else ""
        found.append(
            PlaceFinding(
                token.start(), end, text[token.start() : end], entry.place, previous in NEAR_WORDS
            )
        )
        position += size
    return found


def _inside(offset: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start <= offset < end for start, end in spans)


def region_of(finding: PlaceFinding) -> str:
    if finding.near and finding.place.near_region:
        return finding.place.near_region
    return finding.place.region


__all__ = ["Place", "PlaceFinding", "find_places", "region_of"]
