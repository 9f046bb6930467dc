"""One linkage run: the options, the result, and `link_reports` (imported lazily by the package).

See the package's docstring for what a run does.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from dozor.analysis.linkage.clusters import clusters_from_pairs
from dozor.analysis.linkage.coverage import Coverage
from dozor.analysis.linkage.errors import LinkageInputError
from dozor.analysis.linkage.model import (
    Plan,
    apply_parameters,
    availability,
    comparison_count,
    decisions_as_labels,
    plan_for,
    settings,
    train,
)
from dozor.analysis.linkage.prepare import features_from_reports

DECISIONS = ("match", "no_match", "unsure")
Engine = Literal["duckdb", "spark"]
MSG_BAD_THRESHOLD = "The threshold must be a probability between 0 and 1, not {value!r}."
MSG_BAD_DECISION = "Decision {value!r} for reports {left} and {right}: expected one of {expected}."
MSG_BAD_SAMPLE = "The training sample must be a whole number of at least 2 reports, not {value!r}."
MSG_BAD_WORKERS = (
    "The number of worker processes must be a whole number of at least 1, not {value!r}."
)
MSG_TOO_FEW = "Linkage needs at least two reports; got {count}."
MSG_NO_SPARK = (
    "The Spark engine needs pyspark and a Java runtime (JAVA_HOME or java on PATH): {reason}"
)
PAIR_COLUMNS = ["report_id_l", "report_id_r", "match_probability", "match_weight"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LinkageOptions:
    threshold: float = 0.3  # pairs at or above it are linked into clusters
    review_threshold: float = 0.1  # pairs at or above it are returned (for review)
    engine: Engine = "duckdb"
    u_pairs: float = 2e6  # random pairs sampled to estimate how often non-matches agree
    seed: int = 1
    spark_session: Any = None  # an existing SparkSession for engine="spark"
    duckdb_connection: Any = None  # a configured duckdb connection (threads, memory_limit)
    count_comparisons: bool = False  # count the pairs the blocking rules let through (a join)
    # at most this many reports (a random sample, seeded) estimate the parameters, on DuckDB
    training_sample: int = 200_000
    # processes that read victims' names and summaries (on large data); None: one per core
    workers: int | None = None


@dataclass
class LinkageResult:
    pairs: pd.DataFrame
    clusters: pd.DataFrame
    model: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    comparisons: int | None = None  # pairs scored, when LinkageOptions.count_comparisons
    training_reports: int = 0  # reports the parameters were estimated on (always on DuckDB)
    # what was compared and left out, and what training had to do otherwise than usual
    coverage: Coverage | None = None


def _check(options: LinkageOptions, reports: pd.DataFrame, decisions: pd.DataFrame | None) -> None:
    for value in (options.threshold, options.review_threshold):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise LinkageInputError(MSG_BAD_THRESHOLD.format(value=value))
    sample = options.training_sample
    if isinstance(sample, bool) or not isinstance(sample, int) or sample < 2:
        raise LinkageInputError(MSG_BAD_SAMPLE.format(value=sample))
    workers = options.workers
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise LinkageInputError(MSG_BAD_WORKERS.format(value=workers))
    if len(reports) < 2:
        raise LinkageInputError(MSG_TOO_FEW.format(count=len(reports)))
    if decisions is not None:
        for row in decisions.itertuples(index=False):
            if row.decision not in DECISIONS:
                raise LinkageInputError(
                    MSG_BAD_DECISION.format(
                        value=row.decision,
                        left=row.report_id_l,
                        right=row.report_id_r,
                        expected=", ".join(DECISIONS),
                    )
                )


def _duckdb_api(options: LinkageOptions) -> Any:
    from splink import DuckDBAPI

    return DuckDBAPI(options.duckdb_connection or ":memory:")


def training_features(
    features: pd.DataFrame, decisions: pd.DataFrame | None, *, size: int, seed: int
) -> pd.DataFrame:
    """The reports parameters are estimated on: all of them, or a random sample of `size`.

    Reports named by a confirmed match are always kept, so that the labels find their pairs.
    """
    if len(features) <= size:
        return features
    labelled = pd.Series(False, index=features.index)
    if decisions is not None:
        confirmed = decisions[decisions["decision"] == "match"]
        named = set(confirmed["report_id_l"]) | set(confirmed["report_id_r"])
        labelled = features["unique_id"].isin(named)
    rest = features[~labelled]
    take = max(size - int(labelled.sum()), 0)
    sampled = rest.sample(n=min(take, len(rest)), random_state=seed)
    return pd.concat([features[labelled], sampled]).sort_index()


def _trained_linker(
    features: pd.DataFrame, decisions: pd.DataFrame | None, options: LinkageOptions, plan: Plan
) -> tuple[Any, Any, list[Any]]:
    """A DuckDB linker over `features` with its parameters estimated, its table, and the
    training's notes."""
    from splink import Linker

    table = _duckdb_api(options).register(features, dataset_display_name="reports")
    linker = Linker(
        table, settings(1.0 / max(len(features), 2), plan=plan), log_level=logging.ERROR
    )
    labels_table = None
    if decisions is not None and (decisions["decision"] == "match").any():
        labels = decisions_as_labels(decisions)
        labels_table = linker.table_management.register_table(
            labels, "linkage_labels", overwrite=True
        )
    notes = train(
        linker,
        table=table,
        plan=plan,
        record_count=len(features),
        labels_table=labels_table,
        u_pairs=options.u_pairs,
        seed=options.seed,
    )
    return linker, table, notes


