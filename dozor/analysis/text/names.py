"""People's names: found by natasha's news NER (Russian) or by capitalisation (English), put
into the nominative case with pymorphy3, taking the gender from the first name.

natasha's models (navec embeddings, slovnet NER) ship inside the PyPI packages; nothing is
downloaded at run time. natasha's own MorphVocab wraps pymorphy2, which does not run on
Python 3.11, so inflection here uses pymorphy3 directly.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from typing import Any

from threadpoolctl import ThreadpoolController

from dozor.analysis.text.morphology import CYRILLIC, WORD, analyzer, fold, lemmas
from dozor.analysis.text.places import address_spans, english_place_words
from dozor.analysis.text.roles import embedding, parse_sentences, read_role

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
    "committee head",
    "department head",
    "director",
    "according to",
    "rabbi",
    "imam",
    "mufti",
    "priest",
    "rector",
    "organiser",
    "organizer",
    "colleague",
    "witness",
)
EN_OTHER_AFTER = re.compile(
    r"(?:\d+,\s*)?(?:a|the|an)?\s*(?:police |local |regional )?"
    r"(?:spokes|lawyer|official|investigator|prosecutor|said|says|told|head|director)"
)
EN_SUSPECT_ROLES = (
    "suspect",
    "accused",
    "detained",
    "arrested",
    "charged",
    "sentenced",
    "convicted",
    "jailed",
)
ROLE_WINDOW = 60
ACTIVIST_AFTER_SUSPECT = re.compile(
    r"^(?:detained|arrested|задержа\w*)\s+(?:[\w-]+\s+){0,3}?"
    r"(?:defender|activist|journalist|правозащитни\w*|активист\w*|журналист\w*)\s*$"
)
SAID_BEFORE = re.compile(r"\b(?:said|says|told)\s*$")
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
        "unity",
        "day",
        "rabbi",
        "imam",
        "mufti",
        "priest",
        "organiser",
        "organizer",
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
# Words of a name stand on one line: a headline's last word is not a first name.
EN_NAME = re.compile(
    r"\b([A-Z][a-z]+(?:-[A-Z][a-z]+)?)((?:[ \t]+[A-Z][a-z]+(?:-[A-Z][a-z]+)?){1,3})\b"
)
# A verb of violence between a role word and a name makes the name its object: "the suspect
# attacked X" names the victim.
VIOLENCE_BETWEEN = re.compile(
    r"\b(?:attack|assault|beat|stab|punch|kick|kill|murder|shot|shoot|threaten)\w*\s+(?:\w+\s+)?$"
    r"|(?<!\w)(?:напал\w*\s+на|избил\w*|избива\w*|убил\w*|зарезал\w*|ударил\w*|ранил\w*)"
    r"\s+(?:\w+\s+)?$",
    re.I,
)


@dataclass(frozen=True)
class PersonMention:
    start: int
    end: int
    text: str
    name: str  # nominative
    sex: str
    role: str  # victim, perpetrator or other
    cue_start: int = 0  # the words that show the role, as character offsets
    cue_end: int = 0
    cue: str = ""
    read_from: str = "default"  # syntax, role word (before or after the name), or default


def _title(word: str) -> str:
    return "-".join(part[:1].upper() + part[1:] for part in word.split("-"))


def _name_parses(word: str) -> list[Any]:
    """pymorphy3's readings of a word as a singular first name, surname or patronymic."""
    return [
        p
        for p in analyzer().parse(word)
        if any(t in p.tag for t in NAME_PART_TAGS) and "plur" not in p.tag
    ]


def name_gender(name: str, *, nominative: bool = False) -> str | None:
    """ "masc" or "femn" from the first word that reads as a first name; None if none does.
    ``nominative``: the sentence shows the name is its subject, so only nominative readings
    count ("Заура Тутова рассказала": Заура, not the genitive of Заур).

    The likelier reading wins ("Геннадия" is Геннадий's genitive before it is a woman's name).
    On a tie ("Марину": Марина or the rare Марин) the feminine reading of a name in -а/-я wins.
    """
    for word in WORD.findall(name):
        scores: dict[str, float] = {}
        feminine_lemma = ""
        for parse in _name_parses(word):
            if nominative and "nomn" not in parse.tag:
                continue
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


MASCULINE_SURNAME_CASE = re.compile(r"([оеё]в|[иы]н)(?:а|у|ым|е|ых|ым|ыми)$")


