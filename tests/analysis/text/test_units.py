"""Dates, names, language and the on-disk sources, one behaviour each."""

from __future__ import annotations

import datetime
import subprocess
import sys

import pytest

from dozor.analysis.text import detect_language, extract_draft, nominative_name
from dozor.analysis.text.dates import find_dates
from dozor.analysis.text.draft import MSG_EMPTY_TEXT, ExtractionError
from dozor.analysis.text.sources import (
    MSG_BAD_DATE,
    MSG_NO_DATE,
    ItemFailure,
    PressItem,
    SourceError,
    parse_feed,
    parse_text_file,
)
from dozor.vocab.gazetteer import gazetteer_rows, settlement_rows

MONDAY = datetime.date(2024, 3, 4)


def _first_date(text: str, published: datetime.date, language: str = "ru") -> datetime.date:
    return find_dates(text, published=published, language=language)[0].date_start


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Анны Щербаковой", "Анна Щербакова"),
        ("Ивану Петрову", "Иван Петров"),
        ("Олега Сергеевича Кузнецова", "Олег Сергеевич Кузнецов"),
        ("Марии Ковальской", "Мария Ковальская"),
        ("Ольге Белых", "Ольга Белых"),
        ("Фарходу Каримзоде", "Фарход Каримзода"),
        ("Anna Shcherbakova", "Anna Shcherbakova"),
    ],
)
def test_nominative_name(name: str, expected: str) -> None:
    assert nominative_name(name) == expected


def test_night_to_saturday_read_on_monday_is_the_saturday_before() -> None:
    assert _first_date("в ночь на субботу", MONDAY) == datetime.date(2024, 3, 2)


def test_weekday_on_the_day_of_publication_is_that_day() -> None:
    assert _first_date("в понедельник", MONDAY) == MONDAY


def test_last_weekday_on_that_weekday_is_a_week_before() -> None:
    assert _first_date("в прошлый понедельник", MONDAY) == datetime.date(2024, 2, 26)


def test_sunday_publication_reaches_back_across_the_week_to_monday() -> None:
    assert _first_date("в понедельник", datetime.date(2024, 3, 10)) == MONDAY


def test_tuesday_night_in_english_is_the_tuesday() -> None:
    assert _first_date("on Tuesday night", datetime.date(2024, 3, 7), "en") == datetime.date(
        2024, 3, 5
    )


def test_a_day_without_a_year_after_publication_is_last_year() -> None:
    assert _first_date("30 декабря", datetime.date(2024, 1, 3)) == datetime.date(2023, 12, 30)


def test_among_is_not_wednesday() -> None:
    assert find_dates("в среде мигрантов", published=MONDAY, language="ru") == []


def test_language_is_read_from_the_share_of_cyrillic() -> None:
    assert (detect_language("Вчера в Москве"), detect_language("Yesterday in Moscow")) == (
        "ru",
        "en",
    )


def test_an_empty_text_is_refused() -> None:
    with pytest.raises(ExtractionError, match=MSG_EMPTY_TEXT):
        extract_draft("   ", published=MONDAY)


def test_the_gazetteer_names_only_known_regions() -> None:
    assert len(gazetteer_rows()) > 80


def test_the_towns_from_geonames_carry_their_federal_subject() -> None:
    towns = {row["name_ru"]: row["region"] for row in settlement_rows()}
    assert len(towns) > 500
    assert (towns["Боровичи"], towns["Кинешма"]) == ("RU-NGR", "RU-IVA")


def test_towns_named_after_people_are_left_out_of_the_settlements() -> None:
    names = {row["name_ru"] for row in settlement_rows()}
    assert not names & {"Чехов", "Гагарин", "Лермонтов"}


def test_a_header_date_is_the_publication_date() -> None:
    item = parse_text_file("Date: 2024-03-04\nURL: https://x.org/1\n\nТекст", origin="a.txt")
    assert (item.published, item.url, item.text) == (MONDAY, "https://x.org/1", "Текст")


def test_a_text_without_any_date_is_refused() -> None:
    with pytest.raises(SourceError, match=MSG_NO_DATE.split(":")[0]):
        parse_text_file("Текст", origin="a.txt")


def test_a_malformed_header_date_is_refused() -> None:
    with pytest.raises(SourceError, match=MSG_BAD_DATE.split("“")[0]):
        parse_text_file("Date: 4 March\n\nТекст", origin="a.txt")


FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>t</title><language>ru</language>
<item><title>Нападение</title><link>https://example.org/1</link>
<description>&lt;p&gt;Вчера в Казани избили студента.&lt;/p&gt;</description>
<pubDate>Mon, 04 Mar 2024 09:00:00 +0300</pubDate></item>
<item><title>Без даты</title><description>Текст</description></item>
</channel></rss>""".encode()


def test_feed_entries_become_texts_with_their_dates_and_links() -> None:
    items = list(parse_feed(FEED, origin="feed.xml"))
    first = items[0]
    assert isinstance(first, PressItem)
    assert (first.published, first.url, first.language) == (MONDAY, "https://example.org/1", "ru")
    assert "Вчера в Казани избили студента." in first.text


def test_a_feed_entry_without_a_date_is_a_failure_naming_the_entry() -> None:
    failure = list(parse_feed(FEED, origin="feed.xml"))[1]
    assert isinstance(failure, ItemFailure) and failure.origin == "feed.xml, entry 2"


def test_the_text_analysis_never_imports_django() -> None:
    code = (
        "import sys, datetime; from dozor.analysis.text import extract_draft; "
        "extract_draft('Вчера в Москве избили Ивана Петрова.', published=datetime.date(2024,3,4)); "
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
