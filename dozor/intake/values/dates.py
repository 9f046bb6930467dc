"""Dates as partners write them: by strftime formats, with month names, as ranges, in columns.

The precision of a date is what the source gives: a format with a day directive (``%d``, ``%j``)
reads a day, one with a month (``%m``, ``%b``, ``%B``) and no day a month, one with only a year a
year. A month or a year is stored as its first day with its precision; a range as its first day,
its last day and the precision ``range``.
"""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass

from dozor.intake.values import Refusal, folded
from dozor.intake.values.words import known_words, word_key

DAY, MONTH, YEAR, RANGE = "day", "month", "year", "range"
DEFAULT_FORMATS = ("%Y-%m-%d", "%Y-%m", "%Y")
DIRECTIVE = re.compile(r"%[-#]?(.)")
DAY_DIRECTIVES = frozenset("djxcD")
MONTH_DIRECTIVES = frozenset("mbBh")
YEAR_DIRECTIVES = frozenset("YyG")
DASHES = "-‐‑‒–—―"
RANGE_MARKS = "/" + DASHES
SHORT_RANGE = re.compile(rf"^\s*(\d{{1,2}})\.?\s*[{DASHES}]\s*(\d{{1,2}}\D.*)$")
MONTH_FIRST_RANGE = re.compile(
    rf"^\s*([^\d\s]+)\s+(\d{{1,2}})\s*[{DASHES}]\s*(\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s+(\d{{4}})\s*$",
    re.IGNORECASE,
)
FOUR_DIGITS = re.compile(r"^\d{4}$")
DAY_NUMBER = re.compile(r"^(\d{1,2})\.?$")
# No date is longer; a longer cell is not tried as a range at every dash it holds.
MAX_LENGTH = 80


@dataclass(frozen=True)
class DateRead:
    """A date as read: its first day, its precision, and for a range its last day."""

    first: datetime.date
    precision: str
    last: datetime.date | None = None

    @property
    def end(self) -> datetime.date:
        """The last day the date may mean."""
        if self.last is not None:
            return self.last
        if self.precision == YEAR:
            return self.first.replace(month=12, day=31)
        if self.precision == MONTH:
            days = calendar.monthrange(self.first.year, self.first.month)[1]
            return self.first.replace(day=days)
        return self.first


def format_precision(form: str) -> str | None:
    """day, month or year: what a strftime format reads; None for a format without a year."""
    directives = set(DIRECTIVE.findall(form.replace("%%", "")))
    if not directives & YEAR_DIRECTIVES:
        return None
    if directives & DAY_DIRECTIVES:
        return DAY
    if directives & MONTH_DIRECTIVES:
        return MONTH
    return YEAR


def format_problem(form: str) -> str | None:
    """What is wrong with a strftime format for a date field, or None."""
    directives = set(DIRECTIVE.findall(form.replace("%%", "")))
    if not directives:
        return "strftime formats such as %d.%m.%Y"
    if not directives & YEAR_DIRECTIVES:
        return "strftime formats with a year (%Y or %y), such as %d.%m.%Y"
    if "d" in directives and not directives & MONTH_DIRECTIVES:
        return "a format with a day (%d) to give its month too (%m, %b or %B)"
    try:
        datetime.datetime.now(tz=datetime.UTC).strftime(form)
    except ValueError:
        return "strftime formats such as %d.%m.%Y"
    return None