def _nominative_word(word: str, gender: str | None, *, first: bool) -> str:
    if word.endswith(("зода", "Зода")):
        return word
    if ZODA.search(word):
        return ZODA.sub("а", word)
    parses = _name_parses(word)
    if not parses and not first and gender == "masc":
        # A surname the dictionary does not know: a man's in -ов, -ев, -ин keeps those endings
        # only in the nominative ("Романа Лапина", "Ивану Сёмину", "братьев Алиевых").
        return MASCULINE_SURNAME_CASE.sub(r"\1", word)
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
def nominative_name(name: str, *, nominative: bool = False, gender: str | None = None) -> str:
    """The name in the nominative case: "Анны Щербаковой" -> "Анна Щербакова".

    The gender comes from the first name, so a woman's surname keeps its feminine form
    ("Щербаковой" -> "Щербакова", not "Щербаков"). Names in Latin letters and words that are
    not recognised as name parts are returned as written. ``nominative``: the sentence shows
    the name is written in the nominative already (it is a subject); ``gender``: a word that
    agrees with the name shows it ("правозащитницу Дину Хасанову").
    """
    words = name.split()
    if not words or not CYRILLIC.search(name):
        return " ".join(words)
    if nominative and (gender or name_gender(name, nominative=True)):
        return " ".join(words)
    gender = gender or name_gender(name)
    result = [
        _nominative_word(word, gender, first=position == 0) for position, word in enumerate(words)
    ]
    if len(words) > 1 and result[0] == words[0] and result[-1] != words[-1]:
        # The surname was declined, so the first name is in the same case though it reads
        # as a nominative too ("Шохрата Ширинова": Шохрат, not Шохрата).
        result[0] = _declined_first_name(words[0], gender) or words[0]
    return " ".join(result)


def _declined_first_name(word: str, gender: str | None) -> str | None:
    for parse in _name_parses(word):
        if "Name" in parse.tag and "nomn" not in parse.tag and parse.tag.gender == gender:
            inflected = parse.inflect({"nomn", "sing"})
            if inflected is not None:
                return _title(inflected.word)
    return None


# Russian surnames written in Latin letters still show the bearer's sex.
LATIN_FEMALE_SURNAME = re.compile(r"(?:ova|eva|yova|ina|yna|skaya|tskaya|aya)$")
LATIN_MALE_SURNAME = re.compile(r"(?:ov|ev|yov|in|yn|sky|skiy|skii|tsky)$")


def sex_of(name: str, *, nominative: bool = False) -> str:
    """male, female or unknown: from the first name, or from a Latin-lettered Russian surname."""
    if CYRILLIC.search(name):
        return SEX_OF_GENDER.get(name_gender(name, nominative=nominative) or "", "unknown")
    surname = name.split()[-1] if name.split() else ""
    if LATIN_FEMALE_SURNAME.search(surname):
        return "female"
    if LATIN_MALE_SURNAME.search(surname):
        return "male"
    return "unknown"


def _nearest(text: str, cues: tuple[str, ...]) -> tuple[int, str]:
    """The last of the cues in the text and where it begins; (-1, "") if none is there."""
    return max(((text.rfind(cue), cue) for cue in cues), default=(-1, ""))


RoleCue = tuple[int, int, str, str]  # where the words that show a role are, them, read from


def _hard_line_break(text: str, before: int) -> int:
    """Where the last line break before ``before`` that ends a headline, a paragraph or a
    sentence is; -1 if none. Texts wrapped at a fixed width break lines inside sentences (a
    line ending "Investigative Committee head", the next starting "Viktor Fomin"), and those
    breaks end nothing."""
    at = text.rfind("\n", 0, before)
    while at >= 0 and not _ends_something(text, at):
        at = text.rfind("\n", 0, at)
    return at


def _ends_something(text: str, at: int) -> bool:
    """The line break at ``at`` ends the headline (the first line), a paragraph or a sentence."""
    if at <= text.find("\n") or text[at + 1 : at + 2] == "\n":
        return True
    line_end = text[:at].rstrip(" ")
    return not line_end or line_end.endswith(("\n", ".", "!", "?", "»", '"', ":"))


def _unwrapped(text: str) -> str:
    """The text with the line breaks of a fixed-width wrap made spaces, offsets kept."""
    return "".join(
        " " if char == "\n" and not _ends_something(text, at) else char
        for at, char in enumerate(text)
    )


