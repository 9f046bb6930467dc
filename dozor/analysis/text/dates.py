"""Dates in press texts, relative ones resolved against the publication date.

Russian "в ночь на субботу" is the night from Friday to Saturday. Such a night is dated to the day
it leads into (Saturday): the phrase names that day, attacks it describes mostly happen after
midnight, and Russian police and court records date them the same way. The draft carries a note
that the attack may have begun on the evening before, so the reviewer can change it.

English "on Tuesday night" is the night that begins on Tuesday, dated Tuesday.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from dozor.analysis.text.model import (
    NOTE_DATE_FROM_WEEKDAY,
    NOTE_NIGHT_BEFORE,
    NOTE_YEAR_ASSUMED,
    Note,
)
from dozor.analysis.text.morphology import WORD, analyzer

ONE_DAY = datetime.timedelta(days=1)

RU_WEEKDAYS = {
    "понедельн": 0,
    "вторн": 1,
    "сред": 2,
    "четверг": 3,
    "пятниц": 4,
    "суббот": 5,
    "воскресен": 6,
}
# "в среду" names a day; "в среде" is "among", so only the accusative (and, after "с", the
# genitive) forms count.
RU_WEEKDAY = r"(понедельник|вторник|среду|четверг|пятницу|субботу|воскресенье)\b"
RU_WEEKDAY_FROM = r"(понедельника|вторника|среды|четверга|пятницы|субботы|воскресенья)\b"
RU_MONTHS = {
    "январ": 1,
    "феврал": 2,
    "март": 3,
    "апрел": 4,
    "ма": 5,
    "июн": 6,
    "июл": 7,
    "август": 8,
    "сентябр": 9,
    "октябр": 10,
    "ноябр": 11,
    "декабр": 12,
}
RU_MONTH = r"(января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря)"
EN_WEEKDAYS = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
EN_WEEKDAY = r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
EN_MONTHS = {
    name: number
    for number, name in enumerate(
        (
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
        ),
        start=1,
    )
}
EN_MONTH = (
    r"(January|February|March|April|May|June|July|August|September|October|November|December)"
)
YEAR = r"(?:\s+(\d{4})(?:\s*(?:года|год|г\.))?)?"
PAST = r"(?:(прошл\w+|минувш\w+)\s+)?"
RU_MONTH_IN = r"(январе|феврале|марте|апреле|мае|июне|июле|августе|сентябре|октябре|ноябре|декабре)"
# "прошлого года", "2023 года": which year a month belongs to.
RU_WHICH_YEAR = (
    r"(?:\s+(?:(прошлого|минувшего|позапрошлого|этого|текущего|нынешнего|сего)\s+года|"
    r"(\d{4})\s*(?:года|г\.)?))?"
)
YEARS_BACK = {
    "прошлого": 1,
    "минувшего": 1,
    "позапрошлого": 2,
    "этого": 0,
    "текущего": 0,
    "нынешнего": 0,
    "сего": 0,
    "last": 1,
    "this": 0,
}
# Days that name a date every year: (month, day).
RU_NAMED_DAYS = {
    r"(?:валентинов\w*\s+д[ене]\w*|д[ене]\w*\s+(?:святого\s+)?валентина)": (2, 14),
    r"д[ене]\w*\s+народного\s+единства": (11, 4),
    r"д[ене]\w*\s+победы": (5, 9),
    r"д[ене]\w*\s+росси[ия]": (6, 12),
    r"д[ене]\w*\s+(?:вдв|воздушно-десантных\s+войск)": (8, 2),
    r"д[ене]\w*\s+знаний": (9, 1),
    r"новогодн\w+\s+ноч\w+": (1, 1),
    r"(?:хэллоуин|хеллоуин)\w*": (10, 31),
    r"(?:православн\w+\s+)?рождеств\w*(?!\s+(?:христов|богородиц))": (1, 7),
}
EN_NAMED_DAYS = {
    r"valentine'?s\s+day": (2, 14),
    r"new\s+year'?s\s+eve": (12, 31),
    r"new\s+year'?s\s+day": (1, 1),
    r"national\s+unity\s+day": (11, 4),
    r"victory\s+day": (5, 9),
    r"russia\s+day": (6, 12),
    r"halloween": (10, 31),
    r"(?:orthodox\s+)?christmas(?:\s+day)?": (12, 25),
}
# Words that make a date the date of the reporting, not of the event: "(Ъ писал об этом
# 31 августа)", "как сообщалось 3 марта".
RU_REPORTING = re.compile(
    r"(?:писал\w*|сообщал\w*|сообщил\w*|рассказывал\w*|публиковал\w*|опубликова\w*|"
    r"писали|заявлял\w*|информировал\w*|материал\w*|публикаци\w*|стать\w+)"
    r"(?:\s+[^\s.;()]+){0,4}\s*$",
    re.I,
)
# A sentence about what followed in the courts and not about the attack itself: "Сегодня суд
# арестовал двоих" dates the hearing. Arrests and detentions are not here: for defenders they
# are the incident.
PROCEDURE = re.compile(
    r"(?<!\w)(?:суд|приговор|возбуд|обвинени|следстви|court|sentenc|charged|trial)\w*", re.I
)
HARM = re.compile(
    r"(?<!\w)(?:напа|изби|убил|убит|зарез|застрел|нападени|произош|случил|ранен|пострада|"
    r"attack|beat|stabb|killed|happened|assault|injur)\w*",
    re.I,
)
EN_REPORTING = re.compile(
    r"(?:reported|wrote|published|said|announced|article)(?:\s+\S+){0,4}\s*$", re.I
)

RU_PATTERNS = {
    "night_dates": re.compile(
        rf"\bв\s+ночь\s+(?:с\s+(\d{{1,2}})\s+)?на\s+(\d{{1,2}})\s+{RU_MONTH}{YEAR}", re.I
    ),
    "night_weekday": re.compile(
        rf"\bв\s+{PAST}ночь\s+(?:с\s+{RU_WEEKDAY_FROM}\s+)?на\s+{RU_WEEKDAY}", re.I
    ),
    "day_month": re.compile(rf"\b(\d{{1,2}})\s+{RU_MONTH}{YEAR}", re.I),
    "numeric": re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b"),
    "weekday": re.compile(rf"\bв[о]?\s+{PAST}{RU_WEEKDAY}", re.I),
    "month_in": re.compile(rf"\b(?:в|во)\s+{RU_MONTH_IN}{RU_WHICH_YEAR}", re.I),
    "month_part": re.compile(
        rf"\b(?:в\s+)?(?:начале|середине|конце)\s+{RU_MONTH}{RU_WHICH_YEAR}(?!\s*\d)", re.I
    ),
    "last_month": re.compile(r"\bв\s+(?:прошлом|минувшем)\s+месяце\b", re.I),
    "year_in": re.compile(
        r"\bв\s+(?:(прошлом|минувшем|позапрошлом|этом|текущем)|(\d{4})(?:-м)?)\s+году\b", re.I
    ),
    "named_day": re.compile(
        r"\b(?:в|во|на|под)\s+(?:(?:прошлый|минувший|прошлое|прошлую)\s+)?"
        r"(" + "|".join(RU_NAMED_DAYS) + r")" + RU_WHICH_YEAR,
        re.I,
    ),
    "last_week": re.compile(r"\bна\s+(?:прошлой|минувшей)\s+неделе\b", re.I),
    "weekend": re.compile(r"\bв\s+(?:прошлые\s+|минувшие\s+)?выходные\b", re.I),
    "night_today": re.compile(r"\b(?:минувшей|прошлой|этой|сегодня)\s+ночью\b", re.I),
    "day_before_yesterday": re.compile(r"\bпозавчера\b", re.I),
    "yesterday": re.compile(r"\b(?:вчера|накануне)\b", re.I),
    "today": re.compile(r"\bсегодня\b", re.I),
}
EN_PATTERNS = {
    "night_weekday": re.compile(
        rf"\b(?:(?:on\s+)?the\s+night\s+(?:of|from)\s+{EN_WEEKDAY}\s+(?:to|into)|"
        rf"overnight\s+(?:to|into|on)|early\s+hours\s+of)\s+{EN_WEEKDAY}",
        re.I,
    ),
    "month_day": re.compile(rf"\b{EN_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?"),
    "day_month": re.compile(
        rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{EN_MONTH}(?:,?\s+(\d{{4}}))?"
    ),
    "weekday": re.compile(rf"\b(?:([Ll]ast|[Tt]his\s+past)\s+)?{EN_WEEKDAY}\b"),
    "month_in": re.compile(
        rf"\b(?:in|last|this\s+past)\s+(?:early\s+|mid-|late\s+)?{EN_MONTH}(?!\s+\d{{1,2}}\b)"
        rf"(?:,?\s+(\d{{4}})|\s+(last|this)\s+year)?"
    ),
    "last_month": re.compile(r"\blast\s+month\b", re.I),
    "year_in": re.compile(r"\b(?:in\s+(\d{4})|(last|this)\s+year)\b(?!\s*'s)", re.I),
    "named_day": re.compile(
        r"\b(?:on|at|over|during)\s+(?:the\s+)?(?:(last)\s+)?(" + "|".join(EN_NAMED_DAYS) + r")"
        r"(?:\s+(\d{4}))?",
        re.I,
    ),
    "last_week": re.compile(r"\blast\s+week\b", re.I),
    "weekend": re.compile(r"\b(?:last|over\s+the|this\s+past)\s+weekend\b", re.I),
    "last_night": re.compile(r"\b(?:last|overnight|late\s+last)\s+night\b", re.I),
    "day_before_yesterday": re.compile(r"\bthe\s+day\s+before\s+yesterday\b", re.I),
    "yesterday": re.compile(r"\byesterday\b", re.I),
    "today": re.compile(r"\b(?:today|this\s+morning|earlier\s+today)\b", re.I),
}


@dataclass(frozen=True)
class DateFinding:
    start: int
    end: int
    text: str
    date_start: datetime.date
    date_end: datetime.date | None = None
    precision: str = "day"
    notes: tuple[Note, ...] = field(default_factory=tuple)
    kind: str = ""  # which pattern found it: day_month, weekday, month_in, named_day ...
    reporting: bool = False  # the date of a report about the event ("писал об этом 31 августа")
    procedural: bool = False  # in a sentence about a court or an arrest, not about the attack


def weekday_on_or_before(published: datetime.date, weekday: int) -> datetime.date:
    """The latest date with that weekday on or before the publication date."""
    return published - datetime.timedelta(days=(published.weekday() - weekday) % 7)


def _ru_weekday(word: str) -> int:
    folded = word.casefold()
    return next(number for stem, number in RU_WEEKDAYS.items() if folded.startswith(stem))


def _ru_month(word: str) -> int:
    folded = word.casefold()
    return next(number for stem, number in RU_MONTHS.items() if folded.startswith(stem))


def _day_of_year(
    day: int, month: int, year_text: str | None, published: datetime.date
) -> tuple[datetime.date, tuple[Note, ...]] | None:
    try:
        if year_text:
            return datetime.date(int(year_text), month, day), ()
        date = datetime.date(published.year, month, day)
        if date > published:
            date = datetime.date(published.year - 1, month, day)
    except ValueError:
        return None
    return date, (Note(NOTE_YEAR_ASSUMED, {"year": str(date.year)}),)


def _weekday_date(
    published: datetime.date, weekday: int, *, past: bool, word: str
) -> tuple[datetime.date, tuple[Note, ...]]:
    date = weekday_on_or_before(published, weekday)
    if past and date == published:
        date -= datetime.timedelta(days=7)
    return date, (Note(NOTE_DATE_FROM_WEEKDAY, {"weekday": word, "date": date.isoformat()}),)


def _russian(text: str, published: datetime.date) -> Iterator[DateFinding]:
    for kind, pattern in RU_PATTERNS.items():
        for match in pattern.finditer(text):
            found = _russian_match(kind, match, published)
            if found is not None:
                date_start, date_end, precision, notes = found
                yield DateFinding(
                    match.start(),
                    match.end(),
                    match.group(0),
                    date_start,
                    date_end,
                    precision,
                    notes,
                    kind,
                    _reporting(text, match.start(), RU_REPORTING),
                    _procedural(text, match.start(), match.end()),
                )


Resolved = tuple[datetime.date, datetime.date | None, str, tuple[Note, ...]]


def _night(date: datetime.date, phrase: str) -> Note:
    return Note(
        NOTE_NIGHT_BEFORE,
        {"phrase": phrase, "date": date.isoformat(), "evening": (date - ONE_DAY).isoformat()},
    )


def _reporting(text: str, start: int, pattern: re.Pattern[str]) -> bool:
    """Whether the words before the date, in its clause, say it is when something was reported."""
    clause_start = max(text.rfind(mark, 0, start) for mark in (".", "!", "?", "\n", "—"))
    return bool(pattern.search(text[max(clause_start + 1, start - 60) : start]))


def _procedural(text: str, start: int, end: int) -> bool:
    """Whether the date's sentence speaks of a court or an arrest and not of the attack."""
    sentence_start = max(text.rfind(mark, 0, start) for mark in (". ", "\n", "! ", "? "))
    ends = [i for i in (text.find(mark, end) for mark in (". ", "\n", "! ", "? ")) if i >= 0]
    sentence = text[sentence_start + 1 : min(ends, default=len(text))]
    return bool(PROCEDURE.search(sentence)) and not HARM.search(sentence)


