"""Speed of the LCMCR sampler: the adaptive run against the fixed one, the compiled kernel
against the plain NumPy implementation.

First, Kosovo (4 lists, 4,400 killings observed; tests/data/mse/kosovo.csv): a default run,
which goes on in rounds until R-hat of N <= 1.05 and ESS >= 400 (raising K when every class is
used), beside the fixed run that was the default before (K = 10, 10,000 burn-in sweeps, 1,000
samples thinned by 10, two chains), with the time, R-hat, ESS and classes used of each. The
target is a converged adaptive run in under 20 s on 2 cores.

Then the kernel:

Runs the latent-class sampler on a 4-list table of about 4,400 observed records
(a seeded simulation of a heterogeneous population) with K = 10, 10,000 burn-in
sweeps and 1,000 samples thinned by 100 (110,000 sweeps), then runs the
vectorised NumPy implementation of the same sampler (same algorithm, also
drawing class allocations per distinct history) for fewer sweeps and scales its
rate.  The first timing line excludes compilation, reported separately: about
7 s on a cold numba cache, well under a second once the on-disk cache exists.
The last line printed is a JSON object with the figures.

    python bench/mse_speed.py [--baseline-sweeps 3000] [--seeds 1 2 3]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dozor.analysis.mse import (  # noqa: E402 - the path is set up first
    CaptureHistories,
    LcmcrSettings,
    capture_histories_from_frame,
)
from dozor.analysis.mse.lcmcr import fit_lcmcr, run_chain  # noqa: E402 - the path is set up first

KOSOVO = ROOT / "tests" / "data" / "mse" / "kosovo.csv"
FIXED = LcmcrSettings(K=10, burnin=10_000, samples=1_000, thinning=10, chains=2, adaptive=False)

K, BURNIN, SAMPLES, THINNING = 10, 10_000, 1_000, 100


def table() -> CaptureHistories:
    """About 4,400 observed out of 8,000: two strata with different capture rates."""
    rng = np.random.default_rng(2016)
    probs = np.repeat([[0.12, 0.15, 0.08, 0.2], [0.6, 0.7, 0.5, 0.65]], [6500, 1500], axis=0)
    caught = rng.random(probs.shape) < probs
    seen = caught[caught.any(axis=1)].astype(np.int64)
    counts = np.bincount(seen @ (1 << np.arange(4)), minlength=16)
    return CaptureHistories.from_table(counts, ["A", "B", "C", "D"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-sweeps", type=int, default=3000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    kosovo = capture_histories_from_frame(pd.read_csv(KOSOVO))
    run_chain(kosovo, K=2, burnin=1, samples=4, thinning=1, seed=0)  # compile or load the cache
    print(f"Kosovo: 4 lists, {kosovo.observed:,} observed")
    adaptive_runs: list[dict[str, Any]] = []
    fixed_runs: list[dict[str, Any]] = []
    for seed in args.seeds:
        for label, cfg, runs in (
            ("fixed   ", replace(FIXED, seed=seed), fixed_runs),
            ("adaptive", LcmcrSettings(seed=seed), adaptive_runs),
        ):
            t0 = time.perf_counter()
            post = fit_lcmcr(kosovo, cfg)
            seconds = time.perf_counter() - t0
            s = post.summary
            runs.append(
                {
                    "seconds": round(seconds, 2),
                    "rhat": round(s["rhat"], 4),
                    "ess": round(s["ess"]),
                    "K": post.K,
                    "converged": post.converged,
                    "sweeps": post.sweeps,
                    "median": s["median"],
                }
            )
            print(
                f"  seed {seed} {label}: {seconds:5.1f} s, {post.sweeps:>7,} sweeps a chain, "
                f"K = {post.K:>2}, R-hat {s['rhat']:.3f}, ESS {s['ess']:4.0f}, "
                f"classes used {s['occupied_classes_max']:>2}, "
                f"{'converged' if post.converged else 'NOT converged'}; "
                f"N {s['median']:,.0f} [{s['lower']:,.0f}-{s['upper']:,.0f}]"
            )
    ch = table()
    sweeps = BURNIN + SAMPLES * THINNING
    print(f"table: 4 lists, {ch.observed} observed records, K = {K}, {sweeps:,} sweeps")

    t0 = time.perf_counter()
    run_chain(ch, K=K, burnin=1, samples=4, thinning=1, seed=0)  # compile or load the cache
    startup = time.perf_counter() - t0

    t0 = time.perf_counter()
    draws = run_chain(ch, K=K, burnin=BURNIN, samples=SAMPLES, thinning=THINNING, seed=1)[0]
    fast_seconds = time.perf_counter() - t0
    fast_rate = sweeps / fast_seconds
    print(
        f"numba kernel: {fast_seconds:.2f} s for {sweeps:,} sweeps = {fast_rate:,.0f} sweeps/s "
        f"(plus {startup:.2f} s compiling or loading the cached kernel); "
        f"median N {np.median(draws):,.0f}"
    )

    t0 = time.perf_counter()
    post = fit_lcmcr(
        ch,
        LcmcrSettings(K=K, burnin=BURNIN, samples=SAMPLES, thinning=THINNING, chains=2, seed=1),
    )
    two_seconds = time.perf_counter() - t0
    print(
        f"two chains in parallel threads: {two_seconds:.2f} s "
        f"({2 * sweeps / two_seconds:,.0f} sweeps/s in total on {os.cpu_count()} cores); "
        f"median N {post.summary['median']:,.0f}, R-hat {post.summary['rhat']:.3f}"
    )

    base_sweeps = args.baseline_sweeps
    t0 = time.perf_counter()
    run_chain(ch, K=K, burnin=base_sweeps - 100, samples=100, thinning=1, seed=1, backend="numpy")
    base_seconds = time.perf_counter() - t0
    base_rate = base_sweeps / base_seconds
    print(
        f"NumPy baseline: {base_seconds:.2f} s for {base_sweeps:,} sweeps = {base_rate:,.0f} "
        f"sweeps/s; scaled to {sweeps:,} sweeps: {sweeps / base_rate:.1f} s "
        f"(the baseline ran fewer sweeps; its time is scaled linearly)"
    )
    print(f"speed-up: {fast_rate / base_rate:.1f}x")
    figures = {
        "observed": ch.observed,
        "K": K,
        "sweeps": sweeps,
        "numba_seconds": round(fast_seconds, 3),
        "numba_sweeps_per_second": round(fast_rate),
        "numba_startup_seconds": round(startup, 3),
        "two_chains_seconds": round(two_seconds, 3),
        "numpy_sweeps_run": base_sweeps,
        "numpy_sweeps_per_second": round(base_rate),
        "numpy_scaled_seconds": round(sweeps / base_rate, 2),
        "speedup": round(fast_rate / base_rate, 1),
        "cpu_count": os.cpu_count(),
        "kosovo_fixed": fixed_runs,
        "kosovo_adaptive": adaptive_runs,
        "kosovo_adaptive_max_seconds": max(r["seconds"] for r in adaptive_runs),
        "kosovo_adaptive_max_rhat": max(r["rhat"] for r in adaptive_runs),
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
