"""What the data cannot say: every method marks an estimate the data do not identify."""

from __future__ import annotations

import numpy as np
import pytest

from dozor.analysis import mse
from dozor.analysis.mse import CaptureHistories

pytestmark = pytest.mark.filterwarnings("ignore::dozor.analysis.mse.MSEWarning")


@pytest.fixture(scope="module")
def three_way() -> CaptureHistories:
    """Three lists that share far more cases than any pairwise dependence explains."""
    table = np.zeros(8, dtype=int)
    table[[1, 2, 4, 3, 5, 6, 7]] = [300, 300, 300, 20, 20, 20, 200]
    return CaptureHistories.from_table(table, ["A", "B", "C"])


def test_dga_complete_graph_on_three_lists_is_prior_driven(three_way: CaptureHistories) -> None:
    result = mse.estimate(three_way, "dga")
    assert result.details["top_graphs"][0]["graph"] == "[A,B,C]"
    assert result.status == "prior_driven"
    caution = next(c for c in result.cautions if c.code == "complete_graph")
    assert caution.params["lists"] == 3 and caution.params["probability"] > 0.99
    # the estimate is the prior's: a handful above the observed count
    assert result.estimate - three_way.observed < 10


def test_three_lists_always_say_dependence_and_heterogeneity_cannot_both_be_modelled(
    three_way: CaptureHistories,
) -> None:
    for method in mse.METHODS:
        result = mse.estimate(three_way, method, **({"seed": 1} if method == "lcmcr" else {}))
        assert result.caution_codes()[0] == "three_lists", method


def test_a_saturated_log_linear_model_is_prior_driven(three_way: CaptureHistories) -> None:
    result = mse.estimate(three_way, "loglinear", model="Mt + A:B + A:C + B:C")
    assert result.details["df"] == 0
    assert result.status == "prior_driven"
    saturated = next(c for c in result.cautions if c.code == "saturated_model")
    assert saturated.params == {"model": "Mt + A:B + A:C + B:C", "parameters": 7, "cells": 7}


def test_selection_never_picks_a_saturated_model(three_way: CaptureHistories) -> None:
    result = mse.estimate(three_way, "loglinear")
    assert result.details["df"] > 0
    assert result.details["saturated_models_left_out"] == ["Mt + A:B + A:C + B:C"]
    assert "saturated_model" not in result.caution_codes()


def test_stepwise_selection_never_saturates_either(three_way: CaptureHistories) -> None:
    result = mse.estimate(three_way, "loglinear", selection="stepwise")
    assert result.details["df"] > 0


def test_a_model_that_does_not_fit_the_table_is_cautioned(three_way: CaptureHistories) -> None:
    result = mse.estimate(three_way, "loglinear")
    lack = next(c for c in result.cautions if c.code == "lack_of_fit")
    assert lack.params["model"] == result.model and lack.params["p"] < 0.05


def test_an_upper_limit_far_beyond_the_observed_is_prior_driven(hiv: CaptureHistories) -> None:
    # 1,774 of 1,896 people are on one list only: the independence model's upper limit is
    # about seven times the observed count
    result = mse.estimate(hiv, "loglinear", model="Mt")
    assert result.upper > mse.UPPER_MULTIPLE * hiv.observed
    assert result.status == "prior_driven"
    caution = next(c for c in result.cautions if c.code == "upper_beyond_multiple")
    assert caution.params == {
        "upper": result.upper,
        "observed": 1896,
        "multiple": mse.UPPER_MULTIPLE,
    }


def test_an_estimate_the_data_identify_is_ok(lesbian: CaptureHistories) -> None:
    result = mse.estimate(lesbian, "loglinear", model="Mt")
    assert result.status == "ok"
    assert result.to_dict()["status"] == "ok"
