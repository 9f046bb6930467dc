"""The data-file adapter: each mistake of a file in one line, "file: key: expected …; found …"."""

from __future__ import annotations

import subprocess
import sys
from typing import Any, Literal

import pytest
from pydantic import field_validator

from dozor.lib.schemas import Schema, SchemaError, Wording, expected, load_model, refused


class Label(Schema):
    en: str
    ru: str


class Term(Schema):
    code: str
    label: Label
    kind: Literal["a", "b"] = "a"

    @field_validator("code")
    @classmethod
    def _no_spaces(cls, value: str) -> str:
        if " " in value:
            raise expected("a code without spaces")
        if value == "secret":
            raise refused("reserved", code=value)
        return value


class Vocabulary(Schema):
    version: int
    terms: list[Term]
    groups: dict[str, Label] = {}


def refusal(data: Any, wording: Wording | None = None) -> list[str]:
    with pytest.raises(SchemaError) as error:
        load_model(Vocabulary, data, source="v.yaml", wording=wording)
    return list(error.value.messages)


def term(**changes: Any) -> dict[str, Any]:
    return {"code": "a", "label": {"en": "A", "ru": "А"}, **changes}


def test_a_valid_file_gives_the_model() -> None:
    model = load_model(Vocabulary, {"version": 1, "terms": [term()]}, source="v.yaml")
    assert model.terms[0].label.ru == "А"


def test_a_nested_key_is_dotted_and_a_list_item_counted_from_one() -> None:
    data = {"version": 1, "terms": [term(), term(label={"en": "B", "ru": 2})]}
    assert refusal(data) == ["v.yaml: terms[2].label.ru: expected a text; found int 2."]


def test_a_missing_key_says_nothing_was_found() -> None:
    assert refusal({"terms": [term()]}) == ["v.yaml: version: expected a value; found nothing."]


def test_an_unknown_key_names_the_keys_allowed_there() -> None:
    assert refusal({"version": 1, "terms": [term(colour="red")]}) == [
        "v.yaml: terms[1].colour: unknown key; the keys allowed here are code, kind, label."
    ]


def test_a_wrong_type_names_what_was_expected_and_found() -> None:
    assert refusal({"version": "1", "terms": [term()]}) == [
        "v.yaml: version: expected a whole number; found str '1'."
    ]


def test_a_choice_names_the_choices() -> None:
    assert refusal({"version": 1, "terms": [term(kind="c")]}) == [
        "v.yaml: terms[1].kind: expected one of 'a' or 'b'; found str 'c'."
    ]


def test_a_key_of_a_mapping_is_part_of_the_path() -> None:
    assert refusal({"version": 1, "terms": [term()], "groups": {"g": {"en": "G"}}}) == [
        "v.yaml: groups.g.ru: expected a value; found nothing."
    ]


def test_every_mistake_is_reported_not_only_the_first() -> None:
    data = {"version": True, "terms": [term(code="a b"), term(label="A")], "extra": 1}
    assert refusal(data) == [
        "v.yaml: version: expected a whole number; found bool True.",
        "v.yaml: terms[1].code: expected a code without spaces; found str 'a b'.",
        "v.yaml: terms[2].label: expected a mapping of keys to values; found str 'A'.",
        "v.yaml: extra: unknown key; the keys allowed here are groups, terms, version.",
    ]


def test_unknown_keys_beside_other_mistakes_below_are_all_reported() -> None:
    data = {"version": 1, "terms": [term(label={"en": 1, "ru": "А", "fr": "A"})], "x": 0}
    assert refusal(data) == [
        "v.yaml: terms[1].label.en: expected a text; found int 1.",
        "v.yaml: terms[1].label.fr: unknown key; the keys allowed here are en, ru.",
        "v.yaml: x: unknown key; the keys allowed here are groups, terms, version.",
    ]


def test_a_file_that_is_not_a_mapping_is_refused_at_the_top_level() -> None:
    assert refusal(["a"]) == [
        "v.yaml: (top level): expected a mapping of keys to values; found list ['a']."
    ]


def test_the_wording_can_be_replaced_by_a_translation() -> None:
    wording = Wording(
        mismatch="%(file)s: %(key)s: ожидалось %(expected)s; найдено %(found)s.",
        nothing="ничего",
        expected={"missing": "значение"},
    )
    assert refusal({"terms": [term()]}, wording) == [
        "v.yaml: version: ожидалось значение; найдено ничего."
    ]


def test_a_callers_own_mistake_is_worded_by_its_own_message() -> None:
    wording = Wording(own={"reserved": "%(file)s: %(key)s: “%(code)s” is reserved."})
    assert refusal({"version": 1, "terms": [term(code="secret")]}, wording) == [
        "v.yaml: terms[1].code: “secret” is reserved."
    ]


def test_the_callers_exception_type_is_raised() -> None:
    class CatalogueError(SchemaError):
        pass

    with pytest.raises(CatalogueError, match=r"^v.yaml: version: expected a whole number"):
        load_model(Vocabulary, {"version": 1.5, "terms": []}, source="v.yaml", error=CatalogueError)


def test_the_adapter_loads_no_django_and_no_app() -> None:
    code = (
        "import sys, dozor.lib.schemas; "
        "print(sorted(m for m in sys.modules if m.startswith('django') "
        "or (m.startswith('dozor.') and not m.startswith('dozor.lib'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
