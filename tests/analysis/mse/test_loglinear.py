"""Log-linear models against Rcapture's and SparseMSE's published results."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from dozor.analysis import mse
from dozor.analysis.mse import CaptureHistories, ModelFitError
from dozor.analysis.mse import loglinear as ll


def test_hare_closedp_table_matches_rcapture(hare: CaptureHistories) -> None:
    table = ll.closedp_table(hare)
    # Rcapture 1.4 example output of closedp(hare): abundance, stderr, deviance, AIC
    published = {
        "M0": (75.4, 3.5, 68.516, 154.707),
        "Mt": (75.1, 3.4, 58.314, 154.505),
        "Mh Chao (LB)": (79.8, 6.4, 58.023, 150.214),
        "Mh Poisson2": (81.5, 5.7, 59.107, 147.298),
        "Mh Darroch": (90.4, 11.6, 61.600, 149.791),
        "Mh Gamma3.5": (100.6, 21.7, 62.771, 150.961),
        "Mth Chao (LB)": (79.6, 6.3, 47.115, 151.305),
        "Mth Poisson2": (81.1, 5.6, 48.137, 146.327),
        "Mth Darroch": (90.5, 11.7, 50.706, 148.896),
        "Mth Gamma3.5": (101.6, 22.4, 51.956, 150.147),
    }
    for model, (n, se, dev, aic) in published.items():
        row = table.loc[model]
        assert round(row["abundance"], 1) == n, model
        assert round(row["stderr"], 1) == se, model
        assert round(row["deviance"], 3) == dev, model
        assert round(row["AIC"], 3) == aic, model


def test_hare_mth_poisson2_with_profile_interval(hare: CaptureHistories) -> None:
    fit = ll.fit_model(hare, "Mth Poisson2")
    assert round(fit.estimate, 1) == 81.1
    assert round(fit.se, 1) == 5.6  # see tests/data/mse/README.md about "5.7"
    assert round(fit.aic) == 146
    lower, upper = ll.profile_interval(hare, fit)
    assert (round(lower, 1), round(upper, 1)) == (71.8, 93.8)


def test_hare_mt_without_history_111111(hare: CaptureHistories) -> None:
    result = mse.estimate(hare, "loglinear", model="Mt", exclude_histories=("111111",))
    assert round(result.estimate, 1) == 76.8
    assert result.se is not None and round(result.se, 1) == 3.9
    assert round(result.details["aic"], 3) == 146.085
    assert (round(result.lower, 1), round(result.upper, 1)) == (70.1, 85.4)
    assert result.model == "Mt without history 111111"


def test_hiv_selection_keeps_only_the_first_interaction(hiv: CaptureHistories) -> None:
    fits = ll.all_two_way_fits(hiv)
    assert len(fits) == 64
    best = ll.select_best(fits, "aic")
    assert best.spec.interactions == ((0, 1),)
    step, log = ll.stepwise(hiv, criterion="aic")
    assert step.spec.interactions == ((0, 1),)
    assert any("c1:c2" in line for line in log)
    # Rcapture's closedpCI.t(HIV, mX = ~ . + c1:c2)
    assert round(best.estimate, 1) == 12318.5
    assert round(best.se, 1) == 1188.7
    assert round(best.aic, 2) == 86.65
    lower, upper = ll.profile_interval(hiv, best)
    assert round(lower) == 10266
    assert round(upper, 1) == 14992.3


def test_lesbian_bic_selects_mth_darroch(lesbian: CaptureHistories) -> None:
    table = ll.closedp_table(lesbian)
    assert table["BIC"].idxmin() == "Mth Darroch"


def test_uk_stepwise_lands_in_home_office_range(uk: CaptureHistories) -> None:
    result = mse.estimate(uk, "loglinear", selection="stepwise")
    assert 10_000 <= result.estimate <= 13_000
    assert result.lower < result.estimate < result.upper
    assert result.details["steps"][0].startswith("start: Mt")
    assert "sparse_table" in result.caution_codes()


def test_model_average_weights(hiv: CaptureHistories) -> None:
    fits = ll.all_two_way_fits(hiv)
    avg = ll.model_average(fits)
    assert math.isclose(sum(avg.weights.values()), 1.0)
    assert next(iter(avg.weights)) == "Mt + c1:c2"
    ests = [f.estimate for f in fits]
    assert min(ests) <= avg.estimate <= max(ests)
    assert avg.lower >= hiv.observed and avg.lower < avg.estimate < avg.upper


def test_parse_model_names() -> None:
    lists = ("A", "B", "C", "D")
    spec = ll.parse_model("Mth Gamma3.5", lists)
    assert (spec.base, spec.heterogeneity, spec.theta) == ("Mt", "Gamma", 3.5)
    spec = ll.parse_model("Mt + B:A + C:D", lists)
    assert spec.interactions == ((0, 1), (2, 3))
    assert spec.name(lists) == "Mt + A:B + C:D"
    with pytest.raises(mse.MSEError):
        ll.parse_model("Mx", lists)
    with pytest.raises(mse.MSEError):
        ll.parse_model("Mt + A:Z", lists)


def test_non_identifiable_interaction_is_refused() -> None:
    # lists a and b never share anyone: the a:b interaction has no finite estimate
    table = np.zeros(8, dtype=int)
    table[[1, 2, 4, 5, 6]] = [40, 30, 50, 10, 8]
    ch = CaptureHistories.from_table(table, ["a", "b", "c"])
    with pytest.raises(ModelFitError, match="no finite maximum-likelihood"):
        ll.fit_model(ch, "Mt + a:b")
    assert (0, 1) not in ll.identifiable_pairs(ch)


def test_independent_lists_recovered() -> None:
    rng = np.random.default_rng(7)
    n_true = 3000
    caught = rng.random((n_true, 4)) < np.array([0.3, 0.2, 0.25, 0.15])
    seen = caught[caught.any(axis=1)].astype(int)
    idx = seen @ (1 << np.arange(4))
    ch = CaptureHistories.from_table(np.bincount(idx, minlength=16), ["a", "b", "c", "d"])
    result = mse.estimate(ch, "loglinear", model="Mt")
    assert result.lower < n_true < result.upper


def test_two_lists_only_when_asked() -> None:
    # Seber (1982) p. 107, Rcapture's closedp.t example: Mt gives 2389.9 (s.e. 130.4)
    ch = CaptureHistories.from_table([0, 781, 254, 167], ["a", "b"])
    with pytest.raises(mse.TooFewListsError):
        mse.estimate(ch, "loglinear")
    with pytest.warns(mse.MSEWarning, match="cannot test"):
        result = mse.estimate(ch, "loglinear", allow_two_lists=True)
    assert result.model == "Mt"
    assert round(result.estimate, 1) == 2389.9
    assert result.se is not None and round(result.se, 1) == 130.4


def test_estimate_by_stratum(hiv: CaptureHistories) -> None:
    frame = hiv.to_frame("freq")
    both = pd.concat([frame.assign(area="x"), frame.assign(area="y", freq=frame.freq // 100)])
    with pytest.warns(mse.MSEWarning, match="strata y have fewer"):
        results = mse.estimate_by_stratum(
            both, "area", "loglinear", count_column="freq", model="Mt + c1:c2"
        )
    assert list(results) == ["x"]
    assert round(results["x"].estimate, 1) == 12318.5
