"""Scores of a linkage against the truth."""

from __future__ import annotations

import pandas as pd

from dozor.analysis.linkage import cluster_scores, pairwise_scores
from dozor.analysis.linkage.evaluate import bcubed_scores

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


def test_bcubed_scores_average_each_reports_precision_and_recall() -> None:
    truth = pd.Series({"a": 1, "b": 1, "c": 2, "d": 2, "e": 3})
    assert bcubed_scores(truth.copy(), truth).f1 == 1.0
    # c joins a and b: a and b keep 2 of 3, c 1 of 3 (precision 11/15); c and d lose half.
    predicted = pd.Series({"a": 1, "b": 1, "c": 1, "d": 2, "e": 3})
    scores = bcubed_scores(predicted, truth)
    assert (scores.precision, scores.recall) == (0.7333, 0.8)


def test_bcubed_recall_falls_with_every_report_split_off() -> None:
    truth = pd.Series({"a": 1, "b": 1, "c": 1, "d": 1})
    split = pd.Series({"a": 1, "b": 1, "c": 2, "d": 3})
    scores = bcubed_scores(split, truth)
    assert scores.precision == 1.0
    assert scores.recall == round((0.5 + 0.5 + 0.25 + 0.25) / 4, 4)
