"""Log-linear models for closed populations (Poisson regression on the incomplete table).

The counts of the ``2**J - 1`` observable capture histories are modelled as
independent Poisson variables with ``log(mu_w) = b0 + x_w' b`` (Fienberg 1972;
Cormack 1989).  The number never observed is estimated by ``exp(b0)``, the fitted
count of the all-zero history, so ``N = n + exp(b0)``.  Its standard error is
``sqrt(exp(b0) + exp(2 b0) var(b0))`` and the confidence interval is the
multinomial profile-likelihood interval, both as in the R package Rcapture
(Baillargeon & Rivest 2007; Rivest & Baillargeon 2022).

Models:

* ``M0``: one capture probability (covariate: number of lists an individual is on);
* ``Mt``: one parameter per list (the independence model);
* ``Mh`` / ``Mth`` with heterogeneity ``Chao`` (lower bound, non-negative ``eta``),
  ``Poisson`` (covariate ``theta**k - 1``, ``theta = 2`` by default), ``Darroch``
  (``k**2 / 2``) and ``Gamma`` (``-log(1 + k / theta)``, ``theta = 3.5``), where
  ``k`` is the number of lists an individual is on;
* hierarchical models: ``Mt`` plus any set of two-way list interactions;
* any of these with some histories given their own parameter (Rcapture's
  "without history 111111" device, which removes that cell from the fit).
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import optimize, special, stats

from .data import CaptureHistories
from .errors import ModelFitError, MSEError, refusal

__all__ = [
    "HETEROGENEITY",
    "LoglinearFit",
    "ModelSpec",
    "all_two_way_fits",
    "closedp_table",
    "fit_model",
    "identified_fits",
    "model_average",
    "parse_model",
    "profile_interval",
    "select_best",
    "stepwise",
]

HETEROGENEITY = ("Chao", "Poisson", "Darroch", "Gamma")
_DEFAULT_THETA = {"Poisson": 2.0, "Gamma": 3.5}
#: A coefficient this large in absolute value means the MLE does not exist.
_COEF_LIMIT = 30.0
#: A standard error this large means the parameter is not identified by the data.
_SE_LIMIT = 100.0


@dataclass(frozen=True)
class ModelSpec:
    """A log-linear model for the incomplete ``2**J`` table.

    ``base`` is ``"M0"`` (common capture probability) or ``"Mt"`` (one per list);
    ``interactions`` are pairs of list positions (0-based); ``heterogeneity`` is
    ``None`` or one of :data:`HETEROGENEITY`; ``exclude`` lists histories (pattern
    indices, list 1 = lowest bit) that get their own parameter, i.e. are fitted
    exactly and do not inform the estimate.
    """

    base: str = "Mt"
    interactions: tuple[tuple[int, int], ...] = ()
    heterogeneity: str | None = None
    theta: float | None = None
    exclude: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.base not in ("M0", "Mt"):
            raise refusal(MSEError, "unknown_model_base", base=self.base)
        if self.heterogeneity is not None and self.heterogeneity not in HETEROGENEITY:
            raise refusal(
                MSEError,
                "unknown_heterogeneity",
                heterogeneity=self.heterogeneity,
                choices=list(HETEROGENEITY),
            )
        if self.base == "M0" and self.interactions:
            raise refusal(MSEError, "interactions_need_mt")
        pairs = tuple(sorted(tuple(sorted(p)) for p in self.interactions))
        object.__setattr__(self, "interactions", pairs)
        if self.heterogeneity in _DEFAULT_THETA and self.theta is None:
            object.__setattr__(self, "theta", _DEFAULT_THETA[self.heterogeneity])

    def name(self, lists: Sequence[str]) -> str:
        """Rcapture-style name: ``M0``, ``Mt``, ``Mh Poisson2``, ``Mth Darroch``, ``Mt + A:B``."""
        h = self.heterogeneity
        if h is None:
            label = self.base
        else:
            label = "Mh" if self.base == "M0" else "Mth"
            variant = {"Chao": "Chao (LB)", "Darroch": "Darroch"}.get(h)
            if variant is None:
                theta = self.theta if self.theta is not None else _DEFAULT_THETA[h]
                variant = f"{h}{theta:g}"
            label = f"{label} {variant}"
        if self.interactions:
            label += " + " + " + ".join(f"{lists[i]}:{lists[j]}" for i, j in self.interactions)
        if self.exclude:
            j = len(lists)
            cells = ", ".join("".join(str((p >> b) & 1) for b in range(j)) for p in self.exclude)
            label += f" without history {cells}"
        return label


def parse_model(text: str, lists: Sequence[str]) -> ModelSpec:
    """Parse names such as ``"Mth Poisson2"``, ``"Mh Chao"``, ``"Mt + A:B + A:C"``."""
    parts = [p.strip() for p in text.split("+")]
    head = parts[0].split()
    if not head:
        raise refusal(MSEError, "empty_model_name", model=text)
    kind = head[0]
    het: str | None = None
    theta: float | None = None
    if kind in ("Mh", "Mth"):
        if len(head) < 2:
            raise refusal(
                MSEError, "heterogeneity_form_missing", model=kind, choices=list(HETEROGENEITY)
            )
        form = head[1]
        for h in HETEROGENEITY:
            if form.startswith(h):
                het = h
                rest = form[len(h) :]
                if rest:
                    try:
                        theta = float(rest)
                    except ValueError as exc:
                        raise refusal(MSEError, "bad_heterogeneity_parameter", form=form) from exc
                break
        else:
            raise refusal(
                MSEError, "unknown_heterogeneity", heterogeneity=form, choices=list(HETEROGENEITY)
            )
        base = "M0" if kind == "Mh" else "Mt"
    elif kind in ("M0", "Mt"):
        base = kind
    else:
        raise refusal(MSEError, "unknown_model", model=kind)
    pairs = []
    index = {name: i for i, name in enumerate(lists)}
    for term in parts[1:]:
        names = [t.strip() for t in term.split(":")]
        if len(names) != 2 or any(n not in index for n in names):
            raise refusal(MSEError, "bad_interaction", term=term)
        pairs.append((index[names[0]], index[names[1]]))
    return ModelSpec(base=base, interactions=tuple(pairs), heterogeneity=het, theta=theta)


@dataclass(frozen=True)
class LoglinearFit:
    """One fitted log-linear model."""

    spec: ModelSpec
    name: str
    observed: int
    estimate: float
    se: float
    deviance: float
    df: int
    aic: float
    bic: float
    loglik: float
    n_params: int
    params: dict[str, float]
    converged: bool
    dropped_eta: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @property
    def missing(self) -> float:
        return self.estimate - self.observed


# --- design -------------------------------------------------------------------


def _patterns(j: int) -> np.ndarray:
    idx = np.arange(1, 2**j)
    return ((idx[:, None] >> np.arange(j)) & 1).astype(float)


def _heterogeneity_columns(k: np.ndarray, spec: ModelSpec, j: int) -> tuple[np.ndarray, list[str]]:
    h = spec.heterogeneity
    if h is None:
        return np.empty((k.size, 0)), []
    if h == "Chao":
        if j < 3:
            raise refusal(MSEError, "heterogeneity_needs_three_lists")
        cols = np.column_stack([np.maximum(k - m + 1, 0) for m in range(3, j + 1)])
        return cols, [f"eta{m}" for m in range(3, j + 1)]
    theta = float(spec.theta) if spec.theta is not None else _DEFAULT_THETA.get(h, 0.0)
    if h == "Poisson":
        col = theta**k - 1.0
    elif h == "Darroch":
        col = k**2 / 2.0
    else:
        col = -np.log(theta + k) + np.log(theta)
    return col[:, None], ["tau"]


def design(spec: ModelSpec, lists: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Design matrix (without intercept) for the ``2**J - 1`` observable histories.

    Rows follow pattern index 1 .. 2**J - 1 (list 1 is the lowest bit).
    """
    j = len(lists)
    x = _patterns(j)
    k = x.sum(axis=1)
    cols: list[np.ndarray] = []
    names: list[str] = []
    if spec.base == "M0":
        cols.append(k[:, None])
        names.append("beta")
    else:
        cols.append(x)
        names.extend(f"beta[{name}]" for name in lists)
    for a, b in spec.interactions:
        if not (0 <= a < j and 0 <= b < j and a != b):
            raise refusal(MSEError, "bad_interaction_pair", pair=[a, b])
        cols.append((x[:, a] * x[:, b])[:, None])
        names.append(f"{lists[a]}:{lists[b]}")
    hcols, hnames = _heterogeneity_columns(k, spec, j)
    cols.append(hcols)
    names.extend(hnames)
    for p in spec.exclude:
        if not 1 <= p < 2**j:
            raise refusal(MSEError, "bad_history_index", index=p, lists=j)
        ind = np.zeros(2**j - 1)
        ind[p - 1] = 1.0
        cols.append(ind[:, None])
        names.append(f"history[{p}]")
    return np.column_stack(cols), names


