"""Runners behind :func:`dozor.analysis.mse.estimate`: one per method."""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, replace
from typing import TYPE_CHECKING

from .data import CaptureHistories
from .errors import MSEError, refusal
from .results import Caution, DgaSettings, Estimate, LcmcrSettings, LoglinearSettings

if TYPE_CHECKING:
    from .loglinear import LoglinearFit


def _history_index(text: str, lists: tuple[str, ...]) -> int:
    digits = text.strip()
    if len(digits) != len(lists) or set(digits) - {"0", "1"}:
        raise refusal(MSEError, "bad_history", history=text, count=len(lists), lists=list(lists))
    index = sum(1 << i for i, d in enumerate(digits) if d == "1")
    if index == 0:
        raise refusal(MSEError, "all_zero_history_excluded")
    return index


def run_loglinear(ch: CaptureHistories, cfg: LoglinearSettings) -> Estimate:
    """Fit the model asked for, or choose one; saturated models are never chosen.

    A model with as many parameters as the table has observable histories (df = 0) fits any
    data: N then follows from the untestable assumption that the highest-order interaction is
    zero. Rcapture fits such a model when asked and leaves the judgement to the user; here the
    selection by AIC, BIC, stepwise or averaging leaves them out (with three lists that is
    ``Mt`` plus all three two-way interactions), and a saturated model fixed by name is fitted
    but marked ``prior_driven`` by the ``saturated_model`` caution.  Two lists (allowed only
    when asked) leave nothing but the saturated independence model; their own caution says so.
    """
    from . import loglinear as ll  # statsmodels is slow to import; only load it when used

    exclude = tuple(_history_index(h, ch.lists) for h in cfg.exclude_histories)
    settings = asdict(cfg)
    details: dict[str, object] = {}
    cautions: list[Caution] = []
    if cfg.model is not None:
        spec = ll.parse_model(cfg.model, ch.lists)

        fit = ll.fit_model(ch, replace(spec, exclude=exclude))
        details["selection"] = "fixed model"
    elif cfg.selection in ("aic", "bic", "average"):
        criterion = "aic" if cfg.selection == "average" else cfg.selection
        try:
            every = ll.all_two_way_fits(ch, max_models=cfg.max_models, exclude=exclude)
        except MSEError as exc:
            if cfg.selection == "average" or exc.code != "too_many_models":
                raise
            fit, log = ll.stepwise(ch, criterion=criterion, exclude=exclude)
            details["selection"] = (
                f"stepwise by {criterion.upper()} ({exc.params['models']} models are too many "
                "to compare)"
            )
            details["steps"] = log
        else:
            # two lists: the only model is saturated, as the caution two_lists says
            fits = every if ch.n_lists == 2 else ll.identified_fits(every)
            details["models_compared"] = len(fits)
            details["saturated_models_left_out"] = [f.name for f in every if f.df <= 0]
            if cfg.selection == "average":
                avg = ll.model_average(fits, "aic", cfg.level)
                best = ll.select_best(fits, "aic")
                top = dict(list(avg.weights.items())[:10])
                return Estimate(
                    observed=ch.observed,
                    estimate=avg.estimate,
                    lower=avg.lower,
                    upper=avg.upper,
                    method="loglinear",
                    level=cfg.level,
                    model="AIC-weighted average of two-way interaction models",
                    se=avg.se,
                    settings=settings,
                    details={
                        **details,
                        "selection": "model averaging (AIC weights)",
                        "weights": top,
                        "best_model": best.name,
                        "interval": "Buckland unconditional s.e., log-normal on the missing",
                    },
                    cautions=tuple(heterogeneity_check(ch) if cfg.heterogeneity_check else ()),
                )
            fit = ll.select_best(fits, criterion)
            details["selection"] = (
                f"lowest {criterion.upper()} of the two-way interaction models that leave "
                "N identified (df > 0)"
            )
    elif cfg.selection == "stepwise":
        fit, log = ll.stepwise(ch, criterion="pvalue", threshold=cfg.threshold, exclude=exclude)
        details["selection"] = f"forward stepwise, likelihood-ratio p < {cfg.threshold}"
        details["steps"] = log
    else:
        raise refusal(MSEError, "unknown_selection", selection=cfg.selection)
    if fit.df <= 0 and ch.n_lists > 2:
        cautions.append(
            Caution(
                "saturated_model",
                {"model": fit.name, "parameters": fit.n_params, "cells": fit.n_params + fit.df},
            )
        )
    cautions += lack_of_fit(fit)
    if cfg.heterogeneity_check:
        cautions += heterogeneity_check(ch)
    lower, upper = ll.profile_interval(ch, fit, cfg.level)
    if fit.dropped_eta:
        cautions.append(Caution("chao_eta_dropped", {"parameters": list(fit.dropped_eta)}))
    details.update(
        {
            "deviance": fit.deviance,
            "df": fit.df,
            "aic": fit.aic,
            "bic": fit.bic,
            "parameters": fit.params,
            "interval": "profile likelihood",
        }
    )
    return Estimate(
        observed=ch.observed,
        estimate=fit.estimate,
        lower=lower,
        upper=upper,
        method="loglinear",
        level=cfg.level,
        model=fit.name,
        se=fit.se,
        settings=settings,
        cautions=tuple(cautions),
        details=details,
    )


