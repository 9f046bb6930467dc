# Russian text is the point of this module, so Cyrillic letters that look Latin are intended.
"""Just enough Russian morphology and transliteration for the synthetic demo data.

Personal names are declined by their endings (the rules of Russian grammar for the name types in
the demo pools: Russian-type surnames in -ов/-ев/-ин, adjectival -ский, Armenian -ян,
indeclinable Georgian -дзе/-швили and vowel-final names), place names get their locative form,
and Cyrillic is written in Latin letters under one of several transliteration schemes, as
different organisations do.
"""

from __future__ import annotations

import random

CASES = ("nom", "gen", "dat", "acc", "ins")
_HUSHING = "гкхжшщч"  # after these, genitive -ы is written -и
_SIBILANT = "жшщчц"  # after these, an unstressed instrumental ending is -ем / -ей
_INDECLINABLE_VOWELS = "еёиоуыэю"
_POSSESSIVE_SURNAME = ("ов", "ев", "ёв", "ин", "ын")


def feminine_surname(surname: str) -> str:
    """The feminine form of a surname given in its masculine form."""
    if surname.endswith(_POSSESSIVE_SURNAME):
        return surname + "а"
    if surname.endswith(("ский", "цкий")):
        return surname[:-2] + "ая"
    return surname


def decline_first_name(name: str, sex: str, case: str) -> str:
    if case == "nom" or not name:
        return name
    last = name[-1]
    if last in _INDECLINABLE_VOWELS:
        return name
    if last in "ая":
        return _decline_a_stem(name, case, male=sex == "male")
    if sex != "male":
        if last == "ь":
            return name if case == "acc" else name[:-1] + ("ью" if case == "ins" else "и")
        return name  # feminine names ending in a consonant are not declined
    if name.endswith("ий"):
        return name[:-1] + {"gen": "я", "acc": "я", "dat": "ю", "ins": "ем"}[case]
    if last in "йь":
        return name[:-1] + {"gen": "я", "acc": "я", "dat": "ю", "ins": "ем"}[case]
    return _decline_hard_masculine(name, case)


def _decline_hard_masculine(word: str, case: str) -> str:
    if case == "ins":
        return word + ("ем" if word[-1] in _SIBILANT else "ом")
    return word + {"gen": "а", "acc": "а", "dat": "у"}[case]


def _decline_a_stem(name: str, case: str, *, male: bool) -> str:
    stem, last = name[:-1], name[-1]
    if last == "а":
        if case == "gen":
            return stem + ("и" if stem[-1] in _HUSHING else "ы")
        if case == "dat":
            return stem + "е"
        if case == "acc":
            return stem + "у"
        return stem + ("ей" if stem[-1] in _SIBILANT else "ой")
    if name.endswith("ия"):
        return stem + {"gen": "и", "dat": "и", "acc": "ю", "ins": "ей"}[case]
    ins = "ёй" if male and name.endswith("ья") else "ей"
    return stem + {"gen": "и", "dat": "е", "acc": "ю", "ins": ins}[case]


def decline_surname(surname: str, sex: str, case: str) -> str:
    """Decline a surname given in the form that matches ``sex``."""
    if case == "nom" or not surname:
        return surname
    if sex == "male":
        if surname.endswith(_POSSESSIVE_SURNAME):
            return surname + {"gen": "а", "acc": "а", "dat": "у", "ins": "ым"}[case]
        if surname.endswith(("ский", "цкий")):
            return surname[:-2] + {"gen": "ого", "acc": "ого", "dat": "ому", "ins": "им"}[case]
        if surname[-1] in _INDECLINABLE_VOWELS or surname[-1] in "аяй" or surname.endswith("зода"):
            return surname
        return _decline_hard_masculine(surname, case)
    if surname.endswith(("ова", "ева", "ёва", "ина", "ына")):
        return surname[:-1] + ("у" if case == "acc" else "ой")
    if surname.endswith(("ская", "цкая")):
        return surname[:-2] + ("ую" if case == "acc" else "ой")
    return surname


