"""Runners behind :func:`dozor.analysis.mse.estimate`: one per method."""

from __future__ import annotations

import math
from dataclasses import asdict, replace

from .data import CaptureHistories
from .errors import MSEError
from .results import DgaSettings, Estimate, LcmcrSettings, LoglinearSettings


def _history_index(text: str, lists: tuple[str, ...]) -> int:
    digits = text.strip()
    if len(digits) != len(lists) or set(digits) - {"0", "1"}:
        raise MSEError(
            f"history {text!r} must have one 0/1 digit per list ({len(lists)}: {list(lists)})"
        )
    index = sum(1 << i for i, d in enumerate(digits) if d == "1")
    if index == 0:
        raise MSEError("the all-zero history cannot be excluded: it is what is estimated")
    return index


def run_loglinear(ch: CaptureHistories, cfg: LoglinearSettings) -> Estimate:
    from . import loglinear as ll  # statsmodels is slow to import; only load it when used

    exclude = tuple(_history_index(h, ch.lists) for h in cfg.exclude_histories)
    settings = asdict(cfg)
    details: dict[str, object] = {}
    cautions: list[str] = []
    if cfg.model is not None:
        spec = ll.parse_model(cfg.model, ch.lists)

        fit = ll.fit_model(ch, replace(spec, exclude=exclude))
        details["selection"] = "fixed model"
    elif cfg.selection in ("aic", "bic", "average"):
        criterion = "aic" if cfg.selection == "average" else cfg.selection
        try:
            fits = ll.all_two_way_fits(ch, max_models=cfg.max_models, exclude=exclude)
        except MSEError as exc:
            if cfg.selection == "average":
                raise
            fit, log = ll.stepwise(ch, criterion=criterion, exclude=exclude)
            details["selection"] = f"stepwise by {criterion.upper()} ({exc})"
            details["steps"] = log
        else:
            details["models_compared"] = len(fits)
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
                        "selection": "model averaging (AIC weights)",
                        "models_compared": len(fits),
                        "weights": top,
                        "best_model": best.name,
                        "interval": "Buckland unconditional s.e., log-normal on the missing",
                    },
                )
            fit = ll.select_best(fits, criterion)
            details["selection"] = f"lowest {criterion.upper()} of all two-way interaction models"
    elif cfg.selection == "stepwise":
        fit, log = ll.stepwise(ch, criterion="pvalue", threshold=cfg.threshold, exclude=exclude)
        details["selection"] = f"forward stepwise, likelihood-ratio p < {cfg.threshold}"
        details["steps"] = log
    else:
        raise MSEError(
            f"unknown selection {cfg.selection!r}; use 'aic', 'bic', 'stepwise' or 'average'"
        )
    lower, upper = ll.profile_interval(ch, fit, cfg.level)
    if not math.isfinite(upper):
        cautions.append("the profile likelihood does not bound N from above")
    if fit.dropped_eta:
        cautions.append(f"Chao parameters {list(fit.dropped_eta)} were negative and set to 0")
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
        warnings=tuple(cautions),
        details=details,
    )


def run_lcmcr(ch: CaptureHistories, cfg: LcmcrSettings) -> Estimate:
    from .lcmcr import fit_lcmcr

    post = fit_lcmcr(ch, cfg)
    return post.to_estimate(cfg)


def run_dga(ch: CaptureHistories, cfg: DgaSettings) -> Estimate:
    from .dga import bma_estimate

    return bma_estimate(ch, cfg)


def run_method(
    ch: CaptureHistories, cfg: LoglinearSettings | LcmcrSettings | DgaSettings
) -> Estimate:
    """Dispatch on the type of the settings."""
    if isinstance(cfg, LoglinearSettings):
        return run_loglinear(ch, cfg)
    if isinstance(cfg, LcmcrSettings):
        return run_lcmcr(ch, cfg)
    return run_dga(ch, cfg)