def _year_back(word: str | None, year_text: str | None, published: datetime.date) -> int | None:
    """The year a month or named day belongs to, if the text says: "прошлого года", "2023"."""
    if year_text:
        return int(year_text)
    if word:
        return published.year - YEARS_BACK[word.casefold()]
    return None


def _month(month: int, year: int | None, published: datetime.date, phrase: str) -> Resolved | None:
    """A month of the given year, or the latest such month on or before publication."""
    notes: tuple[Note, ...] = ()
    if year is None:
        year = published.year if month <= published.month else published.year - 1
        notes = (Note(NOTE_YEAR_ASSUMED, {"year": str(year)}),)
    date = datetime.date(year, month, 1)
    if date > published:
        return None
    return date, None, "month", notes


def _named_day(
    month_day: tuple[int, int], year: int | None, last: bool, published: datetime.date
) -> Resolved | None:
    """A day that falls on the same date each year: in the year given, or the latest one on or
    before publication ("last": the one before that if it is the publication day itself)."""
    month, day = month_day
    if year is not None:
        return datetime.date(year, month, day), None, "day", ()
    date = datetime.date(published.year, month, day)
    if date > published or (last and date == published):
        date = datetime.date(published.year - 1, month, day)
    return date, None, "day", (Note(NOTE_YEAR_ASSUMED, {"year": str(date.year)}),)


