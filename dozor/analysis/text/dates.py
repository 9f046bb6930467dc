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
                )


Resolved = tuple[datetime.date, datetime.date | None, str, tuple[Note, ...]]


def _night(date: datetime.date, phrase: str) -> Note:
    return Note(
        NOTE_NIGHT_BEFORE,
        {"phrase": phrase, "date": date.isoformat(), "evening": (date - ONE_DAY).isoformat()},
    )


def _russian_match(kind: str, match: re.Match[str], published: datetime.date) -> Resolved | None:
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
                )


def _english_match(kind: str, match: re.Match[str], published: datetime.date) -> Resolved | None:
    if kind == "night_weekday":
        word = match.group(2)
        date, notes = _weekday_date(published, EN_WEEKDAYS[word.casefold()], past=False, word=word)
        return date, None, "day", (*notes, _night(date, match.group(0)))
    if kind == "month_day":
        month, day_text, year = match.group(1), match.group(2), match.group(3)
        day = _day_of_year(int(day_text), EN_MONTHS[month.casefold()], year, published)
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
