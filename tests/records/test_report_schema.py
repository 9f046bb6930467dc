"""The report schema's reading of people: the organisation's custom values on a person are kept
as texts, anything else under their keys is left out of that person."""

from __future__ import annotations

from dozor.records.report_schema import standard_values


def victims_read(person: dict[str, object]) -> dict[str, object]:
    good, problems = standard_values({"victims": [person]})
    assert problems == []
    [read] = good["victims"]
    return dict(read)


def test_a_persons_custom_text_is_kept_trimmed() -> None:
    read = victims_read({"name": "Анна К.", "custom_nationality": " Таджикистан "})
    assert read["custom_nationality"] == "Таджикистан"


def test_a_persons_custom_value_that_is_not_a_text_is_left_out() -> None:
    read = victims_read({"name": "Анна К.", "custom_threats": 3, "custom_languages": ["ru"]})
    assert "custom_threats" not in read and "custom_languages" not in read
    assert read["name"] == "Анна К."


def test_a_persons_key_that_is_not_a_custom_field_key_is_left_out() -> None:
    read = victims_read({"name": "Анна К.", "custom_": "x", "custom_Bad Key": "y", "note": "z"})
    assert set(read) == {"name", "sex", "age", "perceived_group", "harm"}
