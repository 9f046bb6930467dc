"""Time the annual statistical report and the report card on 100,000 incidents.

Builds (once) a database of synthetic incidents with their bias motivations (the loader of
bench/list_incidents.py), official response events (bench/response_funnel.py's loader, the demo's
generator) and victims, then times for the busiest year, as an administrator of the largest
organisation:

* queries: the report's queries alone (``dozor.reporting.annual.annual_figures``: every count,
  table, the funnel and the estimate, no charts, no template) -- the baseline;
* html: the whole report page as printed (figures, SVG charts, tile map, template);
* pdf: that page through WeasyPrint;
* card: the report card's figures (computed indicators for the year and the year before, the
  assessments), and card_pdf: the card as PDF.

The database is kept between runs and reused when its marker says it holds the same data (the
number of incidents and the loaders' version); ``--fresh`` rebuilds it. On PostgreSQL
(DOZOR_DATABASE_URL) it is a database named ``<configured name>_annual_<rows>`` on the same
server (the role needs CREATEDB); otherwise a SQLite file under ``--data-dir``. ``--drop``
removes it at the end. Target: the annual report PDF under 20 s. The last line of output is one
JSON object with every figure.

    DOZOR_DATABASE_URL=postgres://user:password@127.0.0.1:5432/dozor_bench \\
        python bench/annual_report.py --rows 100000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import list_incidents as incidents_loader
import response_funnel as events_loader
import synthetic_incidents as synthetic

TARGET_PDF_S = 20.0
DATASET_VERSION = 1  # bump when a loader changes what it writes
MARKER_TABLE = "dozor_bench_dataset"
VICTIM_SEED = 1991
BATCH = 10_000
# Who the victims were perceived to be, by the incident's first bias motivation.
PERCEIVED = {
    "racist_xenophobic": [
        "central_asian", "caucasian", "dark_skinned", "non_slavic_appearance", "east_asian",
    ],
    "anti_lgbti": ["lgbti"],
    "antisemitic": ["jewish"],
    "anti_muslim": ["muslim"],
    "anti_christian": ["religious_minority"],
    "other_religion": ["religious_minority"],
    "anti_roma": ["roma"],
    "gender_based": ["other"],
    "disability": ["other"],
    "other": ["homeless", "ideological_opponent", "human_rights_defender", "other"],
}  # fmt: skip
UNKNOWN_GROUP_SHARE = 0.05


def dataset_key(rows: int) -> str:
    return (
        f"annual_report v{DATASET_VERSION} rows={rows} seeds={synthetic.SEED},"
        f"{events_loader.SEED},{VICTIM_SEED}"
    )


# ---------------------------------------------------------------------------------------------
# Where the data lives, and whether it is already there
# ---------------------------------------------------------------------------------------------


def choose_database(args: argparse.Namespace) -> tuple[str, str, str | None]:
    """(vendor, URL of the benchmark's database, configured server URL on PostgreSQL)."""
    import dj_database_url

    url = os.environ.get("DOZOR_DATABASE_URL", "").strip()
    if url and "postgresql" in dj_database_url.parse(url)["ENGINE"]:
        name = f"{dj_database_url.parse(url)['NAME']}_annual_{args.rows}"
        # Databases are made and dropped from the server's maintenance database: the configured
        # one need not exist.
        server = urlunsplit(urlsplit(url)._replace(path="/postgres"))
        return "postgresql", urlunsplit(urlsplit(url)._replace(path=f"/{name}")), server
    if url and not url.startswith("sqlite"):
        sys.exit("DOZOR_DATABASE_URL must be PostgreSQL or unset (SQLite).")
    folder = Path(args.data_dir).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    return "sqlite", f"sqlite:///{folder / f'annual-{args.rows}.sqlite3'}", None


def pg_database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def marker_present(vendor: str, url: str, server_url: str | None, key: str) -> bool:
    sql = f"SELECT key FROM {MARKER_TABLE}"
    if vendor == "sqlite":
        path = Path(urlsplit(url).path)
        if not path.exists():
            return False
        with sqlite3.connect(path) as conn:
            try:
                keys = {row[0] for row in conn.execute(sql)}
            except sqlite3.OperationalError:
                return False
        return key in keys
    import psycopg

    assert server_url is not None
    with psycopg.connect(_pg(server_url), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [pg_database_name(url)]
        ).fetchone()
    if not exists:
        return False
    with psycopg.connect(_pg(url), autocommit=True) as conn:
        try:
            keys = {row[0] for row in conn.execute(sql)}
        except psycopg.errors.UndefinedTable:
            return False
    return key in keys


def _pg(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def drop_database(vendor: str, url: str, server_url: str | None) -> None:
    if vendor == "sqlite":
        Path(urlsplit(url).path).unlink(missing_ok=True)
        return
    assert server_url is not None
    incidents_loader.server_sql(server_url, f'DROP DATABASE IF EXISTS "{pg_database_name(url)}"')


def create_database(vendor: str, url: str, server_url: str | None) -> None:
    if vendor == "postgresql":
        assert server_url is not None
        incidents_loader.server_sql(server_url, f'CREATE DATABASE "{pg_database_name(url)}"')


def write_marker(key: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (key varchar(200) PRIMARY KEY)")
        cursor.execute(f"INSERT INTO {MARKER_TABLE} (key) VALUES (%s)", [key])


# ---------------------------------------------------------------------------------------------
# Victims: the loaders of the other benchmarks write incidents and events, not people
# ---------------------------------------------------------------------------------------------


def load_victims() -> int:
    """One victim row per incident against people (a group of several now and then)."""
    from django.db import transaction

    from dozor.records.models import Incident, IncidentBias, PersonInvolvement

    rng = random.Random(VICTIM_SEED)
    first_bias: dict[int, str] = {}
    for incident_id, motivation in IncidentBias.objects.order_by("incident_id", "id").values_list(
        "incident_id", "motivation"
    ):
        first_bias.setdefault(incident_id, motivation)
    rows = Incident.objects.filter(target_kind="people").values_list("pk", "killed", "injured")
    victims = []
    for pk, killed, injured in rows.iterator(chunk_size=BATCH):
        groups = PERCEIVED.get(first_bias.get(pk, "other"), ["other"])
        group = "" if rng.random() < UNKNOWN_GROUP_SHARE else rng.choice(groups)
        harmed = killed + injured
        victims.append(
            PersonInvolvement(
                incident_id=pk,
                role="victim",
                pseudonym=f"V{pk}",
                perceived_group=group,
                harm="killed" if killed else ("injured" if injured else "unknown"),
                count=max(harmed, 1) if rng.random() < 0.9 else rng.randint(2, 12),
            )
        )
    started = time.perf_counter()
    with transaction.atomic():
        PersonInvolvement.objects.bulk_create(victims, batch_size=BATCH)
    print(f"  loaded {len(victims):,} victims ({time.perf_counter() - started:.1f} s)", flush=True)
    return len(victims)


# ---------------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------------


def timed(action: Callable[[], object], repeat: int) -> dict[str, float]:
    action()  # warm caches, templates, fonts; not counted
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return {"median_s": round(statistics.median(samples), 3), "max_s": round(max(samples), 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=100_000, help="incidents (100000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each step (3)")
    parser.add_argument("--year", type=int, help="the report's year (default: the busiest)")
    parser.add_argument("--language", choices=("en", "ru"), default="ru")
    parser.add_argument("--fresh", action="store_true", help="rebuild the database")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument(
        "--data-dir",
        default=str(Path(tempfile.gettempdir()) / "dozor-bench"),
        help="where the SQLite file is kept (default: the system's temporary folder)",
    )
    args = parser.parse_args(argv)
    if args.rows < 1 or args.repeat < 1:
        parser.error("--rows and --repeat must be positive")

    vendor, url, server_url = choose_database(args)
    key = dataset_key(args.rows)
    reuse = not args.fresh and marker_present(vendor, url, server_url, key)
    if not reuse:
        drop_database(vendor, url, server_url)
        create_database(vendor, url, server_url)
    os.environ["DOZOR_DATABASE_URL"] = url
    os.environ.setdefault("DOZOR_HOME", tempfile.mkdtemp(prefix="dozor-bench-"))
    os.environ.setdefault("DOZOR_ENV", "test")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dozor.settings")
    os.environ.setdefault("DOZOR_KEY", synthetic.BENCH_KEY)
    try:
        return run(args, reuse=reuse, key=key)
    finally:
        if args.drop:
            from django.db import connections

            connections.close_all()
            drop_database(vendor, url, server_url)


def build(rows: int, key: str) -> None:
    print(f"loading {rows:,} incidents ...", flush=True)
    synthetic.load(rows)
    events_loader.load_events()
    load_victims()
    synthetic.analyze()
    write_marker(key)


def run(args: argparse.Namespace, *, reuse: bool, key: str) -> int:
    incidents_loader.setup_django(args)
    from django.db.models import Count
    from django.db.models.functions import ExtractYear

    from dozor.accounts.models import Organisation, Role, User
    from dozor.evaluation.card import report_card
    from dozor.evaluation.rendering import card_html
    from dozor.printing import html_to_pdf
    from dozor.records.models import Incident, PersonInvolvement
    from dozor.records.selectors import incidents_visible
    from dozor.reporting.annual import annual_figures, annual_html
    from dozor.responses.models import ResponseEvent

    if reuse:
        print(f"reusing the database ({key})", flush=True)
    else:
        build(args.rows, key)
    organisation = Organisation.objects.get(name=synthetic.ORGANISATIONS[0][0])
    user, _ = User.objects.get_or_create(
        username="bench-administrator",
        defaults={"organisation": organisation, "role": Role.ADMINISTRATOR},
    )
    year = args.year or (
        Incident.objects.filter(date_start__isnull=False)
        .annotate(y=ExtractYear("date_start"))
        .values("y")
        .annotate(n=Count("id"))
        .order_by("-n", "y")
        .values_list("y", flat=True)
        .first()
    )
    assert year is not None
    language = args.language
    per_year = incidents_visible(user).filter(country="RU", date_start__year=year).count()
    common = {"user": user, "country": "RU", "year": year, "language": language}
    steps: dict[str, Callable[[], object]] = {
        "queries": lambda: annual_figures(**common, public=False),
        "html": lambda: annual_html(**common, public=False),
        "pdf": lambda: html_to_pdf(annual_html(**common, public=False)),
        "card": lambda: report_card(**common),
        "card_pdf": lambda: html_to_pdf(card_html(**common)),
    }
    database = incidents_loader.database_description()
    results: dict[str, Any] = {
        "database": database,
        "incidents": Incident.objects.count(),
        "response_events": ResponseEvent.objects.count(),
        "victims": PersonInvolvement.objects.count(),
        "year": year,
        "incidents_in_report": per_year,
        "language": language,
        "repeat": args.repeat,
        "target_pdf_s": TARGET_PDF_S,
    }
    print(
        f"\n{results['incidents']:,} incidents, {results['response_events']:,} response events, "
        f"{results['victims']:,} victims on {database['vendor']} {database.get('version', '')}; "
        f"report for RU {year}: {per_year:,} incidents the user sees; {args.repeat} runs each"
    )
    print(f"{'step':<10}{'median s':>10}{'max s':>9}{'x queries':>11}")
    for name, action in steps.items():
        figures = timed(action, args.repeat)
        results[name] = figures
        base = results["queries"]["median_s"] or 1e-9
        print(
            f"{name:<10}{figures['median_s']:>10.3f}{figures['max_s']:>9.3f}"
            f"{figures['median_s'] / base:>11.1f}",
            flush=True,
        )
    results["within_target"] = results["pdf"]["median_s"] < TARGET_PDF_S
    print(json.dumps(results, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
