"""The same linkage model on Apache Spark (local mode; needs pyspark and a Java 17 runtime).

The dev extra installs pyspark and scripts/services.sh installs Java; where either is missing the
end-to-end test is skipped and says which. Parameters are estimated on DuckDB and prediction runs
on Spark (Splink's expectation maximisation on Spark can set an m probability to exactly 0.0,
which Splink refuses), so the test checks that Spark scores and clusters the demo data as DuckDB
does. The tests share one xdist group, so one worker starts one Spark session (one core) for them.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from dozor.analysis import linkage
from dozor.analysis.linkage import spark
from dozor.analysis.linkage.prepare import reports_frame
from dozor.demo.generator import demo_generate

HAS_JAVA = bool(os.environ.get("JAVA_HOME")) or shutil.which("java") is not None
HAS_PYSPARK = importlib.util.find_spec("pyspark") is not None

needs_spark = pytest.mark.skipif(
    not (HAS_JAVA and HAS_PYSPARK),
    reason="Spark end to end needs "
    + " and ".join(
        missing
        for missing, present in (
            ("a Java runtime (java on PATH or JAVA_HOME)", HAS_JAVA),
            ("pyspark (pip install -e '.[dev]')", HAS_PYSPARK),
        )
        if not present
    ),
)
pytestmark = pytest.mark.xdist_group("spark")


@pytest.fixture(scope="module")
def session() -> Iterator[Any]:
    session = spark.local_session(
        "dozor-linkage-tests", cores=1, java_options=spark.SHORT_RUN_JAVA_OPTIONS
    )
    yield session
    session.stop()


@pytest.fixture(scope="module")
def demo() -> tuple[pd.DataFrame, pd.Series]:
    dataset = demo_generate(size=80, seed=5)
    frame = reports_frame(
        (f"{r.source_list}:{r.external_id}", r.source_list, r.parsed) for r in dataset.reports
    )
    truth = pd.Series({f"{r.source_list}:{r.external_id}": r.incident_key for r in dataset.reports})
    return frame, truth


@needs_spark
def test_spark_links_like_duckdb(session: Any, demo: tuple[pd.DataFrame, pd.Series]) -> None:
    frame, truth = demo
    on_spark = linkage.link_reports(
        frame, options=linkage.LinkageOptions(engine="spark", spark_session=session)
    )
    on_duckdb = linkage.link_reports(frame)
    assert on_spark.training_reports == len(frame)
    assert "spark_load_s" in on_spark.timings
    spark_f1 = linkage.cluster_scores(on_spark.clusters.set_index("report_id")["cluster_id"], truth)
    duckdb_f1 = linkage.cluster_scores(
        on_duckdb.clusters.set_index("report_id")["cluster_id"], truth
    )
    assert spark_f1.f1 > 0.9
    assert abs(spark_f1.f1 - duckdb_f1.f1) < 0.03


@needs_spark
def test_the_session_gives_its_java_options_to_the_driver(session: Any) -> None:
    runtime = session._jvm.java.lang.management.ManagementFactory.getRuntimeMXBean()
    running = set(runtime.getInputArguments())
    assert set(spark.SHORT_RUN_JAVA_OPTIONS.split()) <= running


def test_without_java_the_spark_engine_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(linkage.EngineUnavailableError, match="Java runtime"):
        spark.local_session()
