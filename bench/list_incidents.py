"""Time the incident list page on a realistic number of incidents.

The list page runs two queries for what the user sees, plus one for the bias motivations: a count
for the paginator (an estimate when the list is long: dozor.records.paging), then one page of 50
incidents, and the page's biases; it writes the page's rows. This script times exactly that work
through ``dozor.records.selectors.incident_list`` and the view's paginator as a reader of one
organisation, so the visibility rules apply, for each main combination of the list's filters and
sorts and a deep page. Beside the figures it times a plain ``SELECT count(*) FROM
records_incident`` in the same run, as a baseline for what this machine and server can do, and
gives each combination's median as a multiple of the baseline's. The runs are taken in rounds,
each timing the baseline and every combination once (timed_in_turn): a shared machine's slow
and fast spells then fall on all of them alike.

The data is the cached database of bench/synthetic_incidents.py: ``dozor_bench_incidents_<rows>``
on the PostgreSQL server of DOZOR_DATABASE_URL, built the first time it is asked for (100,000
incidents take about two minutes, 1,000,000 about half an hour) and reused by every later run of
this bench, bench/search.py and bench/load.py; ``--rebuild`` builds it again. ``--in-place`` uses
the configured database itself (it must hold no incidents, or give ``--reuse`` to time the
incidents already there); ``--throwaway`` loads a database made for the run and dropped after it
(unless ``--keep``). SQLite is refused unless ``--allow-sqlite`` is given; then a throwaway file
is used unless ``--in-place``.

The last line of output is one JSON object with every figure, for comparing runs.

    DOZOR_DATABASE_URL=postgres://user:password@127.0.0.1:5432/dozor_bench \\
        python bench/list_incidents.py --rows 1000000 --repeat 30
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from synthetic_incidents import (
    BENCH_KEY,
    ORGANISATIONS,
    analyze,
    cached_database,
    cached_database_url,
    load,
)

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 100.0
PAGE_SIZE = 50  # as dozor.records.views.PAGE_SIZE; read from there once Django is set up

# ---------------------------------------------------------------------------------------------
# Django and the database
# ---------------------------------------------------------------------------------------------


def configure_environment(args: argparse.Namespace) -> tuple[str, str | None]:
    """Point Django at the database to use; returns the configured URL and any throwaway name.

    Without --in-place the benchmark never writes to the configured database: on PostgreSQL it
    creates a throwaway database on the same server, with --allow-sqlite a throwaway file.
    """
    import dj_database_url

    url = os.environ.get("DOZOR_DATABASE_URL", "").strip()
    postgres = bool(url) and "postgresql" in dj_database_url.parse(url)["ENGINE"]
    if not postgres and not args.allow_sqlite:
        sys.exit(
            (f"DOZOR_DATABASE_URL is not PostgreSQL ({url.split(':', 1)[0]}:...). " if url else
             "DOZOR_DATABASE_URL is not set. ")
            + "Give a PostgreSQL URL, e.g. postgres://user:password@127.0.0.1:5432/dozor_bench; "
            "figures from SQLite say little about a production server (use --allow-sqlite to "
            "time it anyway)."
        )  # fmt: skip
    os.environ.setdefault("DOZOR_HOME", tempfile.mkdtemp(prefix="dozor-bench-"))
    os.environ.setdefault("DOZOR_ENV", "test")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dozor.settings")
    os.environ.setdefault("DOZOR_KEY", BENCH_KEY)
    throwaway = None
    if args.in_place:
        pass
    elif postgres and getattr(args, "cached", False):
        # The cached database of this many incidents (built once by synthetic_incidents.py).
        os.environ["DOZOR_KEY"] = BENCH_KEY
        os.environ["DOZOR_DATABASE_URL"] = cached_database(
            cached_database_url(url, args.rows), args.rows, rebuild=args.rebuild
        )
        args.reuse = True
    elif postgres:
        throwaway = f"{dj_database_url.parse(url)['NAME']}_bench_{os.getpid()}"
        server_sql(url, f'CREATE DATABASE "{throwaway}"')
        parts = urlsplit(url)
        os.environ["DOZOR_DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{throwaway}"))
    elif not url or url.startswith("sqlite"):
        folder = tempfile.mkdtemp(prefix="dozor-bench-")
        os.environ["DOZOR_DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    else:
        sys.exit("A throwaway database is made only on PostgreSQL and SQLite; give --in-place.")
    return url, throwaway


def run_in_database(args: argparse.Namespace, run: Callable[[argparse.Namespace], int]) -> int:
    """Run the bench in the database configure_environment chooses; a throwaway one is dropped
    afterwards unless --keep."""
    configured_url, throwaway = configure_environment(args)
    try:
        return run(args)
    finally:
        if throwaway:
            from django.db import connections

            connections.close_all()
            if args.keep:
                print(f"kept database {throwaway}", file=sys.stderr)
            else:
                server_sql(configured_url, f'DROP DATABASE IF EXISTS "{throwaway}"')


def server_sql(url: str, sql: str) -> None:
    """Run one statement outside a transaction on the configured database's server."""
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute(sql)


