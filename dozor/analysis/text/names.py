"""People's names: found by natasha's news NER (Russian) or by capitalisation (English), put
into the nominative case with pymorphy3, taking the gender from the first name.

natasha's models (navec embeddings, slovnet NER) ship inside the PyPI packages; nothing is
downloaded at run time. natasha's own MorphVocab wraps pymorphy2, which does not run on
Python 3.11, so inflection here uses pymorphy3 directly.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from dozor.analysis.text.morphology import CYRILLIC, WORD, analyzer, fold, lemmas
from dozor.analysis.text.places import english_place_words

SEX_OF_GENDER = {"masc": "male", "femn": "female"}
NAME_PART_TAGS = ("Name", "Surn", "Patr")
# Words before a name that make its bearer someone other than a victim: officials who speak,
# lawyers, investigators, judges; and the suspects.
RU_OTHER_ROLES = (
    "пресс-секретар",
    "представител",
    "спикер",
    "следовател",
    "прокурор",
    "судь",
    "адвокат",
    "юрист",
    "депутат",
    "губернатор",
    "министр",
    "глав",
    "начальник",
    "полицейск",
    "эксперт",
    "аналитик",
    "сотрудник",
    "директор информационно",
)
RU_SUSPECT_ROLES = ("подозреваем", "обвиняем", "задержан", "нападавш", "арестова")
EN_OTHER_ROLES = (
    "spokesperson",
    "spokesman",
    "spokeswoman",
    "lawyer",
    "attorney",
    "investigator",
    "prosecutor",
    "judge",
    "official",
    "governor",
    "minister",
    "police officer",
    "analyst",
    "expert",
    "head of",
    "director",
    "according to",
)
EN_OTHER_AFTER = re.compile(
    r"(?:\d+,\s*)?(?:a|the|an)?\s*(?:police |local |regional )?"
    r"(?:spokes|lawyer|official|investigator|prosecutor|said|says|told|head|director)"
)
EN_SUSPECT_ROLES = ("suspect", "accused", "detained", "arrested", "charged")
ROLE_WINDOW = 60
EN_NOT_NAMES = frozenset(
    [
        "the",
        "a",
        "an",
        "on",
        "in",
        "at",
        "of",
        "and",
        "or",
        "but",
        "police",
        "ministry",
        "interior",
        "investigative",
        "committee",
        "court",
        "district",
        "city",
        "region",
        "regional",
        "federal",
        "russian",
        "russia",
        "moscow",
        "human",
        "rights",
        "center",
        "centre",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "mr",
        "mrs",
        "ms",
        "dr",
        "according",
        "local",
        "news",
        "street",
        "avenue",
        "square",
        "park",
        "metro",
        "station",
        "university",
        "school",
        "church",
        "mosque",
        "synagogue",
        "prosecutor",
        "prosecutors",
        "office",
        "office's",
        "general",
        "service",
        "security",
        "national",
        "state",
        "he",
        "she",
        "they",
        "his",
        "her",
        "their",
        "it",
        "its",
        "we",
        "after",
        "before",
        "when",
        "while",
        "a",
        "last",
        "this",
        "early",
        "late",
    ]
)
EN_NAME = re.compile(
    r"\b([A-Z][a-z]+(?:-[A-Z][a-z]+)?)((?:\s+[A-Z][a-z]+(?:-[A-Z][a-z]+)?){1,2})\b"
)


@dataclass(frozen=True)
class PersonMention:
    start: int
    end: int
    text: str
    name: str  # nominative
    sex: str
    role: str  # victim, perpetrator or other


def _title(word: str) -> str:
    return "-".join(part[:1].upper() + part[1:] for part in word.split("-"))


def _name_parses(word: str) -> list[Any]:
    """pymorphy3's readings of a word as a singular first name, surname or patronymic."""
    return [
        p
        for p in analyzer().parse(word)
        if any(t in p.tag for t in NAME_PART_TAGS) and "plur" not in p.tag
    ]


