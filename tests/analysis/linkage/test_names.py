# Russian names are the point of these tests, so Cyrillic letters that look Latin are intended.
"""Names compare across grammatical case, alphabet, transliteration scheme and word order.

The names are invented.
"""

from __future__ import annotations

import pytest

from dozor.analysis.linkage.names import (
    name_key,
    organisation_keys,
    phonetic_key,
    surname_stem,
    to_cyrillic,
)


@pytest.mark.parametrize(
    ("written", "sex"),
    [
        ("Бахтиёр Нурматов", "male"),
        ("Бахтиёра Нурматова", "male"),  # genitive, as an article writes it
        ("Нурматов Бахтиёр", "male"),  # surname first, as a register writes it
        ("Bakhtiyor Nurmatov", "unknown"),  # BGN/PCGN
        ("NURMATOV Bakhtier", "male"),  # passport scheme (ё as e), surname in capitals
        ("Bahtiyor Nurmatov", "unknown"),  # informal: h for х
    ],
)
def test_one_man_written_six_ways_has_one_key(written: str, sex: str) -> None:
    key = name_key(written, sex)
    assert key is not None
    assert key.full == "bakhtier nurmatov"


def test_a_womans_declined_surname_reads_as_her_nominative() -> None:
    assert name_key("Зарины Холматовой", "female") == name_key("Зарина Холматова", "female")


def test_the_gender_of_the_first_name_decides_how_the_surname_is_read() -> None:
    key = name_key("Зарины Холматовой", "unknown")
    assert key is not None
    assert key.gender == "femn"


def test_latin_and_cyrillic_womans_name_agree() -> None:
    assert name_key("KHOLMATOVA Zarina", "female").full == name_key("Зарина Холматова").full


@pytest.mark.parametrize(
    ("form", "gender"),
    [("Холматовым", "masc"), ("Холматову", "femn"), ("Холматова", "masc"), ("Холматов", "masc")],
)
def test_surname_stem_is_the_masculine_nominative(form: str, gender: str) -> None:
    assert surname_stem(form, gender) == "холматов"


def test_a_typing_error_keeps_the_phonetic_key() -> None:
    assert phonetic_key("nurmatov") == phonetic_key("nurrmatov")
    assert phonetic_key("nurmatov") != phonetic_key("kholmatov")


def test_latin_is_read_back_into_cyrillic_under_any_common_scheme() -> None:
    assert to_cyrillic("Zhuravlyov") == "журавлёв"
    assert to_cyrillic("Nikolay") == "николай"
    assert to_cyrillic("Khamidullina") == to_cyrillic("Hamidullina") == "хамидуллина"


def test_an_empty_name_has_no_key() -> None:
    assert name_key("", "male") is None


@pytest.mark.parametrize(
    ("written", "sex"),
    [
        ("Икром Рахманов", "male"),
        ("Икрома Рахманова", "male"),  # genitive
        ("Икромом Рахмановым", "male"),  # instrumental
        ("Рахманов Икром", "male"),  # surname first, first name unknown to the dictionary
        ("Ikrom Rahmanov", "unknown"),
    ],
)
def test_a_first_name_the_dictionary_does_not_know_keeps_its_nominative(
    written: str, sex: str
) -> None:
    # "Икром" ends like an instrumental (-ом) but is the nominative.
    key = name_key(written, sex)
    assert key is not None
    assert key.full == "ikrom rakhmanov"


@pytest.mark.parametrize(
    "written", ["Зулфия Эргашева", "Зулфию Эргашеву", "Зулфией Эргашевой", "Эргашева Зулфия"]
)
def test_a_womans_unknown_first_name_in_ya_is_read_back_to_it(written: str) -> None:
    key = name_key(written, "female")
    assert key is not None
    assert key.full == "ergashev zulfiia"


def test_a_surname_first_with_an_unknown_first_name_after_it() -> None:
    assert name_key("Усмонова Феруза", "female") == name_key("Феруза Усмонова", "female")


def test_an_unknown_surname_is_not_taken_for_a_first_name() -> None:
    # pymorphy3 would guess "Шегухева" to be a woman's first name from its ending; only words
    # its dictionary knows are read as first names.
    key = name_key("Шегухева Анна", "unknown")
    assert key is not None
    assert key.gender == "femn"
    assert key.full == "anna shegukhev"


@pytest.mark.parametrize(
    "spelling",
    [
        "Правозащитный центр «Северный маяк»",
        "Правозащитного центра «Северный маяк»",
        "«Северный маяк»",
        "Северный маяк",
        "Severnyi Mayak",
        "SEVERNY MAIAK",
    ],
)
def test_spellings_of_one_organisation_share_a_key(spelling: str) -> None:
    assert set(organisation_keys(spelling)) & set(
        organisation_keys("Правозащитный центр «Северный маяк»")
    )


def test_two_organisations_share_no_key() -> None:
    assert not set(organisation_keys("ЛГБТ-инициатива «Радужный мост»")) & set(
        organisation_keys("Правозащитный центр «Северный маяк»")
    )


def test_an_empty_organisation_name_has_no_key() -> None:
    assert organisation_keys("  «» ") == []