# --- fitting ------------------------------------------------------------------


def _glm(
    y: np.ndarray, x: np.ndarray, start: np.ndarray | None = None
) -> tuple[Any, tuple[str, ...]]:
    exog = np.column_stack([np.ones(len(y)), x])
    model = sm.GLM(y, exog, family=sm.families.Poisson())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = model.fit(start_params=start, maxiter=200, tol=1e-10)
        except (np.linalg.LinAlgError, ValueError, FloatingPointError) as exc:
            raise refusal(ModelFitError, "regression_failed", reason=str(exc)) from exc
    messages = tuple(sorted({str(w.message).splitlines()[0] for w in caught}))
    return res, messages


def _fit_with_chao_correction(
    y: np.ndarray,
    x: np.ndarray,
    names: list[str],
    spec: ModelSpec,
    start: np.ndarray | None = None,
) -> tuple[Any, tuple[str, ...], list[str], tuple[str, ...], np.ndarray]:
    """Fit; for Chao models refit without the first negative eta until none is negative."""
    res, msgs = _glm(y, x, start)
    dropped: list[str] = []
    if spec.heterogeneity == "Chao":
        while True:
            params = np.asarray(res.params)[1:]
            eta = [i for i, name in enumerate(names) if name.startswith("eta")]
            neg = [i for i in eta if params[i] < 0]
            if not neg:
                break
            first = neg[0]
            dropped.append(names[first])
            x = np.delete(x, first, axis=1)
            names = names[:first] + names[first + 1 :]
            res, msgs = _glm(y, x)
    return res, msgs, names, tuple(dropped), x


