"""Preparation reads each distinct value once and still names the report a bad value comes from."""

from __future__ import annotations

import pandas as pd
import pytest

from dozor.analysis import linkage
from dozor.analysis.linkage import prepare
from dozor.analysis.linkage.prepare import (
    MSG_BAD_COUNT,
    MSG_BAD_PRECISION,
    features_from_reports,
    reports_frame,
)


def _frame(count: int = 3) -> pd.DataFrame:
    parsed = {
        "date": "2021-03-14",
        "date_precision": "day",
        "region": "RU-MOW",
        "locality": "Москва",
        "incident_type": "physical_assault",
        "killed": 0,
        "injured": 1,
        "victims": [{"name": "Хуршеда Султонова", "sex": "male", "age": 30}],
        "summary": "Нападение на строителя возле станции метро Выхино, строитель госпитализирован",
    }
    return reports_frame((f"r{i}", f"list{i % 2}", dict(parsed)) for i in range(count))


def test_a_name_repeated_in_many_reports_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = prepare._victim_keys

    def counting(victims):  # type: ignore[no-untyped-def]
        victims = list(victims)
        calls.extend(str(v.get("name")) for v in victims)
        return real(victims)

    monkeypatch.setattr(prepare, "_victim_keys", counting)
    features = features_from_reports(_frame(50))
    assert calls == ["Хуршеда Султонова"]
    assert features["victim_names"].map(tuple).nunique() == 1


def test_each_report_keeps_its_own_features_when_values_are_shared() -> None:
    frame = _frame(4)
    frame.loc[2, "date"] = "2021-03-20"
    frame.loc[3, "victims"] = [[{"name": "Anna Petrova", "sex": "female"}]]
    features = features_from_reports(frame).set_index("unique_id")
    assert features.loc["r0", "day_exact"] == features.loc["r1", "day_exact"]
    assert features.loc["r2", "day_exact"] - features.loc["r0", "day_exact"] == 6
    assert features.loc["r3", "victim_names"] == ["anna petrov"]
    assert features.loc["r0", "victim_names"] == ["khurshed sultonov"]


def test_a_bad_count_names_the_first_report_that_gives_it() -> None:
    frame = _frame(4)
    frame["injured"] = frame["injured"].astype(object)
    frame.loc[[1, 3], "injured"] = -2
    with pytest.raises(linkage.LinkageInputError) as error:
        features_from_reports(frame)
    assert str(error.value) == MSG_BAD_COUNT.format(report_id="r1", column="injured", value=-2)


def test_an_unknown_precision_names_the_first_report_that_gives_it() -> None:
    frame = _frame(3)
    frame.loc[2, "date_precision"] = "decade"
    with pytest.raises(linkage.LinkageInputError) as error:
        features_from_reports(frame)
    assert str(error.value) == MSG_BAD_PRECISION.format(report_id="r2", value="decade")


def test_words_in_most_summaries_are_dropped_as_common() -> None:
    frame = _frame(300)
    frame.loc[0, "summary"] = "Поджог автомобиля правозащитника в Казани"
    features = features_from_reports(frame)
    assert features["summary_words"].iloc[1] is None
    assert features["summary_words"].iloc[0] == ["avtomo", "kazani", "podzho", "pravoz"]


def test_values_read_in_worker_processes_come_back_in_order() -> None:
    texts = [f"Нападение номер {n} возле станции Выхино, пострадавший {n}" for n in range(40)]
    texts += ["", "Short text", *texts[:5]]
    serial = prepare.read_distinct(prepare.summary_words, texts, workers=1)
    parallel = prepare.read_distinct(prepare.summary_words, texts, workers=2, parallel_from=10)
    assert parallel == serial
    assert serial == [prepare.summary_words(text) for text in texts]


def test_features_read_in_two_processes_equal_those_read_in_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frame = reports_frame(
        (
            f"r{i}",
            "list",
            {
                "date": f"2021-03-{1 + i % 28:02d}",
                "region": "RU-MOW",
                "incident_type": "physical_assault",
                "victims": [{"name": f"Икром Рахманов{'а' * (i % 3)}", "sex": "male"}],
                "summary": f"Нападение {i} возле станции метро Выхино",
            },
        )
        for i in range(60)
    )
    serial = features_from_reports(frame)
    monkeypatch.setattr(prepare, "PARALLEL_FROM", 2)
    assert features_from_reports(frame, workers=2).equals(serial)


def test_a_persons_custom_values_change_nothing_linkage_compares() -> None:
    frame = _frame(2)
    victim = {"name": "Хуршеда Султонова", "sex": "male", "age": 30}
    frame.at[1, "victims"] = [{**victim, "custom_nationality": "Таджикистан"}]
    features = features_from_reports(frame).set_index("unique_id")
    compared = [column for column in features.columns if column != "source"]
    first, second = (features.loc[row, compared].map(str).to_dict() for row in ("r0", "r1"))
    assert first == second
