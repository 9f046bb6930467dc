"""Combine estimates made on replicate data sets into one, with the spread between them.

When the data behind an estimate are uncertain in a way that can be simulated - the links
between reports that no person reviewed, say - draw R replicate data sets, estimate on each, and
combine the estimates with Rubin's rules (Rubin 1987), as HRDAG's ``verdata`` combines its
imputation replicates. Everything happens on the log scale of N, where the estimators' intervals
are close to symmetric:

* the point estimate is ``exp(mean_r log N_r)``;
* the within-replicate variance ``W`` is the mean of the replicates' own variances, each read
  from its interval: ``((log upper_r - log lower_r) / (2 z_r))**2`` with ``z_r`` the normal
  quantile of that replicate's level;
* the between-replicate variance ``B`` is the variance of ``log N_r`` across replicates;
* the total variance is ``T = W + (1 + 1/R) B``;
* the interval is ``exp(mean ± q sqrt(T))`` with ``q`` the quantile of Student's t on Rubin's
  degrees of freedom ``(R - 1) (1 + W / ((1 + 1/R) B))**2`` (normal when ``B`` is 0).

The lower limit is never below the smallest count observed in a replicate. A replicate whose
upper limit is unbounded makes the combined upper limit unbounded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

from .errors import MSEError, refusal
from .results import Caution, Estimate, unique_cautions, upper_cautions

__all__ = ["combine_replicates"]


def combine_replicates(estimates: Sequence[Estimate], level: float = 0.95) -> Estimate:
    """One estimate from R replicate estimates, by Rubin's rules on the log scale of N.

    ``estimates`` are the results on each replicate (refusals left out by the caller). The
    result's ``observed`` is the median of the replicates' observed counts; its cautions are
    those of the replicates (each code once), plus ``replicates_cautioned`` when some replicate
    had any, plus the identifiability check of the combined upper limit. ``details`` holds the
    variance components, the degrees of freedom and every replicate's estimate.
    """
    if not 0.5 <= level < 1:
        raise refusal(MSEError, "bad_level", level=level)
    if not estimates:
        raise refusal(MSEError, "no_replicates")
    r = len(estimates)
    logs = np.empty(r)
    variances = np.empty(r)
    unbounded = False
    for i, est in enumerate(estimates):
        if not (est.estimate > 0 and est.lower > 0 and math.isfinite(est.lower)):
            raise refusal(MSEError, "replicate_without_interval", index=i)
        logs[i] = math.log(est.estimate)
        if not math.isfinite(est.upper):
            unbounded = True
            variances[i] = math.nan
            continue
        z = float(stats.norm.ppf(0.5 + est.level / 2))
        half = (math.log(est.upper) - math.log(est.lower)) / 2
        variances[i] = (half / z) ** 2
    mean = float(logs.mean())
    within = float(np.nanmean(variances)) if not np.isnan(variances).all() else math.nan
    between = float(logs.var(ddof=1)) if r > 1 else 0.0
    total = within + (1 + 1 / r) * between
    if between > 0 and within >= 0:
        df = (r - 1) * (1 + within / ((1 + 1 / r) * between)) ** 2
        quantile = float(stats.t.ppf(0.5 + level / 2, df))
    else:
        df = math.inf
        quantile = float(stats.norm.ppf(0.5 + level / 2))
    observed = [int(e.observed) for e in estimates]
    floor = min(observed)
    centre = math.exp(mean)
    spread = quantile * math.sqrt(total) if math.isfinite(total) else math.inf
    lower = max(float(floor), math.exp(mean - spread)) if math.isfinite(spread) else float(floor)
    upper = math.inf if unbounded or not math.isfinite(spread) else math.exp(mean + spread)
    if unbounded:
        lower = max(float(floor), min(e.lower for e in estimates))
    combined_observed = int(np.median(observed))
    cautioned = sum(1 for e in estimates if e.cautions)
    cautions: list[Caution] = [c for e in estimates for c in e.cautions]
    if cautioned:
        cautions.append(Caution("replicates_cautioned", {"cautioned": cautioned, "replicates": r}))
    cautions += upper_cautions(combined_observed, upper)
    methods = sorted({e.method for e in estimates})
    models = sorted({e.model for e in estimates if e.model})
    return Estimate(
        observed=combined_observed,
        estimate=centre,
        lower=lower,
        upper=upper,
        method=methods[0] if len(methods) == 1 else "+".join(methods),
        level=level,
        model=models[0] if len(models) == 1 else None,
        se=centre * math.sqrt(total) if math.isfinite(total) else None,
        settings=dict(estimates[0].settings),
        seed=estimates[0].seed,
        cautions=unique_cautions(cautions),
        details={
            "combination": "Rubin's rules on log N",
            "replicates": r,
            "log_mean": mean,
            "within_variance": within,
            "between_variance": between,
            "total_variance": total,
            "degrees_of_freedom": df,
            "quantile": quantile,
            "missing_information": ((1 + 1 / r) * between / total) if total > 0 else 0.0,
            "replicate_estimates": [float(e.estimate) for e in estimates],
            "replicate_intervals": [[float(e.lower), float(e.upper)] for e in estimates],
            "replicate_observed": observed,
        },
    )