def fit_model(ch: CaptureHistories, spec: ModelSpec | str) -> LoglinearFit:
    """Fit one log-linear model to the capture histories."""
    if isinstance(spec, str):
        spec = parse_model(spec, ch.lists)
    if spec.interactions:
        overlap = _pair_overlap(ch)
        empty = [(a, b) for a, b in spec.interactions if overlap[a, b] == 0]
        if empty:
            raise refusal(
                ModelFitError,
                "interaction_without_overlap",
                model=spec.name(ch.lists),
                pairs=[f"{ch.lists[a]}:{ch.lists[b]}" for a, b in empty],
            )
    y = ch.full_table()[1:].astype(float)
    x, names = design(spec, ch.lists)
    res, msgs, names, dropped, _ = _fit_with_chao_correction(y, x, names, spec)
    params = np.asarray(res.params)
    n = ch.observed
    b0 = float(params[0])
    converged = bool(getattr(res, "converged", True))
    bse = np.asarray(res.bse)
    if (
        not converged
        or not np.all(np.isfinite(params))
        or np.abs(params).max() > _COEF_LIMIT
        or not np.all(np.isfinite(bse))
        or bse.max() > _SE_LIMIT
    ):
        raise refusal(ModelFitError, "model_diverges", model=spec.name(ch.lists))
    cov = np.asarray(res.cov_params())
    m0 = math.exp(b0)
    se = math.sqrt(m0 + m0 * m0 * cov[0, 0])
    n_params = len(params)
    loglik = float(res.llf)
    return LoglinearFit(
        spec=spec,
        name=spec.name(ch.lists),
        observed=n,
        estimate=n + m0,
        se=se,
        deviance=float(res.deviance),
        df=round(float(res.df_resid)),
        aic=-2 * loglik + 2 * n_params,
        bic=-2 * loglik + math.log(n) * n_params,
        loglik=loglik,
        n_params=n_params,
        params=dict(zip(["intercept", *names], params.tolist(), strict=True)),
        converged=converged,
        dropped_eta=dropped,
        warnings=msgs,
    )