#: A log-linear model whose deviance has a p-value below this does not fit the table.
LACK_OF_FIT_P = 0.05


def lack_of_fit(fit: LoglinearFit) -> list[Caution]:
    """The ``lack_of_fit`` caution when the model's deviance is too large for its df.

    Heterogeneity of capture (some cases much easier to record than others) leaves structure
    in the table that no two-way interaction explains: in the coverage study the chosen
    model's goodness of fit is what tells those tables apart.
    """
    from scipy import stats

    df = int(fit.df)
    if df <= 0:
        return []
    deviance = float(fit.deviance)
    p = float(stats.chi2.sf(deviance, df))
    if p >= LACK_OF_FIT_P:
        return []
    return [Caution("lack_of_fit", {"model": fit.name, "deviance": deviance, "df": df, "p": p})]


#: The interactions of every pair of lists must together be significant at this level.
HETEROGENEITY_P = 0.05


def heterogeneity_check(ch: CaptureHistories) -> list[Caution]:
    """The ``heterogeneous_capture`` caution when every pair of lists depends positively.

    When some cases are much easier to record than others (a killing in a city against a threat
    in a village), the easy ones are on many lists and the hard ones on few: every pair of lists
    then shares more cases than chance, whichever lists they are. Dependence between lists, as
    log-linear models and dga's graphs describe it, has no reason to link every pair, and with
    four lists or more the data can tell the two apart: the model ``Mt`` plus every two-way
    interaction is fitted, and the caution is given when each interaction is positive and
    together they are significant (likelihood-ratio test against ``Mt``, p <
    :data:`HETEROGENEITY_P`). Models of list dependence then absorb the heterogeneity into
    interactions and their totals are biased, often with narrow intervals that miss the truth:
    in the coverage study, on four lists with three latent classes, log-linear models covered the
    true total in 40% of the tables and dga in 65%, mostly without another caution; this one is
    given on every such table and on one in twenty tables of lists with two dependent pairs.
    With three lists the model with every pair is saturated, and the ``three_lists`` caution
    already says that dependence and heterogeneity cannot be told apart.
    """
    from . import loglinear as ll  # statsmodels is slow to import; only load it when used

    j = ch.n_lists
    if j < 4:
        return []
    pairs = tuple(itertools.combinations(range(j), 2))
    try:
        every = ll.fit_model(ch, ll.ModelSpec("Mt", interactions=pairs))
        independent = ll.fit_model(ch, ll.ModelSpec("Mt"))
    except MSEError:
        return []  # a pair without common cases: not every pair depends positively
    from scipy import stats

    gammas = list(every.params.values())[1 + j : 1 + j + len(pairs)]
    chi2 = max(float(independent.deviance - every.deviance), 0.0)
    p = float(stats.chi2.sf(chi2, len(pairs)))
    if min(gammas) <= 0 or p >= HETEROGENEITY_P:
        return []
    return [
        Caution(
            "heterogeneous_capture",
            {
                "lists": j,
                "pairs": len(pairs),
                "weakest_odds_ratio": round(math.exp(min(gammas)), 2),
                "p": p,
            },
        )
    ]


