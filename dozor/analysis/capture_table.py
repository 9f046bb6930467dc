"""A capture-history table as Dozor writes and reads it, and the one way a method is run on it.

`dozor estimate` and the Estimates page build their table from the database; `dozor mse` reads one
from a CSV file. Both turn the table into capture histories with :func:`histories_from_table` and
run a method with :func:`run_estimate`, so the same table, method, settings and seed give the same
figures on every path.

Two things used to differ between the paths, and both changed the answer:

* **The order of the lists.** LCMCR's sampler draws its random numbers list by list and history by
  history, so the same table with its columns in another order is another run: with a sampler
  that has not converged, another figure (3,090 against 2,918 on one table and seed). Here the
  lists are always taken in the code-point order of their names, whatever order the columns came
  in (and whatever collation the database sorts names by).
* **The settings.** A method's defaults live in its settings dataclass only; a path passes the
  settings a person gave and nothing else, and the seed to every method that takes one.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from typing import TYPE_CHECKING, Any

import lazy_loader

from dozor.analysis import mse
from dozor.analysis.mse.data import COUNT_COLUMN_GUESSES
from dozor.analysis.mse.errors import refusal

# Loaded when first used: this module is imported as Django starts (by the URLs' views), and
# every `dozor` command would otherwise pay for NumPy and pandas.
if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy_loader.load("pandas")

#: The columns of a table as ``dozor estimate --write-table`` writes it: ``stratum``, one 0/1
#: column per list, ``count``.
STRATUM_COLUMN = "stratum"
COUNT_COLUMN = "count"
#: The stratum of a table that has no stratum column (and of ``dozor estimate --by none``).
ALL = "all"

SETTINGS_CLASSES: dict[str, type] = {
    "loglinear": mse.LoglinearSettings,
    "lcmcr": mse.LcmcrSettings,
    "dga": mse.DgaSettings,
}


def list_order(names: Iterable[str]) -> list[str]:
    """The lists in the order every path runs them: their names in code-point order."""
    return sorted(str(name) for name in names)


def takes_seed(method: str) -> bool:
    """Whether the method draws random numbers, i.e. its settings have a ``seed``."""
    cls = SETTINGS_CLASSES.get(method)
    return cls is not None and "seed" in {f.name for f in fields(cls)}


def histories_from_table(
    frame: pd.DataFrame,
    *,
    lists: Sequence[str] | None = None,
    count_column: str | None = None,
    stratum_column: str | None = None,
) -> dict[str, mse.CaptureHistories]:
    """Capture histories per stratum, in the order the strata first appear in the table.

    ``lists`` names the list columns (default: every column but the count and stratum columns);
    they are used in :func:`list_order`. ``count_column`` as in
    :func:`dozor.analysis.mse.capture_histories_from_frame` (guessed when neither it nor ``lists``
    is given). Without ``stratum_column`` the whole table is one stratum, :data:`ALL`.
    Raises :class:`dozor.analysis.mse.CaptureDataError` naming the column and row at fault.
    """
    columns = [str(c) for c in frame.columns]
    if stratum_column is not None and stratum_column not in columns:
        raise refusal(
            mse.CaptureDataError, "stratum_column_missing", column=stratum_column, columns=columns
        )
    if count_column is None and lists is None:
        count_column = next((c for c in COUNT_COLUMN_GUESSES if c in columns), None)
    if lists is None:
        lists = [c for c in columns if c not in (count_column, stratum_column)]
    ordered = list_order(lists)
    if stratum_column is None:
        return {
            ALL: mse.capture_histories_from_frame(
                frame, lists=ordered, count_column=count_column, label=ALL
            )
        }
    missing = frame[stratum_column].isna()
    if missing.any():
        row = frame.index[int(missing.to_numpy().argmax())]
        raise refusal(mse.CaptureDataError, "stratum_value_missing", column=stratum_column, row=row)
    out: dict[str, mse.CaptureHistories] = {}
    for key, part in frame.groupby(frame[stratum_column].astype(str), sort=False):
        out[str(key)] = mse.capture_histories_from_frame(
            part.drop(columns=[stratum_column]),
            lists=ordered,
            count_column=count_column,
            label=str(key),
        )
    return out


def run_estimate(
    histories: mse.CaptureHistories,
    *,
    method: str,
    settings: Mapping[str, Any] | None = None,
    seed: int | None = None,
    allow_two_lists: bool = False,
) -> mse.Estimate:
    """Run one method on one stratum's histories.

    ``settings`` override the method's defaults (only those a person chose: every path leaves the
    rest to the settings dataclass); ``seed`` goes to every method that draws random numbers.
    The estimator's cautions come back in the result, not as Python warnings. Raises
    :class:`dozor.analysis.mse.MSEError` when the method refuses the data.
    """
    if method not in SETTINGS_CLASSES:
        raise refusal(mse.MSEError, "unknown_method", method=method, methods=list(SETTINGS_CLASSES))
    overrides = dict(settings or {})
    if seed is not None and takes_seed(method):
        overrides["seed"] = seed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mse.MSEWarning)
        return mse.estimate(histories, method, allow_two_lists=allow_two_lists, **overrides)
