"""Places in press texts, normalised to an ISO 3166-2 region of Russia and a locality.

The gazetteer joins Russia's regions and their capitals (dozor/vocab/data/regions_ru.csv) with the
major cities and the common short names of regions in dozor/vocab/data/places_ru.csv
(dozor.vocab.gazetteer). Russian names are matched by lemma, so "в Екатеринбурге", "под Москвой"
and "в Набережных Челнах" find their city; English names are matched as written.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from dozor.analysis.text.morphology import CYRILLIC, WORD, fold, lemmas, lemmas_likeliest_first
from dozor.vocab.gazetteer import gazetteer_rows, settlement_rows
from dozor.vocab.geography import country_names, russian_regions

NEAR_WORDS = frozenset({"под", "близ", "около", "near", "outside"})
# "в Боровичах", "на Кубани", "in Kazan": the text says the event was there.
LOCATIVE_WORDS = frozenset({"в", "во", "на", "у", "in", "at"}) | NEAR_WORDS
# Words before a place that make it where a person comes from, not where anything happened:
# "уроженца Дагестана", "гражданин Таджикистана", "выходец из Чечни", "министр ... республики".
ORIGIN_WORDS = (
    "уроженец",
    "уроженка",
    "урождённый",
    "гражданин",
    "гражданка",
    "выходец",
    "выходка",
    "родом",
    "мигрант",
    "министр",
    "постпред",
    "native",
    "citizen",
    "national",
    "from",
)
# Of these, the words that name an office of a region ("министр ... Республики Дагестан"): the
# region is not the place of the event, nor anyone's origin.
OFFICE_WORDS = ("министр", "постпред")
# "студентов из Нигерии", "a courier from Uzbekistan": a foreign country right after "из" or
# "from" is where someone comes from; the events read here happen in Russia.
COUNTRY_ORIGIN_WORDS = frozenset({"из", "from"})
ORIGIN_WINDOW = 5  # words
REGION_SUFFIXES = {" Oblast": (" region", " Region", " oblast"), " Krai": (" region", " Territory")}


# "ул. Рубинштейна", "на улице Ленина", "проспект Мира": an address names a street, never a
# place or a person.
ADDRESS = re.compile(
    r"(?<!\w)(?:ул\.|улиц[аеыу]|пр-т|просп\.|проспект\w*|пер\.|переул\w+|б-р|бульвар\w*|"
    r"наб\.|набережн\w+|пл\.|площад[ьи]|шоссе|street|avenue|prospekt)\s*"
    r"[А-ЯЁA-Z][\w-]*(?:\s+[А-ЯЁA-Z][\w-]*)?(?:,?\s*(?:д\.|дом)\s*\d+\w*)?",
)


def address_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in ADDRESS.finditer(text)]


@dataclass(frozen=True)
class Place:
    name: str  # the canonical Russian name, whatever the text's language
    region: str
    kind: str  # "locality", "region", or "country" (region is then an ISO 3166-1 code)
    near_region: str = ""  # the region around a city that is a region of its own


@dataclass(frozen=True)
class PlaceFinding:
    start: int
    end: int
    text: str
    place: Place
    near: bool
    locative: bool = False  # after в, на, под: the text places something there
    adjectival: bool = False  # "санкт-петербургского центра": only an adjective names it
    origin: str = ""  # "уроженца Дагестана": where a person comes from, as the text says it

    @property
    def person_origin(self) -> bool:
        """The place is where a person comes from (not a region named by its minister)."""
        if not self.origin:
            return False
        first = WORD.match(self.origin)
        return not (
            first and any(lemma.startswith(OFFICE_WORDS) for lemma in lemmas(first.group(0)))
        )


@dataclass(frozen=True)
class _Entry:
    words: tuple[str, ...]
    place: Place
    adjectival: bool = False


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
    # Foreign countries, read only as someone's origin ("гражданина Таджикистана").
    for code, country in country_names(language).items():
        names.append((country, Place(country, code, "country")))
    # Towns from GeoNames last: a curated name of the same words wins.
    for row in settlement_rows():
        place = Place(row["name_ru"], row["region"], "locality")
        names.append((row[f"name_{language}"], place))
    index: dict[str, list[_Entry]] = {}
    for name, place in names:
        words = tuple(WORD.findall(name.replace(".", "")))
        if not words:
            continue
        entry = _Entry(words, place, adjectival=name[:1].islower())
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
        if not _inside(token.start(), excluded):
            # The likeliest reading first: of two places of the same length the first found
            # wins ("в Волжском" is Волжский, not the instrumental of Волжск).
            keys = lemmas_likeliest_first(word) if language == "ru" else (fold(word),)
            for key in keys:
                for entry in index.get(key, ()):
                    if not (word[0].isupper() or entry.adjectival):
                        continue
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
        origin = _origin(text, tokens, position, end)
        if entry.place.kind == "country" and not origin:
            if previous not in COUNTRY_ORIGIN_WORDS:
                position += size
                continue  # a country named otherwise says nothing of the event or the victim
            origin = text[tokens[position - 1].start() : end]
        found.append(
            PlaceFinding(
                token.start(),
                end,
                text[token.start() : end],
                entry.place,
                previous in NEAR_WORDS,
                locative=previous in LOCATIVE_WORDS and not entry.adjectival,
                adjectival=entry.adjectival,
                origin=origin,
            )
        )
        position += size
    return found


def _origin(text: str, tokens: list[re.Match[str]], position: int, end: int) -> str:
    """The phrase that makes the place someone's origin ("уроженца Дагестана"), or ""."""
    sentence_start = max(text.rfind(". ", 0, tokens[position].start()), -1)
    for back in range(position - 1, max(position - ORIGIN_WINDOW, 0) - 1, -1):
        word = tokens[back]
        if word.start() <= sentence_start:
            break
        folded = fold(word.group(0))
        if folded in ("в", "во", "на", "под", "in", "at") and back == position - 1:
            return ""  # "министр ... в Махачкале": a place where something is
        if any(lemma.startswith(ORIGIN_WORDS) for lemma in lemmas(word.group(0))):
            if folded == "from" and back != position - 1:
                continue
            return text[word.start() : end]
    return ""


def _inside(offset: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start <= offset < end for start, end in spans)


def region_of(finding: PlaceFinding) -> str:
    if finding.near and finding.place.near_region:
        return finding.place.near_region
    return finding.place.region


__all__ = ["Place", "PlaceFinding", "address_spans", "find_places", "region_of"]