def _named(days: dict[str, tuple[int, int]], phrase: str) -> tuple[int, int]:
    return next(v for pattern, v in days.items() if re.fullmatch(pattern, phrase, re.I))


def _eve_of_something(match: re.Match[str]) -> bool:
    """ "накануне выборов" is the eve of the elections, not the day before publication."""
    if not match.group(0).casefold().startswith("накануне"):
        return False
    following = WORD.match(match.string, match.end() + 1)
    if following is None:
        return False
    parse = analyzer().parse(following.group(0))[0]
    return parse.tag.POS in ("NOUN", "ADJF") and "gent" in parse.tag


def _russian_match(kind: str, match: re.Match[str], published: datetime.date) -> Resolved | None:
    if kind == "yesterday" and _eve_of_something(match):
        return None
    if kind in ("month_in", "month_part"):
        year = _year_back(match.group(2), match.group(3), published)
        return _month(_ru_month(match.group(1)), year, published, match.group(0))
    if kind == "named_day":
        year = _year_back(match.group(2), match.group(3), published)
        last = bool(re.match(r"\S+\s+(?:прошл|минувш)", match.group(0), re.I))
        return _named_day(_named(RU_NAMED_DAYS, match.group(1)), year, last, published)
    if kind == "year_in":
        word, number = match.group(1), match.group(2)
        back = {"прошлом": 1, "минувшем": 1, "позапрошлом": 2, "этом": 0, "текущем": 0}
        year = int(number) if number else published.year - back[word.casefold()]
        return datetime.date(year, 1, 1), None, "year", ()
    if kind == "night_dates":
        day = _day_of_year(
            int(match.group(2)), _ru_month(match.group(3)), match.group(4), published
        )
        if day is None:
            return None
        return day[0], None, "day", (*day[1], _night(day[0], match.group(0)))
    if kind == "night_weekday":
        date, notes = _weekday_date(
            published, _ru_weekday(match.group(3)), past=bool(match.group(1)), word=match.group(3)
        )
        return date, None, "day", (*notes, _night(date, match.group(0)))
    if kind == "day_month":
        day = _day_of_year(
            int(match.group(1)), _ru_month(match.group(2)), match.group(3), published
        )
        return None if day is None else (day[0], None, "day", day[1])
    if kind == "numeric":
        try:
            date = datetime.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        except ValueError:
            return None
        return date, None, "day", ()
    if kind == "weekday":
        date, notes = _weekday_date(
            published, _ru_weekday(match.group(2)), past=bool(match.group(1)), word=match.group(2)
        )
        return date, None, "day", notes
    return _relative(kind, published)