def setup_django(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    print("migrating ...", flush=True)
    call_command("migrate", verbosity=0, interactive=False)


def database_description() -> dict[str, Any]:
    from django.db import connection

    described: dict[str, Any] = {"vendor": connection.vendor}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            described["version"] = cursor.fetchone()[0]
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            described["version"] = cursor.fetchone()[0]
    described["name"] = str(connection.settings_dict["NAME"])
    return described


# ---------------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Combination:
    name: str
    filters: dict[str, Any]
    page: int = 1


def combinations() -> list[Combination]:
    day = datetime.date
    return [
        Combination("none", {}),
        Combination("date range", {"date_from": day(2019, 1, 1), "date_to": day(2020, 12, 31)}),
        Combination("region", {"region": "RU-MOW"}),
        Combination("region (small)", {"region": "RU-KYA"}),
        Combination("bias motivation", {"bias_motivation": "antisemitic"}),
        Combination("incident type", {"incident_type": "arson"}),
        Combination("verification status", {"verification_status": "verified"}),
        Combination("defenders targeted", {"defender_targeted": True}),
        Combination("text", {"text": "синагог"}),
        Combination("text (common)", {"text": "мигрант"}),
        Combination("region+type", {"region": "RU-SPE", "incident_type": "search_raid"}),
        Combination("type+status", {"incident_type": "arson", "verification_status": "verified"}),
        Combination(
            "region+date",
            {"region": "RU-SPE", "date_from": day(2015, 1, 1), "date_to": day(2019, 12, 31)},
        ),
        Combination(
            "bias+date+region",
            {
                "bias_motivation": "anti_lgbti",
                "region": "RU-MOW",
                "date_from": day(2012, 1, 1),
                "date_to": day(2018, 12, 31),
            },
        ),
        Combination(
            "text+date",
            {"text": "ножом", "date_from": day(2006, 1, 1), "date_to": day(2008, 12, 31)},
        ),
        Combination("sort -date", {"sort": "-date"}),
        Combination("sort date", {"sort": "date"}),
        Combination("sort -killed", {"sort": "-killed"}),
        Combination("sort -injured", {"sort": "-injured"}),
        Combination("sort reference", {"sort": "reference"}),
        Combination("sort region", {"sort": "region"}),
        Combination("sort type", {"sort": "type"}),
        Combination("none, page 50", {}, page=50),
        # The deepest page a long list offers (paging.EXACT_COUNT_LIMIT rows, 50 a page: 100).
        Combination("none, last page", {}, page=100),
        Combination("region, last page", {"region": "RU-MOW"}, page=100),
    ]


def list_page(user: Any, combination: Combination) -> int:
    """What the list view does for one page (its count, or for a long list its capped count and
    estimate, and the page); returns the number of rows on it."""
    from django.template import Context

    from dozor.records import views
    from dozor.records.paging import long_lists_forget
    from dozor.records.selectors import IncidentFilters
    from dozor.records.templatetags.dozor import incident_rows

    # Every run as the first visit: a long list is otherwise remembered as long for a minute,
    # its count and estimate not asked again (paging.LONG_LIST_SECONDS).
    long_lists_forget()
    filters = IncidentFilters(**combination.filters)
    paginator = views.list_paginator(views.list_incidents(user, filters), filters)
    page = paginator.get_page(combination.page)
    views._count_text(paginator)  # the long list's label is part of the page's work
    shown = list(page.object_list)
    incident_rows(Context(), shown)  # the rows as the page writes them, reading what it reads
    return len(shown)


def timed_in_turn(actions: dict[str, Callable[[], object]], repeat: int) -> dict[str, list[float]]:
    """Each action's ``repeat`` timings (ms), taken in rounds that run every action once, each
    round starting one action further on. A shared two-core machine has slow and fast spells
    of a minute or more; timed one after the other, the baseline and the first actions would
    fall in one spell and the last in another, and their ratio would measure the machine."""
    for action in actions.values():
        action()  # warm the caches and the connection; not counted
    names = list(actions)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(repeat):
        start = round_number % len(names)
        for name in names[start:] + names[:start]:
            started = time.perf_counter()
            actions[name]()
            samples[name].append((time.perf_counter() - started) * 1000)
    return samples


def summary(samples: list[float], baseline: list[float] | None = None) -> dict[str, float]:
    """Median and p95 (ms); given the baseline's samples of the same rounds, the ratio of the
    medians too."""
    p95 = statistics.quantiles(samples, n=20, method="inclusive")[-1]
    figures = {"median_ms": round(statistics.median(samples), 2), "p95_ms": round(p95, 2)}
    if baseline is not None:
        figures["median_to_baseline"] = round(
            statistics.median(samples) / statistics.median(baseline), 2
        )
    return figures


@dataclass(frozen=True)
class Timings:
    """What timed_in_turn's samples come to: the baseline's median and p95, every other
    action's beside it (summary), and the actions whose p95 is over the target."""

    baseline: dict[str, float]
    actions: dict[str, dict[str, float]]
    over_target: list[str]


def printed_timings(
    column: str,
    samples: dict[str, list[float]],
    baseline: str,
    found: dict[str, object],
    target_p95_ms: float,
) -> Timings:
    """Prints a table of the samples, the baseline's row first, each action's median and p95
    (ms), how many it found and its median as a multiple of the baseline's, marking those over
    the target, and gives the same figures."""
    base = summary(samples[baseline])
    print(f"{column:<24}{'found':>8}{'median ms':>11}{'p95 ms':>9}{'x baseline':>12}")
    print(f"{baseline:<24}{found.get(baseline, ''):>8}{base['median_ms']:>11.1f}"
          f"{base['p95_ms']:>9.1f}{1:>12.2f}")  # fmt: skip
    actions: dict[str, dict[str, float]] = {}
    for name, times in samples.items():
        if name == baseline:
            continue
        figures = actions[name] = summary(times, samples[baseline])
        flag = "  over target" if figures["p95_ms"] >= target_p95_ms else ""
        print(f"{name:<24}{found[name]:>8}{figures['median_ms']:>11.1f}"
              f"{figures['p95_ms']:>9.1f}{figures['median_to_baseline']:>12.2f}{flag}")  # fmt: skip
    over = [name for name, figures in actions.items() if figures["p95_ms"] >= target_p95_ms]
    return Timings(base, actions, over)


BASELINE = "baseline count(*)"


def baseline_count() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM records_incident")
        cursor.fetchone()


def explain(user: Any, combination: Combination) -> Iterator[str]:
    """EXPLAIN ANALYZE of the count and of the page query, as PostgreSQL ran them."""
    from django.db import connection

    from dozor.records.models import Incident
    from dozor.records.paging import EXACT_COUNT_LIMIT
    from dozor.records.selectors import IncidentFilters, incident_list

    incidents = incident_list(user=user, filters=IncidentFilters(**combination.filters))
    offset = (combination.page - 1) * PAGE_SIZE
    ids = incidents.values("pk")[offset : offset + PAGE_SIZE]
    page = Incident.objects.filter(pk__in=ids).order_by(*incidents.query.order_by)
    page = page.select_related("organisation")
    capped = incidents.order_by()[: EXACT_COUNT_LIMIT + 1]
    with connection.cursor() as cursor:
        for label, queryset in (("count", capped), ("page", page)):
            sql, params = queryset.query.sql_with_params()
            if label == "count":
                sql, params = f"SELECT count(*) FROM ({sql}) AS counted", params
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            yield f"--- {combination.name}: {label}"
            yield from (line for (line,) in cursor.fetchall())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        epilog="The database is read from DOZOR_DATABASE_URL; see the module docstring.",
    )
    parser.add_argument("--rows", type=int, default=100_000, help="incidents to load (100000)")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per combination (30)")
    database_options(parser)
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print EXPLAIN ANALYZE of each combination's count and page queries (PostgreSQL)",
    )
    parser.add_argument(
        "--only", action="append", default=[], help="time only this combination (repeatable)"
    )
    args = parser.parse_args(argv)
    database_options_check(parser, args)
    return run_in_database(args, run)


