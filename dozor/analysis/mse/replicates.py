"""Combining estimates made on replicates of the data (Rubin's rules on the log scale).

When the data behind an estimate are uncertain in a way that can be drawn (which reports are one
incident, for instance), the estimate is made on each of R replicate data sets and the results
combined as multiple imputations are (Rubin 1987), as HRDAG's verdata combines its replicates:
on the log scale, where the totals' intervals are roughly symmetric.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

from .errors import MSEError
from .results import Estimate

__all__ = ["combine_replicates"]


def _half_width_variance(result: Estimate) -> float:
    """A replicate's variance of log N, read from its interval: ((log U − log L) / (2 z))²."""
    lower, upper = float(result.lower), float(result.upper)
    if not (math.isfinite(lower) and math.isfinite(upper)) or lower <= 0 or upper < lower:
        return math.inf
    z = float(stats.norm.ppf(0.5 + result.level / 2))
    return ((math.log(upper) - math.log(lower)) / (2 * z)) ** 2


def combine_replicates(estimates: Sequence[Estimate], level: float = 0.95) -> Estimate:
    """One estimate from R replicate estimates, with total variance on the log scale.

    The estimate is exp(mean of log N_r). The within-replicate variance W is the mean of each
    replicate's variance of log N read from its interval, ((log upper − log lower) / (2 z))²
    with z for that replicate's level; the between-replicate variance B is the sample variance
    of log N_r; the total T = W + (1 + 1/R) B. The interval is exp(mean ± t_ν √T) with Rubin's
    degrees of freedom ν = (R − 1) (1 + W / ((1 + 1/R) B))² (the normal quantile when B = 0).
    The lower limit is never below the smallest count observed in a replicate. A replicate
    without an upper limit makes the combined upper limit infinite and the lower limit the
    smallest of the replicates' lower limits. ``observed`` is the median of the replicates'
    observed counts; ``details`` keep W, B, T, ν and the replicates' estimates.
    """
    if not estimates:
        raise MSEError("no replicate estimates to combine")
    if not 0 < level < 1:
        raise MSEError(f"level must be between 0 and 1, not {level}")
    values = np.array([float(e.estimate) for e in estimates])
    if not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise MSEError("every replicate needs a finite, positive estimate to be combined")
    count = len(estimates)
    logs = np.log(values)
    mean = float(logs.mean())
    within = float(np.mean([_half_width_variance(e) for e in estimates]))
    between = float(logs.var(ddof=1)) if count > 1 else 0.0
    total = within + (1 + 1 / count) * between
    if between > 0 and math.isfinite(within):
        df = (count - 1) * (1 + within / ((1 + 1 / count) * between)) ** 2
        quantile = float(stats.t.ppf(0.5 + level / 2, df))
    else:
        df = math.inf
        quantile = float(stats.norm.ppf(0.5 + level / 2))
    spread = quantile * math.sqrt(total) if math.isfinite(total) else math.inf
    estimate = math.exp(mean)
    first = estimates[0]
    observed = [int(e.observed) for e in estimates]
    floor = float(min(observed))
    return Estimate(
        observed=int(np.median(observed)),
        estimate=estimate,
        lower=max(
            floor,
            math.exp(mean - spread)
            if math.isfinite(spread)
            else min(float(e.lower) for e in estimates),
        ),
        upper=math.exp(mean + spread) if math.isfinite(spread) else math.inf,
        method=first.method,
        level=level,
        model=f"{count} replicates combined",
        se=estimate * math.sqrt(total) if math.isfinite(total) else None,
        settings=dict(first.settings),
        seed=first.seed,
        details={
            "replicates": count,
            "within_variance": within,
            "between_variance": between,
            "total_variance": total,
            "degrees_of_freedom": df,
            "replicate_estimates": values.tolist(),
        },
    )