def _relative(kind: str, published: datetime.date) -> Resolved | None:
    if kind == "last_month":
        last = published.replace(day=1) - ONE_DAY
        return last.replace(day=1), None, "month", ()
    if kind == "last_week":
        monday = published - datetime.timedelta(days=published.weekday() + 7)
        return monday, monday + datetime.timedelta(days=6), "range", ()
    if kind == "weekend":
        saturday = weekday_on_or_before(published, 5)
        if saturday == published:
            saturday -= datetime.timedelta(days=7)
        return saturday, saturday + ONE_DAY, "range", ()
    if kind == "night_today":
        return published, None, "day", (_night(published, ""),)
    if kind == "last_night":
        return published - ONE_DAY, None, "day", ()
    if kind == "day_before_yesterday":
        return published - 2 * ONE_DAY, None, "day", ()
    if kind == "yesterday":
        return published - ONE_DAY, None, "day", ()
    if kind == "today":
        return published, None, "day", ()
    return None


def _english(text: str, published: datetime.date) -> Iterator[DateFinding]:
    for kind, pattern in EN_PATTERNS.items():
        for match in pattern.finditer(text):
            found = _english_match(kind, match, published)
            if found is not None:
                date_start, date_end, precision, notes = found
                yield DateFinding(
                    match.start(),
                    match.end(),
                    match.group(0),
                    date_start,
                    date_end,
                    precision,
                    notes,
                    kind,
                    _reporting(text, match.start(), EN_REPORTING),
                    _procedural(text, match.start(), match.end()),
                )