def _full_linker(
    features: pd.DataFrame, model: dict[str, Any], options: LinkageOptions, plan: Plan
) -> tuple[Any, Any]:
    """The model over all of `features` on DuckDB, with the parameters of `model` (trained on a
    sample of them)."""
    from splink import Linker

    table = _duckdb_api(options).register(features, dataset_display_name="all_reports")
    linker = Linker(table, settings(plan=plan), log_level=logging.ERROR)
    apply_parameters(linker, model)
    return linker, table


def _spark_linker(
    features: pd.DataFrame, model: dict[str, Any], options: LinkageOptions, plan: Plan
) -> tuple[Any, Any]:
    """The same model on Spark over all of `features`, with the parameters of `model`."""
    from splink import Linker

    # Spark is optional (pip install dozor[spark]; it needs Java): loaded only when asked for.
    from dozor.analysis.linkage.spark import spark_api

    table = spark_api(options.spark_session).register(features, dataset_display_name="reports")
    linker = Linker(table, settings(plan=plan), log_level=logging.ERROR)
    apply_parameters(linker, model)
    return linker, table


def link_reports(
    reports: pd.DataFrame,
    *,
    decisions: pd.DataFrame | None = None,
    options: LinkageOptions | None = None,
) -> LinkageResult:
    """Score the pairs of reports that may describe one incident, and cluster them.

    Raises LinkageInputError, saying what the reports lack and what to map, when they give too
    little to link or to estimate the model from.
    """
    options = options or LinkageOptions()
    _check(options, reports, decisions)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    features = features_from_reports(reports, workers=options.workers or os.cpu_count() or 1)
    plan = plan_for(availability(features))
    timings["prepare_s"] = time.perf_counter() - started

    step = time.perf_counter()
    training = training_features(
        features, decisions, size=options.training_sample, seed=options.seed
    )
    linker, table, notes = _trained_linker(training, decisions, options, plan)
    timings["train_s"] = time.perf_counter() - step  # always on DuckDB
    if options.engine == "duckdb" and len(training) < len(features):
        step = time.perf_counter()
        linker, table = _full_linker(features, linker.misc.save_model_to_json(), options, plan)
        timings["load_s"] = time.perf_counter() - step
        logger.info(
            "Linkage: trained over %d of %d reports; predicting over all of them.",
            len(training),
            len(features),
        )
    if options.engine == "spark":
        step = time.perf_counter()
        linker, table = _spark_linker(features, linker.misc.save_model_to_json(), options, plan)
        timings["spark_load_s"] = time.perf_counter() - step
        logger.info(
            "Linkage: trained on DuckDB over %d of %d reports; predicting on Spark.",
            len(training),
            len(features),
        )

    comparisons = None
    if options.count_comparisons:
        step = time.perf_counter()
        comparisons = comparison_count(table, plan)
        timings["count_s"] = time.perf_counter() - step

    step = time.perf_counter()
    predictions = linker.inference.predict(
        threshold_match_probability=options.review_threshold, warning_mode="never"
    )
    raw = predictions.as_pandas_dataframe()
    timings["predict_s"] = time.perf_counter() - step
    pairs = raw.rename(columns={"unique_id_l": "report_id_l", "unique_id_r": "report_id_r"})
    pairs = pairs[PAIR_COLUMNS]
    pairs = pairs.sort_values("match_probability", ascending=False, ignore_index=True)

    step = time.perf_counter()
    clusters = clusters_from_pairs(
        features["unique_id"].to_numpy(),
        pairs,
        threshold=options.threshold,
        sources=features["source"].to_numpy(),
        decisions=decisions,
    )
    timings["cluster_s"] = time.perf_counter() - step
    timings["total_s"] = time.perf_counter() - started
    model = json.loads(json.dumps(linker.misc.save_model_to_json(), default=str))
    return LinkageResult(
        pairs=pairs,
        clusters=clusters,
        model=model,
        timings=timings,
        comparisons=comparisons,
        training_reports=len(training),
        coverage=Coverage.of(plan, notes),
    )
