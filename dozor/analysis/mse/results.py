"""Settings dataclasses, the :class:`Estimate` result of the facade and its :class:`Caution`."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from .codes import (
    CAUTION_CODES,
    CAUTION_TEMPLATES,
    REFUSAL_CODES,
    STATUSES,
    UPPER_MULTIPLE,
    english,
    status_of,
)

__all__ = [
    "CAUTION_CODES",
    "DEFAULT_METHOD",
    "METHODS",
    "REFUSAL_CODES",
    "STATUSES",
    "UPPER_MULTIPLE",
    "Caution",
    "DgaSettings",
    "Estimate",
    "LcmcrSettings",
    "LoglinearSettings",
    "jsonable",
]

METHODS = ("loglinear", "lcmcr", "dga")
#: The method a new estimate uses unless asked otherwise: the one that held the truth most
#: often in the coverage study (bench/mse_coverage.py; docs/estimation.md says why).
DEFAULT_METHOD = "lcmcr"


@dataclass(frozen=True)
class Caution:
    """Something a reader of an estimate must know, as a code and its parameters.

    ``code`` is one of :data:`CAUTION_CODES`; ``params`` are numbers, strings and lists of them.
    The words belong to whoever shows it; :meth:`english` gives the English sentence.
    """

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in CAUTION_TEMPLATES:
            raise ValueError(f"unknown caution code {self.code!r}")
        object.__setattr__(self, "params", jsonable(dict(self.params)))

    def english(self) -> str:
        return english(CAUTION_TEMPLATES, self.code, self.params)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": jsonable(self.params)}


def unique_cautions(cautions: Iterable[Caution]) -> tuple[Caution, ...]:
    """Cautions in order, each code once (the first one's parameters are kept)."""
    seen: dict[str, Caution] = {}
    for caution in cautions:
        seen.setdefault(caution.code, caution)
    return tuple(seen.values())


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
    ``heterogeneity_check``: with four lists or more, caution when every pair of lists
    depends positively, the mark of heterogeneous capture (``heterogeneous_capture``).
    """

    selection: str = "aic"
    model: str | None = None
    threshold: float = 0.02
    exclude_histories: tuple[str, ...] = ()
    level: float = 0.95
    max_models: int = 1024
    heterogeneity_check: bool = True


@dataclass(frozen=True)
class LcmcrSettings:
    """Settings of the latent-class (LCMCR) sampler.

    ``K`` is the number of latent classes to start with; ``a_alpha``, ``b_alpha`` the gamma
    prior on the stick-breaking concentration.  Each of ``chains`` chains discards ``burnin``
    sweeps, then keeps ``samples`` draws, one every ``thinning`` sweeps.

    With ``adaptive`` (the default) the chains then go on in rounds, from where they stopped,
    until the diagnostics pass: split R-hat of N at most ``max_rhat`` (on all chains together
    and on every pair of chains) and an effective sample size of N of at least ``target_ess``.
    When every class is occupied in more than 1% of the draws, ``K`` is doubled (up to
    ``max_K``) and the chains burn in again.  Rounds stop when the next one would end after
    ``max_seconds``; the estimate is then marked ``not_converged``.  ``samples`` bounds the
    draws kept per chain: as rounds add sweeps the thinning doubles.  Without ``adaptive`` the
    chains run exactly ``burnin + samples * thinning`` sweeps, as LCMCR does.

    ``seed`` makes the run reproducible: same seed, same rounds, same answer (unless the time
    budget cuts the run short, which the diagnostics record).

    ``dependence_check``: with four lists or more, fit the log-linear model chosen by AIC beside
    the chains and caution (``list_dependence``) when that model finds lists that depend on each
    other, fits the table without a caution of its own, and LCMCR's estimate lies outside its
    interval: latent classes mimic dependence between particular lists poorly.
    """

    K: int = 10
    max_K: int = 40
    a_alpha: float = 0.25
    b_alpha: float = 0.25
    burnin: int = 10000
    samples: int = 1000
    thinning: int = 10
    chains: int = 2
    seed: int | None = None
    level: float = 0.95
    backend: str = "numba"
    adaptive: bool = True
    max_seconds: float = 60.0
    target_ess: float = 400.0
    max_rhat: float = 1.05
    dependence_check: bool = True


@dataclass(frozen=True)
class DgaSettings:
    """Settings of Bayesian model averaging over decomposable graphs.

    ``delta`` is the hyper-Dirichlet prior count per cell (default ``2**-J``);
    the prior on N is proportional to ``1/N``; N - observed is searched over
    ``0 .. max_missing`` (default: wide enough to hold the posterior).
    ``heterogeneity_check`` as for :class:`LoglinearSettings`.
    """

    delta: float | None = None
    max_missing: int | None = None
    level: float = 0.95
    heterogeneity_check: bool = True


@dataclass(frozen=True)
class Estimate:
    """An estimate of the total number of individuals, observed or not.

    ``cautions`` say what a reader must know; ``status`` follows from them: ``"ok"``,
    ``"not_converged"`` (an LCMCR run whose diagnostics did not pass within its budget) or
    ``"prior_driven"`` (the data do not identify N: a saturated log-linear model, dga's
    complete graph, an upper limit beyond :data:`UPPER_MULTIPLE` times the observed).
    ``warnings`` are the cautions as English sentences, for the command line and logs.
    """

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
    cautions: tuple[Caution, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def missing(self) -> float:
        """Estimated number never recorded on any list."""
        return self.estimate - self.observed

    @property
    def status(self) -> str:
        return status_of(c.code for c in self.cautions)

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(c.english() for c in self.cautions)

    def caution_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.cautions)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (no NumPy types, infinities as None)."""
        out = asdict(self)
        out["status"] = self.status
        out["warnings"] = list(self.warnings)
        result: dict[str, Any] = jsonable(out)
        return result


def jsonable(value: Any) -> Any:
    """Plain Python for JSON: no NumPy types, tuples as lists, infinities and NaN as None."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def upper_cautions(observed: int, upper: float) -> list[Caution]:
    """The identifiability check every method gets: is the upper limit bounded, and near?"""
    if not math.isfinite(upper):
        return [Caution("upper_unbounded")]
    if upper > UPPER_MULTIPLE * observed:
        return [
            Caution(
                "upper_beyond_multiple",
                {"upper": float(upper), "observed": int(observed), "multiple": UPPER_MULTIPLE},
            )
        ]
    return []