def _role(text: str, start: int, end: int, language: str) -> tuple[str, RoleCue]:
    """victim, perpetrator or other by the role word nearest before the name in its sentence
    (or a word right after it), with those words; a victim when no word says otherwise."""
    # A role word counts within the name's clause: "Следователь сообщил, что X ..." says
    # nothing of X.
    sentence_start = max(
        text.rfind(". ", 0, start),
        _hard_line_break(text, start),
        text.rfind(", что ", 0, start),
        text.rfind(", как ", 0, start),
        0,
    )
    window = max(sentence_start, start - ROLE_WINDOW)
    before = fold(text[window:start])
    after = fold(text[end : end + 30]).lstrip(" ,")
    after_at = end + len(text[end : end + 30]) - len(text[end : end + 30].lstrip(" ,"))
    other_roles, suspect_roles = (
        (RU_OTHER_ROLES, RU_SUSPECT_ROLES)
        if language == "ru"
        else (EN_OTHER_ROLES, EN_SUSPECT_ROLES)
    )
    other, suspect = _nearest(before, other_roles), _nearest(before, suspect_roles)
    if suspect[0] >= 0 and ACTIVIST_AFTER_SUSPECT.search(before[suspect[0] :]):
        # "detained human rights defender X", "задержали активиста X": the detention is the
        # incident, and the one detained for their work is its victim.
        at = window + suspect[0]
        return "victim", (at, at + len(suspect[1]), text[at : at + len(suspect[1])], "role word")
    speaker = SAID_BEFORE.search(before) if language == "en" else None
    if speaker:
        # "..., said Viktor Kuznetsov of a Roma rights group": the one quoted.
        at = window + speaker.start()
        words = text[at : window + speaker.end()].strip()
        return "other", (at, at + len(words), words, "role word")
    violence = VIOLENCE_BETWEEN.search(before)
    if violence and violence.start() > max(other[0], suspect[0]) >= 0:
        at = window + violence.start()
        words = text[at : window + violence.end()].strip()
        return "victim", (at, at + len(words), words, "role word")
    if max(other[0], suspect[0]) >= 0:
        role, (at, cue) = ("other", other) if other[0] > suspect[0] else ("perpetrator", suspect)
        return role, (
            window + at,
            window + at + len(cue),
            text[window + at : window + at + len(cue)],
            "role word",
        )
    follows = (
        re.match(r"(?:задержан|подозрева|обвиня)\w*", after)
        if language == "ru"
        else EN_OTHER_AFTER.match(after)
    )
    if follows:
        role = "perpetrator" if language == "ru" else "other"
        return role, (
            after_at,
            after_at + follows.end(),
            text[after_at : after_at + follows.end()],
            "role word",
        )
    return "victim", (start, end, text[start:end], "default")


@functools.cache
def _natasha() -> tuple[Any, Any]:
    # natasha is heavy to import; only Russian texts need it.
    from natasha import NewsNERTagger, Segmenter

    return Segmenter(), NewsNERTagger(embedding())


def _russian_doc(text: str) -> Any:
    # natasha is heavy to import; only Russian texts need it.
    from natasha import Doc

    segmenter, tagger = _natasha()
    # A headline has no full stop: without one the segmenter runs it into the first sentence
    # and the parser reads the two as one. The same number of characters keeps every offset.
    doc = Doc(text.replace("\n\n", ".\n"))
    doc.segment(segmenter)
    doc.tag_ner(tagger)
    return doc


# An institution is never a person: "Боровичской ЦРБ", "СКР", "Мемориала". Lemmas.
INSTITUTION_WORDS = frozenset(
    (
        "больница",
        "суд",
        "центр",
        "школа",
        "университет",
        "комитет",
        "полиция",
        "управление",
        "отдел",
        "прокуратура",
        "мемориал",
        "фонд",
        "движение",
        "партия",
    )
)


def _a_person(words: list[str]) -> bool:
    """The tagger now and then takes a capitalised common noun for a name ("Активистку" in a
    headline) or an institution for a person ("Боровичской ЦРБ"): a name has no abbreviation
    and no institution word, is not an adjective of a place without a first name beside it,
    and a one-word name must read as a name part."""
    first_name = any("Name" in p.tag for word in words for p in analyzer().parse(word))
    for word in words:
        if len(word) > 1 and word.isupper():
            return False
        if lemmas(word) & INSTITUTION_WORDS and not _name_parses(word):
            return False
        parses = analyzer().parse(word)
        if (
            not first_name
            and parses
            and parses[0].tag.POS == "ADJF"
            and not any(t in p.tag for p in parses for t in NAME_PART_TAGS)
        ):
            return False
    return _name_like(words)


def _name_like(words: list[str]) -> bool:
    return len(words) > 1 or bool(_name_parses(words[0]))


def _russian_spans(text: str) -> list[tuple[int, int]]:
    """Every span natasha tags as a person that reads as a name: for taking names out of a
    text, where a span too many does no harm and a span too few shows a name."""
    return [
        (span.start, span.stop)
        for span in _russian_doc(text).spans
        if span.type == "PER" and span.text.strip() and _name_like(span.text.split())
    ]


