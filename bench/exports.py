"""Time the exports beside a baseline of reading the same incidents.

Loads ``--rows`` synthetic incidents (each with a bias motivation, two victims with names and a
perpetrator) into a throwaway SQLite database (or the scratch database ``--database-url`` names:
it is migrated and written to), then times, as a documenter of the owning organisation:

- the incident list as CSV and as JSON (``dozor.exports.listing``: the list selector, names
  decrypted where the user may see them, every cell made formula-safe), whole file;
- the ODIHR submission as XLSX for ``--marked`` of them (rows built from coded fields, each
  incident's response status derived from its timeline);
- the baseline: the same list queryset with the same prefetches, iterated in the same chunks,
  each incident turned into a plain tuple of its columns (the cost of reading, nothing else).

Each figure is the median and p95 of ``--repeat`` runs, as incidents per second. The last line of
output is one JSON object with every figure.

    python bench/exports.py --rows 5000 --marked 500 --repeat 5
"""

from __future__ import annotations

import argparse
import base64
import datetime
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(work: Callable[[], object], repeat: int) -> list[float]:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - started)
    return seconds


def rates(rows: int, seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "median_rows_per_s": round(rows / statistics.median(ordered), 1),
        "p95_rows_per_s": round(rows / p95, 1),
        "median_s": round(statistics.median(ordered), 4),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5_000)
    parser.add_argument("--marked", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", help="a scratch database (default: throwaway SQLite)")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="dozor-bench-exports-"))
    os.environ["DOZOR_HOME"] = str(home)
    os.environ["DOZOR_ENV"] = "development"
    # A throwaway key for the throwaway database: names and summaries are sealed as in use.
    os.environ["DOZOR_KEY"] = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
    if args.database_url:
        os.environ["DOZOR_DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DOZOR_DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "dozor.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import logging

    logging.getLogger("dozor").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import transaction

    from dozor.accounts.models import Organisation, Role, User
    from dozor.exports import listing, odihr, selectors, writers
    from dozor.exports.models import OdihrSubmission
    from dozor.records.models import Incident, IncidentBias, PersonInvolvement, search_text
    from dozor.records.selectors import IncidentFilters

    call_command("migrate", verbosity=0)
    organisation = Organisation.objects.create(name="Bench")
    user = User.objects.create(username="bench", organisation=organisation, role=Role.DOCUMENTER)
    generator = random.Random(20240101)
    types = ["physical_assault", "homicide", "threat", "arson", "desecration"]
    biases = ["racist_xenophobic", "antisemitic", "anti_lgbti", "anti_muslim"]
    with transaction.atomic():
        incidents = Incident.objects.bulk_create(
            Incident(
                reference=f"RU-2024-{number:06d}",
                organisation=organisation,
                title=f"Нападение {number}",
                summary="Неизвестные напали на мужчину у станции метро.",
                date_start=datetime.date(2024, 1, 1) + datetime.timedelta(days=number % 366),
                region=generator.choice(["RU-SPE", "RU-MOW", "RU-TA", "RU-SVE"]),
                locality=generator.choice(["Казань", "Москва", "ул. Ленина, 5", ""]),
                incident_type=generator.choice(types),
                injured=generator.randint(0, 3),
                search_text=search_text(f"Нападение {number}"),
            )
            for number in range(args.rows)
        )
        IncidentBias.objects.bulk_create(
            IncidentBias(
                incident=incident,
                motivation=generator.choice(biases),
                indicators=["perpetrator_statements", "symbols"],
            )
            for incident in incidents
        )
        people = []
        for incident in incidents:
            people += [
                PersonInvolvement(incident=incident, name="Фарход Каримзода", pseudonym="A"),
                PersonInvolvement(incident=incident, name="Иван Петров", pseudonym="B"),
                PersonInvolvement(incident=incident, role="perpetrator", count=2),
            ]
        PersonInvolvement.objects.bulk_create(people)
        OdihrSubmission.objects.bulk_create(
            OdihrSubmission(incident=incident, year=2024, marked_by=user)
            for incident in incidents[: args.marked]
        )

    filters = IncidentFilters()

    def baseline() -> None:
        for incident in listing.export_queryset(user=user, filters=filters).iterator(
            chunk_size=listing.CHUNK
        ):
            _ = (
                incident.reference,
                incident.date_start,
                incident.region,
                incident.summary,
                [bias.motivation for bias in incident.biases.all()],
                [person.name for person in incident.people.all()],
            )

    def as_csv() -> None:
        records = listing.records(user, listing.export_queryset(user=user, filters=filters))
        for _line in writers.csv_lines(listing.FIELDS, (listing.csv_cells(r) for r in records)):
            pass

    def as_json() -> None:
        records = listing.records(user, listing.export_queryset(user=user, filters=filters))
        for _chunk in listing.json_chunks(records):
            pass

    def as_odihr_xlsx() -> None:
        rows = odihr.odihr_rows(selectors.odihr_incidents(user=user, country="RU", year=2024), "en")
        writers.xlsx_bytes("ODIHR", odihr.headers("en"), [row.cells() for row in rows])

    figures = {
        "rows": args.rows,
        "marked": args.marked,
        "repeat": args.repeat,
        "baseline_read": rates(args.rows, timed(baseline, args.repeat)),
        "list_csv": rates(args.rows, timed(as_csv, args.repeat)),
        "list_json": rates(args.rows, timed(as_json, args.repeat)),
        "odihr_xlsx": rates(args.marked, timed(as_odihr_xlsx, args.repeat)),
    }
    for name in ("baseline_read", "list_csv", "list_json", "odihr_xlsx"):
        figure = figures[name]
        assert isinstance(figure, dict)
        print(
            f"{name:<14} median {figure['median_rows_per_s']:>10.1f} incidents/s"
            f"   p95 {figure['p95_rows_per_s']:>10.1f} incidents/s"
        )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
