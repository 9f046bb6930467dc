"""Replicate estimates combined on the log scale with total variance (Rubin's rules)."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from dozor.analysis.mse import Estimate, MSEError
from dozor.analysis.mse.replicates import combine_replicates


def _estimate(value: float, lower: float, upper: float) -> Estimate:
    # Few observed, so that the floor at the smallest observed count never binds here.
    return Estimate(observed=10, estimate=value, lower=lower, upper=upper, method="loglinear")


def test_identical_replicates_keep_the_estimate_and_its_log_scale_spread() -> None:
    combined = combine_replicates([_estimate(200, 150, 300)] * 5)
    half = (math.log(300) - math.log(150)) / 2
    assert combined.estimate == pytest.approx(200)
    assert combined.lower == pytest.approx(200 * math.exp(-half))
    assert combined.upper == pytest.approx(200 * math.exp(half))
    assert combined.details["between_variance"] == 0


def test_two_replicates_combine_as_rubins_rules_say() -> None:
    first, second = _estimate(200, 150, 300), _estimate(300, 220, 420)
    combined = combine_replicates([first, second])
    z = stats.norm.ppf(0.975)
    within = (
        ((math.log(300) - math.log(150)) / (2 * z)) ** 2
        + ((math.log(420) - math.log(220)) / (2 * z)) ** 2
    ) / 2
    mean = (math.log(200) + math.log(300)) / 2
    between = (math.log(300) - math.log(200)) ** 2 / 2
    total = within + 1.5 * between
    df = (1 + within / (1.5 * between)) ** 2
    t = stats.t.ppf(0.975, df)
    assert combined.estimate == pytest.approx(math.exp(mean))
    assert combined.lower == pytest.approx(math.exp(mean - t * math.sqrt(total)))
    assert combined.upper == pytest.approx(math.exp(mean + t * math.sqrt(total)))


def test_disagreeing_replicates_widen_the_interval() -> None:
    alike = combine_replicates([_estimate(250, 190, 330)] * 4)
    apart = combine_replicates(
        [
            _estimate(200, 150, 260),
            _estimate(300, 230, 390),
            _estimate(220, 165, 290),
            _estimate(280, 215, 365),
        ]
    )
    assert apart.upper / apart.lower > alike.upper / alike.lower


def test_the_lower_limit_is_never_below_what_a_replicate_observed() -> None:
    wide = Estimate(observed=190, estimate=200, lower=100, upper=400, method="loglinear")
    assert combine_replicates([wide, wide]).lower == 190


def test_a_replicate_without_an_upper_limit_leaves_the_combined_one_open() -> None:
    combined = combine_replicates([_estimate(200, 150, 300), _estimate(240, 160, math.inf)])
    assert math.isinf(combined.upper) and combined.lower == 150


def test_nothing_to_combine_is_refused() -> None:
    with pytest.raises(MSEError):
        combine_replicates([])