class DateReader:
    """Reads one cell's date by the formats, then by month names, then as a range."""

    def __init__(
        self,
        formats: Sequence[str] = DEFAULT_FORMATS,
        *,
        month_names: bool = True,
        ranges: bool = True,
    ) -> None:
        self.formats = tuple((form, format_precision(form) or YEAR) for form in formats)
        self.month_names = month_names
        self.ranges = ranges

    def read(self, text: str) -> DateRead | Refusal:
        text = text.strip()
        if len(text) > MAX_LENGTH:
            return self.refusal()
        single = self.read_single(text)
        if single is not None:
            return single
        if self.ranges:
            found = self._range(text)
            if found is not None:
                return found
        return self.refusal()

    def refusal(self) -> Refusal:
        """What the reader expected: its formats, and month names and ranges when it reads them."""
        also = [name for name, on in (("names", self.month_names), ("ranges", self.ranges)) if on]
        return Refusal("not_date", {"formats": ", ".join(f for f, _ in self.formats), "also": also})

    def read_single(self, text: str) -> DateRead | None:
        for form, precision in self.formats:
            try:
                day = datetime.datetime.strptime(text, form).date()  # noqa: DTZ007 - a calendar date, no time of day
            except ValueError:
                continue
            return DateRead(day, precision)
        if self.month_names:
            return _named(text)
        return None

    def _range(self, text: str) -> DateRead | Refusal | None:
        ends: set[tuple[DateRead, DateRead]] = set()
        for position, mark in enumerate(text):
            if mark not in RANGE_MARKS:
                continue
            first = self.read_single(text[:position].strip())
            last = self.read_single(text[position + 1 :].strip()) if first else None
            if first is not None and last is not None:
                ends.add((first, last))
        short = SHORT_RANGE.match(text)
        if short and not ends:
            last = self.read_single(short.group(2).strip())
            if last is not None and last.precision == DAY:
                first_day = _same_month(last.first, int(short.group(1)))
                if first_day is not None:
                    ends.add((DateRead(first_day, DAY), last))
        month_first = MONTH_FIRST_RANGE.match(text)
        if month_first and not ends:
            month, start, end, year = month_first.groups()
            last = _named(f"{month} {end} {year}")
            first_day = _same_month(last.first, int(start)) if last else None
            if last is not None and first_day is not None:
                ends.add((DateRead(first_day, DAY), last))
        if len(ends) != 1:
            return None
        ((first, last),) = ends
        if last.end < first.first:
            return Refusal("date_range_backwards", {})
        return DateRead(first.first, RANGE, last.end)

    def read_columns(self, year: str, month: str, day: str) -> DateRead | Refusal:
        """A date from separate cells: a year, and a month (a number or a name) and a day when
        given; the precision is what is present."""
        year, month, day = year.strip(), month.strip(), day.strip()
        if not FOUR_DIGITS.match(year) or int(year) < 1:
            return Refusal("not_year", {"part": "year"})
        if not month:
            if day:
                return Refusal("day_without_month", {"part": "day"})
            return DateRead(datetime.date(int(year), 1, 1), YEAR)
        number = _month_number(month)
        if number is None:
            return Refusal("not_month", {"part": "month"})
        if not day:
            return DateRead(datetime.date(int(year), number, 1), MONTH)
        days = calendar.monthrange(int(year), number)[1]
        found = DAY_NUMBER.match(day)
        if not found or not 1 <= int(found.group(1)) <= days:
            return Refusal("not_day", {"part": "day", "last": days})
        return DateRead(datetime.date(int(year), number, int(found.group(1))), DAY)


def _same_month(last: datetime.date, day: int) -> datetime.date | None:
    if not 1 <= day <= last.day:
        return None
    return last.replace(day=day)


def _month_number(text: str) -> int | None:
    if re.fullmatch(r"\d{1,2}", text.strip()):
        number = int(text)
        return number if 1 <= number <= 12 else None
    return known_words().month_of.get(word_key(text))


def _named(text: str) -> DateRead | None:
    """A date with its month by name: "март 2018", "12 марта 2018 г.", "March 12, 2018",
    "Mar 2018"; or a year followed by г./года ("2018 г.")."""
    words = known_words()
    year_words = {word_key(word) for word in words.year_words}
    tokens = folded(text).replace(",", " ").split()
    with_year_word = False
    while tokens and word_key(tokens[-1]) in year_words:
        tokens.pop()
        with_year_word = True
    # "12 марта 2018г." is written without the space as often as with it.
    if tokens and re.fullmatch(r"\d{4}г\.?", tokens[-1]):
        tokens[-1] = tokens[-1][:4]
        with_year_word = True
    if not tokens or not FOUR_DIGITS.match(tokens[-1]):
        return None
    year = int(tokens[-1])
    rest = tokens[:-1]
    if not rest:
        return DateRead(datetime.date(year, 1, 1), YEAR) if with_year_word else None
    if len(rest) == 1:
        month = words.month_of.get(word_key(rest[0]))
        return DateRead(datetime.date(year, month, 1), MONTH) if month else None
    if len(rest) != 2:
        return None
    first, second = rest
    if words.month_of.get(word_key(second)):
        month, day = words.month_of[word_key(second)], _day(first)
    else:
        month, day = words.month_of.get(word_key(first), 0), _day(second)
    if not month or day is None:
        return None
    try:
        return DateRead(datetime.date(year, month, day), DAY)
    except ValueError:
        return None


def _day(token: str) -> int | None:
    for suffix in ("", *known_words().day_suffixes):
        stem = token[: -len(suffix)] if suffix and token.endswith(suffix) else token
        if suffix and stem == token:
            continue
        found = DAY_NUMBER.match(stem)
        if found:
            return int(found.group(1))
    return None
