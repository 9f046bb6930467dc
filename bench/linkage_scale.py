"""Linking 100,000 and 1,000,000 synthetic reports: wall time and peak memory.

The reports come from the demo generator (`dozor.demo.generator`), so that every report is
rendered on its own: its own date, place, victims (declined, transliterated and misspelt as the
lists write them) and summary.

What grows with a coalition's data is its reach, not the density of one country's days: a
million reports are a coalition's lists over the OSCE region, not one country's. So the reports
are generated one country at a time, --per-country reports each (100,000 by default: 1 country
for the 100,000 baseline, 10 for the million), each as dense as the baseline; that is 4,800
reports a year in one country, about seventeen times the demo data and far more than any
monitor of one country records. The first country is Russia; the others are the same generator
under codes from the range ISO 3166 leaves to users (XA, XB, ...), with region codes to match
(XA-KOS) and their own victims. The demo's name pools hold a few thousand names, which a million
reports would repeat hundreds of times; for each country every pool is widened with 3,000
surnames made from Russian syllables, seeded by the country, so names are about as varied as in
real lists. `--per-country 1000000` puts a million reports into Russia alone (65 incidents a day)
as a stress test.

Generating takes about 20 s per 100,000 reports; each size is generated once, in its own
process, and cached (--cache). Each size is then linked in a child process with DuckDB limited
to --threads threads and --memory; peak memory is the child's maximum resident set size,
including the million reports as Python objects. The 100,000 run is the baseline the 1,000,000
run is set beside (reports per second). The number of comparisons scored is counted by a join of
its own, timed apart ("count") and left out of the link time. Cluster precision, recall and F1
against the known truth are printed too. The last line is a JSON object.

    python bench/linkage_scale.py [--sizes 100000 1000000] [--per-country 100000]
                                  [--threads 2] [--memory 6GB]
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import os
import pickle
import random
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
REPORTS_PER_INCIDENT = 1.9  # about what the demo generator renders per documented incident
EXTRA_SURNAMES = 3000
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "dozor" / "linkage-scale"
_CONSONANTS = "бвгдзклмнпрстфхчш"
_VOWELS = "аоиуе"
_ENDINGS = ("ов", "ев", "ин", "ов", "ский")


def country_code(number: int) -> str:
    """Russia first, then codes ISO 3166 reserves for users: XA, XB, ..."""
    return "RU" if number == 0 else "X" + chr(ord("A") + number - 1)


def widen_name_pools(pools: dict[str, Any], seed: str) -> dict[str, Any]:
    """The demo's name pools, each with seeded syllable surnames (Барилов, Кутевский...) added."""
    rng = random.Random(f"linkage-scale-names:{seed}")
    widened = copy.deepcopy(pools)
    for _group, pool in sorted(widened.items()):
        made: set[str] = set(pool["surnames"])
        while len(made) < len(pool["surnames"]) + EXTRA_SURNAMES:
            syllables = rng.choice((2, 2, 3))
            root = "".join(rng.choice(_CONSONANTS) + rng.choice(_VOWELS) for _ in range(syllables))
            made.add((root + rng.choice(_CONSONANTS) + rng.choice(_ENDINGS)).capitalize())
        pool["surnames"] = sorted(made)
    return widened


