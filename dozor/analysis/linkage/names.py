# Russian text is the point of this module, so Cyrillic letters that look Latin are intended.
"""Names as keys that compare across grammar, alphabets and spelling.

One victim appears as "Хуршед Султонов" in one list, "Хуршеда Султонова" (genitive) in an
article and "Khurshed Sultonov" or "SULTONOV Hurshed" in a partner's English list. To compare them
every name is brought to one form:

1. Latin spellings are read back into Cyrillic with one table that accepts the common schemes
   (BGN/PCGN, the passport ICAO scheme, informal spellings such as h for х and j for ж).
2. The first name is found and put into the nominative with pymorphy3; its grammatical gender
   decides how the surname is read ("Султонова" is a man's genitive or a woman's nominative).
3. The surname is reduced to its masculine nominative stem by the rules of Russian surname
   declension, so that a man's and a woman's forms of one family name agree, as do all cases.
4. The result is written in Latin letters with one scheme, and a phonetic key absorbs the
   typing errors that survive (doubled or dropped letters, vowels, е/ё, и/й).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)

# The one scheme that writes Cyrillic in Latin letters (close to the passport ICAO scheme).
TO_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "iu", "я": "ia", "-": "-",
}  # fmt: skip

# Reading Latin back into Cyrillic: longest spelling first; accepts every common scheme.
_FROM_LATIN = [
    ("shch", "щ"), ("sch", "щ"), ("zh", "ж"), ("kh", "х"), ("ts", "ц"), ("tz", "ц"),
    ("ch", "ч"), ("sh", "ш"), ("yu", "ю"), ("iu", "ю"), ("ju", "ю"), ("ya", "я"), ("ia", "я"),
    ("ja", "я"), ("yo", "ё"), ("jo", "ё"), ("ye", "е"), ("ie", "ие"), ("a", "а"), ("b", "б"),
    ("v", "в"), ("w", "в"), ("g", "г"), ("d", "д"), ("e", "е"), ("z", "з"), ("i", "и"),
    ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"), ("r", "р"),
    ("s", "с"), ("t", "т"), ("u", "у"), ("f", "ф"), ("h", "х"), ("c", "ц"), ("j", "ж"),
    ("q", "к"), ("x", "кс"), ("y", "ы"), ("'", "ь"), ("-", "-"),
]  # fmt: skip
_VOWELS = set("аеёиоуыэюя")
_MASCULINE_SURNAME_ENDINGS = ("ов", "ев", "ёв", "ин", "ын")


@functools.cache
def _morph() -> object:
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


def is_cyrillic(text: str) -> bool:
    return bool(_CYRILLIC.search(text))


_FROM_LATIN_SPELLINGS = dict(_FROM_LATIN)
# Alternatives are tried in the order of _FROM_LATIN (longest spelling first); any other
# character is kept as it is.
_FROM_LATIN_PATTERN = re.compile(
    "|".join(re.escape(latin) for latin, _ in _FROM_LATIN) + "|.", re.DOTALL
)


@functools.cache
def to_cyrillic(word: str) -> str:
    """A Latin word read back into Cyrillic ("Khurshed" and "Hurshed" both give "хуршед")."""
    out: list[str] = []
    for match in _FROM_LATIN_PATTERN.finditer(word.lower()):
        latin = match.group()
        cyrillic = _FROM_LATIN_SPELLINGS.get(latin, latin)
        # y after a vowel is й ("Nikolay"); "ye" inside a word after a consonant is "е".
        if latin == "y" and out and out[-1][-1] in _VOWELS:
            cyrillic = "й"
        out.append(cyrillic)
    return "".join(out)


@functools.cache
def to_latin(word: str) -> str:
    return "".join(TO_LATIN.get(char, char) for char in word.lower())


def words(text: str) -> list[str]:
    return _WORD.findall(text or "")


@dataclass(frozen=True)
class _FirstName:
    lemma: str
    gender: str  # "masc" or "femn"


@functools.cache
def _first_name(word: str) -> _FirstName | None:
    """The nominative of a first name and its gender, if pymorphy3's dictionary reads the word
    as one.

    Only words the dictionary knows are read: for an unknown word pymorphy3 guesses a paradigm
    from its ending, and reads one in five unknown surnames ("Шегухева") as a woman's first name.
    Guessing is also what makes parsing slow (about 0.3 ms a word). First names it does not know
    (many Central Asian ones) are found by their place and ending instead (`name_key`).
    """
    morph: Any = _morph()
    if not morph.word_is_known(word):
        return None
    best = None
    for parse in morph.parse(word):
        tag = parse.tag
        is_name = "Name" in tag and "plur" not in tag and tag.gender in ("masc", "femn")
        if is_name and (best is None or parse.score > best.score):
            best = parse
    if best is None:
        return None
    return _FirstName(lemma=best.normal_form.replace("ё", "е"), gender=best.tag.gender)


@functools.cache
def surname_stem(word: str, gender: str) -> str:
    """The masculine nominative of a surname in any case, of a man or of a woman."""
    w = word.lower().replace("ё", "е")
    if gender == "femn":
        for ending, replacement in (
            ("ской", "ский"),
            ("скую", "ский"),
            ("ская", "ский"),
            ("цкой", "цкий"),
            ("цкую", "цкий"),
            ("цкая", "цкий"),
        ):
            if w.endswith(ending):
                return w[: -len(ending)] + replacement
        for stem in ("ов", "ев", "ин", "ын"):
            for ending in ("ой", "у", "а"):
                if w.endswith(stem + ending):
                    return w[: -len(ending)]
        return w
    for ending, replacement in (
        ("ского", "ский"),
        ("скому", "ский"),
        ("ским", "ский"),
        ("цкого", "цкий"),
        ("цкому", "цкий"),
        ("цким", "цкий"),
    ):
        if w.endswith(ending):
            return w[: -len(ending)] + replacement
    if w.endswith(_MASCULINE_SURNAME_ENDINGS) or w.endswith(("ий", "ой", "ый")):
        return w
    for stem in _MASCULINE_SURNAME_ENDINGS:
        for ending in ("ым", "а", "у"):
            if w.endswith(stem + ending):
                return w[: -len(ending)]
    # Other declined men's surnames (Гасаняна, Гасаняном) lose a case ending after a consonant.
    for ending in ("ом", "ем", "а", "у"):
        shortest = 4 if len(ending) == 2 else 3  # "Икром" is no instrumental
        stem = w[: -len(ending)]
        if w.endswith(ending) and len(stem) >= shortest and stem[-1] not in _VOWELS:
            return stem
    return w


@functools.cache
def _first_name_fallback(word: str, gender: str) -> str:
    """A first name pymorphy3 does not know, with its case ending removed by rule.

    A man's -ом/-ем is taken for the instrumental only when four letters remain: "Икромом" is
    Икром, but "Икром" itself stays. A woman's name whose stem ends in a vowel had -я
    ("Зулфию", "Зулфией" → Зулфия), any other -а ("Дилнозы" → Дилноза).
    """
    w = word.lower().replace("ё", "е")
    if gender == "femn":
        for ending in ("ой", "ей", "ы", "и", "е", "у", "ю"):
            if w.endswith(ending) and len(w) > len(ending) + 2:
                stem = w[: -len(ending)]
                return stem + ("я" if stem[-1] in _VOWELS else "а")
        return w
    for ending in ("ом", "ем", "а", "у"):
        shortest = 4 if len(ending) == 2 else 3
        if w.endswith(ending) and len(w) - len(ending) >= shortest:
            return w[: -len(ending)]
    return w


@dataclass(frozen=True)
class NameKey:
    """One victim's name as keys: full name, phonetic full name, phonetic surname, gender."""

    full: str  # "khurshed sultonov": first name and surname stem, sorted, in Latin letters
    phonetic: str
    surname_phonetic: str
    gender: str


