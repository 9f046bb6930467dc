"""Linking a small synthetic data set end to end on DuckDB."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from dozor.analysis import linkage
from dozor.analysis.linkage import training_features
from dozor.analysis.linkage.model import (
    NOT_ESTIMATED,
    TRAINING_COLLAPSED,
    Note,
    apply_parameters,
    comparison_count,
    settings,
)
from dozor.analysis.linkage.prepare import (
    MSG_BAD_DATE,
    MSG_DUPLICATE_IDS,
    MSG_MISSING_COLUMNS,
    features_from_reports,
    reports_frame,
)
from dozor.demo.generator import demo_generate

# The module's tests share a fixture made once: one worker runs them all.
pytestmark = pytest.mark.xdist_group("link-reports")


@pytest.fixture(scope="module")
def demo() -> tuple[pd.DataFrame, pd.Series]:
    dataset = demo_generate(size=400, seed=3)
    frame = reports_frame(
        (f"{r.source_list}:{r.external_id}", r.source_list, r.parsed) for r in dataset.reports
    )
    truth = pd.Series({f"{r.source_list}:{r.external_id}": r.incident_key for r in dataset.reports})
    return frame, truth


@pytest.fixture(scope="module")
def result(demo: tuple[pd.DataFrame, pd.Series]) -> linkage.LinkageResult:
    return linkage.link_reports(demo[0])


def test_clusters_recover_most_true_incidents(
    demo: tuple[pd.DataFrame, pd.Series], result: linkage.LinkageResult
) -> None:
    predicted = result.clusters.set_index("report_id")["cluster_id"]
    assert linkage.cluster_scores(predicted, demo[1]).f1 > 0.9


def test_every_report_gets_a_cluster(
    demo: tuple[pd.DataFrame, pd.Series], result: linkage.LinkageResult
) -> None:
    assert set(result.clusters["report_id"]) == set(demo[0]["report_id"])


def test_pairs_are_scored_above_the_review_threshold(result: linkage.LinkageResult) -> None:
    assert (result.pairs["match_probability"] >= 0.1).all()
    assert list(result.pairs.columns) == linkage.PAIR_COLUMNS


def test_a_confirmed_decision_joins_two_reports_the_model_keeps_apart(
    demo: tuple[pd.DataFrame, pd.Series],
) -> None:
    frame, truth = demo
    first, second = frame["report_id"].iloc[0], frame["report_id"].iloc[-1]
    assert truth[first] != truth[second]
    decisions = pd.DataFrame(
        [(first, second, "match")], columns=["report_id_l", "report_id_r", "decision"]
    )
    clusters = linkage.link_reports(frame, decisions=decisions).clusters.set_index("report_id")
    assert clusters.loc[first, "cluster_id"] == clusters.loc[second, "cluster_id"]


def test_a_frame_without_required_columns_is_refused() -> None:
    with pytest.raises(linkage.LinkageInputError) as error:
        features_from_reports(pd.DataFrame({"report_id": [1]}))
    assert str(error.value).startswith(MSG_MISSING_COLUMNS.split("{")[0])


def test_repeated_report_ids_are_refused(demo: tuple[pd.DataFrame, pd.Series]) -> None:
    frame = pd.concat([demo[0].head(2), demo[0].head(1)])
    with pytest.raises(linkage.LinkageInputError) as error:
        features_from_reports(frame)
    assert str(error.value).startswith(MSG_DUPLICATE_IDS.split("{")[0])


def test_an_unreadable_date_names_the_report(demo: tuple[pd.DataFrame, pd.Series]) -> None:
    frame = demo[0].head(2).copy()
    frame.loc[frame.index[0], "date"] = "31.02.2008"
    with pytest.raises(linkage.LinkageInputError) as error:
        features_from_reports(frame)
    assert str(error.value) == MSG_BAD_DATE.format(
        report_id=frame["report_id"].iloc[0], value="31.02.2008"
    )


def test_an_unknown_decision_is_refused(demo: tuple[pd.DataFrame, pd.Series]) -> None:
    decisions = pd.DataFrame(
        [("a", "b", "maybe")], columns=["report_id_l", "report_id_r", "decision"]
    )
    with pytest.raises(linkage.LinkageInputError):
        linkage.link_reports(demo[0], decisions=decisions)


def test_a_threshold_outside_zero_to_one_is_refused(demo: tuple[pd.DataFrame, pd.Series]) -> None:
    with pytest.raises(linkage.LinkageInputError):
        linkage.link_reports(demo[0], options=linkage.LinkageOptions(threshold=1.5))


def test_a_month_precise_date_spans_its_month(demo: tuple[pd.DataFrame, pd.Series]) -> None:
    frame = demo[0].head(1).copy()
    frame["date"], frame["date_precision"] = "2008-02-01", "month"
    features = features_from_reports(frame)
    assert features["day_end"].iloc[0] - features["day_start"].iloc[0] == 28
    assert pd.isna(features["day_exact"].iloc[0])


def test_a_capital_gives_its_region_when_the_report_gives_none(
    demo: tuple[pd.DataFrame, pd.Series],
) -> None:
    frame = demo[0].head(1).copy()
    frame["region"], frame["locality"] = None, "Kazan"
    assert features_from_reports(frame)["region"].iloc[0] == "RU-TA"


def test_a_capital_gives_its_region_beside_reports_that_give_theirs() -> None:
    # pandas keeps a column of texts with gaps as text with NaN, not None.
    frame = reports_frame(
        [
            (1, "a", {"date": "2020-01-01", "region": "RU-MOW", "locality": "Москва"}),
            (2, "a", {"date": "2020-01-01", "locality": "Kazan"}),
            (3, "a", {"date": "2020-01-01"}),
        ]
    )
    features = features_from_reports(frame)
    assert features["region"].tolist()[:2] == ["RU-MOW", "RU-TA"]
    assert pd.isna(features["region"].iloc[2]) and pd.isna(features["locality"].iloc[2])


def test_the_russian_gazetteer_gives_no_region_to_a_town_of_another_country(
    demo: tuple[pd.DataFrame, pd.Series],
) -> None:
    frame = demo[0].head(2).copy()
    frame["region"], frame["locality"], frame["country"] = None, "Kazan", ["RU", "KZ"]
    regions = features_from_reports(frame)["region"].tolist()
    assert regions[0] == "RU-TA"
    assert pd.isna(regions[1])


def test_regions_learnt_from_reports_stay_within_their_country(
    demo: tuple[pd.DataFrame, pd.Series],
) -> None:
    frame = demo[0].head(4).copy()
    frame["locality"] = "Новый Город"
    frame["country"] = ["UA", "UA", "BY", "BY"]
    frame["region"] = ["UA-14", None, "BY-HO", None]
    assert features_from_reports(frame)["region"].tolist() == ["UA-14", "UA-14", "BY-HO", "BY-HO"]


def test_reports_of_two_countries_are_not_paired_by_date_and_type_alone(
    demo: tuple[pd.DataFrame, pd.Series],
) -> None:
    from splink import DuckDBAPI

    frame = demo[0].head(4).copy()
    frame["date"], frame["date_precision"], frame["incident_type"] = "2010-05-01", "day", "arson"
    frame["victims"] = [[{"name": name, "sex": "male"}] for name in ("А Б", "В Г", "Д Е", "Ж З")]
    frame["country"], frame["region"], frame["locality"] = ["XA", "XA", "XB", "XB"], None, ""
    table = DuckDBAPI().register(features_from_reports(frame))
    assert comparison_count(table) == 2  # within XA and within XB
    frame["country"] = None  # no country on any report: all four pair
    assert comparison_count(DuckDBAPI().register(features_from_reports(frame))) == 6


def test_a_worker_count_below_one_is_refused(demo: tuple[pd.DataFrame, pd.Series]) -> None:
    with pytest.raises(linkage.LinkageInputError, match="worker processes"):
        linkage.link_reports(demo[0], options=linkage.LinkageOptions(workers=0))


def test_the_comparison_count_is_every_pair_scored(collapsed: Collapsed) -> None:
    result = linkage.link_reports(
        collapsed.frame,
        options=linkage.LinkageOptions(review_threshold=0.0, count_comparisons=True),
    )
    assert result.comparisons == len(result.pairs)


def test_a_training_sample_below_two_reports_is_refused(
    demo: tuple[pd.DataFrame, pd.Series],
) -> None:
    with pytest.raises(linkage.LinkageInputError, match="training sample"):
        linkage.link_reports(demo[0], options=linkage.LinkageOptions(training_sample=1))


def test_the_training_sample_is_seeded_and_keeps_labelled_reports(
    demo: tuple[pd.DataFrame, pd.Series],
) -> None:
    features = features_from_reports(demo[0])
    ids = features["unique_id"].tolist()
    decisions = pd.DataFrame(
        [(ids[0], ids[-1], "match"), (ids[1], ids[2], "no_match")],
        columns=["report_id_l", "report_id_r", "decision"],
    )
    sample = training_features(features, decisions, size=50, seed=1)
    assert len(sample) == 50
    assert {ids[0], ids[-1]} <= set(sample["unique_id"])
    assert sample.equals(training_features(features, decisions, size=50, seed=1))
    assert training_features(features, None, size=len(features), seed=1) is features


def test_trained_parameters_carry_over_to_a_linker_built_afresh(
    demo: tuple[pd.DataFrame, pd.Series], result: linkage.LinkageResult
) -> None:
    from splink import DuckDBAPI, Linker

    table = DuckDBAPI().register(features_from_reports(demo[0]), dataset_display_name="reports")
    linker = Linker(table, settings(), log_level=logging.ERROR)
    apply_parameters(linker, result.model)
    pairs = linker.inference.predict(threshold_match_probability=0.1, warning_mode="never")
    again = pairs.as_pandas_dataframe().sort_values("match_probability", ascending=False)
    assert len(again) == len(result.pairs)
    assert np.allclose(again["match_probability"], result.pairs["match_probability"])


@dataclass(frozen=True)
class Collapsed:
    """Sixty documented incidents (seed 4): expectation maximisation on the pairs of one day and
    region drives a probability to zero, which Splink refuses."""

    frame: pd.DataFrame
    truth: pd.Series
    result: linkage.LinkageResult


@pytest.fixture(scope="module")
def collapsed() -> Collapsed:
    dataset = demo_generate(size=60, seed=4)
    frame = reports_frame(
        (f"{r.source_list}:{r.external_id}", r.source_list, r.parsed) for r in dataset.reports
    )
    truth = pd.Series({f"{r.source_list}:{r.external_id}": r.incident_key for r in dataset.reports})
    return Collapsed(frame, truth, linkage.link_reports(frame))


def test_a_training_pass_that_drives_a_probability_to_zero_is_dropped_not_the_run(
    collapsed: Collapsed,
) -> None:
    # The pass is dropped, the next one estimates the model, and the result says so.
    result, truth = collapsed.result, collapsed.truth
    assert result.coverage is not None
    assert Note(TRAINING_COLLAPSED, {"rule": "day_region"}) in result.coverage.notes
    predicted = result.clusters.set_index("report_id")["cluster_id"]
    assert linkage.cluster_scores(predicted, truth).f1 > 0.9


def test_a_dropped_training_pass_leaves_every_comparison_in_the_model(
    collapsed: Collapsed,
) -> None:
    # Splink's training session takes the comparisons it cannot estimate out of the model and
    # puts them back only when it succeeds.
    result = collapsed.result
    compared = [c["output_column_name"] for c in result.model["comparisons"]]
    assert {"date", "place"} <= set(compared)
    assert result.coverage is not None and not [
        note for note in result.coverage.notes if note.code == NOT_ESTIMATED
    ]


def test_more_reports_than_the_training_sample_train_on_a_sample_and_link_them_all(
    demo: tuple[pd.DataFrame, pd.Series],
) -> None:
    frame, truth = demo
    sample = len(frame) * 3 // 4
    result = linkage.link_reports(frame, options=linkage.LinkageOptions(training_sample=sample))
    assert result.training_reports == sample
    assert "load_s" in result.timings
    assert set(result.clusters["report_id"]) == set(frame["report_id"])
    scores = linkage.cluster_scores(result.clusters.set_index("report_id")["cluster_id"], truth)
    assert scores.f1 > 0.9