def decline_full_name(full_name: str, sex: str, case: str) -> str:
    """Decline "First Last"; other shapes are returned unchanged."""
    parts = full_name.split(" ")
    if len(parts) != 2:
        return full_name
    first, last = parts
    return f"{decline_first_name(first, sex, case)} {decline_surname(last, sex, case)}"


def locative(place: str, overrides: dict[str, str]) -> str:
    """The phrase "in <place>" ("в Екатеринбурге") by simple rules, with listed exceptions."""
    if place in overrides:
        return overrides[place]
    if place.endswith("а"):
        form = place[:-1] + "е"
    elif place.endswith("ь"):
        form = place[:-1] + "и"
    elif place.endswith(("ы", "и")):
        form = place[:-1] + "ах"
    elif place.endswith(("о", "е", "э", "у", "я")):
        form = place
    else:
        form = place + "е"
    preposition = "во" if place[:2] in ("Вл", "Вс", "Вр") else "в"
    return f"{preposition} {form}"


def people_count(number: int) -> str:
    """ "1 человек", "3 человека", "5 человек"."""
    if number % 10 in (2, 3, 4) and number % 100 not in (12, 13, 14):
        return f"{number} человека"
    return f"{number} человек"


# Transliteration schemes as organisations actually use them: a BGN/PCGN-like one, the one in
# Russian passports since 2013 (ICAO), and an informal one that writes Х as H and Ж as J.
_COMMON = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "з": "z", "и": "i", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f",
    "ч": "ch", "ш": "sh", "ы": "y", "э": "e", "ь": "", "ъ": "",
}  # fmt: skip
TRANSLIT_SCHEMES: dict[str, dict[str, str]] = {
    "bgn": {**_COMMON, "е": "e", "ё": "yo", "ж": "zh", "й": "y", "х": "kh", "ц": "ts",
            "щ": "shch", "ю": "yu", "я": "ya"},
    "icao": {**_COMMON, "е": "e", "ё": "e", "ж": "zh", "й": "i", "х": "kh", "ц": "ts",
             "щ": "shch", "ю": "iu", "я": "ia", "ъ": "ie"},
    "informal": {**_COMMON, "е": "e", "ё": "e", "ж": "j", "й": "y", "х": "h", "ц": "ts",
                 "щ": "sch", "ю": "yu", "я": "ya"},
}  # fmt: skip
_VOWELS = set("аеёиоуыэюяьъ")


def transliterate(text: str, scheme: str) -> str:
    table = TRANSLIT_SCHEMES[scheme]
    out = []
    previous = ""
    for char in text:
        lower = char.lower()
        if lower not in table:
            out.append(char)
            previous = lower
            continue
        latin = table[lower]
        # BGN writes е as "ye" at the start of a word and after a vowel.
        if scheme == "bgn" and lower == "е" and (not previous.isalpha() or previous in _VOWELS):
            latin = "ye"
        if char != lower and latin:
            latin = latin[0].upper() + latin[1:]
        out.append(latin)
        previous = lower
    return "".join(out)


_SWAPS = {"е": "ё", "ё": "е", "и": "й", "й": "и"}


def misspell(name: str, rng: random.Random) -> str:
    """A plausible typing error in a name: a dropped, swapped or doubled letter, е/ё or и/й.

    The first letter of each word is kept, as copyists rarely get it wrong. Returns the name
    unchanged only if it is too short to be misspelt.
    """
    positions = [i for i in range(1, len(name)) if name[i].isalpha() and name[i - 1] != " "]
    if not positions:
        return name
    swappable = [i for i in positions if name[i] in _SWAPS]
    kind = rng.random()
    if swappable and kind < 0.35:
        i = rng.choice(swappable)
        return name[:i] + _SWAPS[name[i]] + name[i + 1 :]
    i = rng.choice(positions)
    if kind < 0.6:
        return name[:i] + name[i + 1 :]
    if kind < 0.8 and i + 1 < len(name) and name[i + 1].isalpha() and name[i + 1] != name[i]:
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    return name[:i] + name[i] + name[i:]
