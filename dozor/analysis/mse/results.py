"""Settings dataclasses and the :class:`Estimate` result of the facade."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

METHODS = ("loglinear", "lcmcr", "dga")


@dataclass(frozen=True)
class LoglinearSettings:
    """Settings of the log-linear method.

    ``selection``: ``"aic"`` or ``"bic"`` (best of all two-way interaction models,
    or stepwise by that criterion when there are too many), ``"stepwise"``
    (forward selection by likelihood-ratio p-value below ``threshold``) or
    ``"average"`` (AIC-weighted average over all two-way interaction models).
    ``model`` fixes one model instead, e.g. ``"Mth Poisson2"``, ``"Mt + A:B"``.
    ``exclude_histories`` are histories such as ``"111111"`` (one digit per list,
    in list order) that get their own parameter, i.e. do not inform the estimate.
    """

    selection: str = "aic"
    model: str | None = None
    threshold: float = 0.02
    exclude_histories: tuple[str, ...] = ()
    level: float = 0.95
    max_models: int = 1024


@dataclass(frozen=True)
class LcmcrSettings:
    """Settings of the latent-class (LCMCR) sampler.

    ``K`` is the maximum number of latent classes; ``a_alpha``, ``b_alpha`` the
    gamma prior on the stick-breaking concentration; ``burnin`` sweeps are
    discarded, then ``samples`` draws are kept, one every ``thinning`` sweeps, in
    each of ``chains`` chains.  ``seed`` makes the run reproducible.
    """

    K: int = 10
    a_alpha: float = 0.25
    b_alpha: float = 0.25
    burnin: int = 10000
    samples: int = 1000
    thinning: int = 10
    chains: int = 2
    seed: int | None = None
    level: float = 0.95
    backend: str = "numba"


@dataclass(frozen=True)
class DgaSettings:
    """Settings of Bayesian model averaging over decomposable graphs.

    ``delta`` is the hyper-Dirichlet prior count per cell (default ``2**-J``);
    the prior on N is proportional to ``1/N``; N - observed is searched over
    ``0 .. max_missing`` (default: wide enough to hold the posterior).
    """

    delta: float | None = None
    max_missing: int | None = None
    level: float = 0.95


@dataclass(frozen=True)
class Estimate:
    """An estimate of the total number of individuals, observed or not."""

    observed: int
    estimate: float
    lower: float
    upper: float
    method: str
    level: float = 0.95
    model: str | None = None
    se: float | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    warnings: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def missing(self) -> float:
        """Estimated number never recorded on any list."""
        return self.estimate - self.observed

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (no NumPy types, infinities as None)."""
        out = asdict(self)
        return _jsonable(out)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