def database_options(parser: argparse.ArgumentParser) -> None:
    """The options that choose the database, shared with bench/search.py."""
    parser.add_argument(
        "--rebuild", action="store_true", help="build the cached database again before timing"
    )
    parser.add_argument(
        "--in-place", action="store_true", help="use the configured database itself"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --in-place: time the incidents already in the database instead of loading",
    )
    parser.add_argument(
        "--throwaway",
        action="store_true",
        help="load a database made for this run next to the configured one, dropped after it",
    )
    parser.add_argument(
        "--keep", action="store_true", help="with --throwaway: do not drop it at the end"
    )
    parser.add_argument(
        "--allow-sqlite", action="store_true", help="run on a database other than PostgreSQL"
    )


def database_options_check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse contradictory database options and a --repeat (both benches take it) below 2."""
    if args.reuse and not args.in_place:
        parser.error("--reuse needs --in-place")
    if args.in_place and args.throwaway:
        parser.error("--in-place and --throwaway choose two different databases; give one")
    if args.keep and not args.throwaway:
        parser.error("--keep needs --throwaway")
    if args.rows < 1:
        parser.error("--rows must be positive")
    if args.repeat < 2:
        parser.error("--repeat must be at least 2")
    args.cached = not (args.in_place or args.throwaway)


def prepare_data(args: argparse.Namespace, existing: int) -> None:
    """Load the synthetic incidents into an empty database, or say what is reused."""
    if not existing:
        if args.reuse:
            sys.exit("--reuse: the database holds no incidents to time.")
        print(f"loading {args.rows:,} incidents with named victims ...", flush=True)
        load(args.rows, named_victims=True)
    elif getattr(args, "cached", False):
        print(f"reusing the cached database: {existing:,} incidents", flush=True)
    else:
        print(f"reusing {existing:,} incidents", flush=True)
        analyze()


def run(args: argparse.Namespace) -> int:
    global PAGE_SIZE
    setup_django(args)
    from dozor.accounts.models import Organisation, Role, User
    from dozor.records import views
    from dozor.records.models import Incident

    PAGE_SIZE = views.PAGE_SIZE
    existing = Incident.objects.count()
    if existing and not args.reuse:
        sys.exit(
            f"The database already holds {existing:,} incidents; give --reuse to time them, or "
            "use an empty database."
        )
    prepare_data(args, existing)
    rows = Incident.objects.count()

    organisation = Organisation.objects.get(name=ORGANISATIONS[0][0])
    user, _ = User.objects.get_or_create(
        username="bench-reader", defaults={"organisation": organisation, "role": Role.READER}
    )
    chosen = combinations()
    if args.only:
        unknown = set(args.only) - {c.name for c in chosen}
        if unknown:
            sys.exit(f"unknown combination(s): {', '.join(sorted(unknown))}")
        chosen = [c for c in chosen if c.name in args.only]

    from django.db import connection

    if args.explain and connection.vendor == "postgresql":
        for combination in chosen:
            for line in explain(user, combination):
                print(line)

    database = database_description()
    print(f"\n{rows:,} incidents on {database['vendor']} {database.get('version', '')}; "
          f"{args.repeat} rounds, each timing the baseline and every combination once; "
          f"target p95 < {TARGET_P95_MS:.0f} ms", flush=True)  # fmt: skip
    from dozor.records.selectors import IncidentFilters, incident_list

    actions: dict[str, Callable[[], object]] = {BASELINE: baseline_count}
    actions.update({c.name: partial(list_page, user, c) for c in chosen})
    samples = timed_in_turn(actions, args.repeat)
    found: dict[str, object] = {BASELINE: rows}
    for combination in chosen:
        filters = IncidentFilters(**combination.filters)
        found[combination.name] = incident_list(user=user, filters=filters).count()
    timings = printed_timings("combination", samples, BASELINE, found, TARGET_P95_MS)
    print(json.dumps(
        {
            "rows": rows,
            "repeat": args.repeat,
            "page_size": PAGE_SIZE,
            "database": database,
            "baseline": {"count(*)": timings.baseline},
            "target_p95_ms": TARGET_P95_MS,
            "over_target": timings.over_target,
            "combinations": timings.actions,
        },
        ensure_ascii=False,
    ))  # fmt: skip
    return 1 if timings.over_target else 0


if __name__ == "__main__":
    sys.exit(main())
