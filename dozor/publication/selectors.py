"""What may be published: suppressed aggregates over all incidents, and the incidents marked
public with names, free text and exact places and days removed.

These reads are deliberately not filtered by a user: their output is for everyone, so it is
built only from what is safe for everyone.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dozor.analysis.disclosure import PRIMARY, SECONDARY, SuppressedTable, suppress
from dozor.records.models import Incident, IncidentBias

DIMENSIONS = ("region", "bias_motivation", "incident_type")
MEASURES = ("incidents", "killed", "injured")
SUPPRESSED_LABEL = {PRIMARY: "<5", SECONDARY: "x"}
UNKNOWN = "unknown"
# What a public incident keeps. No title, summary, locality, coordinates, people or sources:
# free text and exact places identify victims.
PUBLIC_INCIDENT_FIELDS = (
    "reference",
    "month",
    "country",
    "region",
    "incident_type",
    "bias_motivations",
    "killed",
    "injured",
    "verification_status",
    "defender_targeted",
    "target_kind",
)


@dataclass(frozen=True)
class Row:
    year: str
    region: str
    incident_type: str
    biases: tuple[str, ...]
    killed: int
    injured: int


def _rows() -> list[Row]:
    biases: dict[int, list[str]] = defaultdict(list)
    for incident_id, motivation in IncidentBias.objects.values_list("incident_id", "motivation"):
        biases[incident_id].append(motivation)
    rows = []
    for pk, date, region, kind, killed, injured in Incident.objects.values_list(
        "pk", "date_start", "region", "incident_type", "killed", "injured"
    ).iterator(chunk_size=5000):
        rows.append(
            Row(
                year=str(date.year) if date else UNKNOWN,
                region=region or UNKNOWN,
                incident_type=kind,
                biases=tuple(sorted(biases.get(pk, []))) or (UNKNOWN,),
                killed=killed,
                injured=injured,
            )
        )
    return rows


def _categories(row: Row, dimension: str) -> Iterable[str]:
    if dimension == "bias_motivation":
        return row.biases
    return (getattr(row, dimension),)


@dataclass(frozen=True)
class PublishedTable:
    """One year × category table; each measure as strings, suppressed cells as "<5" or "x"."""

    name: str
    years: list[str]
    categories: list[str]
    measures: dict[str, SuppressedTable]

    def shown(self, measure: str) -> list[list[str]]:
        """Rows of cells with the row total last, then the totals row (when there are margins)."""
        table = self.measures[measure]
        pattern = self.measures["incidents"]

        def show(value: int, status: str) -> str:
            return SUPPRESSED_LABEL.get(status, str(value))

        lines = []
        for i, cells in enumerate(table.cells):
            line = [show(v, pattern.cell_status[i][j]) for j, v in enumerate(cells)]
            if table.row_totals is not None and pattern.row_total_status is not None:
                line.append(show(table.row_totals[i], pattern.row_total_status[i]))
            lines.append(line)
        if table.column_totals is not None and pattern.column_total_status is not None:
            line = [
                show(v, pattern.column_total_status[j]) for j, v in enumerate(table.column_totals)
            ]
            if table.row_totals is not None:
                line.append(show(table.grand_total, pattern.grand_total_status))
            lines.append(line)
        return lines

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.name,
            "rows": self.years + (["total"] if len(self.years) > 1 else []),
            "columns": self.categories + (["total"] if len(self.categories) > 1 else []),
            **{measure: self.shown(measure) for measure in MEASURES},
        }


def aggregate_table(rows: list[Row], dimension: str | None) -> PublishedTable:
    """A year × dimension table (dimension None: by year alone), suppressed on incident counts."""
    years = sorted({row.year for row in rows})
    if dimension is None:
        categories = ["all"]
    else:
        categories = sorted({c for row in rows for c in _categories(row, dimension)})
    index_year = {year: i for i, year in enumerate(years)}
    index_category = {category: j for j, category in enumerate(categories)}
    grids = {m: [[0] * len(categories) for _ in years] for m in MEASURES}
    distinct = {m: [0] * len(years) for m in MEASURES}
    column_distinct = {m: [0] * len(categories) for m in MEASURES}
    for row in rows:
        i = index_year[row.year]
        values = {"incidents": 1, "killed": row.killed, "injured": row.injured}
        chosen = ("all",) if dimension is None else tuple(_categories(row, dimension))
        for category in chosen:
            j = index_category[category]
            for measure, value in values.items():
                grids[measure][i][j] += value
                column_distinct[measure][j] += value
        for measure, value in values.items():
            distinct[measure][i] += value
    measures = {}
    for measure in MEASURES:
        counts = grids["incidents"] if measure == "incidents" else grids[measure]
        # Totals count each incident once even when it has several bias motivations.
        measures[measure] = suppress(
            counts,
            row_totals=distinct[measure],
            column_totals=column_distinct[measure],
            grand_total=sum(distinct[measure]),
        )
    pattern = measures["incidents"]
    measures = {measure: _with_pattern(table, pattern) for measure, table in measures.items()}
    return PublishedTable(
        name=f"year_{dimension}" if dimension else "year",
        years=years,
        categories=categories,
        measures=measures,
    )


def _with_pattern(table: SuppressedTable, pattern: SuppressedTable) -> SuppressedTable:
    return SuppressedTable(
        cells=table.cells,
        row_totals=table.row_totals,
        column_totals=table.column_totals,
        grand_total=table.grand_total,
        cell_status=pattern.cell_status,
        row_total_status=pattern.row_total_status,
        column_total_status=pattern.column_total_status,
        grand_total_status=pattern.grand_total_status,
    )


def aggregate_tables() -> list[PublishedTable]:
    rows = _rows()
    return [aggregate_table(rows, None)] + [aggregate_table(rows, d) for d in DIMENSIONS]


def _month(incident: Incident) -> str:
    date: datetime.date | None = incident.date_start
    if date is None or incident.date_precision == "unknown":
        return ""
    if incident.date_precision == "year":
        return f"{date.year:04d}"
    return f"{date.year:04d}-{date.month:02d}"


def public_incidents() -> list[dict[str, Any]]:
    """Incidents their owners marked public, coarsened to region and month, without names."""
    incidents = (
        Incident.objects.filter(confidentiality="public")
        .prefetch_related("biases")
        .order_by("reference")
    )
    return [
        {
            "reference": incident.reference,
            "month": _month(incident),
            "country": incident.country,
            "region": incident.region,
            "incident_type": incident.incident_type,
            "bias_motivations": sorted(bias.motivation for bias in incident.biases.all()),
            "killed": incident.killed,
            "injured": incident.injured,
            "verification_status": incident.verification_status,
            "defender_targeted": incident.defender_targeted,
            "target_kind": incident.target_kind,
        }
        for incident in incidents
    ]
