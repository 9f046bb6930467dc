"""Free text with people's names taken out, for those who may not see names. No Django.

A summary, a coder's note or a press article names the victims in whatever form the sentence
needs: "Фарход Каримзода", "Фарходу Каримзоде" (dative), "Karimzoda" in a partner's English. To
hide them every word of the text is compared with every name the record knows through the same
keys linkage compares names with (Latin read back into Cyrillic, first names put into the
nominative with pymorphy3, surnames reduced to their masculine nominative stem), and every person
natasha's NER finds is taken out too, known to the record or not. A known name gives way to its
person's pseudonym; anyone else to the placeholder.

Taking out a common word that happens to be a name ("Роман", "Вера") is the price of never
leaving a name in: the text is for reading around the people, not for quoting.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from dozor.analysis.linkage.names import (
    _first_name,
    _first_name_fallback,
    is_cyrillic,
    surname_stem,
    to_cyrillic,
    words,
)
from dozor.analysis.text.morphology import analyzer, fold
from dozor.analysis.text.names import NAME_PART_TAGS, _english_spans, _russian_spans

NAME_PLACEHOLDER = "[name]"
# Words of a text as linkage reads a name's: letters, with inner hyphens ("Karimzoda's" is two).
_TEXT_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)
_LATIN_CAPITAL = re.compile(r"\b[A-Z][a-z]")
# Between two redacted words of one person only spaces, commas or hyphens may stand.
_JOINER = re.compile(r"[\s,\-]*")


@functools.lru_cache(maxsize=50_000)
def name_forms(word: str) -> frozenset[str]:
    """The forms under which one word of a name compares with another, in folded Cyrillic.

    Both the name's own words and the text's words go through here, so "Каримзоде" and
    "Karimzoda" meet in "каримзода", "Фарходу" and "Фарход" in "фарход", "Павла" and "Павел"
    in "павел" (pymorphy3's dictionary), "Султонова" and "Султонов" in "султонов".
    """
    folded = fold(word)
    if not is_cyrillic(folded):
        folded = fold(to_cyrillic(folded))
    forms = {folded}
    for gender in ("masc", "femn"):
        forms.add(surname_stem(folded, gender))
        forms.add(_first_name_fallback(folded, gender))
    first = _first_name(folded)
    if first is not None:
        forms.add(first.lemma)
    return frozenset(form for form in forms if len(form) > 1)


@functools.lru_cache(maxsize=50_000)
def name_like(word: str) -> bool:
    """Whether a word could be part of someone's name, so that finding it would confirm one.

    True when pymorphy3 reads it as a first name, surname or patronymic, when its dictionary
    does not know the word (most surnames, and every name from outside Russia's calendar, are
    unknown to it), and for words in Latin letters, which a Russian dictionary cannot vouch for.
    """
    folded = fold(word)
    if not folded or not is_cyrillic(folded):
        return True
    morph = analyzer()
    if not morph.word_is_known(folded):
        return True
    return any(tag in parse.tag for parse in morph.parse(folded) for tag in NAME_PART_TAGS)


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    replacement: str


def _known_forms(names: Sequence[str], replacements: Sequence[str]) -> dict[str, str]:
    forms: dict[str, str] = {}
    for name, replacement in zip(names, replacements, strict=True):
        for word in words(name.replace(".", ". ")):
            if len(word) < 2:
                continue  # an initial names no one
            for form in name_forms(word):
                forms.setdefault(form, replacement)
    return forms


def _people_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    if is_cyrillic(text):
        spans.extend(_russian_spans(text))
    if _LATIN_CAPITAL.search(text):
        spans.extend(_english_spans(text))
    return spans


def redact_names(
    text: str,
    names: Sequence[str],
    pseudonyms: Sequence[str] | None = None,
    *,
    placeholder: str = NAME_PLACEHOLDER,
    find_people: bool = True,
) -> str:
    """The text with every known name (in any case and alphabet) and every person natasha finds
    replaced: by the pseudonym given beside the name, or by the placeholder.

    ``pseudonyms`` runs beside ``names`` (an empty pseudonym means the placeholder). With
    ``find_people`` false only the known names are taken out (for tests of the matching).
    """
    if not text:
        return text
    replacements = [(pseudonym or placeholder) for pseudonym in (pseudonyms or [""] * len(names))]
    return _redacted(text, tuple(names), tuple(replacements), placeholder, find_people)


@functools.lru_cache(maxsize=2048)
def _redacted(
    text: str,
    names: tuple[str, ...],
    replacements: tuple[str, ...],
    placeholder: str,
    find_people: bool,
) -> str:
    known = _known_forms(names, replacements)
    spans: list[_Span] = []
    for match in _TEXT_WORD.finditer(text):
        word = match.group()
        if len(word) < 2:
            continue
        hits = [known[form] for form in name_forms(word) if form in known]
        if hits:
            spans.append(_Span(match.start(), match.end(), hits[0]))
    if find_people:
        for start, end in _people_spans(text):
            inside = [s.replacement for s in spans if s.start >= start and s.end <= end]
            spans.append(_Span(start, end, inside[0] if inside else placeholder))
    if not spans:
        return text
    merged = _merge_spans(spans, text, placeholder)
    out: list[str] = []
    position = 0
    for span in merged:
        out.append(text[position : span.start])
        out.append(span.replacement)
        position = span.end
    out.append(text[position:])
    return "".join(out)


def _merge_spans(spans: list[_Span], text: str, placeholder: str) -> list[_Span]:
    """Overlapping spans become one; so do neighbours of one person ("Фарход Каримзода").

    Where a known person's span overlaps the NER's placeholder span, the pseudonym wins.
    """
    merged: list[_Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged:
            last = merged[-1]
            overlaps = span.start < last.end
            between = text[last.end : span.start] if not overlaps else ""
            same_person = last.replacement == span.replacement and bool(_JOINER.fullmatch(between))
            if overlaps or same_person:
                replacement = last.replacement
                if replacement == placeholder:
                    replacement = span.replacement
                merged[-1] = _Span(last.start, max(last.end, span.end), replacement)
                continue
        merged.append(span)
    return merged
