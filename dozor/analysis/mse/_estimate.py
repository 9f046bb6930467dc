"""The entry points: one estimate, or one per stratum (imported lazily by the package)."""

from __future__ import annotations

import warnings
from dataclasses import asdict, fields, replace
from typing import Any

import pandas as pd

from ._methods import run_method
from .data import CaptureHistories, capture_histories_from_frame, check_histories, split_by_stratum
from .errors import MSEError, MSEWarning, refusal
from .results import (
    DEFAULT_METHOD,
    METHODS,
    DgaSettings,
    Estimate,
    LcmcrSettings,
    LoglinearSettings,
    unique_cautions,
    upper_cautions,
)

_SETTINGS = {"loglinear": LoglinearSettings, "lcmcr": LcmcrSettings, "dga": DgaSettings}


def _make_settings(method: str, settings: Any, overrides: dict[str, Any]) -> Any:
    cls = _SETTINGS[method]
    if settings is None:
        settings = cls()
    elif not isinstance(settings, cls):
        raise refusal(MSEError, "bad_settings_type", method=method, expected=cls.__name__)
    if overrides:
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise refusal(
                MSEError, "unknown_setting", names=unknown, method=method, known=sorted(names)
            )
        settings = cls(**{**asdict(settings), **overrides})
    level = settings.level
    if isinstance(level, bool) or not isinstance(level, int | float) or not 0.5 <= level < 1:
        raise refusal(MSEError, "bad_level", level=level)
    return settings


def estimate(
    histories: CaptureHistories | pd.DataFrame,
    method: str = DEFAULT_METHOD,
    *,
    settings: LoglinearSettings | LcmcrSettings | DgaSettings | None = None,
    allow_two_lists: bool = False,
    **overrides: Any,
) -> Estimate:
    """Estimate the total population size from capture histories.

    ``histories`` is a :class:`CaptureHistories` or a DataFrame readable by
    :func:`capture_histories_from_frame`.  Keyword arguments override fields of
    the method's settings dataclass (e.g. ``seed=1``, ``K=5``).  Refuses fewer
    than three lists unless ``allow_two_lists`` (see :func:`check_histories`).
    """
    if method not in METHODS:
        raise refusal(MSEError, "unknown_method", method=method, methods=list(METHODS))
    if isinstance(histories, pd.DataFrame):
        histories = capture_histories_from_frame(histories)
    cfg = _make_settings(method, settings, overrides)
    data_cautions = check_histories(histories, allow_two_lists=allow_two_lists)
    result = run_method(histories, cfg)
    cautions = unique_cautions(
        [*data_cautions, *result.cautions, *upper_cautions(result.observed, result.upper)]
    )
    for caution in cautions:
        warnings.warn(MSEWarning(caution.english(), caution), stacklevel=2)
    return replace(result, cautions=cautions)


def estimate_by_stratum(
    frame: pd.DataFrame,
    stratum_column: str,
    method: str = DEFAULT_METHOD,
    *,
    lists: list[str] | None = None,
    count_column: str | None = None,
    min_observed: int = 30,
    **kwargs: Any,
) -> dict[str, Estimate]:
    """Estimate separately in each stratum with at least ``min_observed`` individuals."""
    parts = split_by_stratum(
        frame, stratum_column, lists=lists, count_column=count_column, min_observed=min_observed
    )
    return {key: estimate(ch, method, **kwargs) for key, ch in parts.items()}
