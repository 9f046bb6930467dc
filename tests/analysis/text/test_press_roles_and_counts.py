"""Rules for roles, counts and origins that hold for news in general, each in a text of our
own: the causes of misses found on bench/data/press_eval.yaml."""

from __future__ import annotations

import datetime

from dozor.analysis.text import Draft, extract_draft
from dozor.analysis.text.names import nominative_name

PUBLISHED = datetime.date(2024, 3, 15)


def _draft(text: str, language: str = "ru") -> Draft:
    return extract_draft(text, published=PUBLISHED, language=language)


def _people(draft: Draft, role: str) -> list[str]:
    return [person.name for person in draft.people if person.role == role]


# ---- origins ----------------------------------------------------------------------------------


def test_a_victims_origin_is_drafted_as_a_region_or_country_code() -> None:
    region = _draft("Полиция ищет тех, кто избил уроженца Ингушетии в Боровичах.")
    country = _draft("В Москве избили двух рабочих из Киргизии.")
    assert (region.victim_origin, country.victim_origin) == ("RU-IN", "KG")
    assert country.fields()["victim_origin"] == "KG"


def test_a_foreign_country_of_origin_is_never_the_place_of_the_attack() -> None:
    draft = _draft("В Москве избили двух рабочих из Киргизии.")
    assert draft.region == "RU-MOW"


def test_an_english_country_of_origin_after_from_is_read() -> None:
    draft = _draft("A cafe owner from Azerbaijan was shot in Kaliningrad.", language="en")
    assert (draft.victim_origin, draft.region) == ("AZ", "RU-KGD")


def test_a_regions_minister_is_no_victims_origin() -> None:
    draft = _draft(
        "Министр по делам национальностей Республики Дагестан осудил нападение на студента "
        "в Нижнем Новгороде."
    )
    assert draft.victim_origin == ""


# ---- names and roles --------------------------------------------------------------------------


def test_a_mans_surname_the_dictionary_does_not_know_is_put_in_the_nominative() -> None:
    assert nominative_name("Романа Лапина") == "Роман Лапин"
    assert nominative_name("Ивану Сёмину") == "Иван Сёмин"


def test_a_first_name_before_a_declined_surname_is_in_the_same_case() -> None:
    assert nominative_name("Шохрата Ширинова") == "Шохрат Ширинов"


def test_brothers_named_with_one_plural_surname_each_get_it() -> None:
    draft = _draft("Молодые люди напали на братьев Тимура и Руслана Алиевых, уроженцев Чечни.")
    assert sorted(v.name for v in draft.victims) == ["Руслан Алиев", "Тимур Алиев"]


def test_the_one_who_turned_out_to_be_the_detainee_is_a_perpetrator() -> None:
    draft = _draft(
        "Пьяный мужчина разбил иконы в храме. Задержанным оказался 37-летний Олег Пантелеев."
    )
    assert _people(draft, "perpetrator") == ["Олег Пантелеев"]


def test_the_one_the_police_detain_or_a_court_sentences_is_a_perpetrator() -> None:
    draft = _draft(
        "В парке Калуги неонацисты избили подростка. Позже полиция задержала Романа Лапина."
    )
    assert _people(draft, "perpetrator") == ["Роман Лапин"]


def test_an_activist_the_police_detain_is_the_victim_of_the_detention() -> None:
    draft = _draft("В субботу полиция задержала активистку Ксению Лебедеву на Невском проспекте.")
    assert _people(draft, "victim") == ["Ксения Лебедева"]


def test_names_joined_by_and_share_the_role_read_for_the_first() -> None:
    draft = _draft(
        "Полиция задержала двоих подозреваемых — Романа Лапина и Никиту Осипова. "
        "Подростки избили школьника."
    )
    assert sorted(_people(draft, "perpetrator")) == ["Никита Осипов", "Роман Лапин"]


def test_a_name_nothing_marks_is_no_victim_beside_a_victim_the_text_marks() -> None:
    draft = _draft(
        "Неизвестные избили студента Ивана Петрова. Ректор университета Владимир Голубев "
        "выразил соболезнования. Сергей Кузнецов видел всё из окна."
    )
    assert [v.name for v in draft.victims] == ["Иван Петров"]