def name_key(name: str, sex: str = "unknown") -> NameKey | None:
    """The keys of one victim's name as a report writes it, or None for an empty name."""
    tokens = [
        token if is_cyrillic(token) else to_cyrillic(token)
        for token in words(name.replace(".", ". "))
        if len(token) > 1
    ]
    if not tokens:
        return None
    tokens = [token.lower().replace("ё", "е") for token in tokens]
    readings = [_first_name(token) for token in tokens]
    first_index = next((i for i, reading in enumerate(readings) if reading is not None), -1)
    known = readings[first_index] if first_index >= 0 else None
    if known is not None:
        gender, first = known.gender, known.lemma
    else:
        # No first name the dictionary knows: the first word that does not look like a
        # surname is taken for one ("Рахманов Икром", "Усмонова Феруза").
        gender = {"female": "femn", "male": "masc"}.get(sex, "masc")
        if len(tokens) > 1:
            first_index = next(
                (i for i, token in enumerate(tokens) if not _looks_like_surname(token)), -1
            )
        first = _first_name_fallback(tokens[first_index], gender) if first_index >= 0 else ""
    parts = []
    surname = ""
    for i, token in enumerate(tokens):
        if i == first_index:
            parts.append(first)
        else:
            surname = surname_stem(token, gender)
            parts.append(surname)
    latin = sorted(to_latin(part) for part in parts)
    surname_latin = to_latin(surname) if surname else ""
    return NameKey(
        full=" ".join(latin),
        phonetic=" ".join(sorted(phonetic_key(part) for part in latin)),
        surname_phonetic=phonetic_key(surname_latin) if surname_latin else "",
        gender=gender,
    )


