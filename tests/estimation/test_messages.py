"""Every caution and refusal of the estimator has its words, in English and in Russian."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import translation

from dozor.analysis import mse
from dozor.analysis.mse.codes import CAUTION_TEMPLATES, REFUSAL_TEMPLATES
from dozor.estimation import messages

PLACEHOLDER = re.compile(r"%\((\w+)\)")
ENGLISH_PLACEHOLDER = re.compile(r"\{(\w+)")


def rendered(text: Any, language: str) -> str:
    with translation.override(language):
        return str(text)


@pytest.mark.parametrize("code", mse.CAUTION_CODES)
def test_every_caution_has_an_english_and_a_russian_message(code: str) -> None:
    template = messages.CAUTION_MESSAGES[code]
    english, russian = rendered(template, "en"), rendered(template, "ru")
    assert english and russian != english
    assert re.search("[а-яё]", russian), russian


@pytest.mark.parametrize("code", mse.REFUSAL_CODES)
def test_every_refusal_has_an_english_and_a_russian_message(code: str) -> None:
    template = messages.REFUSAL_MESSAGES[code]
    english, russian = rendered(template, "en"), rendered(template, "ru")
    assert english and russian != english
    assert re.search("[а-яё]", russian), russian


def test_no_message_waits_for_a_code_the_analysis_does_not_know() -> None:
    assert set(messages.CAUTION_MESSAGES) == set(mse.CAUTION_CODES)
    assert set(messages.REFUSAL_MESSAGES) == set(mse.REFUSAL_CODES)


@pytest.mark.parametrize(
    ("table", "analysis"),
    [
        (messages.CAUTION_MESSAGES, CAUTION_TEMPLATES),
        (messages.REFUSAL_MESSAGES, REFUSAL_TEMPLATES),
    ],
)
def test_messages_use_only_the_parameters_the_analysis_gives(
    table: dict[str, Any], analysis: dict[str, str]
) -> None:
    for code, template in table.items():
        needs = set(PLACEHOLDER.findall(rendered(template, "ru")))
        needs |= set(PLACEHOLDER.findall(rendered(template, "en")))
        assert needs <= set(ENGLISH_PLACEHOLDER.findall(analysis[code])), code


def test_a_caution_is_said_in_russian_with_its_figures() -> None:
    with translation.override("ru"):
        text = messages.caution_text(
            "upper_beyond_multiple", {"upper": 11390.0, "observed": 1936, "multiple": 5}
        )
    assert (
        text.startswith("Верхняя граница (11\xa0390)") and "(1\xa0936)" in text and " 5 раз" in text
    )


def test_a_refusal_is_said_with_its_lists() -> None:
    with translation.override("en"):
        text = messages.refusal_text("empty_lists", {"lists": ["Memorial", "SOVA"]})
    assert text.startswith("The list(s) Memorial, SOVA recorded no incident")


def test_the_cautions_of_an_estimate_are_rendered_from_their_codes() -> None:
    ch = mse.CaptureHistories.from_table([0, 5, 0, 2, 0, 1, 0, 0], ["a", "b", "c"])
    result = {"cautions": [c.to_dict() for c in mse.check_histories(ch)]}
    with translation.override("ru"):
        texts = messages.stored_cautions(result)
    assert texts[0].startswith("Всего три списка")
    assert any("всего 8 (меньше 30)" in t for t in texts), texts


def test_an_english_caution_stored_by_an_earlier_version_is_shown_as_it_came() -> None:
    old = {"warnings": ["only 8 individuals observed: the estimate is fragile"]}
    with translation.override("ru"):
        (text,) = messages.stored_cautions(old)
    assert text.startswith("only 8 individuals observed: the estimate is fragile (")
    assert "по-английски" in text


def test_a_stored_refusal_is_said_from_its_code_and_an_old_one_as_it_came() -> None:
    with translation.override("en"):
        new = messages.stored_refusal(
            {"error": "…", "refusal": {"code": "no_overlap", "params": {}}}
        )
        old = messages.stored_refusal({"error": "no individual appears on more than one list"})
    assert new.startswith("No incident in this group was recorded by more than one list")
    assert old.startswith("no individual appears on more than one list (as recorded")
    assert messages.stored_refusal({"estimate": 12.0, "error": ""}) == ""


def test_a_code_this_version_does_not_know_is_named_not_hidden() -> None:
    with translation.override("en"):
        assert "“made_up”" in messages.caution_text("made_up", {})