def _profile_loglik(
    ch: CaptureHistories, spec: ModelSpec, n0: float, start: np.ndarray | None = None
) -> tuple[float, np.ndarray | None]:
    """Multinomial profile log-likelihood of ``N = n + n0`` (Cormack 1992; Rcapture)."""
    y = np.append(ch.full_table()[1:].astype(float), n0)
    x, names = design(spec, ch.lists)
    x = np.vstack([x, np.zeros((1, x.shape[1]))])
    res, _, _, dropped, _ = _fit_with_chao_correction(y, x, names, spec, start)
    total = y.sum()
    xlogx = n0 * math.log(n0) if n0 > 0 else 0.0
    ct = xlogx - special.gammaln(n0 + 1) + special.gammaln(total + 1) - total * math.log(total)
    params = None if dropped else np.asarray(res.params)
    return -float(res.deviance) / 2.0 + ct, params


def profile_interval(
    ch: CaptureHistories, fit: LoglinearFit, level: float = 0.95
) -> tuple[float, float]:
    """Profile-likelihood confidence interval for N (lower, upper).

    The lower limit never goes below the observed count.
    """
    spec = fit.spec
    crit = stats.chi2.ppf(level, 1) / 2.0
    n = ch.observed
    m0 = max(fit.missing, 1e-8)
    cache: dict[float, float] = {}

    def ll(n0: float) -> float:
        if n0 not in cache:
            cache[n0] = _profile_loglik(ch, spec, max(n0, 0.0))[0]
        return cache[n0]

    hi_guess = m0 + 4 * fit.se + 10
    opt = optimize.minimize_scalar(
        lambda v: -ll(v), bounds=(0.0, hi_guess), method="bounded", options={"xatol": 1e-4}
    )
    best_n0 = float(opt.x)
    lmax = ll(best_n0)
    # the estimate itself may sit higher than the bounded search point
    if ll(m0) > lmax:
        best_n0, lmax = m0, ll(m0)
    target = lmax - crit

    if ll(0.0) >= target:
        lower = float(n)
    else:
        lower = n + optimize.brentq(lambda v: ll(v) - target, 0.0, best_n0, xtol=1e-6)
    hi = max(best_n0 * 2, best_n0 + 2 * fit.se + 1)
    for _ in range(60):
        if ll(hi) < target:
            break
        hi = hi * 2 + 10
    else:
        return lower, math.inf
    upper = n + optimize.brentq(lambda v: ll(v) - target, best_n0, hi, xtol=1e-6)
    return float(lower), float(upper)


# --- model families -----------------------------------------------------------

CLOSEDP_MODELS = (
    ModelSpec("M0"),
    ModelSpec("Mt"),
    ModelSpec("M0", heterogeneity="Chao"),
    ModelSpec("M0", heterogeneity="Poisson"),
    ModelSpec("M0", heterogeneity="Darroch"),
    ModelSpec("M0", heterogeneity="Gamma"),
    ModelSpec("Mt", heterogeneity="Chao"),
    ModelSpec("Mt", heterogeneity="Poisson"),
    ModelSpec("Mt", heterogeneity="Darroch"),
    ModelSpec("Mt", heterogeneity="Gamma"),
)


