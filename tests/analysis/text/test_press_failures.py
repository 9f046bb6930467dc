"""Each way drafting once went wrong on real news, in a text of our own that shows it."""

from __future__ import annotations

import datetime

from dozor.analysis.text import Draft, extract_draft

PUBLISHED = datetime.date(2024, 3, 15)  # a Friday


def _draft(text: str, language: str = "ru", published: datetime.date = PUBLISHED) -> Draft:
    return extract_draft(text, published=published, language=language)


def _people(draft: Draft, role: str) -> list[str]:
    return [person.name for person in draft.people if person.role == role]


# ---- dates ------------------------------------------------------------------------------------


def test_the_event_date_wins_over_the_date_an_earlier_report_appeared() -> None:
    draft = _draft(
        "Избиение в Твери: суд арестовал двоих\n\n"
        "Поздно вечером 12 февраля у ночного клуба в Твери трое мужчин избили студента из "
        "Киргизии (издание писало об этом 14 февраля). Сегодня суд арестовал двоих из них."
    )
    assert (draft.date_start, draft.date_precision) == (datetime.date(2024, 2, 12), "day")


def test_a_month_of_last_year_is_that_month_with_month_precision() -> None:
    draft = _draft("Как стало известно, в октябре прошлого года в Казани избили активиста.")
    assert (draft.date_start, draft.date_precision) == (datetime.date(2023, 10, 1), "month")


def test_a_month_of_last_year_never_becomes_the_publication_day() -> None:
    draft = _draft(
        "Суд в Перми огласил приговор. Нападение на студентку случилось в марте прошлого года, "
        "сообщает сегодня пресс-служба суда."
    )
    assert draft.date_start == datetime.date(2023, 3, 1)
    assert draft.date_precision == "month"


def test_valentines_day_is_the_fourteenth_of_february() -> None:
    draft = _draft("В Валентинов день в Самаре задержали участников пикета.")
    assert (draft.date_start, draft.date_precision) == (datetime.date(2024, 2, 14), "day")


def test_national_unity_day_is_the_fourth_of_november_before_publication() -> None:
    draft = _draft("В День народного единства националисты напали на рабочих из Узбекистана.")
    assert draft.date_start == datetime.date(2023, 11, 4)


def test_last_monday_is_the_monday_of_the_week_before() -> None:
    draft = _draft("В прошлый понедельник у метро неизвестные избили мужчину.")
    assert draft.date_start == datetime.date(2024, 3, 11)


def test_the_eve_of_an_event_is_not_the_day_before_publication() -> None:
    draft = _draft("Накануне выборов в Омске избили наблюдателя, сообщили правозащитники.")
    assert draft.date_start is None and draft.date_precision == "unknown"


def test_an_english_month_of_last_year_has_month_precision() -> None:
    draft = _draft("Two men attacked a rabbi in Moscow in October last year.", language="en")
    assert (draft.date_start, draft.date_precision) == (datetime.date(2023, 10, 1), "month")


# ---- people -----------------------------------------------------------------------------------


def test_the_subject_of_a_killing_is_the_perpetrator_not_a_victim() -> None:
    draft = _draft("В Подмосковье Рустам Назаров зарезал троих соседей по общежитию.")
    assert [p.name for p in draft.perpetrators] == ["Рустам Назаров"]
    assert draft.victims == []


def test_the_object_of_an_attack_is_the_victim() -> None:
    draft = _draft("В Туле подростки напали на Тимура Алиева и избили его.")
    assert [v.name for v in draft.victims] == ["Тимур Алиев"]


def test_officials_advisers_and_co_founders_quoted_are_not_victims() -> None:
    draft = _draft(
        "Силовики пришли с обыском в офис правозащитного центра в Пскове. "
        "Соучредитель центра Вера Лаптева заявила, что обыск незаконен. "
        "Советник губернатора Павел Ершов отказался от комментариев. "
        "Глава СКР Сергей Макаров поручил проверить сообщения о нарушениях."
    )
    assert draft.victims == []
    assert set(_people(draft, "other")) == {"Вера Лаптева", "Павел Ершов", "Сергей Макаров"}


def test_a_hospital_named_like_a_person_is_not_a_person() -> None:
    draft = _draft(
        "В Кимрах избили приезжего. Его доставили в Кимрскую ЦРБ, сообщил главврач Олег Ким."
    )
    assert all("ЦРБ" not in person.mention for person in draft.people)


def test_an_attacked_defender_is_a_victim_though_named_by_her_work() -> None:
    draft = _draft("В Уфе неизвестный избил правозащитницу Дину Хасанову у подъезда.")
    assert [v.name for v in draft.victims] == ["Дина Хасанова"]


def test_a_womans_name_that_is_also_a_mans_genitive_stays_hers() -> None:
    draft = _draft("Жительница Нальчика Заура Тутова получила травмы после нападения.")
    person = next(p for p in draft.people if p.mention == "Заура Тутова")
    assert (person.name, person.sex) == ("Заура Тутова", "female")


def test_a_victim_named_after_the_word_victim_keeps_her_name_and_sex() -> None:
    draft = _draft("Пострадавшая Заура Тутова рассказала, что её оскорбляли.")
    assert [(v.name, v.sex) for v in draft.victims] == [("Заура Тутова", "female")]


def test_a_headline_without_a_full_stop_does_not_run_into_the_first_sentence() -> None:
    draft = _draft(
        "Задержан мужчина, застреливший двоих\n\nАхмед Юсупов застрелил двоих охранников."
    )
    assert [p.name for p in draft.perpetrators] == ["Ахмед Юсупов"]


def test_each_person_keeps_the_words_that_show_the_role() -> None:
    draft = _draft("Следователь Антон Белов сообщил, что дело возбуждено.")
    person = draft.people[0]
    assert (person.role, person.cue) == ("other", "Следователь")


