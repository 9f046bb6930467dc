"""Scores of a linkage against the truth."""

from __future__ import annotations

import pandas as pd

from dozor.analysis.linkage import cluster_scores, pairwise_scores

TRUTH = pd.Series({"a": 1, "b": 1, "c": 2, "d": 3})


def test_a_perfect_linkage_scores_one() -> None:
    assert pairwise_scores(TRUTH, TRUTH).f1 == 1.0
    assert cluster_scores(TRUTH, TRUTH).f1 == 1.0


def test_an_extra_report_in_a_cluster_costs_pairwise_precision() -> None:
    predicted = pd.Series({"a": 1, "b": 1, "c": 1, "d": 3})
    scores = pairwise_scores(predicted, TRUTH)
    assert scores.recall == 1.0
    assert scores.precision == round(1 / 3, 4)


def test_a_split_incident_costs_cluster_recall() -> None:
    predicted = pd.Series({"a": 1, "b": 5, "c": 2, "d": 3})
    scores = cluster_scores(predicted, TRUTH)
    assert scores.recall == round(2 / 3, 4)
    assert scores.precision == 0.5
