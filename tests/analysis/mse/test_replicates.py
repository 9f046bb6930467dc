"""Rubin's rules on the log scale: combining estimates made on replicate data sets."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from dozor.analysis import mse
from dozor.analysis.mse import Caution, Estimate, combine_replicates


def replicate(estimate: float, lower: float, upper: float, observed: int = 100) -> Estimate:
    return Estimate(
        observed=observed, estimate=estimate, lower=lower, upper=upper, method="loglinear"
    )


def log_se(lower: float, upper: float, level: float = 0.95) -> float:
    return (math.log(upper) - math.log(lower)) / (2 * stats.norm.ppf(0.5 + level / 2))


def test_identical_replicates_give_back_the_same_interval() -> None:
    one = replicate(200.0, 150.0, 266.0)
    combined = combine_replicates([one, one, one])
    assert combined.details["between_variance"] == 0.0
    assert math.isclose(combined.estimate, 200.0)
    # a symmetric interval on the log scale is reproduced exactly by the normal quantile
    assert math.isclose(
        combined.lower, math.exp(math.log(200) - 1.96 * log_se(150, 266)), rel_tol=1e-3
    )
    assert combined.upper == pytest.approx(
        math.exp(math.log(200) + 1.96 * log_se(150, 266)), rel=1e-3
    )


def test_the_estimate_is_the_geometric_mean_and_the_variance_adds_the_spread() -> None:
    reps = [replicate(180.0, 150.0, 216.0), replicate(220.0, 183.0, 264.0)]
    combined = combine_replicates(reps)
    assert math.isclose(combined.estimate, math.sqrt(180 * 220))
    within = (log_se(150, 216) ** 2 + log_se(183, 264) ** 2) / 2
    between = (math.log(180) - math.log(220)) ** 2 / 2
    assert math.isclose(combined.details["within_variance"], within)
    assert math.isclose(combined.details["between_variance"], between)
    assert math.isclose(combined.details["total_variance"], within + 1.5 * between)
    df = (2 - 1) * (1 + within / (1.5 * between)) ** 2
    assert math.isclose(combined.details["degrees_of_freedom"], df)
    half = stats.t.ppf(0.975, df) * math.sqrt(within + 1.5 * between)
    assert math.isclose(combined.upper, math.sqrt(180 * 220) * math.exp(half))


def test_spread_between_replicates_widens_the_interval() -> None:
    tight = combine_replicates([replicate(200.0, 180.0, 222.0)] * 4)
    spread = combine_replicates(
        [replicate(n, 0.9 * n, 1.11 * n) for n in (170.0, 190.0, 210.0, 235.0)]
    )
    assert spread.upper - spread.lower > tight.upper - tight.lower


def test_the_lower_limit_never_falls_below_the_smallest_observed_count() -> None:
    reps = [replicate(105.0, 100.5, 140.0, observed=100), replicate(300.0, 200.0, 500.0, 102)]
    assert combine_replicates(reps).lower >= 100


def test_an_unbounded_replicate_leaves_the_combined_upper_limit_unbounded() -> None:
    combined = combine_replicates(
        [replicate(200.0, 150.0, 266.0), replicate(210.0, 160.0, math.inf)]
    )
    assert combined.upper == math.inf
    assert combined.status == "prior_driven"
    assert "upper_unbounded" in combined.caution_codes()


def test_the_replicates_cautions_come_along_once_each() -> None:
    cautioned = Estimate(
        observed=100,
        estimate=200.0,
        lower=150.0,
        upper=266.0,
        method="lcmcr",
        cautions=(Caution("three_lists"),),
    )
    combined = combine_replicates([cautioned, cautioned, replicate(205.0, 150.0, 270.0)])
    assert combined.caution_codes() == ("three_lists", "replicates_cautioned")
    assert combined.cautions[1].params == {"cautioned": 2, "replicates": 3}


def test_no_replicates_is_a_refusal_with_a_code() -> None:
    with pytest.raises(mse.MSEError) as caught:
        combine_replicates([])
    assert caught.value.code == "no_replicates"