def closedp_table(ch: CaptureHistories, exclude: Iterable[int] = ()) -> pd.DataFrame:
    """Fit M0, Mt, Mh and Mth (Chao, Poisson2, Darroch, Gamma3.5), like Rcapture's closedp.

    Returns one row per model: abundance, stderr, deviance, df, AIC, BIC.  Models
    that cannot be fitted get NaN and a note.
    """
    exclude = tuple(exclude)
    rows = []
    for spec in CLOSEDP_MODELS:
        if spec.heterogeneity is not None and ch.n_lists < 3:
            continue
        spec = replace(spec, exclude=exclude)
        try:
            f = fit_model(ch, spec)
            rows.append(
                {
                    "model": f.name,
                    "abundance": f.estimate,
                    "stderr": f.se,
                    "deviance": f.deviance,
                    "df": f.df,
                    "AIC": f.aic,
                    "BIC": f.bic,
                    "note": "; ".join(f"{e} set to 0" for e in f.dropped_eta),
                }
            )
        except ModelFitError as exc:
            rows.append({"model": spec.name(ch.lists), "note": str(exc)})
    return pd.DataFrame(rows).set_index("model")


def _pair_overlap(ch: CaptureHistories) -> np.ndarray:
    h = np.asarray(ch.histories, dtype=np.int64)
    w = np.asarray(ch.counts, dtype=np.int64)
    return (h * w[:, None]).T @ h


def identifiable_pairs(ch: CaptureHistories) -> list[tuple[int, int]]:
    """Pairs of lists that share at least one individual (others have no finite interaction)."""
    ov = _pair_overlap(ch)
    return [(a, b) for a, b in itertools.combinations(range(ch.n_lists), 2) if ov[a, b] > 0]


def _try_fit(ch: CaptureHistories, spec: ModelSpec) -> LoglinearFit | None:
    try:
        f = fit_model(ch, spec)
    except ModelFitError:
        return None
    if not (math.isfinite(f.estimate) and math.isfinite(f.se)):
        return None
    return f


def all_two_way_fits(
    ch: CaptureHistories, *, max_models: int = 1024, exclude: Iterable[int] = ()
) -> list[LoglinearFit]:
    """Fit the independence model and every hierarchical model with two-way interactions.

    Pairs of lists without common individuals are left out (their interaction has
    no finite estimate); models whose fit diverges are dropped.
    """
    pairs = identifiable_pairs(ch)
    if 2 ** len(pairs) > max_models:
        raise refusal(
            MSEError,
            "too_many_models",
            interactions=len(pairs),
            models=2 ** len(pairs),
            limit=max_models,
        )
    exclude = tuple(exclude)
    fits = []
    for r in range(len(pairs) + 1):
        for subset in itertools.combinations(pairs, r):
            f = _try_fit(ch, ModelSpec("Mt", interactions=subset, exclude=exclude))
            if f is not None:
                fits.append(f)
    if not fits:
        raise refusal(ModelFitError, "no_model_fits")
    return fits


def identified_fits(fits: Sequence[LoglinearFit]) -> list[LoglinearFit]:
    """The fits that leave N identified: fewer parameters than observable histories (df > 0).

    A saturated model fits any table exactly; its N is the untestable assumption that the
    highest-order interaction is zero, so selection never picks one.
    """
    kept = [f for f in fits if f.df > 0]
    if not kept:
        raise refusal(ModelFitError, "only_saturated_models")
    return kept


def _criterion(f: LoglinearFit, criterion: str) -> float:
    if criterion == "aic":
        return f.aic
    if criterion == "bic":
        return f.bic
    raise refusal(MSEError, "unknown_criterion", criterion=criterion)


