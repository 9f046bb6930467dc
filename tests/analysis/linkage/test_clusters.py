"""Clusters from scored pairs and reviewed decisions."""

from __future__ import annotations

import pandas as pd

from dozor.analysis.linkage import clusters_from_pairs


def _pairs(*rows: tuple[str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["report_id_l", "report_id_r", "match_probability"])


def _decisions(*rows: tuple[str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["report_id_l", "report_id_r", "decision"])


def _groups(frame: pd.DataFrame) -> set[frozenset[str]]:
    return {frozenset(g["report_id"]) for _, g in frame.groupby("cluster_id")}


def test_pairs_above_the_threshold_form_one_cluster() -> None:
    frame = clusters_from_pairs(["a", "b", "c"], _pairs(("a", "b", 0.9)), threshold=0.5)
    assert _groups(frame) == {frozenset({"a", "b"}), frozenset({"c"})}


def test_pairs_below_the_threshold_stay_apart() -> None:
    frame = clusters_from_pairs(["a", "b"], _pairs(("a", "b", 0.4)), threshold=0.5)
    assert _groups(frame) == {frozenset({"a"}), frozenset({"b"})}


def test_the_cluster_id_is_the_smallest_report_id() -> None:
    frame = clusters_from_pairs(["b", "a"], _pairs(("b", "a", 0.9)), threshold=0.5)
    assert set(frame["cluster_id"]) == {"a"}


def test_two_reports_of_one_list_do_not_join_through_a_third_report() -> None:
    pairs = _pairs(("ngo1", "press", 0.99), ("ngo2", "press", 0.95))
    frame = clusters_from_pairs(
        ["ngo1", "ngo2", "press"], pairs, threshold=0.5, sources=["ngo", "ngo", "press"]
    )
    assert _groups(frame) == {frozenset({"ngo1", "press"}), frozenset({"ngo2"})}


def test_two_reports_of_one_list_join_when_linked_to_each_other() -> None:
    pairs = _pairs(("p1", "ngo", 0.99), ("p2", "ngo", 0.95), ("p1", "p2", 0.6))
    frame = clusters_from_pairs(
        ["p1", "p2", "ngo"], pairs, threshold=0.5, sources=["press", "press", "ngo"]
    )
    assert _groups(frame) == {frozenset({"p1", "p2", "ngo"})}


def test_a_confirmed_pair_is_linked_whatever_its_score() -> None:
    frame = clusters_from_pairs(
        ["a", "b"], _pairs(), threshold=0.5, decisions=_decisions(("a", "b", "match"))
    )
    assert _groups(frame) == {frozenset({"a", "b"})}


def test_a_rejected_pair_is_never_in_one_cluster_even_through_a_third_report() -> None:
    pairs = _pairs(("a", "b", 0.99), ("b", "c", 0.98), ("a", "c", 0.97))
    frame = clusters_from_pairs(
        ["a", "b", "c"], pairs, threshold=0.5, decisions=_decisions(("c", "a", "no_match"))
    )
    groups = _groups(frame)
    assert not any({"a", "c"} <= group for group in groups)
    assert frozenset({"a", "b"}) in groups


def test_an_unsure_decision_leaves_the_score_to_decide() -> None:
    frame = clusters_from_pairs(
        ["a", "b"],
        _pairs(("a", "b", 0.9)),
        threshold=0.5,
        decisions=_decisions(("a", "b", "unsure")),
    )
    assert _groups(frame) == {frozenset({"a", "b"})}