def _looks_like_surname(token: str) -> bool:
    return token.endswith(
        ("ов", "ев", "ин", "ова", "ева", "ина", "ский", "ская", "ян", "швили", "дзе")
    )


_PHONETIC_STEPS = [
    (re.compile(r"shch|sch"), "s"),
    (re.compile(r"sh"), "s"),
    (re.compile(r"zh|j"), "z"),
    (re.compile(r"ts|ch|c"), "c"),
    (re.compile(r"kh|h"), "k"),
]
_VOICING = str.maketrans({"b": "p", "v": "f", "g": "k", "d": "t", "z": "s"})


@functools.cache
def phonetic_key(latin: str) -> str:
    """A key that spellings of one name share: the first sound and the consonants, merged
    where Russian devoices them or schemes disagree; vowels and doubled letters are dropped."""
    word = re.sub(r"[^a-z]", "", latin.lower())
    for pattern, replacement in _PHONETIC_STEPS:
        word = pattern.sub(replacement, word)
    if not word:
        return ""
    head, rest = word[0], word[1:]
    rest = re.sub(r"[aeiouy]+", "", rest.translate(_VOICING))
    return re.sub(r"(.)\1+", r"\1", head + rest)


@functools.cache
def word_key(word: str) -> str:
    """A crude stem of a summary's word in Latin letters: its first six letters."""
    latin = to_latin(word) if is_cyrillic(word) else word.lower()
    return latin[:6]


# The name proper of an organisation, in the quotes Russian and English texts put it in.
_QUOTED = re.compile(r"[«\"“„]([^«»\"“”„]+)[»\"”“]")


def organisation_keys(name: str) -> list[str]:
    """Keys that the spellings of one organisation's name share, or [] for an empty name.

    "Правозащитный центр «Северный маяк»", "Правозащитного центра «Северный маяк»", "«Северный
    маяк»" and "Severnyi Mayak" have a key in common: one for the whole name and one for the part
    in quotes, each word brought to its dictionary form, written in Latin letters and reduced to
    its phonetic key as victims' names are. A name translated ("Northern Lighthouse") is another
    name: only spellings compare.
    """
    parts = [name, *_QUOTED.findall(name)]
    keys = {key for part in parts if (key := _organisation_key(part))}
    return sorted(keys)


def _organisation_key(text: str) -> str:
    return " ".join(key for word in words(text) if (key := _organisation_word(word)))


@functools.cache
def _organisation_word(word: str) -> str:
    cyrillic = word.lower().replace("ё", "е") if is_cyrillic(word) else to_cyrillic(word)
    morph: Any = _morph()
    # Only words the dictionary knows: a guessed paradigm would change a name's own ending.
    if morph.word_is_known(cyrillic):
        cyrillic = morph.parse(cyrillic)[0].normal_form.replace("ё", "е")
    return phonetic_key(to_latin(cyrillic))


def name_is_nominative(name: str) -> bool:
    """Whether a name is written in Cyrillic with its first name in the nominative ("Иван
    Петров", not "Ивана Петрова" or "Ivan Petrov"): the spelling to keep when several reports
    name one person.

    The first name is the first word pymorphy3's dictionary reads as one; without such a word,
    the first word that does not look like a surname, which must keep its ending when case
    endings are removed by rule.
    """
    tokens = [token.lower().replace("ё", "е") for token in words(name) if len(token) > 1]
    if not tokens or not all(is_cyrillic(token) for token in tokens):
        return False
    for token in tokens:
        reading = _first_name(token)
        if reading is not None:
            return reading.lemma == token
    first = next((token for token in tokens if not _looks_like_surname(token)), None)
    return first is None or _first_name_fallback(first, "masc") == first