def select_best(fits: Sequence[LoglinearFit], criterion: str = "aic") -> LoglinearFit:
    return min(fits, key=lambda f: _criterion(f, criterion))


def _added(before: LoglinearFit, after: LoglinearFit, ch: CaptureHistories) -> str:
    new = set(after.spec.interactions) - set(before.spec.interactions)
    return ", ".join(f"{ch.lists[a]}:{ch.lists[b]}" for a, b in sorted(new))


def stepwise(
    ch: CaptureHistories,
    *,
    criterion: str = "pvalue",
    threshold: float = 0.02,
    exclude: Iterable[int] = (),
) -> tuple[LoglinearFit, list[str]]:
    """Forward stepwise selection of two-way interactions, starting from independence.

    At each step the interaction that most improves the fit is added, if it
    passes the test: with ``criterion="pvalue"`` its likelihood-ratio test p-value
    must be below ``threshold`` (0.02, the default of SparseMSE's stepwise fit);
    with ``"aic"`` or ``"bic"`` the criterion must decrease.  Interactions whose
    estimate would diverge, and interactions that would saturate the model (df = 0, see
    :func:`identified_fits`), are never added.  Returns the fit and a log of steps.
    """
    exclude = tuple(exclude)
    current = fit_model(ch, ModelSpec("Mt", exclude=exclude))
    log = [f"start: {current.name} (N = {current.estimate:.1f})"]
    candidates = identifiable_pairs(ch)
    while True:
        options = []
        for pair in candidates:
            if pair in current.spec.interactions:
                continue
            spec = ModelSpec("Mt", interactions=(*current.spec.interactions, pair), exclude=exclude)
            f = _try_fit(ch, spec)
            if f is not None and f.df > 0:
                options.append(f)
        if not options:
            break
        if criterion == "pvalue":
            best = min(options, key=lambda f: f.deviance)
            p = float(stats.chi2.sf(current.deviance - best.deviance, current.df - best.df))
            if p >= threshold:
                break
            log.append(f"add {_added(current, best, ch)} (p = {p:.3g})")
        else:
            best = min(options, key=lambda f: _criterion(f, criterion))
            if _criterion(best, criterion) >= _criterion(current, criterion):
                break
            log.append(
                f"add {_added(current, best, ch)} "
                f"({criterion.upper()} {_criterion(best, criterion):.2f})"
            )
        current = best
    log.append(f"final: {current.name} (N = {current.estimate:.1f})")
    return current, log


@dataclass(frozen=True)
class AveragedEstimate:
    estimate: float
    se: float
    lower: float
    upper: float
    weights: dict[str, float]


def model_average(
    fits: Sequence[LoglinearFit], criterion: str = "aic", level: float = 0.95
) -> AveragedEstimate:
    """Average N over models with Akaike (or BIC) weights.

    The standard error is Buckland et al.'s (1997) unconditional one,
    ``sum_i w_i sqrt(se_i**2 + (N_i - N)**2)``; the interval is computed on the
    log scale of the number missing so that it never goes below the observed count.
    """
    if not fits:
        raise refusal(MSEError, "no_models_to_average")
    crit = np.array([_criterion(f, criterion) for f in fits])
    w = np.exp(-(crit - crit.min()) / 2)
    w /= w.sum()
    est = np.array([f.estimate for f in fits])
    se = np.array([f.se for f in fits])
    n_hat = float(w @ est)
    se_hat = float(w @ np.sqrt(se**2 + (est - n_hat) ** 2))
    n = fits[0].observed
    z = stats.norm.ppf(0.5 + level / 2)
    missing = max(n_hat - n, 1e-9)
    factor = math.exp(z * math.sqrt(math.log(1 + (se_hat / missing) ** 2)))
    lower, upper = n + missing / factor, n + missing * factor
    order = np.argsort(-w)
    weights = {fits[i].name: float(w[i]) for i in order}
    return AveragedEstimate(n_hat, se_hat, lower, upper, weights)
