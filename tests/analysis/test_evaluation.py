"""Scores, grades and trends of the commitments, on hand-made numbers."""

from __future__ import annotations

import pytest

from dozor.analysis.evaluation import (
    LOWER,
    EvaluationError,
    Thresholds,
    grade,
    score_value,
    trend,
)

SHARE = Thresholds(partial=0.4, met=0.7)
DAYS = Thresholds(partial=60, met=10, direction=LOWER)


@pytest.mark.parametrize(
    ("value", "expected"), [(0.39, 0), (0.4, 1), (0.69, 1), (0.7, 2), (1.0, 2), (None, None)]
)
def test_a_share_is_scored_against_its_thresholds(value: float | None, expected: int) -> None:
    assert score_value(value, SHARE) == expected


@pytest.mark.parametrize(("value", "expected"), [(5, 2), (10, 2), (11, 1), (60, 1), (61, 0)])
def test_fewer_days_score_better(value: float, expected: int) -> None:
    assert score_value(value, DAYS) == expected


def test_thresholds_in_the_wrong_order_are_refused() -> None:
    with pytest.raises(EvaluationError):
        Thresholds(partial=0.7, met=0.4)
    with pytest.raises(EvaluationError):
        Thresholds(partial=10, met=60, direction=LOWER)


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([2, 2], "met"),
        ([2, 1], "met"),  # mean 1.5
        ([2, 0], "partial"),  # mean 1.0
        ([1, 0, 0], "absent"),  # mean 0.33
        ([1, 0], "partial"),  # mean 0.5
        ([0, None], "absent"),
        ([None, None], "not_assessed"),
        ([], "not_assessed"),
    ],
)
def test_the_grade_follows_the_mean_of_the_known_scores(scores: list, expected: str) -> None:
    assert grade(scores) == expected


def test_a_score_outside_0_to_2_is_an_error() -> None:
    with pytest.raises(EvaluationError):
        grade([3])


@pytest.mark.parametrize(
    ("now", "before", "expected"),
    [
        ([2, 1], [1, 1], "improved"),
        ([0, 1], [1, 1], "worsened"),
        ([1, None], [1], "unchanged"),
        ([1], [None], "unknown"),
    ],
)
def test_the_trend_compares_with_the_previous_year(now: list, before: list, expected: str) -> None:
    assert trend(now, before) == expected