def name_gender(name: str) -> str | None:
    """ "masc" or "femn" from the first word that reads as a first name; None if none does.

    The likelier reading wins ("Геннадия" is Геннадий's genitive before it is a woman's name).
    On a tie ("Марину": Марина or the rare Марин) the feminine reading of a name in -а/-я wins.
    """
    for word in WORD.findall(name):
        scores: dict[str, float] = {}
        feminine_lemma = ""
        for parse in _name_parses(word):
            if "Name" in parse.tag and parse.tag.gender in ("masc", "femn"):
                gender = str(parse.tag.gender)
                scores[gender] = scores.get(gender, 0.0) + parse.score
                if gender == "femn":
                    feminine_lemma = parse.normal_form
        if not scores:
            continue
        if scores.get("masc", 0.0) == scores.get("femn", 0.0):
            return "femn" if feminine_lemma.endswith(("а", "я")) else "masc"
        return max(scores, key=lambda gender: scores[gender])
    return _gender_from_agreement(WORD.findall(name))


CONSONANT_END = re.compile(r"[бвгджзклмнпрстфхцчшщ]$", re.I)


def _gender_from_agreement(words: list[str]) -> str | None:
    """An unknown first name ending in a consonant that stays as it is beside a declined surname
    is a woman's ("на Дильноз Рахимову"): a man's would decline with it ("на Дильноза")."""
    if len(words) < 2 or not CONSONANT_END.search(words[0]):
        return None
    surname = _name_parses(words[-1])
    if surname and not any("nomn" in p.tag for p in surname):
        return "femn"
    return None


# Tajik surnames in -зода decline like "папа"; the dictionaries do not know them and guess a
# first name "Каримзод". (Azerbaijani -заде does not decline at all.)
ZODA = re.compile(r"(?<=[зЗ]од)(?:ы|е|у|ой|ою)$")


def _nominative_word(word: str, gender: str | None, *, first: bool) -> str:
    if word.endswith(("зода", "Зода")):
        return word
    if ZODA.search(word):
        return ZODA.sub("а", word)
    parses = _name_parses(word)
    if gender:
        parses = [p for p in parses if gender in p.tag or "ms-f" in p.tag or p.tag.gender is None]
    if not parses or any("nomn" in p.tag for p in parses):
        # Already nominative, or not a name part of this sex that declines: a woman's surname
        # or name ending in a consonant (Михай, Белых, Дильноз) does not decline.
        return word
    if not first:
        parses.sort(key=lambda p: "Surn" not in p.tag)
    for parse in parses:
        grammemes = {"nomn", "sing"}
        if gender and "Surn" in parse.tag:
            grammemes.add(gender)
        inflected = parse.inflect(grammemes)
        if inflected is not None:
            return _title(inflected.word)
    return word


@functools.lru_cache(maxsize=10_000)
def nominative_name(name: str) -> str:
    """The name in the nominative case: "Анны Щербаковой" -> "Анна Щербакова".

    The gender comes from the first name, so a woman's surname keeps its feminine form
    ("Щербаковой" -> "Щербакова", not "Щербаков"). Names in Latin letters and words that are
    not recognised as name parts are returned as written.
    """
    words = name.split()
    if not words or not CYRILLIC.search(name):
        return " ".join(words)
    gender = name_gender(name)
    return " ".join(
        _nominative_word(word, gender, first=position == 0) for position, word in enumerate(words)
    )


# Russian surnames written in Latin letters still show the bearer's sex.
LATIN_FEMALE_SURNAME = re.compile(r"(?:ova|eva|yova|ina|yna|skaya|tskaya|aya)$")
LATIN_MALE_SURNAME = re.compile(r"(?:ov|ev|yov|in|yn|sky|skiy|skii|tsky)$")


