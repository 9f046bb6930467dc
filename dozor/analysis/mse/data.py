"""Capture histories: loading, validation, stratification and data checks.

A *capture history* says on which lists (sources, systems, capture occasions) a
person or event appears: one 0/1 flag per list.  The all-zero history is never
observed; it is what multiple systems estimation estimates.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import lazy_loader

from .errors import CaptureDataError, DegenerateDataError, MSEWarning, TooFewListsError, refusal
from .results import Caution

# Loaded when first used: this module is imported as Django starts (by the URLs' views), and
# every `dozor` command would otherwise pay for NumPy and pandas.
if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    np = lazy_loader.load("numpy")
    pd = lazy_loader.load("pandas")

__all__ = [
    "CaptureHistories",
    "capture_histories_from_frame",
    "check_histories",
    "split_by_stratum",
]

#: Column names tried, in order, when no count column is named.
COUNT_COLUMN_GUESSES = ("count", "counts", "freq", "frequency", "n", "Freq")

#: Largest number of lists this package handles (2**J cells are enumerated).
MAX_LISTS = 15


@dataclass(frozen=True)
class CaptureHistories:
    """Aggregated capture histories.

    ``histories`` holds one row per distinct observed history (0/1 per list, never
    all zero) and ``counts`` how many individuals have it.  Rows are sorted by the
    pattern index ``sum(x_j * 2**j)`` (list 1 is the lowest bit).
    """

    lists: tuple[str, ...]
    histories: np.ndarray
    counts: np.ndarray
    label: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        h = np.asarray(self.histories)
        c = np.asarray(self.counts)
        if h.ndim != 2 or h.shape[1] != len(self.lists):
            raise refusal(
                CaptureDataError, "histories_shape", lists=len(self.lists), shape=list(h.shape)
            )
        if c.shape != (h.shape[0],):
            raise refusal(
                CaptureDataError, "counts_shape", histories=h.shape[0], shape=list(c.shape)
            )
        if not np.isin(h, (0, 1)).all():
            raise refusal(CaptureDataError, "not_binary")
        if (c < 0).any():
            raise refusal(CaptureDataError, "negative_count")
        if ((h.sum(axis=1) == 0) & (c > 0)).any():
            raise refusal(CaptureDataError, "zero_history_observed")

    # --- derived quantities -------------------------------------------------

    @property
    def n_lists(self) -> int:
        return len(self.lists)

    @property
    def observed(self) -> int:
        """Number of distinct individuals observed on at least one list."""
        return int(np.asarray(self.counts).sum())

    def pattern_index(self) -> np.ndarray:
        """Index ``sum(x_j * 2**j)`` of every row of :attr:`histories`."""
        weights = 1 << np.arange(self.n_lists, dtype=np.int64)
        return np.asarray(self.histories, dtype=np.int64) @ weights

    def full_table(self) -> np.ndarray:
        """Counts for all ``2**J`` patterns, indexed by pattern index (cell 0 is 0)."""
        table = np.zeros(2**self.n_lists, dtype=np.int64)
        np.add.at(table, self.pattern_index(), np.asarray(self.counts, dtype=np.int64))
        return table

    def list_totals(self) -> dict[str, int]:
        h = np.asarray(self.histories, dtype=np.int64)
        totals = (h * np.asarray(self.counts)[:, None]).sum(axis=0)
        return {name: int(t) for name, t in zip(self.lists, totals, strict=True)}

    def to_frame(self, count_column: str = "count") -> pd.DataFrame:
        frame = pd.DataFrame(np.asarray(self.histories, dtype=np.int64), columns=list(self.lists))
        frame[count_column] = np.asarray(self.counts, dtype=np.int64)
        return frame

    @classmethod
    def from_table(
        cls, table: Sequence[int] | np.ndarray, lists: Sequence[str], label: str | None = None
    ) -> CaptureHistories:
        """Build from counts of all ``2**J`` patterns indexed by pattern index."""
        table = np.asarray(table, dtype=np.int64)
        j = len(lists)
        if table.shape != (2**j,):
            raise refusal(CaptureDataError, "table_size", lists=j, cells=2**j, size=table.size)
        if table[0] != 0:
            raise refusal(CaptureDataError, "zero_cell_not_zero")
        idx = np.arange(1, 2**j)
        hist = ((idx[:, None] >> np.arange(j)) & 1).astype(np.int8)
        keep = table[1:] > 0
        return cls(tuple(lists), hist[keep], table[1:][keep], label=label)

    def drop_lists(self, names: Sequence[str]) -> CaptureHistories:
        keep = [i for i, name in enumerate(self.lists) if name not in set(names)]
        unknown = set(names) - set(self.lists)
        if unknown:
            raise refusal(CaptureDataError, "unknown_lists", lists=sorted(unknown))
        sub = np.asarray(self.histories)[:, keep]
        counts = np.asarray(self.counts)
        seen = sub.sum(axis=1) > 0
        frame = pd.DataFrame(sub[seen], columns=[self.lists[i] for i in keep])
        frame["__count"] = counts[seen]
        return capture_histories_from_frame(frame, count_column="__count")


def _label(row: object) -> int | str:
    """A row label as it can travel in JSON."""
    return int(row) if isinstance(row, int | np.integer) else str(row)


def _as_binary(series: pd.Series, column: str) -> np.ndarray:
    values = series.to_numpy()
    if series.dtype == bool:
        return np.asarray(values.astype(np.int8))
    numeric = pd.to_numeric(series, errors="coerce")
    bad = numeric.isna() | ~numeric.isin([0, 1])
    if bad.any():
        row = series.index[int(np.argmax(bad.to_numpy()))]
        raise refusal(
            CaptureDataError,
            "not_zero_one",
            column=column,
            row=_label(row),
            value=str(series.loc[row]),
        )
    return np.asarray(numeric.to_numpy().astype(np.int8))


def _as_counts(series: pd.Series, column: str) -> np.ndarray:
    numeric = pd.to_numeric(series, errors="coerce")
    values = numeric.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(values) | (values < 0) | (values != np.round(values))
    if bad.any():
        row = series.index[int(np.argmax(bad))]
        raise refusal(
            CaptureDataError,
            "bad_count",
            column=column,
            row=_label(row),
            value=str(series.loc[row]),
        )
    return np.asarray(values.astype(np.int64))


def capture_histories_from_frame(
    df: pd.DataFrame,
    *,
    lists: Sequence[str] | None = None,
    count_column: str | None = None,
    label: str | None = None,
) -> CaptureHistories:
    """Read capture histories from a DataFrame.

    Two layouts are accepted:

    * one 0/1 column per list and a count column (one row per history);
    * one 0/1 column per list and one row per individual (no count column).

    ``lists`` names the list columns (default: every column except the count
    column).  ``count_column`` names the count column; when omitted, a column
    called ``count``, ``freq`` or similar is used if present, otherwise each row
    is one individual.  Duplicate histories are added up.  Rows whose history is
    all zero are accepted only with a zero count (they are then ignored).
    """
    if not isinstance(df, pd.DataFrame):
        raise refusal(CaptureDataError, "not_a_frame", type=type(df).__name__)
    if df.empty:
        raise refusal(CaptureDataError, "no_rows")
    columns = [str(c) for c in df.columns]
    if len(set(columns)) != len(columns):
        raise refusal(CaptureDataError, "duplicate_columns", columns=columns)
    df = df.copy()
    df.columns = columns
    if count_column is None and lists is None:
        count_column = next((c for c in COUNT_COLUMN_GUESSES if c in columns), None)
    if count_column is not None and count_column not in columns:
        raise refusal(
            CaptureDataError, "count_column_missing", column=count_column, columns=columns
        )
    if lists is None:
        lists = [c for c in columns if c != count_column]
    else:
        lists = [str(c) for c in lists]
        missing = [c for c in lists if c not in columns]
        if missing:
            raise refusal(
                CaptureDataError, "list_columns_missing", missing=missing, columns=columns
            )
        if count_column in lists:
            raise refusal(CaptureDataError, "count_column_is_list", column=count_column)
    if len(set(lists)) != len(lists):
        raise refusal(CaptureDataError, "duplicate_lists", lists=list(lists))
    if len(lists) < 2:
        raise refusal(TooFewListsError, "too_few_list_columns", count=len(lists), lists=list(lists))
    if len(lists) > MAX_LISTS:
        raise refusal(CaptureDataError, "too_many_lists", maximum=MAX_LISTS, count=len(lists))

    hist = np.column_stack([_as_binary(df[c], c) for c in lists])
    if count_column is None:
        counts = np.ones(len(df), dtype=np.int64)
    else:
        counts = _as_counts(df[count_column], count_column)

    zero_rows = hist.sum(axis=1) == 0
    if (zero_rows & (counts > 0)).any():
        row = df.index[int(np.argmax(zero_rows & (counts > 0)))]
        raise refusal(
            CaptureDataError,
            "observed_on_no_list",
            row=_label(row),
            count=int(counts[df.index.get_loc(row)]),
        )
    hist, counts = hist[~zero_rows], counts[~zero_rows]
    if counts.sum() == 0:
        raise refusal(CaptureDataError, "nothing_observed")

    j = len(lists)
    idx = hist.astype(np.int64) @ (1 << np.arange(j, dtype=np.int64))
    table = np.bincount(idx, weights=counts, minlength=2**j).astype(np.int64)
    present = np.nonzero(table)[0]
    uniq = ((present[:, None] >> np.arange(j)) & 1).astype(np.int8)
    return CaptureHistories(tuple(lists), uniq, table[present], label=label)


def split_by_stratum(
    df: pd.DataFrame,
    stratum_column: str,
    *,
    lists: Sequence[str] | None = None,
    count_column: str | None = None,
    min_observed: int = 1,
) -> dict[str, CaptureHistories]:
    """Split a table into one :class:`CaptureHistories` per value of ``stratum_column``.

    Strata with fewer than ``min_observed`` observed individuals are left out with
    an :class:`~dozor.analysis.mse.errors.MSEWarning` naming them (they are
    too small to estimate; report them separately, not as zero).
    """
    if stratum_column not in df.columns:
        raise refusal(
            CaptureDataError,
            "stratum_column_missing",
            column=stratum_column,
            columns=[str(c) for c in df.columns],
        )
    if df[stratum_column].isna().any():
        row = df.index[int(np.argmax(df[stratum_column].isna().to_numpy()))]
        raise refusal(
            CaptureDataError, "stratum_value_missing", column=stratum_column, row=_label(row)
        )
    rest = df.drop(columns=[stratum_column])
    if lists is None:
        guess = count_column or next((c for c in COUNT_COLUMN_GUESSES if c in rest.columns), None)
        count_column = guess
        lists = [c for c in rest.columns if c != count_column]
    out: dict[str, CaptureHistories] = {}
    too_small: list[str] = []
    for value, part in rest.groupby(df[stratum_column], sort=True):
        key = str(value)
        try:
            ch = capture_histories_from_frame(
                part, lists=lists, count_column=count_column, label=key
            )
        except CaptureDataError as exc:
            if exc.code == "nothing_observed":
                too_small.append(key)
                continue
            raise CaptureDataError(
                f"stratum {key!r}: {exc}", code=exc.code, params={**exc.params, "stratum": key}
            ) from exc
        if ch.observed < min_observed:
            too_small.append(key)
            continue
        out[key] = ch
    if too_small:
        caution = Caution("strata_too_small", {"strata": too_small, "minimum": min_observed})
        warnings.warn(MSEWarning(caution.english(), caution), stacklevel=2)
    if not out:
        raise refusal(DegenerateDataError, "no_stratum_large_enough", minimum=min_observed)
    return out


#: Below this many observed individuals an estimate is flagged as fragile.
SMALL_SAMPLE = 30


def check_histories(
    ch: CaptureHistories, *, allow_two_lists: bool = False, min_lists: int = 3
) -> list[Caution]:
    """Refuse data that cannot support an estimate; return cautions for data that is weak.

    Raises :class:`TooFewListsError` for fewer than three lists (two only with
    ``allow_two_lists``) and :class:`DegenerateDataError` when a list is empty or
    when no individual is on more than one list.  The returned cautions belong
    beside any estimate; three lists always get ``three_lists``.
    """
    cautions: list[Caution] = []
    j = ch.n_lists
    if j < min_lists:
        if j == 2 and allow_two_lists:
            cautions.append(Caution("two_lists"))
        else:
            raise refusal(TooFewListsError, "too_few_lists", lists=j, minimum=min_lists)
    if j == 3:
        cautions.append(Caution("three_lists"))
    totals = ch.list_totals()
    empty = [name for name, t in totals.items() if t == 0]
    if empty:
        raise refusal(DegenerateDataError, "empty_lists", lists=empty)
    hist = np.asarray(ch.histories)
    counts = np.asarray(ch.counts)
    on_several = int(counts[hist.sum(axis=1) >= 2].sum())
    if on_several == 0:
        raise refusal(DegenerateDataError, "no_overlap")
    n = ch.observed
    full = [name for name, t in totals.items() if t == n]
    if full:
        cautions.append(Caution("list_holds_everything", {"lists": full}))
    if n < SMALL_SAMPLE:
        cautions.append(Caution("few_observed", {"observed": n, "minimum": SMALL_SAMPLE}))
    if on_several < 10:
        cautions.append(Caution("thin_overlap", {"on_several": on_several}))
    table = ch.full_table()[1:]
    zero_cells = int((table == 0).sum())
    if zero_cells > table.size / 2:
        cautions.append(Caution("sparse_table", {"empty": zero_cells, "cells": int(table.size)}))
    return cautions
