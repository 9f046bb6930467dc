"""Russian morphology through pymorphy3: lemmas of inflected words, folded for comparison."""

from __future__ import annotations

import functools
import re

import pymorphy3

WORD = re.compile(r"[A-Za-zА-Яа-яЁё]+(?:[-'’][A-Za-zА-Яа-яЁё]+)*")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def fold(text: str) -> str:
    """Case-folded, with ё read as е, as Russian readers do."""
    return text.casefold().replace("ё", "е")


@functools.cache
def analyzer() -> pymorphy3.MorphAnalyzer:
    # The dictionaries ship in the pymorphy3-dicts-ru package: nothing is downloaded.
    return pymorphy3.MorphAnalyzer(lang="ru")


@functools.lru_cache(maxsize=50_000)
def lemmas(word: str) -> frozenset[str]:
    """Every dictionary form the word may be an inflection of, folded; Latin words as they are."""
    folded = fold(word)
    if not CYRILLIC.search(word):
        return frozenset({folded})
    forms = {fold(parse.normal_form) for parse in analyzer().parse(word)}
    if "-" in word:
        # "Ростове-на-Дону": the first part inflects, the rest does not.
        head, _, tail = word.partition("-")
        forms |= {f"{fold(p.normal_form)}-{fold(tail)}" for p in analyzer().parse(head)}
    forms.add(folded)
    return frozenset(forms)


@functools.lru_cache(maxsize=50_000)
def lemmas_likeliest_first(word: str) -> tuple[str, ...]:
    """The word's lemmas, the likeliest reading's first and the rest in a fixed order, so that a
    choice between readings never depends on the order of a set."""
    found = lemmas(word)
    first = fold(analyzer().parse(word)[0].normal_form) if CYRILLIC.search(word) else fold(word)
    return (first, *sorted(found - {first})) if first in found else tuple(sorted(found))