# ---- places -----------------------------------------------------------------------------------


def test_a_victims_origin_is_not_the_place_of_the_attack() -> None:
    draft = _draft(
        "Полиция ищет тех, кто избил уроженца Ингушетии. Нападение случилось в Боровичах."
    )
    assert (draft.region, draft.locality) == ("RU-NGR", "Боровичи")
    assert draft.origins == ["уроженца Ингушетии"]


def test_an_official_of_a_republic_does_not_place_the_attack_there() -> None:
    draft = _draft(
        "Министр по делам национальностей Республики Дагестан осудил нападение на студента "
        "в Нижнем Новгороде."
    )
    assert draft.region == "RU-NIZ"


def test_a_town_outside_the_regional_capitals_is_placed_in_its_region() -> None:
    assert _draft("В Кинешме избили продавца.").region == "RU-IVA"


def test_a_settlement_named_after_the_capital_is_the_more_precise_place() -> None:
    draft = _draft("В Москве избит курьер\n\nНападение произошло в Новых Ватутинках.")
    assert draft.locality == "Новые Ватутинки"


def test_a_settlement_of_new_moscow_is_in_moscow() -> None:
    draft = _draft("В Новых Ватутинках двое мужчин избили курьера.")
    assert (draft.region, draft.locality) == ("RU-MOW", "Новые Ватутинки")


def test_a_city_named_only_by_an_adjective_is_placed_with_low_confidence() -> None:
    draft = _draft("Силовики пришли с обыском в офис санкт-петербургского правозащитного центра.")
    assert draft.region == "RU-SPE"
    assert draft.confidence["region"] == ("low", "adjective")


def test_a_street_in_an_address_is_neither_a_person_nor_a_place() -> None:
    draft = _draft("В Петербурге прошёл обыск в квартире активистки на ул. Рубинштейна, д. 12.")
    assert draft.people == []
    assert draft.locality == "Санкт-Петербург"
    assert any(e.field == "locality" and "Рубинштейна" in e.text for e in draft.evidence)


# ---- counts and the attempt -------------------------------------------------------------------


def test_a_number_in_words_taken_to_hospital_counts_as_injured() -> None:
    draft = _draft("После драки у клуба пятеро студентов оказались в больнице.")
    assert (draft.killed, draft.injured) == (0, 5)


def test_one_person_beaten_is_one_injured() -> None:
    assert _draft("В Твери неизвестные избили таксиста.").injured == 1


def test_an_attack_on_a_number_of_people_counts_them() -> None:
    assert _draft("Вечером в сквере напали на четверых школьников.").injured == 4


def test_a_concussion_and_a_trip_to_hospital_is_one_injured() -> None:
    draft = _draft("С сотрясением мозга и переломом руки мужчину отвезли в больницу.")
    assert draft.injured >= 1


def test_those_killed_are_counted_once_and_not_again_as_injured() -> None:
    draft = _draft(
        "Мужчина зарезал троих прохожих. Один скончался на месте, двое умерли в больнице."
    )
    assert (draft.killed, draft.injured) == (3, 0)


def test_of_those_attacked_the_dead_are_not_injured() -> None:
    draft = _draft("Неизвестные напали на троих мужчин, один из них скончался.")
    assert (draft.killed, draft.injured) == (1, 2)


def test_a_man_who_died_in_the_street_is_one_killed() -> None:
    assert _draft("Избитый Курбанов умер на улице до приезда врачей.").killed == 1


def test_attempted_murder_nobody_died_of_is_an_assault_marked_attempted() -> None:
    draft = _draft("Против нападавшего возбуждено дело о покушении на убийство, раненый выжил.")
    assert (draft.incident_type, draft.attempted, draft.killed) == ("physical_assault", True, 0)


# ---- confidence -------------------------------------------------------------------------------


def test_a_date_written_out_is_surer_than_one_reckoned_from_a_weekday() -> None:
    written = _draft("Нападение произошло 3 марта 2024 года в Омске.")
    reckoned = _draft("Нападение произошло в субботу в Омске.")
    assert written.confidence["date"][0] == "high"
    assert reckoned.confidence["date"] == ("medium", "relative to publication")


def test_a_count_from_a_numeral_is_surer_than_one_from_a_verb() -> None:
    assert _draft("Трое ранены.").confidence["injured"][0] == "high"
    assert _draft("Мужчина ранен.").confidence["injured"][0] == "medium"


# ---- English ----------------------------------------------------------------------------------


def test_an_english_suspect_is_a_perpetrator_and_the_one_he_attacked_a_victim() -> None:
    draft = _draft(
        "Police said the suspect Pavel Orlov attacked Timur Askerov outside a cafe in Kazan.",
        language="en",
    )
    assert [p.name for p in draft.perpetrators] == ["Pavel Orlov"]
    assert [v.name for v in draft.victims] == ["Timur Askerov"]


def test_an_english_headline_does_not_lend_its_last_word_to_a_name() -> None:
    draft = _draft("Student beaten in Kazan\n\nOn Saturday Ilnur Gabdullin was beaten.", "en")
    assert [v.name for v in draft.victims] == ["Ilnur Gabdullin"]


def test_an_english_native_of_a_republic_does_not_place_the_attack_there() -> None:
    draft = _draft("A native of Dagestan was beaten in Tver on Friday.", language="en")
    assert draft.region == "RU-TVE"


def test_the_day_of_a_court_hearing_does_not_date_the_attack() -> None:
    draft = _draft(
        "Сегодня суд в Липецке приговорил двоих мужчин к трём годам колонии. "
        "Они избили студента из Индии в марте прошлого года."
    )
    assert (draft.date_start, draft.date_precision) == (datetime.date(2023, 3, 1), "month")
