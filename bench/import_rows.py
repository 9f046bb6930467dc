"""Time an import of 100,000 rows beside a baseline of what the machine can do with the same rows.

The file is the Toronto Police hate-crime data (tests/data/intake) repeated with fresh identifiers
up to ``--rows`` rows, imported with the shipped Toronto mapping through
``dozor.intake.services.import_run``: decoding, delimiter sniffing, the mapping of every cell,
identity checks against what is stored, quarantine, bulk inserts in one transaction. The baseline,
in the same run and the same database, is ``pandas.read_csv`` plus one ``bulk_create`` of the same
rows as reports (payload only, no mapping, no checks) into another source list.

The database is a throwaway SQLite file unless ``--database-url`` names another (say, a scratch
PostgreSQL database: it is migrated and written to, so never give a database that matters).
The last line of output is one JSON object with the figures. The target is 100,000 rows in under
a minute.

    python bench/import_rows.py --rows 100000
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TORONTO = ROOT / "tests" / "data" / "intake" / "toronto_hate_crimes_open_data_2018_2024.csv"
MAPPING = ROOT / "dozor" / "intake" / "mappings" / "toronto_police_hate_crimes.yaml"
TARGET_SECONDS = 60.0


def big_file(path: Path, rows: int) -> None:
    lines = TORONTO.read_text(encoding="utf-8").splitlines()
    header, body = lines[0], lines[1:]
    with path.open("w", encoding="utf-8") as handle:
        handle.write(header + "\n")
        for number in range(rows):
            handle.write(re.sub(r"GO-\d+", f"GO-B{number}", body[number % len(body)], count=1))
            handle.write("\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", help="a scratch database (default: throwaway SQLite)")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="dozor-bench-import-"))
    os.environ["DOZOR_HOME"] = str(home)
    os.environ["DOZOR_ENV"] = "development"
    if args.database_url:
        os.environ["DOZOR_DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DOZOR_DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "dozor.settings"
    sys.path.insert(0, str(ROOT))
    from dozor.security.crypto import key_encode, key_generate

    # A fresh key for the scratch database: imported rows are sealed as in production.
    os.environ["DOZOR_KEY"] = key_encode(key_generate())
    import django

    django.setup()
    import logging

    logging.getLogger("dozor").setLevel(logging.WARNING)
    import pandas as pd
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from dozor.accounts.models import Organisation, Role, User
    from dozor.intake import services as intake_services
    from dozor.intake.mapping import mapping_parse
    from dozor.records.models import Report, SourceList

    call_command("migrate", verbosity=0)
    organisation = Organisation.objects.create(name="Bench")
    user = User.objects.create(username="bench", organisation=organisation, role=Role.DOCUMENTER)
    imported = SourceList.objects.create(
        name="import", kind="police_data", organisation=organisation
    )
    baseline = SourceList.objects.create(
        name="baseline", kind="police_data", organisation=organisation
    )
    path = home / "rows.csv"
    big_file(path, args.rows)
    mapping = mapping_parse(MAPPING.read_text(encoding="utf-8"), MAPPING.name)

    started = time.perf_counter()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    today = timezone.localdate()
    with transaction.atomic():
        Report.objects.bulk_create(
            (
                Report(
                    source_list=baseline,
                    external_id=record["EVENT_UNIQUE_ID"],
                    payload=record,
                    fields={},
                    received_on=today,
                    created_by=user,
                )
                for record in frame.to_dict("records")
            ),
            batch_size=1000,
        )
    baseline_seconds = time.perf_counter() - started

    started = time.perf_counter()
    summary = intake_services.import_run(
        user=user, source_list=imported, path=path, file_name=path.name, mapping=mapping
    )
    import_seconds = time.perf_counter() - started

    figures = {
        "rows": args.rows,
        "database": connection.vendor,
        "import_seconds": round(import_seconds, 2),
        "import_rows_per_second": round(args.rows / import_seconds),
        "baseline_seconds": round(baseline_seconds, 2),
        "baseline_rows_per_second": round(args.rows / baseline_seconds),
        "stored": summary.stored,
        "quarantined": summary.quarantined,
        "target_seconds": TARGET_SECONDS,
        "within_target": import_seconds < TARGET_SECONDS,
    }
    rate, base = figures["import_rows_per_second"], figures["baseline_rows_per_second"]
    print(f"rows                     {args.rows:>10,} ({connection.vendor})")
    print(f"import (dozor import)    {rate:>10,} rows/s  {import_seconds:6.1f} s")
    print(f"baseline (pandas + bulk) {base:>10,} rows/s  {baseline_seconds:6.1f} s")
    print(f"stored {summary.stored:,}, quarantined {summary.quarantined:,}")
    print(f"target: {args.rows:,} rows in under {TARGET_SECONDS:.0f} s")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
