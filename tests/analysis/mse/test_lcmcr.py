"""The latent-class sampler: reproducibility, agreement of backends, recovery, coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dozor.analysis import mse
from dozor.analysis.mse import CaptureHistories, LcmcrSettings
from dozor.analysis.mse.diagnostics import effective_sample_size, split_rhat
from dozor.analysis.mse.lcmcr import fit_lcmcr, run_chain

from .conftest import DATA


def simulate(sizes: list[int], probs: np.ndarray, seed: int) -> CaptureHistories:
    """Draw a population of strata with given per-list capture probabilities."""
    rng = np.random.default_rng(seed)
    p = np.repeat(np.asarray(probs, dtype=float), sizes, axis=0)
    caught = rng.random(p.shape) < p
    seen = caught[caught.any(axis=1)].astype(np.int64)
    j = p.shape[1]
    table = np.bincount(seen @ (1 << np.arange(j)), minlength=2**j)
    return CaptureHistories.from_table(table, [f"list{i + 1}" for i in range(j)])


@pytest.fixture(scope="module")
def independent() -> CaptureHistories:
    return simulate([2000], np.array([[0.3, 0.2, 0.25, 0.15]]), seed=11)


SHORT = {"K": 5, "burnin": 1000, "samples": 300, "thinning": 10}
FIXED = {**SHORT, "adaptive": False}


def test_same_seed_same_draws(independent: CaptureHistories) -> None:
    for backend in ("numba", "numpy"):
        a = run_chain(independent, seed=5, backend=backend, **SHORT)
        b = run_chain(independent, seed=5, backend=backend, **SHORT)
        c = run_chain(independent, seed=6, backend=backend, **SHORT)
        assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
        assert not np.array_equal(a[0], c[0])


def test_facade_is_reproducible_with_seed(independent: CaptureHistories) -> None:
    one = mse.estimate(independent, "lcmcr", seed=42, chains=2, **FIXED)
    two = mse.estimate(independent, "lcmcr", seed=42, chains=2, **FIXED)
    assert one.estimate == two.estimate and one.lower == two.lower
    assert one.seed == 42 and one.details["chain_seeds"] == two.details["chain_seeds"]
    assert len(one.details["trace_N"]) == 2 and len(one.details["trace_N"][0]) == 300


def test_backends_sample_the_same_posterior(independent: CaptureHistories) -> None:
    cfg = {"K": 5, "burnin": 2000, "samples": 1000, "thinning": 10}
    fast = run_chain(independent, seed=1, backend="numba", **cfg)[0]
    slow = run_chain(independent, seed=2, backend="numpy", **cfg)[0]
    # same model, different random streams: medians and spreads agree
    assert abs(np.median(fast) - np.median(slow)) < 0.4 * (np.std(fast) + np.std(slow))
    assert 0.6 < np.std(fast) / np.std(slow) < 1.6


def test_independent_lists_recovered(independent: CaptureHistories) -> None:
    post = fit_lcmcr(
        independent,
        LcmcrSettings(K=5, burnin=2000, samples=500, thinning=20, chains=2, seed=3, adaptive=False),
    )
    s = post.summary
    assert s["lower"] < 2000 < s["upper"]
    assert s["lower"] >= independent.observed
    assert np.isfinite(s["rhat"]) and s["ess"] > 20


def test_heterogeneous_population_recovered() -> None:
    scen = pd.read_csv(DATA / "simulation_scenarios.csv")
    rows = scen[scen.scenario == "sim3"]
    ch = simulate(rows["size"].tolist(), rows[[f"p{i}" for i in range(1, 6)]].to_numpy(), seed=2)
    result = mse.estimate(
        ch, "lcmcr", K=5, burnin=3000, samples=500, thinning=20, chains=2, seed=9, adaptive=False
    )
    assert result.lower < 2000 < result.upper
    assert result.method == "lcmcr"


def test_diagnostics_on_known_draws() -> None:
    rng = np.random.default_rng(0)
    good = rng.normal(size=(4, 1000))
    assert abs(split_rhat(good) - 1) < 0.01
    assert 3000 < effective_sample_size(good) < 5000
    shifted = good + np.array([[0], [0], [0], [3]])
    assert split_rhat(shifted) > 1.3
    ar = np.zeros((2, 2000))
    for t in range(1, 2000):
        ar[:, t] = 0.9 * ar[:, t - 1] + rng.normal(size=2)
    # AR(1) with phi = 0.9: ESS about n (1 - phi) / (1 + phi), i.e. ~210 of 4000
    assert 100 < effective_sample_size(ar) < 400


def test_bad_settings_refused(independent: CaptureHistories) -> None:
    with pytest.raises(mse.MSEError):
        fit_lcmcr(independent, LcmcrSettings(K=0))
    with pytest.raises(mse.MSEError, match="unknown setting"):
        mse.estimate(independent, "lcmcr", burn_in=10)


@pytest.mark.slow
def test_stanlcmcr_designs_converge_and_cover() -> None:
    """A default run on each StanLCMCR design passes R-hat <= 1.05 and ESS >= 400."""
    scen = pd.read_csv(DATA / "simulation_scenarios.csv")
    for name, rows in scen.groupby("scenario"):
        probs = rows[[f"p{i}" for i in range(1, 6)]].to_numpy()
        ch = simulate(rows["size"].tolist(), probs, seed=2016)
        result = mse.estimate(ch, "lcmcr", seed=1)
        diagnostics = result.details["diagnostics"]
        print(name, result.estimate, result.lower, result.upper, diagnostics["rhat"])
        assert result.status == "ok", (name, result.caution_codes())
        assert diagnostics["rhat"] <= 1.05 and diagnostics["ess"] >= 400, name


@pytest.mark.slow
def test_kosovo_converges_within_its_budget() -> None:
    ch = mse.capture_histories_from_frame(pd.read_csv(DATA / "kosovo.csv"))
    assert ch.observed == 4400
    result = mse.estimate(ch, "lcmcr", seed=1)
    diagnostics = result.details["diagnostics"]
    assert result.status == "ok" and diagnostics["converged"]
    assert diagnostics["rhat"] <= 1.05 and diagnostics["ess"] >= 400
    # Ball et al. (2002) and LCMCR's own example put the total near 10,500
    assert 9_000 < result.estimate < 12_000


def test_the_adaptive_run_stops_when_the_diagnostics_pass(independent: CaptureHistories) -> None:
    result = mse.estimate(independent, "lcmcr", seed=3)
    diagnostics = result.details["diagnostics"]
    assert result.status == "ok" and result.cautions == ()
    assert diagnostics["converged"] and diagnostics["rhat"] <= 1.05
    assert diagnostics["ess"] >= 400
    assert {"rhat", "ess", "classes_used", "K", "sweeps", "seconds", "trace"} <= set(diagnostics)


def test_the_same_seed_gives_the_same_rounds_and_answer(independent: CaptureHistories) -> None:
    one = mse.estimate(independent, "lcmcr", seed=8, K=2)
    two = mse.estimate(independent, "lcmcr", seed=8, K=2)
    assert (one.estimate, one.lower, one.upper) == (two.estimate, two.lower, two.upper)
    assert one.details["diagnostics"]["history"] == two.details["diagnostics"]["history"]


def test_classes_are_doubled_while_every_one_is_used(independent: CaptureHistories) -> None:
    result = mse.estimate(independent, "lcmcr", seed=3, K=2)
    diagnostics = result.details["diagnostics"]
    ks = [h["K"] for h in diagnostics["history"]]
    assert ks[0] == 2 and ks == sorted(ks) and diagnostics["K"] > 2
    assert result.model == f"latent classes, K = {diagnostics['K']}"


def test_a_run_out_of_time_is_not_converged_and_says_what_failed(
    independent: CaptureHistories,
) -> None:
    result = mse.estimate(
        independent, "lcmcr", seed=3, burnin=100, samples=20, thinning=1, max_seconds=0.001
    )
    assert result.status == "not_converged"
    first = result.cautions[0]
    assert first.code == "lcmcr_not_converged"
    assert "ess" in first.params["failed"] and first.params["max_seconds"] == 0.001
    assert "few_effective_draws" in result.caution_codes()
    assert not result.details["diagnostics"]["converged"]


def test_more_than_two_chains_are_compared_pair_by_pair(independent: CaptureHistories) -> None:
    result = mse.estimate(independent, "lcmcr", seed=3, chains=3, **FIXED)
    n = np.asarray(result.details["trace_N"])
    worst = max(split_rhat(n[[a, b]]) for a, b in ((0, 1), (0, 2), (1, 2)))
    assert result.details["diagnostics"]["rhat"] == max(worst, split_rhat(n))


def test_the_trace_is_thinned_to_at_most_500_points_a_chain(
    independent: CaptureHistories,
) -> None:
    result = mse.estimate(
        independent, "lcmcr", seed=3, K=5, burnin=100, samples=1200, thinning=1, adaptive=False
    )
    trace = result.details["diagnostics"]["trace"]
    assert len(trace) == 2 and all(len(chain) <= 500 for chain in trace)
    assert trace[0][-1] == result.details["trace_N"][0][-1]


def test_a_fixed_run_is_lcmcrs_own(independent: CaptureHistories) -> None:
    result = mse.estimate(independent, "lcmcr", seed=3, **FIXED)
    diagnostics = result.details["diagnostics"]
    assert diagnostics["rounds"] == 1 and not diagnostics["adaptive"]
    assert diagnostics["sweeps"] == 1000 + 300 * 10


def test_one_class_agrees_with_the_independence_model(hiv: CaptureHistories) -> None:
    """With K = 1 the latent-class model is model Mt with a 1/N prior on N."""
    mt = mse.estimate(hiv, "loglinear", model="Mt")  # N = 11124.6, s.e. 904.8
    draws = run_chain(hiv, K=1, burnin=500, samples=2000, thinning=2, seed=1)[0]
    assert mt.se is not None
    assert abs(np.median(draws) - mt.estimate) < 0.5 * mt.se
    assert 0.8 < np.std(draws) / mt.se < 1.2
