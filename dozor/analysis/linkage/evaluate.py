"""How good a linkage is, against the truth: pairwise and cluster precision, recall and F1."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float

    def as_dict(self) -> dict[str, float]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1}


def _scores(true_positive: int, predicted: int, actual: int) -> Scores:
    precision = true_positive / predicted if predicted else 1.0
    recall = true_positive / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(round(precision, 4), round(recall, 4), round(f1, 4))


def _pairs(clusters: dict[Any, list[Any]]) -> set[tuple[Any, Any]]:
    pairs: set[tuple[Any, Any]] = set()
    for members in clusters.values():
        pairs.update(combinations(sorted(members, key=str), 2))
    return pairs


def _groups(assignment: pd.Series) -> dict[Any, list[Any]]:
    return {key: list(group.index) for key, group in assignment.groupby(assignment)}


def pairwise_scores(predicted: pd.Series, truth: pd.Series) -> Scores:
    """Both arguments map report id → cluster (predicted) or true incident (truth)."""
    predicted_pairs = _pairs(_groups(predicted))
    true_pairs = _pairs(_groups(truth.reindex(predicted.index)))
    return _scores(len(predicted_pairs & true_pairs), len(predicted_pairs), len(true_pairs))


def cluster_scores(predicted: pd.Series, truth: pd.Series) -> Scores:
    """A predicted cluster is right when it holds exactly the reports of one true incident."""
    predicted_sets = {frozenset(members) for members in _groups(predicted).values()}
    true_sets = {frozenset(members) for members in _groups(truth.reindex(predicted.index)).values()}
    return _scores(len(predicted_sets & true_sets), len(predicted_sets), len(true_sets))


def bcubed_scores(predicted: pd.Series, truth: pd.Series) -> Scores:
    """B-cubed precision and recall (Bagga and Baldwin), averaged over reports.

    A report's precision is the share of its predicted cluster that truly belongs with it, its
    recall the share of its true incident that its cluster holds. Unlike exact cluster matches,
    one stray report costs in proportion to the reports it is wrongly joined with.
    """
    truth = truth.reindex(predicted.index)
    frame = pd.DataFrame({"predicted": predicted.to_numpy(), "truth": truth.to_numpy()})
    if frame.empty:
        return Scores(1.0, 1.0, 1.0)
    both = frame.groupby(["predicted", "truth"]).size()
    by_predicted = frame.groupby("predicted").size()
    by_truth = frame.groupby("truth").size()
    # Each (cluster, incident) cell of n reports contributes n * n / |cluster| to precision's
    # sum over reports, and n * n / |incident| to recall's.
    cells = both.reset_index(name="n")
    squared = cells["n"].to_numpy(dtype=float) ** 2
    precision = float(
        (squared / by_predicted.reindex(cells["predicted"]).to_numpy()).sum() / len(frame)
    )
    recall = float((squared / by_truth.reindex(cells["truth"]).to_numpy()).sum() / len(frame))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(round(precision, 4), round(recall, 4), round(f1, 4))
