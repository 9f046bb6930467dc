"""How many people were killed and injured, from words ("двое", "трое ранены", "two men were
injured") and digits."""

from __future__ import annotations

import re
from dataclasses import dataclass

from dozor.analysis.text.morphology import analyzer

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

HOSPITAL = r"(?:больниц|реанимаци|травмпункт|стационар|црб|гкб)\w*"
RU_VERBS = {
    "killed": r"(погибл?\w*|убит\w*|скончал\w*|застрелен\w*|зарезан\w*|умерл?\w*)",
    "injured": r"(ранен\w*|пострадал\w*|госпитализирован\w*|травмирован\w*|избит\w*|"
    r"получил\w*\s+(?:травм|ранени|побо|ножев)\w*|"
    rf"(?:оказал|попал|доставлен|доставил|отвез|увез)\w*\s+в\s+{HOSPITAL})",
}
# A verb of violence and whom it was done to: "зарезал троих", "напали на троих подростков",
# "избили врача". The number is that of the people harmed.
RU_DONE_TO = {
    "killed": r"(?:зарезал|убил|застрелил|забил\w*\s+до\s+смерти|расстрелял)\w*",
    "injured": r"(?:избил|избива|ранил|порезал|пырнул|напал\w*\s+на|ударил|покалечил|"
    r"изувечил|атаковал)\w*",
}
RU_DONE_TO_WHOM = re.compile(
    r"(?<!\w)(?P<verb>{verb})\s+(?:(?:ножом|толпой|вдвоем|втроем|жестоко|насмерть)\s+)?"
    r"(?P<whom>[а-яё-]+)(?:\s+(?P<noun>[а-яё-]+))?",
    re.I,
)
EN_VERBS = {
    "killed": r"(killed|dead|died|murdered|stabbed\s+to\s+death|beaten\s+to\s+death|shot\s+dead)",
    "injured": r"(injured|wounded|hurt|hospitali[sz]ed|beaten|stabbed|"
    r"taken\s+to\s+(?:[\w-]+\s+){0,3}hospital)",
}
# "was stabbed to death" is a death, not a stabbing survived.
EN_DEATH = r"(?:(?:stabbed|beaten)\s+to\s+death|shot\s+dead)"
# A verb in the singular means one person; the plural without a number, "several".
RU_SINGULAR = re.compile(
    r"(?<!\w)(?:погиб|погибла|убит|убита|скончался|скончалась|умер|умерла|ранен|ранена|пострадал|"
    r"пострадала|(?:со?|из-за)\s+(?:сотрясени|перелом|черепно-мозгов|ножев\w+\s+ранени|"
    r"травм\w+\s+голов)\w*|"
    rf"(?:отвезли|доставили|увезли|госпитализировали)\s+в\s+{HOSPITAL}|"
    r"госпитализирован|госпитализирована|избит|избита|травмирован|травмирована|"
    r"получила?\s+(?:\w+\s+)?(?:травм|ранени|сотрясени|перелом|побо)\w*)(?!\w)",
    re.I,
)
RU_PLURAL = re.compile(
    r"(?<!\w)(?:погибли|убиты|скончались|умерли|ранены|пострадали|госпитализированы|избиты|"
    r"травмированы|получили\s+травм\w*)(?!\w)",
    re.I,
)
EN_SINGULAR = re.compile(
    r"\b(?:was|is|has\s+been|had\s+been)\s+(?:seriously\s+|badly\s+|severely\s+|fatally\s+)?"
    rf"(?:shot\s+and\s+)?({EN_DEATH}|killed|injured|wounded|hurt|hospitali[sz]ed|beaten|stabbed|"
    r"murdered|treated\s+for|taken\s+to\s+(?:[\w-]+\s+){0,3}hospital)"
    # What befell the one person the text is about: "She suffered a broken nose", "Kholov
    # survived after surgery", "is recovering in hospital".
    r"|\b(?:suffered\s+(?:a\s+)?(?:broken|concussion|fractur|injur|wound|stab|bruis)\w*|"
    r"survived|is\s+recovering)",
    re.I,
)
EN_PLURAL = re.compile(
    r"\b(?:were|are|have\s+been|had\s+been)\s+(?:seriously\s+|badly\s+|severely\s+)?"
    rf"({EN_DEATH}|killed|injured|wounded|hurt|hospitali[sz]ed|beaten|stabbed|"
    r"taken\s+to\s+(?:[\w-]+\s+){0,3}hospital)",
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
KILLED_ONLY = re.compile(
    r"killed|dead|died|murder|death|погиб|убит|скончал|застрел|зарез|умер", re.I
)


@dataclass(frozen=True)
class CountFinding:
    what: str  # killed or injured
    count: int | None  # None: a plural verb without a number
    start: int
    end: int
    text: str
    done_to: bool = False  # read from whom a verb of violence was done to ("напали на троих")
    how: str = "numeral"  # numeral, verb (a verb's number), none ("никто не пострадал")


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
            found.append(
                CountFinding(what, 0, match.start(), match.end(), match.group(0), how="none")
            )
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
            found.append(
                CountFinding(what, implied, match.start(), match.end(), match.group(0), how="verb")
            )
    if language == "ru":
        found += _done_to(folded, taken)
    return sorted(found, key=lambda f: f.start)


def _done_to(text: str, taken: list[tuple[int, int]]) -> list[CountFinding]:
    """Whom a verb of violence was done to: a numeral ("троих") gives the number; a noun in the
    singular ("врача") one person, in the plural several."""
    found = []
    for what, verb in RU_DONE_TO.items():
        pattern = re.compile(RU_DONE_TO_WHOM.pattern.format(verb=verb), re.I)
        for match in pattern.finditer(text):
            if _inside(match.start(), taken):
                continue
            whom = match.group("whom").casefold()
            count: int | None
            how = "numeral"
            if whom in RU_WORDS or whom.isdigit():
                count = _number(whom, "ru")
                end = match.end("noun") if match.group("noun") else match.end("whom")
            else:
                number = _grammatical_number(whom)
                if number is None:
                    continue
                count, how = (1 if number == "sing" else None), "verb"
                end = match.end("whom")
            found.append(
                CountFinding(what, count, match.start(), end, text[match.start() : end], True, how)
            )
            taken.append((match.start(), end))
    return found


def _grammatical_number(word: str) -> str | None:
    """sing or plur for a word naming people in the accusative or genitive (whom something
    was done to: "врача", "подростков", "его"); None for any other word."""
    for parse in analyzer().parse(word)[:2]:
        if parse.tag.POS not in ("NOUN", "NPRO", "ADJF"):
            continue
        if not ({"accs", "gent"} & set(parse.tag.grammemes)):
            continue
        if parse.tag.POS == "NOUN" and "anim" not in parse.tag:
            continue
        if parse.tag.POS == "NPRO" and parse.normal_form not in ("он", "она", "они"):
            continue
        return "plur" if "plur" in parse.tag else "sing"
    return None


def _inside(offset: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= offset < end for start, end in spans)
