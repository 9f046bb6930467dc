"""People as partners list them: "Рустам Саидов (24)", "Petrov Ivan (M, 31)", "Анна К., ж".

A person is ``{name, sex, age}``; the mapping adds the perceived group and the harm. The name is
kept exactly as written (trimmed): linkage compares names through their declensions and
transliterations, so nothing here rewrites one. Details in parentheses at the end, or after the
last comma, are read as the person's sex and age when they are nothing else ("м", "24 года",
"F, 31"); otherwise they are part of the name ("Ivanov, Ivan").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dozor.intake.values import Refusal, folded, split_on
from dozor.intake.values.words import known_words, word_key

AGE_MIN, AGE_MAX = 1, 120
NUMBER = re.compile(r"^(\d+)(.*)$")
FRACTION = re.compile(r"^\d+[.,]\d+$")
TRAILING_DETAILS = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$", re.DOTALL)
DEFAULT_SEPARATORS = (";", "\n")
DEFAULT_KEYS = {"name": "name", "sex": "sex", "age": "age"}


@dataclass(frozen=True)
class PeopleWords:
    """The words a people field reads: texts meaning "no name", and sex words."""

    unnamed: frozenset[str]
    sex_of: Mapping[str, str]
    age_words: frozenset[str]


def people_words(
    unnamed: Iterable[str] = (), sex: Mapping[str, Iterable[str]] | None = None
) -> PeopleWords:
    """words.yaml's words plus a mapping's own."""
    known = known_words()
    sex_of = dict(known.sex_of)
    for meaning, forms in (sex or {}).items():
        for form in forms:
            sex_of[word_key(form)] = meaning
    return PeopleWords(
        unnamed=frozenset(folded(text) for text in (*known.unnamed, *unnamed)),
        sex_of=sex_of,
        age_words=frozenset(word_key(word) for word in known.age_words),
    )


def age_read(value: Any, words: PeopleWords) -> int | Refusal | None:
    """A whole number from 1 to 120, alone or with лет/года/years; None for an empty value."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if AGE_MIN <= value <= AGE_MAX else Refusal("person_age", {"age": value})
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    found = _details(text, words)
    if isinstance(found, Refusal):
        return found
    if found is None or found[1] is None or found[0] is not None:
        return Refusal("person_age", {"age": text[:40]})
    return found[1]


def sex_read(value: Any, words: PeopleWords) -> str | Refusal:
    text = "" if value is None else str(value).strip()
    if not text:
        return "unknown"
    sex = words.sex_of.get(word_key(text))
    if sex is None:
        return Refusal("person_sex", {"sex": text[:40]})
    return sex


def _details(text: str, words: PeopleWords) -> tuple[str | None, int | None] | Refusal | None:
    """The sex and age a text of details gives ("м, 24", "24 года", "F"), a refusal for an age
    out of bounds, or None when the text is not only such words."""
    tokens = text.replace(",", " ").split()
    sex: str | None = None
    age: int | None = None
    bad_age = ""
    position = 0
    while position < len(tokens):
        token = tokens[position]
        if sex is None and word_key(token) in words.sex_of:
            sex = words.sex_of[word_key(token)]
            position += 1
            continue
        number = NUMBER.match(token)
        if age is None and not bad_age and (number or FRACTION.match(token)):
            position += 1
            glued = number.group(2) if number and not FRACTION.match(token) else ""
            if glued and word_key(glued) not in words.age_words:
                return None
            if not glued:
                for length in (2, 1):
                    phrase = " ".join(tokens[position : position + length])
                    if len(tokens) >= position + length and word_key(phrase) in words.age_words:
                        position += length
                        break
            if FRACTION.match(token) or not number:
                bad_age = token
            elif AGE_MIN <= int(number.group(1)) <= AGE_MAX:
                age = int(number.group(1))
            else:
                bad_age = number.group(1)
            continue
        return None
    if bad_age:
        return Refusal("person_age", {"age": bad_age})
    if sex is None and age is None:
        return None
    return sex, age


def person_from_text(text: str, words: PeopleWords) -> dict[str, Any] | Refusal:
    """One person as written: a name, then perhaps "(м, 24)" or ", 24 года"."""
    rest = text.strip()
    sex, age = "unknown", None
    found = TRAILING_DETAILS.match(rest)
    if found:
        details = _details(found.group(2), words)
        if isinstance(details, Refusal):
            return details
        if details is not None:
            rest = found.group(1).strip()
            sex, age = details[0] or sex, details[1] if details[1] is not None else age
    while "," in rest:
        head, _, tail = rest.rpartition(",")
        details = _details(tail, words)
        if details is None:
            break
        if isinstance(details, Refusal):
            return details
        if details[0] is not None and sex == "unknown":
            sex = details[0]
        if details[1] is not None and age is None:
            age = details[1]
        rest = head.strip()
    name = "" if folded(rest) in words.unnamed else rest
    return {"name": name, "sex": sex, "age": age}


def person_from_object(
    item: Mapping[str, Any], keys: Mapping[str, str], words: PeopleWords
) -> dict[str, Any] | Refusal:
    """One person given as a JSON object, its keys named by the mapping (``keys:``)."""
    name = item.get(keys["name"])
    if name is not None and not isinstance(name, str | int | float):
        return Refusal("person_not_readable", {"keys": ", ".join(keys.values())})
    name = "" if name is None else str(name).strip()
    sex = sex_read(item.get(keys["sex"]), words)
    if isinstance(sex, Refusal):
        return sex
    age = age_read(item.get(keys["age"]), words)
    if isinstance(age, Refusal):
        return age
    return {"name": "" if folded(name) in words.unnamed else name, "sex": sex, "age": age}


def people_from_cell(
    value: Any,
    *,
    separators: tuple[str, ...],
    keys: Mapping[str, str],
    words: PeopleWords,
) -> list[dict[str, Any]] | Refusal:
    """Every person of a cell: a text of several people, or a JSON list of texts or objects.

    A refusal names the person's position (1 for the first) in ``params["position"]``.
    """
    if isinstance(value, Mapping):
        items: list[Any] = [value]
    elif isinstance(value, list):
        items = value
    else:
        items = split_on("" if value is None else str(value), separators)
    people: list[dict[str, Any]] = []
    position = 0
    for item in items:
        if item is None or (isinstance(item, str) and not item.strip()):
            continue
        position += 1
        if isinstance(item, str):
            person = person_from_text(item, words)
        elif isinstance(item, Mapping):
            person = person_from_object(item, keys, words)
        else:
            person = Refusal("person_not_readable", {"keys": ", ".join(keys.values())})
        if isinstance(person, Refusal):
            return Refusal(person.code, {**person.params, "position": position})
        people.append(person)
    return people
