"""How many people were killed and injured, from words ("двое", "трое ранены", "two men were
injured") and digits."""

from __future__ import annotations

import re
from dataclasses import dataclass

RU_NUMBERS = {
    1: "один одна одно одного одной одному одну",
    2: "два две двое двух двоих двоим",
    3: "три трое трех трёх троих",
    4: "четыре четверо четырех четырёх четверых",
    5: "пять пятеро пяти пятерых",
    6: "шесть шестеро шести шестерых",
    7: "семь семеро семи семерых",
    8: "восемь восьмеро восьми",
    9: "девять девятеро девяти",
    10: "десять десятеро десяти",
}
EN_NUMBERS = {
    1: "one a an",
    2: "two",
    3: "three",
    4: "four",
    5: "five",
    6: "six",
    7: "seven",
    8: "eight",
    9: "nine",
    10: "ten",
}
RU_WORDS = {word: n for n, words in RU_NUMBERS.items() for word in words.split()}
EN_WORDS = {word: n for n, words in EN_NUMBERS.items() for word in words.split()}
RU_NUM = r"(\d{1,3}|" + "|".join(sorted(RU_WORDS, key=len, reverse=True)) + r")"
EN_NUM = r"(\d{1,3}|" + "|".join(sorted(EN_WORDS, key=len, reverse=True)) + r")"
GAP = r"(?:\s+[\w-]+){0,2}?\s+"

RU_VERBS = {
    "killed": r"(погибл?\w*|убит\w*|скончал\w*|застрелен\w*|зарезан\w*)",
    "injured": r"(ранен\w*|пострадал\w*|госпитализирован\w*|травмирован\w*|избит\w*|"
    r"получил\w*\s+(?:травм|ранени|побо|ножев)\w*)",
}
EN_VERBS = {
    "killed": r"(killed|dead|died|murdered|stabbed\s+to\s+death|beaten\s+to\s+death|shot\s+dead)",
    "injured": r"(injured|wounded|hurt|hospitali[sz]ed|beaten|stabbed)",
}
# A verb in the singular means one person; the plural without a number, "several".
RU_SINGULAR = re.compile(
    r"(?<!\w)(?:погиб|погибла|убит|убита|скончался|скончалась|ранен|ранена|пострадал|пострадала|"
    r"госпитализирован|госпитализирована|избит|избита|травмирован|травмирована|"
    r"получила?\s+(?:\w+\s+)?(?:травм|ранени|сотрясени|перелом|побо)\w*)(?!\w)",
    re.I,
)
RU_PLURAL = re.compile(
    r"(?<!\w)(?:погибли|убиты|скончались|ранены|пострадали|госпитализированы|избиты|"
    r"травмированы|получили\s+травм\w*)(?!\w)",
    re.I,
)
EN_SINGULAR = re.compile(
    r"\b(?:was|is|has\s+been|had\s+been)\s+(?:seriously\s+|badly\s+|severely\s+|fatally\s+)?"
    r"(killed|injured|wounded|hurt|hospitali[sz]ed|beaten|stabbed|murdered)",
    re.I,
)
EN_PLURAL = re.compile(
    r"\b(?:were|are|have\s+been|had\s+been)\s+(?:seriously\s+|badly\s+|severely\s+)?"
    r"(killed|injured|wounded|hurt|hospitali[sz]ed|beaten|stabbed)",
    re.I,
)
RU_NONE = {
    "injured": re.compile(r"никто\s+не\s+пострадал|без\s+пострадавших|пострадавших\s+нет", re.I),
    "killed": re.compile(r"никто\s+не\s+погиб|без\s+жертв|погибших\s+нет", re.I),
}
EN_NONE = {
    "injured": re.compile(
        r"no\s+one\s+was\s+(?:hurt|injured)|nobody\s+was\s+(?:hurt|injured)|no\s+injuries", re.I
    ),
    "killed": re.compile(r"no\s+one\s+was\s+killed|nobody\s+was\s+killed|no\s+deaths", re.I),
}
KILLED_ONLY = re.compile(r"killed|dead|died|murder|death|погиб|убит|скончал|застрел|зарез", re.I)


@dataclass(frozen=True)
class CountFinding:
    what: str  # killed or injured
    count: int | None  # None: a plural verb without a number
    start: int
    end: int
    text: str


def _number(word: str, language: str) -> int:
    if word.isdigit():
        return int(word)
    return (RU_WORDS if language == "ru" else EN_WORDS)[word.casefold().replace("ё", "е")]


def find_counts(text: str, *, language: str) -> list[CountFinding]:
    """Every statement of a number killed or injured, in reading order."""
    folded = text.replace("ё", "е").replace("Ё", "Е")
    numbers = RU_NUM if language == "ru" else EN_NUM
    verbs = RU_VERBS if language == "ru" else EN_VERBS
    found: list[CountFinding] = []
    taken: list[tuple[int, int]] = []
    for what, pattern in (RU_NONE if language == "ru" else EN_NONE).items():
        for match in pattern.finditer(folded):
            found.append(CountFinding(what, 0, match.start(), match.end(), match.group(0)))
            taken.append((match.start(), match.end()))
    for what, verb in verbs.items():
        if language == "ru":
            forms = [rf"(?<!\w){numbers}{GAP}{verb}", rf"(?<!\w){verb}{GAP}?{numbers}(?!\w)"]
        else:
            forms = [
                rf"\b{numbers}{GAP}(?:(?:were|was|have\s+been|had\s+been|are)\s+)?"
                rf"(?:seriously\s+|badly\s+|severely\s+)?{verb}",
                rf"\b(?:killing|injuring|wounding|left)\s+{numbers}(?:\s+[\w-]+)?(?:\s+{verb})?",
            ]
        for number, form in enumerate(forms):
            for match in re.finditer(form, folded, re.I):
                if _inside(match.start(), taken):
                    continue
                word = match.group(1) if number == 0 else match.group(match.lastindex or 1)
                if language == "en" and number == 1:
                    word = match.group(1)
                    kind = (
                        "killed"
                        if match.group(0).casefold().startswith("killing")
                        or (match.lastindex == 2 and KILLED_ONLY.search(match.group(2) or ""))
                        else "injured"
                    )
                    if kind != what:
                        continue
                elif number == 1:
                    word = match.group(2)
                count = _number(word, language)
                if count == 0 or count > 500:
                    continue
                found.append(CountFinding(what, count, match.start(), match.end(), match.group(0)))
                taken.append((match.start(), match.end()))
    singular, plural = (RU_SINGULAR, RU_PLURAL) if language == "ru" else (EN_SINGULAR, EN_PLURAL)
    verb_only: tuple[tuple[re.Pattern[str], int | None], ...] = ((singular, 1), (plural, None))
    for pattern, implied in verb_only:
        for match in pattern.finditer(folded):
            if _inside(match.start(), taken):
                continue
            what = "killed" if KILLED_ONLY.search(match.group(0)) else "injured"
            found.append(CountFinding(what, implied, match.start(), match.end(), match.group(0)))
    return sorted(found, key=lambda f: f.start)


def _inside(offset: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= offset < end for start, end in spans)
