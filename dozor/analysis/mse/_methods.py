"""Runners behind :func:`dozor.analysis.mse.estimate`: one per method."""

from __future__ import annotations

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


def run_lcmcr(ch: CaptureHistories, cfg: LcmcrSettings) -> Estimate:
    from .lcmcr import fit_lcmcr

    post = fit_lcmcr(ch, cfg)
    return post.to_estimate(cfg)


def run_dga(ch: CaptureHistories, cfg: DgaSettings) -> Estimate:
    """Average over decomposable graphs; check that pairwise dependence explains the table.

    The check fits the two-way log-linear model chosen by stepwise AIC: when even that does
    not fit (see :func:`lack_of_fit`), graphs of dependence between lists miss what is going
    on, and the estimate gets the ``lack_of_fit`` caution.
    """
    from . import loglinear as ll
    from .dga import bma_estimate

    result = bma_estimate(ch, cfg)
    try:
        fit, _ = ll.stepwise(ch, criterion="aic")
    except MSEError:
        return result
    return replace(result, cautions=(*result.cautions, *lack_of_fit(fit)))


def run_method(
    ch: CaptureHistories, cfg: LoglinearSettings | LcmcrSettings | DgaSettings
) -> Estimate:
    """Dispatch on the type of the settings."""
    if isinstance(cfg, LoglinearSettings):
        return run_loglinear(ch, cfg)
    if isinstance(cfg, LcmcrSettings):
        return run_lcmcr(ch, cfg)
    return run_dga(ch, cfg)
