"""Writing the public export to a folder: CSV and JSON, and an audit entry saying so."""

from __future__ import annotations

import json
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from dozor.accounts.models import User
from dozor.audit import services as audit
from dozor.lib.csv_safety import csv_rows_write
from dozor.publication import selectors


def _write_csv(path: Path, header: list[str], lines: list[list[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv_rows_write(handle, header, lines)


@transaction.atomic
def publication_write(*, out: Path, user: User | None = None) -> list[Path]:
    """Write the aggregates and the public incidents into `out`; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    tables = selectors.aggregate_tables()
    incidents = selectors.public_incidents()
    written = []
    for table in tables:
        data = table.as_dict()
        for measure in selectors.MEASURES:
            path = out / f"{table.name}_{measure}.csv"
            _write_csv(
                path,
                ["year", *data["columns"]],
                [[row, *cells] for row, cells in zip(data["rows"], data[measure], strict=True)],
            )
            written.append(path)
    fields = list(selectors.PUBLIC_INCIDENT_FIELDS)
    incidents_csv = out / "incidents.csv"
    _write_csv(
        incidents_csv,
        fields,
        [
            [";".join(v) if isinstance(v, list) else v for v in (row[f] for f in fields)]
            for row in incidents
        ],
    )
    written.append(incidents_csv)
    document = {
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "suppression": {
            "threshold": 5,
            "primary": selectors.SUPPRESSED_LABEL["primary"],
            "secondary": selectors.SUPPRESSED_LABEL["secondary"],
        },
        "aggregates": [table.as_dict() for table in tables],
        "incidents": incidents,
    }
    json_path = out / "publication.json"
    json_path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    written.append(json_path)
    audit.audit_record(
        action=audit.Action.PUBLISH,
        user=user,
        changes={
            "folder": str(out),
            "tables": [table.name for table in tables],
            "public_incidents": len(incidents),
        },
    )
    return written
