"""The same linkage model on Apache Spark (local mode; needs pyspark and Java 17)."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from dozor.analysis import linkage
from dozor.analysis.linkage import spark
from dozor.analysis.linkage.prepare import reports_frame
from dozor.demo.generator import demo_generate

# A local Spark run of Splink takes many minutes on a small shared machine (a JVM, then hundreds
# of small Spark jobs): it runs when asked for, like the long statistical runs.
needs_spark = pytest.mark.skipif(
    not os.environ.get("DOZOR_RUN_SPARK"), reason="Spark end to end: set DOZOR_RUN_SPARK=1"
)


@pytest.fixture(scope="module")
def session():  # type: ignore[no-untyped-def]
    session = spark.local_session("dozor-linkage-tests")
    yield session
    session.stop()


@needs_spark
def test_spark_links_like_duckdb(session) -> None:  # type: ignore[no-untyped-def]
    dataset = demo_generate(size=150, seed=4)
    frame = reports_frame(
        (f"{r.source_list}:{r.external_id}", r.source_list, r.parsed) for r in dataset.reports
    )
    truth = pd.Series({f"{r.source_list}:{r.external_id}": r.incident_key for r in dataset.reports})
    on_spark = linkage.link_reports(
        frame, options=linkage.LinkageOptions(engine="spark", spark_session=session)
    )
    on_duckdb = linkage.link_reports(frame)
    spark_f1 = linkage.cluster_scores(on_spark.clusters.set_index("report_id")["cluster_id"], truth)
    duckdb_f1 = linkage.cluster_scores(
        on_duckdb.clusters.set_index("report_id")["cluster_id"], truth
    )
    assert spark_f1.f1 > 0.9
    assert abs(spark_f1.f1 - duckdb_f1.f1) < 0.03


def test_without_java_the_spark_engine_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(linkage.EngineUnavailableError, match="Java runtime"):
        spark.local_session()
