"""Scores, grades and trends of the OSCE commitments: plain Python, no Django.

An indicator is scored 0 (absent), 1 (partial), 2 (met) or None (n/a: nothing to judge by). A
computed indicator's score follows from its value and two thresholds; a commitment's grade follows
from the scores of its indicators; the trend compares a grade with the previous year's.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

ABSENT, PARTIAL, MET = 0, 1, 2
SCORES = (ABSENT, PARTIAL, MET)
HIGHER, LOWER = "higher", "lower"

GRADE_MET = "met"
GRADE_PARTIAL = "partial"
GRADE_ABSENT = "absent"
GRADE_NOT_ASSESSED = "not_assessed"
GRADES = (GRADE_MET, GRADE_PARTIAL, GRADE_ABSENT, GRADE_NOT_ASSESSED)

TREND_IMPROVED = "improved"
TREND_WORSENED = "worsened"
TREND_UNCHANGED = "unchanged"
TREND_UNKNOWN = "unknown"

# A commitment is met when its indicators average at least this, partly met from PARTIAL_FROM.
MET_FROM = 1.5
PARTIAL_FROM = 0.5


class EvaluationError(ValueError):
    """Thresholds or scores that cannot be used."""


@dataclass(frozen=True)
class Thresholds:
    """Where "partial" and "met" begin. With direction "lower", smaller values are better."""

    partial: float
    met: float
    direction: str = HIGHER

    def __post_init__(self) -> None:
        if self.direction not in (HIGHER, LOWER):
            raise EvaluationError(f"direction must be {HIGHER!r} or {LOWER!r}")
        if self.direction == HIGHER and self.met < self.partial:
            raise EvaluationError("when higher is better, “met” cannot be below “partial”")
        if self.direction == LOWER and self.met > self.partial:
            raise EvaluationError("when lower is better, “met” cannot be above “partial”")


def score_value(value: float | None, thresholds: Thresholds) -> int | None:
    """The score a computed value earns; None when there is no value to judge."""
    if value is None:
        return None
    if thresholds.direction == HIGHER:
        if value >= thresholds.met:
            return MET
        return PARTIAL if value >= thresholds.partial else ABSENT
    if value <= thresholds.met:
        return MET
    return PARTIAL if value <= thresholds.partial else ABSENT


def average_score(scores: Iterable[int | None]) -> float | None:
    """The mean of the scores that are not n/a; None when all are n/a."""
    known = [score for score in scores if score is not None]
    for score in known:
        if score not in SCORES:
            raise EvaluationError(f"a score is 0, 1 or 2, not {score!r}")
    return statistics.fmean(known) if known else None


def grade(scores: Sequence[int | None]) -> str:
    mean = average_score(scores)
    if mean is None:
        return GRADE_NOT_ASSESSED
    if mean >= MET_FROM:
        return GRADE_MET
    return GRADE_PARTIAL if mean >= PARTIAL_FROM else GRADE_ABSENT


def trend(current: Sequence[int | None], previous: Sequence[int | None]) -> str:
    """Whether the commitment's average score rose, fell or stayed since the previous year."""
    now, before = average_score(current), average_score(previous)
    if now is None or before is None:
        return TREND_UNKNOWN
    if now > before:
        return TREND_IMPROVED
    return TREND_WORSENED if now < before else TREND_UNCHANGED


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def median(values: Sequence[float]) -> float | None:
    return float(statistics.median(values)) if values else None