def _english_match(kind: str, match: re.Match[str], published: datetime.date) -> Resolved | None:
    if kind == "month_in":
        year = _year_back(match.group(3), match.group(2), published)
        return _month(EN_MONTHS[match.group(1).casefold()], year, published, match.group(0))
    if kind == "named_day":
        year = int(match.group(3)) if match.group(3) else None
        days = _named(EN_NAMED_DAYS, match.group(2))
        return _named_day(days, year, bool(match.group(1)), published)
    if kind == "year_in":
        which = match.group(1) or published.year - YEARS_BACK[match.group(2).casefold()]
        return datetime.date(int(which), 1, 1), None, "year", ()
    if kind == "night_weekday":
        word = match.group(2)
        date, notes = _weekday_date(published, EN_WEEKDAYS[word.casefold()], past=False, word=word)
        return date, None, "day", (*notes, _night(date, match.group(0)))
    if kind == "month_day":
        month, day_text, year_text = match.group(1), match.group(2), match.group(3)
        day = _day_of_year(int(day_text), EN_MONTHS[month.casefold()], year_text, published)
        return None if day is None else (day[0], None, "day", day[1])
    if kind == "day_month":
        day = _day_of_year(
            int(match.group(1)), EN_MONTHS[match.group(2).casefold()], match.group(3), published
        )
        return None if day is None else (day[0], None, "day", day[1])
    if kind == "weekday":
        word = match.group(2)
        date, notes = _weekday_date(
            published, EN_WEEKDAYS[word.casefold()], past=bool(match.group(1)), word=word
        )
        return date, None, "day", notes
    return _relative(kind, published)


def event_date(findings: list[DateFinding]) -> DateFinding | None:
    """The finding that dates the event: the first that is not the date of a report about it,
    and not in a sentence about a court or an arrest when another date is outside one; a year
    alone gives way to any finer date after it. None when only reports are dated."""
    candidates = [f for f in findings if not f.reporting]
    if not candidates:
        return None
    about_the_event = [f for f in candidates if not f.procedural]
    candidates = about_the_event or candidates
    finer = [f for f in candidates if f.precision != "year"]
    return finer[0] if finer else candidates[0]


def find_dates(text: str, *, published: datetime.date, language: str) -> list[DateFinding]:
    """Every date expression in the text, in reading order; overlapping ones give way to the first
    and longest (so "в ночь на субботу" is not read again as "субботу")."""
    found = _russian(text, published) if language == "ru" else _english(text, published)
    ordered = sorted(found, key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[DateFinding] = []
    for finding in ordered:
        if kept and finding.start < kept[-1].end:
            continue
        if finding.date_start > published:
            continue
        kept.append(finding)
    return kept