def generate(size: int, per_country: int, seed: int, path: Path) -> None:
    """Write `size` synthetic reports and their true incidents to `path` (a pickled frame)."""
    from dozor.analysis.linkage.prepare import reports_frame
    from dozor.demo.catalogue import catalogue
    from dozor.demo.generator import demo_generate

    countries = -(-size // per_country)
    if countries > 27:
        raise SystemExit(
            f"{countries} countries: at most 27 (RU and XA to XZ); raise --per-country."
        )
    names = catalogue().names
    russian_pools = names["ethnicities"]
    parts = []
    for number in range(countries):
        code = country_code(number)
        wanted = min(per_country, size - number * per_country)
        names["ethnicities"] = widen_name_pools(russian_pools, f"{seed}:{code}")
        dataset = demo_generate(
            size=int(wanted / REPORTS_PER_INCIDENT) + 1, seed=seed * 1000 + number
        )
        if len(dataset.reports) < wanted:
            raise SystemExit(
                f"The generator made {len(dataset.reports):,} reports, not {wanted:,}."
            )
        chosen = dataset.reports[:wanted]
        frame = reports_frame((None, r.source_list, r.parsed) for r in chosen)
        frame["country"] = code
        frame["region"] = frame["region"].map(
            lambda region, code=code: f"{code}-{region[3:]}" if isinstance(region, str) else None
        )
        frame["incident"] = [f"{code}:{r.incident_key}" for r in chosen]
        parts.append(frame)
        print(f"  {code}: {len(frame):,} reports", file=sys.stderr, flush=True)
    names["ethnicities"] = russian_pools
    frame = pd.concat(parts, ignore_index=True)
    frame["report_id"] = np.arange(len(frame))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("wb") as handle:
        pickle.dump(frame, handle, protocol=pickle.HIGHEST_PROTOCOL)
    partial.replace(path)


def cache_path(cache: Path, size: int, per_country: int, seed: int) -> Path:
    return cache / f"reports-{size}-per-country{per_country}-seed{seed}.pickle"


def synthetic_reports(
    size: int, per_country: int, seed: int, cache: Path
) -> tuple[pd.DataFrame, np.ndarray]:
    """`size` reports (generated and cached on first use) and their true incidents."""
    path = cache_path(cache, size, per_country, seed)
    if not path.exists():
        print(f"Generating {size:,} reports into {path} (once) ...", file=sys.stderr, flush=True)
        command = [sys.executable, __file__, "--generate", str(size), "--seed", str(seed)]
        command += ["--per-country", str(per_country), "--cache", str(cache)]
        subprocess.run(command, check=True)
    with path.open("rb") as handle:
        frame = pickle.load(handle)  # noqa: S301 - the benchmark's own cache file
    truth = pd.factorize(frame.pop("incident"))[0]
    return frame, truth


def run_child(
    size: int, per_country: int, threads: int, memory: str, seed: int, cache: Path
) -> dict[str, Any]:
    import duckdb

    from dozor.analysis import linkage

    started = time.perf_counter()
    reports, truth = synthetic_reports(size, per_country, seed, cache)
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
    # The count of comparisons is a diagnostic join of its own, not part of linking.
    seconds = time.perf_counter() - started - result.timings.get("count_s", 0.0)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    predicted = result.clusters.set_index("report_id")["cluster_id"]
    scores = linkage.cluster_scores(predicted, pd.Series(truth, index=reports["report_id"]))
    names = reports["victims"].explode().dropna()
    return {
        "reports": size,
        "countries": int(reports["country"].nunique()),
        "distinct_victim_names": int(names.map(lambda v: v.get("name")).nunique()),
        "distinct_summaries": int(reports["summary"].nunique()),
        "comparisons": result.comparisons,
        "load_average": round(os.getloadavg()[0], 1),
        "load_data_s": round(generated, 1),
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
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory", default="6GB", help="DuckDB's memory limit")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--per-country", type=int, default=100_000, help="reports generated per country"
    )
    parser.add_argument(
        "--cache", type=Path, default=CACHE, help="where generated reports are kept"
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--generate", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        path = cache_path(args.cache, args.generate, args.per_country, args.seed)
        generate(args.generate, args.per_country, args.seed, path)
        return 0
    if args.child:
        figures = run_child(
            args.child, args.per_country, args.threads, args.memory, args.seed, args.cache
        )
        print(json.dumps(figures))
        return 0
    results: dict[str, Any] = {}
    for size in args.sizes:
        command = [
            sys.executable,
            __file__,
            "--child",
            str(size),
            "--threads",
            str(args.threads),
            "--memory",
            args.memory,
            "--seed",
            str(args.seed),
            "--per-country",
            str(args.per_country),
            "--cache",
            str(args.cache),
        ]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        figures = json.loads(output.strip().splitlines()[-1])
        results[str(size)] = figures
        steps = ", ".join(
            f"{name} {figures['timings'][f'{name}_s']} s"
            for name in ("prepare", "train", "count", "predict", "cluster")
        )
        print(
            f"{size:>9,} reports in {figures['countries']} countries: "
            f"linked in {figures['link_s']:.1f} s "
            f"({figures['reports_per_s']:,} reports/s; {steps}), peak memory "
            f"{figures['peak_memory_mb']:,} MB, {figures['comparisons']:,} comparisons scored, "
            f"{figures['pairs']:,} pairs kept, cluster F1 {figures['cluster']['f1']:.3f}; "
            f"data loaded in {figures['load_data_s']} s, with "
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
