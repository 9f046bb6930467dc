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


# The client compiler only, one compiler thread and the serial collector: a JVM that lives for
# seconds spends its CPU on the work rather than on optimising code it will not run again (the
# tests' run on the demo: 28 s -> 16 s of CPU on two cores, same result).
SHORT_RUN_JAVA_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:+UseSerialGC"


def local_session(
    app_name: str = "dozor-linkage", *, cores: int | None = None, java_options: str = ""
) -> Any:
    """A local SparkSession (on `cores` cores, all by default), or EngineUnavailableError
    saying what is missing. ``java_options`` go to the driver's JVM
    (``spark.driver.extraJavaOptions``): for a run of seconds on small data,
    SHORT_RUN_JAVA_OPTIONS halves the CPU the JVM spends compiling and collecting."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise EngineUnavailableError(MSG_NO_PYSPARK.format(reason=error)) from None
    if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        raise EngineUnavailableError(MSG_NO_JAVA)
    from splink.backends.spark import similarity_jar_location

    builder = (
        SparkSession.builder.appName(app_name)
        .master(f"local[{cores or '*'}]")
        # Splink runs many small jobs: few partitions keep each one cheap on one machine.
        .config("spark.sql.shuffle.partitions", str(2 * (cores or os.cpu_count() or 4)))
        .config("spark.ui.enabled", "false")
        # Splink's string-similarity functions, so that its engine finds them at start.
        .config("spark.jars", similarity_jar_location())
        .config("spark.driver.memory", "2g")
    )
    if java_options:
        builder = builder.config("spark.driver.extraJavaOptions", java_options)
    return builder.getOrCreate()


def spark_api(session: Any = None) -> Any:
    """Splink's Spark backend on the given session, or on a local one."""
    try:
        from splink import SparkAPI
    except ImportError as error:
        raise EngineUnavailableError(MSG_NO_PYSPARK.format(reason=error)) from None
    session = session or local_session()
    return SparkAPI(spark_session=session, break_lineage_method="persist")  # type: ignore[no-untyped-call]
