import random

import pytest

from dozor.demo.russian import (
    decline_full_name,
    feminine_surname,
    locative,
    misspell,
    people_count,
    transliterate,
)


@pytest.mark.parametrize(
    ("name", "sex", "case", "expected"),
    [
        ("Фаррух Рахимов", "male", "gen", "Фарруха Рахимова"),
        ("Фаррух Рахимов", "male", "dat", "Фарруху Рахимову"),
        ("Фаррух Рахимов", "male", "ins", "Фаррухом Рахимовым"),
        ("Гульнара Рахимова", "female", "gen", "Гульнары Рахимовой"),
        ("Гульнара Рахимова", "female", "acc", "Гульнару Рахимову"),
        ("Мария Савицкая", "female", "ins", "Марией Савицкой"),
        ("Юрий Савицкий", "male", "gen", "Юрия Савицкого"),
        ("Илья Хакимов", "male", "ins", "Ильёй Хакимовым"),
        ("Наталья Кузнецова", "female", "dat", "Наталье Кузнецовой"),
        ("Арам Акопян", "male", "dat", "Араму Акопяну"),
        ("Анаит Акопян", "female", "gen", "Анаит Акопян"),
        ("Нино Беридзе", "female", "ins", "Нино Беридзе"),
        ("Шамиль Гаджиев", "male", "gen", "Шамиля Гаджиева"),
        ("Айгуль Садыкова", "female", "ins", "Айгулью Садыковой"),
        ("Амаду Диалло", "male", "dat", "Амаду Диалло"),
        ("Никита Попов", "male", "gen", "Никиты Попова"),
    ],
)
def test_full_names_decline_by_case_and_sex(name, sex, case, expected):
    assert decline_full_name(name, sex, case) == expected


def test_feminine_surnames_follow_the_masculine_form():
    assert feminine_surname("Султанов") == "Султанова"
    assert feminine_surname("Ильин") == "Ильина"
    assert feminine_surname("Савицкий") == "Савицкая"
    assert feminine_surname("Акопян") == "Акопян"
    assert feminine_surname("Гелашвили") == "Гелашвили"


def test_transliteration_schemes_differ_as_real_lists_do():
    assert transliterate("Журавлёв", "bgn") == "Zhuravlyov"
    assert transliterate("Журавлёв", "icao") == "Zhuravlev"
    assert transliterate("Хакимов", "bgn") == "Khakimov"
    assert transliterate("Хакимов", "informal") == "Hakimov"
    assert transliterate("Юлдашев", "icao") == "Iuldashev"
    assert transliterate("Елена Алексеева", "bgn") == "Yelena Alekseyeva"


def test_locative_forms_of_places():
    overrides = {"Орёл": "в Орле"}
    assert locative("Москва", overrides) == "в Москве"
    assert locative("Екатеринбург", overrides) == "в Екатеринбурге"
    assert locative("Пермь", overrides) == "в Перми"
    assert locative("Владимир", overrides) == "во Владимире"
    assert locative("Орёл", overrides) == "в Орле"


def test_people_count_agrees_with_the_number():
    assert people_count(1) == "1 человек"
    assert people_count(3) == "3 человека"
    assert people_count(12) == "12 человек"
    assert people_count(22) == "22 человека"


def test_misspelling_changes_a_name_but_keeps_its_first_letter():
    rng = random.Random(1)
    for _ in range(200):
        typo = misspell("Бахтиёр Шарипов", rng)
        assert typo != "Бахтиёр Шарипов"
        assert typo[0] == "Б"
        assert typo.split(" ")[-1][0] == "Ш"