def sex_of(name: str) -> str:
    """male, female or unknown: from the first name, or from a Latin-lettered Russian surname."""
    if CYRILLIC.search(name):
        return SEX_OF_GENDER.get(name_gender(name) or "", "unknown")
    surname = name.split()[-1] if name.split() else ""
    if LATIN_FEMALE_SURNAME.search(surname):
        return "female"
    if LATIN_MALE_SURNAME.search(surname):
        return "male"
    return "unknown"


def _nearest(text: str, cues: tuple[str, ...]) -> int:
    return max((text.rfind(cue) for cue in cues), default=-1)


def _role(text: str, start: int, end: int, language: str) -> str:
    """victim, perpetrator or other, by the role word nearest before the name in its sentence."""
    sentence_start = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start), 0)
    before = fold(text[max(sentence_start, start - ROLE_WINDOW) : start])
    after = fold(text[end : end + 30]).lstrip(" ,")
    if language == "ru":
        other, suspect = _nearest(before, RU_OTHER_ROLES), _nearest(before, RU_SUSPECT_ROLES)
        if max(other, suspect) < 0 and after.startswith(("задержан", "подозрева", "обвиня")):
            suspect = len(before)
    else:
        other, suspect = _nearest(before, EN_OTHER_ROLES), _nearest(before, EN_SUSPECT_ROLES)
        if max(other, suspect) < 0 and EN_OTHER_AFTER.match(after):
            other = len(before)
    if max(other, suspect) < 0:
        return "victim"
    return "other" if other > suspect else "perpetrator"


@functools.cache
def _natasha() -> tuple[Any, Any]:
    from natasha import NewsEmbedding, NewsNERTagger, Segmenter

    return Segmenter(), NewsNERTagger(NewsEmbedding())


def _russian_spans(text: str) -> list[tuple[int, int]]:
    from natasha import Doc

    segmenter, tagger = _natasha()
    doc = Doc(text)
    doc.segment(segmenter)
    doc.tag_ner(tagger)
    # The tagger now and then takes a capitalised common noun for a name ("Активистку" in a
    # headline): a one-word name must read as a name part.
    return [
        (span.start, span.stop)
        for span in doc.spans
        if span.type == "PER" and (" " in span.text.strip() or _name_parses(span.text.strip()))
    ]


def _not_a_name_word(word: str) -> bool:
    folded = fold(word)
    return folded in EN_NOT_NAMES or folded in english_place_words()


def _english_spans(text: str) -> list[tuple[int, int]]:
    """Two or three capitalised words in a row, without the words that start sentences, places,
    months and institutions around them ("On Tuesday Ivan Petrov" -> "Ivan Petrov")."""
    spans = []
    for match in EN_NAME.finditer(text):
        words = match.group(0).split(" ")
        while words and _not_a_name_word(words[0]):
            words.pop(0)
        while words and _not_a_name_word(words[-1]):
            words.pop()
        if len(words) < 2 or any(_not_a_name_word(word) for word in words):
            continue
        start = match.start() + match.group(0).index(" ".join(words))
        spans.append((start, start + len(" ".join(words))))
    return spans


def find_people(text: str, *, language: str) -> list[PersonMention]:
    """People named in the text, once each, in order of first mention, with a guessed role."""
    spans = _russian_spans(text) if language == "ru" else _english_spans(text)
    people: list[PersonMention] = []
    for start, end in spans:
        written = " ".join(text[start:end].split())
        name = nominative_name(written)
        if _already_named(name, people):
            continue
        role = _role(text, start, end, language)
        people.append(PersonMention(start, end, written, name, sex_of(name), role))
    return people


def _already_named(name: str, people: list[PersonMention]) -> bool:
    """A later mention by surname alone ("Щербакова") is the person named in full before."""
    folded = fold(name).split()
    for person in people:
        known = fold(person.name).split()
        if folded == known:
            return True
        if len(folded) == 1 and any(lemmas(folded[0]) & lemmas(word) for word in known):
            return True
    return False


def name_spans(people: list[PersonMention]) -> list[tuple[int, int]]:
    return [(person.start, person.end) for person in people]
