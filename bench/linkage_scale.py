"""Linking 100,000 and 1,000,000 synthetic reports: wall time and peak memory.

The reports are made fast from the demo generator: a base data set (--base documented
incidents, about two reports each) is generated once and copied; each copy of an incident moves
all its reports by one random number of days within ±10 years, so a million reports pile up
about 65 reports a day over four decades — denser than any one list, as a coalition's decades of
press scans would be. Names and summaries repeat across copies, so preparation reads far fewer
distinct values than a million real reports would hold; its time is printed apart.

Each size runs in a child process with DuckDB limited to --threads threads and --memory; peak
memory is the child's maximum resident set size. The 100,000 run is the baseline the 1,000,000
run is set beside (reports per second). Cluster precision, recall and F1 against the known truth
are printed too. The last line is a JSON object.

    python bench/linkage_scale.py [--sizes 100000 1000000] [--threads 2] [--memory 6GB]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

logging.getLogger("splink").setLevel(logging.ERROR)
SHIFT_DAYS = 3650


def synthetic_reports(size: int, base: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """`size` reports copied from a demo data set of `base` incidents, with their true incidents."""
    from dozor.analysis.linkage.prepare import reports_frame
    from dozor.demo.generator import demo_generate

    dataset = demo_generate(size=base, seed=seed)
    frame = reports_frame((i, r.source_list, r.parsed) for i, r in enumerate(dataset.reports))
    incident_codes, incident_index = np.unique(
        [r.incident_key for r in dataset.reports], return_inverse=True
    )
    rng = np.random.default_rng(seed)
    copies = -(-size // len(frame))
    dates = pd.to_datetime(frame["date"], errors="coerce")
    parts, truths = [], []
    for copy in range(copies):
        shift = rng.integers(-SHIFT_DAYS, SHIFT_DAYS + 1, size=len(incident_codes))
        moved = dates + pd.to_timedelta(shift[incident_index], unit="D")
        part = frame.copy()
        part["report_id"] = np.arange(len(frame)) + copy * len(frame)
        part["date"] = moved.dt.strftime("%Y-%m-%d").where(moved.notna(), None)
        parts.append(part)
        truths.append(incident_index + copy * len(incident_codes))
    reports = pd.concat(parts, ignore_index=True).head(size)
    return reports, np.concatenate(truths)[:size]


def run_child(size: int, base: int, threads: int, memory: str, seed: int) -> dict[str, Any]:
    import duckdb

    from dozor.analysis import linkage

    started = time.perf_counter()
    reports, truth = synthetic_reports(size, base, seed)
    generated = time.perf_counter() - started
    connection = duckdb.connect()
    connection.execute(f"SET threads = {threads}")
    connection.execute(f"SET memory_limit = '{memory}'")
    started = time.perf_counter()
    result = linkage.link_reports(
        reports,
        options=linkage.LinkageOptions(
            duckdb_connection=connection, u_pairs=1e6, count_comparisons=True
        ),
    )
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    predicted = result.clusters.set_index("report_id")["cluster_id"]
    scores = linkage.cluster_scores(predicted, pd.Series(truth, index=reports["report_id"]))
    names = reports["victims"].explode().dropna()
    return {
        "reports": size,
        "distinct_victim_names": int(names.map(lambda v: v.get("name")).nunique()),
        "distinct_summaries": int(reports["summary"].nunique()),
        "comparisons": result.comparisons,
        "load_average": round(os.getloadavg()[0], 1),
        "generate_s": round(generated, 1),
        "link_s": round(seconds, 1),
        "reports_per_s": round(size / seconds),
        "peak_memory_mb": round(peak_mb),
        "pairs": len(result.pairs),
        "timings": {key: round(value, 1) for key, value in result.timings.items()},
        "cluster": scores.as_dict(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--base", type=int, default=20_000, help="documented incidents to copy")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory", default="6GB", help="DuckDB's memory limit")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        figures = run_child(args.child, args.base, args.threads, args.memory, args.seed)
        print(json.dumps(figures))
        return 0
    results: dict[str, Any] = {}
    for size in args.sizes:
        command = [
            sys.executable,
            __file__,
            "--child",
            str(size),
            "--base",
            str(args.base),
            "--threads",
            str(args.threads),
            "--memory",
            args.memory,
            "--seed",
            str(args.seed),
        ]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        figures = json.loads(output.strip().splitlines()[-1])
        results[str(size)] = figures
        steps = ", ".join(
            f"{name} {figures['timings'][f'{name}_s']} s"
            for name in ("prepare", "train", "count", "predict", "cluster")
        )
        print(
            f"{size:>9,} reports: linked in {figures['link_s']:.1f} s "
            f"({figures['reports_per_s']:,} reports/s; {steps}), peak memory "
            f"{figures['peak_memory_mb']:,} MB, {figures['comparisons']:,} comparisons scored, "
            f"{figures['pairs']:,} pairs kept, cluster F1 {figures['cluster']['f1']:.3f}; "
            f"generated in {figures['generate_s']} s, with "
            f"{figures['distinct_victim_names']:,} distinct victims' names and "
            f"{figures['distinct_summaries']:,} distinct summaries; "
            f"load average {figures['load_average']} on {os.cpu_count()} cores",
            flush=True,
        )
    sizes = sorted(results, key=int)
    if len(sizes) > 1:
        base_rate = results[sizes[0]]["reports_per_s"]
        top_rate = results[sizes[-1]]["reports_per_s"]
        results["rate_vs_baseline"] = round(top_rate / base_rate, 2)
        print(
            f"rate at {int(sizes[-1]):,} against the {int(sizes[0]):,} baseline: "
            f"{results['rate_vs_baseline']}x"
        )
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
