"""Running the linkage model on Apache Spark through Splink's SparkAPI.

The model definition is the same as on DuckDB; only the engine differs. Spark predicts: the
parameters are estimated on DuckDB (on a sample of the reports when there are many), because
Splink's expectation maximisation on Spark can set an m probability to exactly 0.0, which Splink
refuses; `link_reports` then gives them to the model on Spark, which scores every blocked pair.
A SparkSession can be passed in (a cluster's); otherwise a local one is started with as many cores
as the machine has.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

from dozor.analysis.linkage.errors import EngineUnavailableError

MSG_NO_PYSPARK = "The Spark engine needs pyspark (pip install pyspark) and a Java runtime: {reason}"
MSG_NO_JAVA = (
    "The Spark engine needs a Java runtime (Java 17 or later): set JAVA_HOME or put java on PATH."
)


def local_session(app_name: str = "dozor-linkage", *, cores: int | None = None) -> Any:
    """A local SparkSession (on `cores` cores, all by default), or EngineUnavailableError
    saying what is missing."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise EngineUnavailableError(MSG_NO_PYSPARK.format(reason=error)) from None
    if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        raise EngineUnavailableError(MSG_NO_JAVA)
    from splink.backends.spark import similarity_jar_location

    return (
        SparkSession.builder.appName(app_name)
        .master(f"local[{cores or '*'}]")
        # Splink runs many small jobs: few partitions keep each one cheap on one machine.
        .config("spark.sql.shuffle.partitions", str(2 * (cores or os.cpu_count() or 4)))
        .config("spark.ui.enabled", "false")
        # Splink's string-similarity functions, so that its engine finds them at start.
        .config("spark.jars", similarity_jar_location())
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )


def spark_api(session: Any = None) -> Any:
    """Splink's Spark backend on the given session, or on a local one."""
    try:
        from splink import SparkAPI
    except ImportError as error:
        raise EngineUnavailableError(MSG_NO_PYSPARK.format(reason=error)) from None
    session = session or local_session()
    return SparkAPI(spark_session=session, break_lineage_method="persist")  # type: ignore[no-untyped-call]