def test_the_one_who_opened_fire_is_the_perpetrator() -> None:
    draft = _draft("В Ставрополе 26-летний Игорь Панов открыл стрельбу по группе студентов.")
    assert _people(draft, "perpetrator") == ["Игорь Панов"]


def test_the_one_whose_body_was_found_is_a_victim_though_named_by_her_work() -> None:
    draft = _draft("В Назрани нашли тело правозащитницы Марьям Хасиевой.")
    assert [v.name for v in draft.victims] == ["Марьям Хасиева"]


def test_an_english_name_after_sentenced_is_a_perpetrator() -> None:
    draft = _draft("A court sentenced Denis Kulikov, 28, to three years.", language="en")
    assert _people(draft, "perpetrator") == ["Denis Kulikov"]


def test_an_english_rabbi_quoted_is_not_a_victim() -> None:
    draft = _draft(
        "Arkady Levin was stabbed to death in Rostov. Rabbi Chaim Rosenberg called for calm.",
        language="en",
    )
    assert [v.name for v in draft.victims] == ["Arkady Levin"]


# ---- counts -----------------------------------------------------------------------------------


def test_a_named_victim_beaten_is_one_injured_when_no_count_is_given() -> None:
    draft = _draft("В марте неизвестные избили у подъезда правозащитника Геннадия Лаптева.")
    assert (draft.injured, draft.confidence["injured"]) == (1, ("medium", "named victims"))


def test_a_named_victims_murder_is_one_killed_when_no_count_is_given() -> None:
    draft = _draft("Дело об убийстве гражданина Узбекистана Алишера Каримова передано в суд.")
    assert (draft.killed, draft.injured) == (1, 0)


def test_an_english_stabbing_to_death_is_a_death_not_an_injury() -> None:
    draft = _draft("Arkady Levin, 58, was stabbed to death near his home in Rostov.", language="en")
    assert (draft.killed, draft.injured) == (1, 0)


def test_english_people_taken_to_hospital_are_injured() -> None:
    draft = _draft(
        "Four activists were taken to hospital after the attack in Irkutsk.", language="en"
    )
    assert draft.injured == 4


def test_an_english_victim_who_survived_is_one_injured() -> None:
    draft = _draft(
        "A cafe owner, Elshan Guliyev, was shot and wounded in Kaliningrad.", language="en"
    )
    assert draft.injured == 1


def test_an_english_defender_detained_is_the_victim_of_the_detention() -> None:
    draft = _draft(
        "Police in Grozny detained human rights defender Islam Dadaev on Sunday.", language="en"
    )
    assert (_people(draft, "victim"), _people(draft, "perpetrator")) == (["Islam Dadaev"], [])


def test_an_english_name_after_said_is_the_one_quoted() -> None:
    draft = _draft(
        "Nobody has been charged over the arson, said Viktor Kuznetsov of a rights group.",
        language="en",
    )
    assert _people(draft, "other") == ["Viktor Kuznetsov"]


# ---- places -----------------------------------------------------------------------------------


def test_a_word_read_as_two_towns_takes_its_likeliest_reading_whatever_the_hash_seed() -> None:
    draft = _draft("12 марта в Волжском 19-летний мужчина напал с ножом на прохожего.")
    assert (draft.region, draft.locality) == ("RU-VGG", "Волжский")


def test_a_role_word_at_the_end_of_a_wrapped_line_still_marks_the_name_on_the_next() -> None:
    draft = _draft(
        "Police search Perm rights group\n"
        "Officers searched the offices of a rights group on Monday. Regional Committee head\n"
        "Viktor Fomin declined to comment.",
        language="en",
    )
    assert _people(draft, "other") == ["Viktor Fomin"]


def test_an_english_name_wrapped_across_two_lines_is_one_name() -> None:
    draft = _draft(
        "Two dead after knife attack in Surgut\n"
        "A man stabbed three workers in Surgut last Thursday, police said. The suspect, Yevgeny\n"
        "Razin, 31, told investigators he wanted to clean the city.",
        language="en",
    )
    assert _people(draft, "perpetrator") == ["Yevgeny Razin"]


def test_an_english_headline_does_not_run_into_the_name_on_the_next_line() -> None:
    draft = _draft(
        "Attack in Kazan\nIvan Petrov was beaten on Saturday, police said.", language="en"
    )
    assert [v.name for v in draft.victims] == ["Ivan Petrov"]
