"""Capture histories: loading, validation, stratification and data checks.

A *capture history* says on which lists (sources, systems, capture occasions) a
person or event appears: one 0/1 flag per list.  The all-zero history is never
observed; it is what multiple systems estimation estimates.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import CaptureDataError, DegenerateDataError, MSEWarning, TooFewListsError

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
            raise CaptureDataError(
                f"histories must be a matrix with one column per list ({len(self.lists)}), "
                f"got shape {h.shape}"
            )
        if c.shape != (h.shape[0],):
            raise CaptureDataError(
                f"counts must have one entry per history ({h.shape[0]}), got shape {c.shape}"
            )
        if not np.isin(h, (0, 1)).all():
            raise CaptureDataError("histories must contain only 0 and 1")
        if (c < 0).any():
            raise CaptureDataError("counts must be non-negative")
        if ((h.sum(axis=1) == 0) & (c > 0)).any():
            raise CaptureDataError("the all-zero history cannot have been observed")

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
            raise CaptureDataError(f"a table for {j} lists needs {2**j} cells, got {table.shape}")
        if table[0] != 0:
            raise CaptureDataError("cell 0 (the all-zero history) must be 0")
        idx = np.arange(1, 2**j)
        hist = ((idx[:, None] >> np.arange(j)) & 1).astype(np.int8)
        keep = table[1:] > 0
        return cls(tuple(lists), hist[keep], table[1:][keep], label=label)

    def drop_lists(self, names: Sequence[str]) -> CaptureHistories:
        keep = [i for i, name in enumerate(self.lists) if name not in set(names)]
        unknown = set(names) - set(self.lists)
        if unknown:
            raise CaptureDataError(f"unknown list(s): {sorted(unknown)}")
        sub = np.asarray(self.histories)[:, keep]
        counts = np.asarray(self.counts)
        seen = sub.sum(axis=1) > 0
        frame = pd.DataFrame(sub[seen], columns=[self.lists[i] for i in keep])
        frame["__count"] = counts[seen]
        return capture_histories_from_frame(frame, count_column="__count")


def _as_binary(series: pd.Series, column: str) -> np.ndarray:
    values = series.to_numpy()
    if series.dtype == bool:
        return values.astype(np.int8)
    numeric = pd.to_numeric(series, errors="coerce")
    bad = numeric.isna() | ~numeric.isin([0, 1])
    if bad.any():
        row = series.index[int(np.argmax(bad.to_numpy()))]
        raise CaptureDataError(
            f"column {column!r}, row {row!r}: expected 0 or 1 (on the list or not), "
            f"got {str(series.loc[row])!r}"
        )
    return numeric.to_numpy().astype(np.int8)


def _as_counts(series: pd.Series, column: str) -> np.ndarray:
    numeric = pd.to_numeric(series, errors="coerce")
    values = numeric.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(values) | (values < 0) | (values != np.round(values))
    if bad.any():
        row = series.index[int(np.argmax(bad))]
        raise CaptureDataError(
            f"count column {column!r}, row {row!r}: expected a non-negative whole number, "
            f"got {str(series.loc[row])!r}"
        )
    return values.astype(np.int64)


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
        raise CaptureDataError(f"expected a pandas DataFrame, got {type(df).__name__}")
    if df.empty:
        raise CaptureDataError("the table has no rows")
    columns = [str(c) for c in df.columns]
    if len(set(columns)) != len(columns):
        raise CaptureDataError(f"duplicate column names: {columns}")
    df = df.copy()
    df.columns = columns
    if count_column is None and lists is None:
        count_column = next((c for c in COUNT_COLUMN_GUESSES if c in columns), None)
    if count_column is not None and count_column not in columns:
        raise CaptureDataError(
            f"count column {count_column!r} not found; the columns are {columns}"
        )
    if lists is None:
        lists = [c for c in columns if c != count_column]
    else:
        lists = [str(c) for c in lists]
        missing = [c for c in lists if c not in columns]
        if missing:
            raise CaptureDataError(f"list column(s) {missing} not found; the columns are {columns}")
        if count_column in lists:
            raise CaptureDataError(f"column {count_column!r} cannot be both a list and the count")
    if len(set(lists)) != len(lists):
        raise CaptureDataError(f"a list is named twice: {lists}")
    if len(lists) < 2:
        raise TooFewListsError(
            f"capture histories need at least 2 list columns, got {len(lists)}: {lists}"
        )
    if len(lists) > MAX_LISTS:
        raise CaptureDataError(f"at most {MAX_LISTS} lists are supported, got {len(lists)}")

    hist = np.column_stack([_as_binary(df[c], c) for c in lists])
    if count_column is None:
        counts = np.ones(len(df), dtype=np.int64)
    else:
        counts = _as_counts(df[count_column], count_column)

    zero_rows = hist.sum(axis=1) == 0
    if (zero_rows & (counts > 0)).any():
        row = df.index[int(np.argmax(zero_rows & (counts > 0)))]
        raise CaptureDataError(
            f"row {row!r}: the history is on no list (all zeros) but its count is "
            f"{counts[df.index.get_loc(row)]}; nobody can be observed on no list - "
            "remove the row (the number of people on no list is what is estimated)"
        )
    hist, counts = hist[~zero_rows], counts[~zero_rows]
    if counts.sum() == 0:
        raise CaptureDataError("no individual is observed (all counts are zero)")

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
        raise CaptureDataError(
            f"stratum column {stratum_column!r} not found; the columns are {list(df.columns)}"
        )
    if df[stratum_column].isna().any():
        row = df.index[int(np.argmax(df[stratum_column].isna().to_numpy()))]
        raise CaptureDataError(f"stratum column {stratum_column!r}, row {row!r}: missing value")
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
            if "no individual is observed" in str(exc):
                too_small.append(key)
                continue
            raise CaptureDataError(f"stratum {key!r}: {exc}") from exc
        if ch.observed < min_observed:
            too_small.append(key)
            continue
        out[key] = ch
    if too_small:
        warnings.warn(
            f"strata {too_small} have fewer than {min_observed} observed individuals and "
            "were left out; estimate them with a coarser stratification or report them "
            "as observed counts only",
            MSEWarning,
            stacklevel=2,
        )
    if not out:
        raise DegenerateDataError(f"no stratum has at least {min_observed} observed individuals")
    return out


#: Below this many observed individuals an estimate is flagged as fragile.
SMALL_SAMPLE = 30


def check_histories(
    ch: CaptureHistories, *, allow_two_lists: bool = False, min_lists: int = 3
) -> list[str]:
    """Refuse data that cannot support an estimate; return cautions for data that is weak.

    Raises :class:`TooFewListsError` for fewer than three lists (two only with
    ``allow_two_lists``) and :class:`DegenerateDataError` when a list is empty or
    when no individual is on more than one list.  The returned messages are
    cautions that belong beside any estimate.
    """
    cautions: list[str] = []
    j = ch.n_lists
    if j < min_lists:
        if j == 2 and allow_two_lists:
            cautions.append(
                "only two lists: the estimate rests entirely on the assumption that the "
                "two lists are independent, which the data cannot test"
            )
        else:
            raise TooFewListsError(
                f"{j} list(s) given; multiple systems estimation needs at least {min_lists}. "
                "With two lists the estimate rests entirely on the assumption that being on "
                "one list has nothing to do with being on the other, and no data can test "
                "that assumption (accept it explicitly with allow_two_lists=True, or "
                "--allow-two-lists on the command line)"
            )
    totals = ch.list_totals()
    empty = [name for name, t in totals.items() if t == 0]
    if empty:
        raise DegenerateDataError(f"list(s) {empty} hold no observed individual; remove them")
    hist = np.asarray(ch.histories)
    counts = np.asarray(ch.counts)
    on_several = int(counts[hist.sum(axis=1) >= 2].sum())
    if on_several == 0:
        raise DegenerateDataError(
            "no individual appears on more than one list; without overlap between lists "
            "the number never observed cannot be estimated"
        )
    n = ch.observed
    full = [name for name, t in totals.items() if t == n]
    if full:
        cautions.append(
            f"list(s) {full} hold every observed individual; either the list is complete "
            "(then no estimation is needed) or the other lists were drawn from it, and an "
            "estimate near the observed count says nothing about those never recorded"
        )
    if n < SMALL_SAMPLE:
        cautions.append(f"only {n} individuals observed: the estimate is fragile")
    if on_several < 10:
        cautions.append(
            f"only {on_several} individuals appear on more than one list; the overlap that "
            "drives the estimate is very thin"
        )
    table = ch.full_table()[1:]
    zero_cells = int((table == 0).sum())
    if zero_cells > table.size / 2:
        cautions.append(
            f"{zero_cells} of {table.size} observable histories have no individual; "
            "models with interactions may not be identifiable"
        )
    return cautions
