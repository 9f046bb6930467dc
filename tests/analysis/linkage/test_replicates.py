"""Replicate linkages drawn from the model's match probabilities, a person's decisions fixed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dozor.analysis.linkage import LinkageInputError, clusters_from_pairs, sample_linkages


def _pairs(*rows: tuple[str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["report_id_l", "report_id_r", "match_probability"])


def _together(ids: list[str], clusters: np.ndarray, first: str, second: str) -> bool:
    return bool(clusters[ids.index(first)] == clusters[ids.index(second)])


IDS = ["a", "b", "c", "d", "e"]
SOURCES = ["ngo", "press", "partner", "ngo", "press"]
UNCERTAIN = _pairs(
    ("a", "b", 0.5), ("b", "c", 0.5), ("c", "d", 0.5), ("d", "e", 0.5), ("a", "c", 0.5)
)


def test_a_persons_same_incident_joins_in_every_replicate() -> None:
    replicates = sample_linkages(
        IDS, SOURCES, UNCERTAIN, fixed_links=[("a", "e"), ("c", "b")], replicates=200, seed=1
    )
    assert all(_together(IDS, r, "a", "e") and _together(IDS, r, "b", "c") for r in replicates)


def test_a_persons_different_incidents_never_share_a_cluster_even_through_others() -> None:
    replicates = sample_linkages(
        IDS, SOURCES, UNCERTAIN, fixed_apart=[("a", "c"), ("b", "d")], replicates=200, seed=2
    )
    assert not any(_together(IDS, r, "a", "c") or _together(IDS, r, "b", "d") for r in replicates)


def test_a_decided_pair_is_not_drawn_whatever_its_score() -> None:
    pairs = _pairs(("a", "b", 1.0))
    replicates = sample_linkages(
        ["a", "b"], None, pairs, fixed_apart=[("b", "a")], replicates=50, seed=3
    )
    assert not any(_together(["a", "b"], r, "a", "b") for r in replicates)


def test_a_pair_of_probability_one_always_joins_and_of_zero_never() -> None:
    pairs = _pairs(("a", "b", 1.0), ("c", "d", 0.0))
    ids = ["a", "b", "c", "d"]
    replicates = sample_linkages(ids, None, pairs, replicates=300, seed=4)
    assert all(_together(ids, r, "a", "b") for r in replicates)
    assert not any(_together(ids, r, "c", "d") for r in replicates)


def test_the_same_seed_gives_the_same_replicates_and_another_seed_others() -> None:
    first = sample_linkages(IDS, SOURCES, UNCERTAIN, replicates=20, seed=5)
    again = sample_linkages(IDS, SOURCES, UNCERTAIN, replicates=20, seed=5)
    other = sample_linkages(IDS, SOURCES, UNCERTAIN, replicates=20, seed=6)
    assert all(np.array_equal(x, y) for x, y in zip(first, again, strict=True))
    assert not all(np.array_equal(x, y) for x, y in zip(first, other, strict=True))


def test_the_draws_do_not_depend_on_the_order_the_pairs_come_in() -> None:
    shuffled = UNCERTAIN.sample(frac=1.0, random_state=3).reset_index(drop=True)
    first = sample_linkages(IDS, SOURCES, UNCERTAIN, replicates=20, seed=5)
    again = sample_linkages(IDS, SOURCES, shuffled, replicates=20, seed=5)
    assert all(np.array_equal(x, y) for x, y in zip(first, again, strict=True))


def test_the_last_digits_of_a_probability_do_not_change_the_draws() -> None:
    nudged = UNCERTAIN.assign(
        match_probability=UNCERTAIN["match_probability"] + [1e-12, -1e-12, 2e-12, 0.0, -2e-12]
    )
    first = sample_linkages(IDS, SOURCES, UNCERTAIN, replicates=20, seed=5)
    again = sample_linkages(IDS, SOURCES, nudged, replicates=20, seed=5)
    assert all(np.array_equal(x, y) for x, y in zip(first, again, strict=True))


def test_the_mean_number_of_clusters_is_the_expected_one() -> None:
    # ngo1–press 0.5 and press–ngo2 0.4, no pair between the two ngo reports: they never share
    # a cluster, so there are 3 clusters when neither pair is drawn (0.5 × 0.6 = 0.3) and 2
    # otherwise; the mean is 3 × 0.3 + 2 × 0.7 = 2.3 (2.1 if both pairs drawn made one cluster).
    ids = ["ngo1", "press", "ngo2"]
    pairs = _pairs(("ngo1", "press", 0.5), ("press", "ngo2", 0.4))
    replicates = sample_linkages(ids, ["ngo", "press", "ngo"], pairs, replicates=3000, seed=7)
    clusters = np.array([len(set(r.tolist())) for r in replicates])
    assert set(clusters.tolist()) == {2, 3}
    # Standard error sqrt(0.21 / 3000) ≈ 0.008; four of them.
    assert clusters.mean() == pytest.approx(2.3, abs=0.035)


def test_every_pair_drawn_gives_the_models_own_clusters() -> None:
    pairs = _pairs(("a", "b", 1.0), ("b", "d", 1.0), ("c", "e", 1.0), ("a", "d", 1.0))
    [replicate] = sample_linkages(IDS, SOURCES, pairs, replicates=1, seed=8)
    model = clusters_from_pairs(IDS, pairs, threshold=0.5, sources=SOURCES)
    assert replicate.tolist() == model["cluster_id"].tolist()


def test_pairs_naming_reports_not_given_are_ignored() -> None:
    pairs = _pairs(("a", "z", 1.0), ("a", "b", 1.0))
    [replicate] = sample_linkages(["a", "b"], None, pairs, replicates=1, seed=9)
    assert replicate.tolist() == ["a", "a"]


def test_a_probability_outside_zero_and_one_is_named() -> None:
    with pytest.raises(LinkageInputError, match=r"pair a–b: match probability 1\.5"):
        sample_linkages(["a", "b"], None, _pairs(("a", "b", 1.5)), replicates=1, seed=0)


def test_sources_must_name_one_list_per_report() -> None:
    with pytest.raises(LinkageInputError, match="sources names 1 list"):
        sample_linkages(["a", "b"], ["ngo"], _pairs(), replicates=1, seed=0)