def _russian_person_spans(doc: Any) -> list[tuple[Any, Any]]:
    # "ул. Рубинштейна" names a street after a person, not a person in the story.
    addresses = address_spans(doc.text)
    return [
        (sent, span)
        for sent in doc.sents
        for span in sent.spans
        if span.type == "PER"
        and span.text.strip()
        and _a_person(span.text.split())
        and not any(start <= span.start < end for start, end in addresses)
    ]


def _not_a_name_word(word: str) -> bool:
    folded = fold(word)
    return folded in EN_NOT_NAMES or folded in english_place_words()


def _english_spans(text: str) -> list[tuple[int, int]]:
    """Two or three capitalised words in a row, without the words that start sentences, places,
    months and institutions around them ("On Tuesday Ivan Petrov" -> "Ivan Petrov")."""
    spans = []
    # "The suspect, Yevgeny" at the end of one line and "Razin, 31," on the next is one name.
    for match in EN_NAME.finditer(_unwrapped(text)):
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
    """People named in the text, once each, in order of first mention, with the role read and
    the word that shows it."""
    if language == "ru":
        return _settled(text, _russian_people(text))
    people: list[PersonMention] = []
    for start, end in _english_spans(text):
        written = " ".join(text[start:end].split())
        name = nominative_name(written)
        if _already_named(name, people):
            continue
        role, cue = _role(text, start, end, language)
        people.append(PersonMention(start, end, written, name, sex_of(name), role, *cue))
    return _settled(text, people)


# "Романа Лапина и Никиту Осипова", "Kirill Losev and Artyom Gurov": names joined so are alike.
JOINED = re.compile(r"\s*(?:,|и|and|,\s*and)\s*", re.I)


# "братьев Тимура и Руслана Алиевых": a surname in the plural belongs to each name before it.
PLURAL_SURNAME = re.compile(r"(?:ых|ыми|ым)$")


def _with_shared_surname(
    text: str, person: PersonMention, following: PersonMention | None
) -> PersonMention:
    if (
        following is None
        or len(person.name.split()) != 1
        or not PLURAL_SURNAME.search(following.text.split()[-1])
        or not JOINED.fullmatch(text[person.end : following.start])
    ):
        return person
    return replace(person, name=f"{person.name} {following.name.split()[-1]}")


def _settled(text: str, people: list[PersonMention]) -> list[PersonMention]:
    """Settle the roles that nothing in the text showed. A name joined to the one before by
    "и" or a comma takes its role. A name that nothing marks is a victim only when the text
    marks no one as a victim: beside a victim it marks, it is someone else the text names (a
    witness, an official quoted without a title)."""
    settled: list[PersonMention] = []
    for person in people:
        previous = settled[-1] if settled else None
        if (
            person.read_from == "default"
            and previous is not None
            and previous.read_from != "default"
            and JOINED.fullmatch(text[previous.end : person.start])
        ):
            person = replace(
                person,
                role=previous.role,
                cue_start=previous.cue_start,
                cue_end=previous.cue_end,
                cue=previous.cue,
                read_from=previous.read_from,
            )
        settled.append(person)
    settled = [
        _with_shared_surname(text, person, following)
        for person, following in zip(settled, [*settled[1:], None], strict=False)
    ]
    if any(p.role == "victim" and p.read_from != "default" for p in settled):
        settled = [
            replace(p, role="other") if p.role == "victim" and p.read_from == "default" else p
            for p in settled
        ]
    return settled


@functools.cache
def _maths_threads() -> ThreadpoolController:
    # The controller sees the maths libraries loaded when it is made: NumPy's comes with natasha.
    _natasha()
    return ThreadpoolController()


def _russian_people(text: str) -> list[PersonMention]:
    # natasha's models multiply small matrices: one thread does it several times faster than
    # NumPy's maths library spreading each product over the cores, and leaves the other cores
    # to other work (a second drafting process, the web server).
    with _maths_threads().limit(limits=1, user_api="blas"):
        doc = _russian_doc(text)
        found = _russian_person_spans(doc)
        parse_sentences(doc)
    people: list[PersonMention] = []
    for sent, span in found:
        start, end = span.start, span.stop
        written = " ".join(text[start:end].split())
        reading = read_role(sent, span)
        subject = reading is not None and reading.subject
        agrees = reading.gender if reading is not None else None
        name = nominative_name(written, nominative=subject, gender=agrees)
        if _already_named(name, people):
            continue
        if reading is not None and reading.role:
            role = reading.role
            cue: tuple[int, int, str, str] = (reading.start, reading.end, reading.word, "syntax")
        else:
            role, cue = _role(text, start, end, "ru")
        if agrees:
            sex = SEX_OF_GENDER[agrees]
        else:
            sex = sex_of(written, nominative=True) if subject else sex_of(name)
        people.append(PersonMention(start, end, written, name, sex, role, *cue))
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