def run_lcmcr(ch: CaptureHistories, cfg: LcmcrSettings) -> Estimate:
    from .lcmcr import fit_lcmcr  # numba is slow to import; only load it when LCMCR runs

    result = fit_lcmcr(ch, cfg).to_estimate(cfg)
    if not cfg.dependence_check:
        return result
    return replace(result, cautions=(*result.cautions, *dependence_check(ch, result)))


def dependence_check(ch: CaptureHistories, result: Estimate) -> list[Caution]:
    """The ``list_dependence`` caution when dependence between particular lists, which a
    log-linear model sees and fits, puts LCMCR's estimate outside that model's interval.

    LCMCR explains every association between lists by latent classes of cases that are easier or
    harder to record. When two particular lists share their sources (one NGO's list built from
    another's, a press scan and the police's releases), classes can only mimic that, and LCMCR
    tends to put the total too low: in the coverage study, on four lists with two dependent
    pairs, its estimate was a tenth too low in the median and its interval held the true total in
    34 of 39 clean tables. The log-linear model chosen by AIC (:func:`run_loglinear` with its
    defaults) models such pairs directly. When it includes at least one interaction, fits without
    a caution of its own (no lack of fit, no sign of heterogeneous capture, not prior-driven) and
    LCMCR's estimate lies outside its interval, the two methods tell different stories, and the
    one built for this kind of table is the log-linear model: the caution names it and its
    figure. Where capture is heterogeneous the log-linear model carries a caution of its own, so
    LCMCR, which is built for that, is not cautioned there. With three lists the ``three_lists``
    caution already says that the data cannot tell the two stories apart.
    """
    if ch.n_lists < 4:
        return []
    try:
        loglinear = run_loglinear(ch, LoglinearSettings(level=result.level))
    except MSEError:
        return []
    pairs = [name for name in loglinear.details.get("parameters", {}) if ":" in name]
    if loglinear.cautions or not pairs:
        return []
    if loglinear.lower <= result.estimate <= loglinear.upper:
        return []
    return [
        Caution(
            "list_dependence",
            {
                "model": loglinear.model,
                "pairs": len(pairs),
                "estimate": round(loglinear.estimate),
                "lower": round(loglinear.lower),
                "upper": round(loglinear.upper),
            },
        )
    ]


def run_dga(ch: CaptureHistories, cfg: DgaSettings) -> Estimate:
    """Average over decomposable graphs; check that pairwise dependence explains the table.

    The check fits the two-way log-linear model chosen by stepwise AIC: when even that does
    not fit (see :func:`lack_of_fit`), graphs of dependence between lists miss what is going
    on, and the estimate gets the ``lack_of_fit`` caution. With four lists or more, every pair
    of lists depending positively gets ``heterogeneous_capture`` (see
    :func:`heterogeneity_check`; off with ``heterogeneity_check=False``).
    """
    # statsmodels (loglinear) and scipy (dga) are slow to import; only load them when used
    from . import loglinear as ll
    from .dga import bma_estimate

    result = bma_estimate(ch, cfg)
    extra = heterogeneity_check(ch) if cfg.heterogeneity_check else []
    try:
        fit, _ = ll.stepwise(ch, criterion="aic")
    except MSEError:
        return replace(result, cautions=(*result.cautions, *extra))
    return replace(result, cautions=(*result.cautions, *lack_of_fit(fit), *extra))


def run_method(
    ch: CaptureHistories, cfg: LoglinearSettings | LcmcrSettings | DgaSettings
) -> Estimate:
    """Dispatch on the type of the settings."""
    if isinstance(cfg, LoglinearSettings):
        return run_loglinear(ch, cfg)
    if isinstance(cfg, LcmcrSettings):
        return run_lcmcr(ch, cfg)
    return run_dga(ch, cfg)
