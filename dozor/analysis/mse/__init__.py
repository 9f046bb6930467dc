"""Multiple systems estimation (capture-recapture) of the number of cases nobody recorded.

Plain Python, NumPy, SciPy, statsmodels and pandas; no Django.

Quick use::

    import pandas as pd
    from dozor.analysis import mse

    ch = mse.capture_histories_from_frame(pd.read_csv("lists.csv"), count_column="count")
    result = mse.estimate(ch, method="lcmcr", seed=1)   # or "loglinear", "dga"
    print(result.estimate, result.lower, result.upper)

Three families of methods are offered:

* ``"loglinear"``: Poisson log-linear models on the incomplete table (as in the R
  package Rcapture): independence and two-way interaction models chosen by AIC,
  BIC, stepwise selection or averaged with AIC weights, and the heterogeneity
  models M0, Mt, Mh and Mth; profile-likelihood intervals.
* ``"lcmcr"``: the Bayesian non-parametric latent-class model of Manrique-Vallier
  (2016), as in HRDAG's LCMCR; posterior median and credible interval.
* ``"dga"``: Bayesian model averaging over decomposable graphical models
  (Madigan & York 1997), as in HRDAG's dga, for 3 to 5 lists.

Every estimate carries the cautions found in the data and the method as codes with
parameters (``Estimate.cautions``, each a :class:`Caution`), and a ``status``: ``"ok"``,
``"not_converged"`` or ``"prior_driven"``.  Refusals are :class:`MSEError` with a ``code`` and
``params``.  :data:`CAUTION_CODES` and :data:`REFUSAL_CODES` list every code;
``Estimate.warnings`` gives the cautions in English.  :func:`combine_replicates` combines
estimates made on replicate data sets (Rubin's rules).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import lazy_loader

from .codes import STATUS_NOT_CONVERGED, STATUS_OK, STATUS_PRIOR_DRIVEN, STATUSES, UPPER_MULTIPLE
from .errors import (
    CaptureDataError,
    DegenerateDataError,
    ModelFitError,
    MSEError,
    MSEWarning,
    TooFewListsError,
)
from .results import (
    CAUTION_CODES,
    DEFAULT_METHOD,
    METHODS,
    REFUSAL_CODES,
    Caution,
    DgaSettings,
    Estimate,
    LcmcrSettings,
    LoglinearSettings,
)

# What needs NumPy, SciPy and pandas loads when it is first used: the apps name METHODS and the
# codes as Django starts, and every `dozor` command would otherwise pay a second for them.
if TYPE_CHECKING:
    from ._estimate import estimate, estimate_by_stratum
    from .data import (
        CaptureHistories,
        capture_histories_from_frame,
        check_histories,
        split_by_stratum,
    )
    from .replicates import combine_replicates

__getattr__, _, _LAZY = lazy_loader.attach(
    __name__,
    submod_attrs={
        "_estimate": ["estimate", "estimate_by_stratum"],
        "data": [
            "CaptureHistories",
            "capture_histories_from_frame",
            "check_histories",
            "split_by_stratum",
        ],
        "replicates": ["combine_replicates"],
    },
)

__all__ = [
    "CAUTION_CODES",
    "DEFAULT_METHOD",
    "METHODS",
    "REFUSAL_CODES",
    "STATUSES",
    "STATUS_NOT_CONVERGED",
    "STATUS_OK",
    "STATUS_PRIOR_DRIVEN",
    "UPPER_MULTIPLE",
    "CaptureDataError",
    "CaptureHistories",
    "Caution",
    "DegenerateDataError",
    "DgaSettings",
    "Estimate",
    "LcmcrSettings",
    "LoglinearSettings",
    "MSEError",
    "MSEWarning",
    "ModelFitError",
    "TooFewListsError",
    "capture_histories_from_frame",
    "check_histories",
    "combine_replicates",
    "estimate",
    "estimate_by_stratum",
    "split_by_stratum",
]


def __dir__() -> list[str]:
    return list(__all__)
