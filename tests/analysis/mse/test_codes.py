"""Cautions and refusals are codes with parameters, every one named in the lists of codes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dozor.analysis import mse
from dozor.analysis.mse.codes import CAUTION_TEMPLATES, REFUSAL_TEMPLATES, status_of

PACKAGE = Path(mse.__file__).resolve().parent


def calls(name: str) -> list[ast.Call]:
    found = []
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if called == name:
                    found.append(node)
    return found


def literal_codes(name: str, position: int) -> set[str]:
    codes = set()
    for call in calls(name):
        argument = call.args[position]
        assert isinstance(argument, ast.Constant), ast.dump(call)
        codes.add(argument.value)
    return codes


def test_every_refusal_raised_names_a_known_code_and_every_code_is_raised() -> None:
    raised = literal_codes("refusal", 1)
    assert raised <= set(mse.REFUSAL_CODES)
    assert set(mse.REFUSAL_CODES) <= raised


def test_every_caution_given_names_a_known_code_and_every_code_is_given() -> None:
    given = literal_codes("Caution", 0)
    assert given <= set(mse.CAUTION_CODES)
    assert set(mse.CAUTION_CODES) <= given


@pytest.mark.parametrize("error", ["CaptureDataError", "MSEError", "ModelFitError"])
def test_no_error_is_raised_without_its_code(error: str) -> None:
    for call in calls(error):
        assert any(k.arg == "code" for k in call.keywords), ast.dump(call)


def test_an_error_keeps_its_english_message_code_and_parameters() -> None:
    with pytest.raises(mse.TooFewListsError) as caught:
        mse.check_histories(mse.CaptureHistories.from_table([0, 4, 3, 2], ["a", "b"]))
    assert caught.value.code == "too_few_lists"
    assert caught.value.params == {"lists": 2, "minimum": 3}
    assert str(caught.value).startswith("2 list(s) given; multiple systems estimation needs")
    assert caught.value.to_dict() == {"code": "too_few_lists", "params": {"lists": 2, "minimum": 3}}


def test_an_unknown_code_cannot_be_made() -> None:
    with pytest.raises(ValueError, match="unknown caution code"):
        mse.Caution("made_up")
    with pytest.raises(ValueError, match="unknown refusal code"):
        mse.MSEError("text", code="made_up")


def test_the_status_follows_from_the_cautions() -> None:
    assert status_of([]) == "ok"
    assert status_of(["three_lists"]) == "ok"
    assert status_of(["three_lists", "complete_graph"]) == "prior_driven"
    assert status_of(["upper_beyond_multiple", "lcmcr_not_converged"]) == "not_converged"


def test_english_templates_take_the_parameters_they_are_given() -> None:
    assert set(CAUTION_TEMPLATES) == set(mse.CAUTION_CODES)
    assert set(REFUSAL_TEMPLATES) == set(mse.REFUSAL_CODES)
    caution = mse.Caution(
        "upper_beyond_multiple", {"upper": 9876.5, "observed": 1200, "multiple": 5}
    )
    assert caution.english().startswith("the upper limit (9,876) is more than 5 times")
    assert caution.to_dict() == {
        "code": "upper_beyond_multiple",
        "params": {"upper": 9876.5, "observed": 1200, "multiple": 5},
    }
