"""Time the response funnel on 100,000 incidents, beside the bare counting queries.

Loads synthetic incidents (as bench/list_incidents.py does) and official response events for
them (drawn by the demo's seeded response generator, so most cases are never opened and a
minority ends with the hate motive recognised) into a throwaway PostgreSQL database, then times
``dozor.responses.funnel.response_funnel`` for the whole set and by year, region, bias
motivation and incident type, as the statistics page runs it. The baseline, timed in the same
run, is the bare counting queries the funnel is made of: one ``count(*)`` of incidents and one
``count(DISTINCT incident_id)`` of events per stage, with no correction handling, grouping or
medians.

The database comes from DOZOR_DATABASE_URL: a throwaway database is created beside it and dropped
at the end (``--keep`` keeps it). SQLite is refused unless ``--allow-sqlite``. The last line is
one JSON object with every figure. Target: the funnel under 2 s.

    DOZOR_DATABASE_URL=postgres://user:password@127.0.0.1:5432/dozor_bench \\
        python bench/response_funnel.py --rows 100000 --repeat 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import list_incidents as base
from synthetic_incidents import analyze, load

TARGET_S = 2.0
SEED = 2008
BATCH = 10_000


def load_events() -> int:
    """Response events for every incident in the database, from the demo's generator."""
    from django.db import transaction

    from dozor.demo.dataset import DemoIncident
    from dozor.demo.responses import demo_responses
    from dozor.records.models import Incident
    from dozor.responses.models import ResponseEvent

    rows = Incident.objects.filter(date_start__isnull=False).values_list(
        "pk", "date_start", "incident_type", "killed", "locality"
    )
    incidents = [
        DemoIncident(
            key=f"I{pk:09d}",
            date=date,
            date_precision="day",
            region="",
            locality=locality,
            incident_type=kind,
            target_kind="people",
            biases=(),
            killed=killed,
            injured=0,
            defender_targeted=False,
            target_organisation=None,
            title="",
            summary="",
            verification_status="unverified",
            confidentiality="restricted",
            persons=(),
            documented=True,
        )
        for pk, date, kind, killed, locality in rows
    ]
    events = demo_responses(incidents, seed=SEED)
    made: dict[tuple[str, int], ResponseEvent] = {}
    later = []
    for item in events:
        row = ResponseEvent(
            incident_id=int(item.incident_key[1:]),
            kind=item.kind,
            date=item.date,
            authority=item.authority,
            source=item.source,
            articles=list(item.articles),
            verdict_outcome=item.verdict_outcome,
            motive_recognised=item.motive_recognised,
            sentence_kind=item.sentence_kind,
            sentence_months=item.sentence_months,
            sentence_suspended=item.sentence_suspended,
            statement_kind=item.statement_kind,
        )
        made[(item.incident_key, item.order)] = row
        if item.corrects is not None:
            later.append((row, (item.incident_key, item.corrects)))
    corrections = {id(row) for row, _ in later}
    started = time.perf_counter()
    with transaction.atomic():
        ResponseEvent.objects.bulk_create(
            [row for row in made.values() if id(row) not in corrections], batch_size=BATCH
        )
        for row, corrected in later:
            row.supersedes = made[corrected]
        ResponseEvent.objects.bulk_create([row for row, _ in later], batch_size=BATCH)
    print(f"  loaded {len(events):,} response events ({time.perf_counter() - started:.1f} s)")
    return len(events)


def baseline() -> None:
    """The bare counts: incidents, and incidents with an event of each stage's kinds."""
    from django.db import connection

    from dozor.responses.funnel import CHARGED_KINDS, OPENED_KINDS

    groups = [
        ("reported_to_police", "refusal_to_open", *OPENED_KINDS),
        OPENED_KINDS,
        ("motive_qualified", "motive_added"),
        CHARGED_KINDS,
        ("verdict",),
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM records_incident")
        cursor.fetchone()
        for kinds in groups:
            placeholders = ", ".join(["%s"] * len(kinds))
            cursor.execute(
                "SELECT count(DISTINCT incident_id) FROM responses_responseevent "
                f"WHERE kind IN ({placeholders})",
                list(kinds),
            )
            cursor.fetchone()


def timed(action: Any, repeat: int) -> list[float]:
    action()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


def figures(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median_s": round(statistics.median(samples), 4), "p95_s": round(p95, 4)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=100_000, help="incidents to load (100000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per query (5)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    parser.add_argument(
        "--allow-sqlite", action="store_true", help="run on SQLite (a throwaway file)"
    )
    args = parser.parse_args(argv)
    if args.rows < 1 or args.repeat < 2:
        parser.error("--rows must be positive and --repeat at least 2")
    args.in_place = False
    return base.run_in_database(args, run)


def run(args: argparse.Namespace) -> int:
    base.setup_django(args)
    from dozor.records.models import Incident

    print(f"loading {args.rows:,} incidents ...", flush=True)
    load(args.rows)
    events = load_events()
    analyze()
    from dozor.responses.funnel import response_funnel

    results: dict[str, Any] = {
        "database": base.database_description(),
        "incidents": Incident.objects.count(),
        "response_events": events,
        "target_s": TARGET_S,
    }
    results["baseline_counts"] = figures(timed(baseline, args.repeat))
    print(f"baseline (bare counts): {results['baseline_counts']}", flush=True)
    (overall,) = response_funnel(Incident.objects.all())
    results["funnel_counts"] = overall.counts
    for dimension in ("all", "year", "region", "bias", "type"):
        samples = timed(
            lambda d=dimension: response_funnel(Incident.objects.all(), dimension=d), args.repeat
        )
        results[f"funnel_{dimension}"] = figures(samples)
        print(f"funnel by {dimension:<7} {results[f'funnel_{dimension}']}", flush=True)
    worst = max(
        results[f"funnel_{d}"]["median_s"] for d in ("all", "year", "region", "bias", "type")
    )
    results["worst_median_s"] = worst
    results["within_target"] = worst < TARGET_S
    print(json.dumps(results, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
