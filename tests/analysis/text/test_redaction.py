"""Names come out of free text in every case and alphabet, known to the record or not."""

from __future__ import annotations

import pytest

from dozor.analysis.text.redaction import name_like, redact_names

KNOWN = ["Фарход Каримзода"]
PSEUDONYMS = ["Victim A"]


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("Фарход Каримзода", "Victim A"),
        ("Фарходу Каримзоде", "Victim A"),
        ("с Фарходом Каримзодой", "с Victim A"),
        ("у Каримзоды", "у Victim A"),
        ("Farkhod Karimzoda", "Victim A"),
        ("Farhod KARIMZODA", "Victim A"),
        ("KARIMZODA Farkhod", "Victim A"),
    ],
)
def test_a_known_name_in_any_case_or_alphabet_becomes_the_pseudonym(
    text: str, redacted: str
) -> None:
    assert redact_names(text, KNOWN, PSEUDONYMS, find_people=False) == redacted


def test_a_latin_name_in_the_record_is_found_in_cyrillic_text() -> None:
    text = "Хуршеда Султонова избили."
    assert redact_names(text, ["SULTONOV Hurshed"], [""], find_people=False) == "[name] избили."


def test_a_possessive_keeps_its_ending_and_loses_the_name() -> None:
    assert redact_names("Karimzoda's friend", KNOWN, PSEUDONYMS) == "Victim A's friend"


def test_a_person_the_record_does_not_know_is_found_by_ner() -> None:
    text = "Свидетель Анна Белова вызвала скорую."
    assert redact_names(text, KNOWN, PSEUDONYMS) == "Свидетель [name] вызвала скорую."


def test_the_placeholder_is_the_callers() -> None:
    text = "Свидетель Анна Белова вызвала скорую."
    assert redact_names(text, [], [], placeholder="[имя]") == "Свидетель [имя] вызвала скорую."


def test_text_without_names_is_left_as_it_is() -> None:
    text = "Неизвестные напали на мужчину у станции метро."
    assert redact_names(text, KNOWN, PSEUDONYMS) == text


@pytest.mark.parametrize("word", ["Каримзода", "каримзод", "Иванов", "Семён", "Karimzoda"])
def test_surnames_first_names_and_unknown_words_may_be_names(word: str) -> None:
    assert name_like(word)


@pytest.mark.parametrize("word", ["гараж", "метро", "избили", "нападение"])
def test_common_words_are_not_names(word: str) -> None:
    assert not name_like(word)
