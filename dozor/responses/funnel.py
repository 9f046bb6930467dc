"""The response funnel: how many documented incidents reached each stage of the state's response.

Computed in the database in one statement (see funnel_sql): the first date each incident reached
each stage, from the events still in force (corrections applied), aggregated by the chosen
dimension with the median days between consecutive stages. Python only turns counts into
percentages.

A stage counts the incidents that ever reached it, so a case charged without the hate motive
counts as charged but not as qualified; "reported" includes cases the authorities opened without
a recorded complaint. An organisation's own legal article with the hate motive qualifies the
motive of its own incidents only (dozor.responses.hate).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.backends.signals import connection_created
from django.db.models import CharField, Exists, F, OuterRef, QuerySet, Value
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy

from dozor.records.local_terms import hate_articles_by_organisation
from dozor.records.models import Incident, IncidentBias
from dozor.responses.hate import hate_sql
from dozor.responses.vocab import response_vocabulary

STAGES = (
    "documented",
    "reported",
    "case_opened",
    "motive_qualified",
    "charged",
    "convicted_with_motive",
)
# What each stage is called on the statistics page, the annual report and their charts.
STAGE_LABELS = {
    "documented": gettext_lazy("Documented"),
    "reported": gettext_lazy("Reported to the police"),
    "case_opened": gettext_lazy("Case opened"),
    "motive_qualified": gettext_lazy("Hate motive qualified"),
    "charged": gettext_lazy("Charged"),
    "convicted_with_motive": gettext_lazy("Convicted, motive recognised"),
}
DIMENSIONS = ("all", "year", "region", "bias", "type")
NOT_PROCEDURAL = ("official_statement",)
OPENED_KINDS = (
    "case_opened",
    "motive_qualified",
    "motive_not_qualified",
    "motive_dropped",
    "motive_added",
    "suspect_identified",
    "detained",
    "charged",
    "sent_to_court",
    "verdict",
    "sentence",
    "appeal",
)
CHARGED_KINDS = ("charged", "sent_to_court", "verdict", "sentence", "appeal")
QUALIFYING_WITH_ARTICLES = ("case_opened", "charged")


class _SqliteMedian:
    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value: float | None) -> None:
        if value is not None:
            self.values.append(value)

    def finalize(self) -> float | None:
        return statistics.median(self.values) if self.values else None


def register_sqlite_median(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("DOZOR_MEDIAN", 1, _SqliteMedian)


connection_created.connect(register_sqlite_median, dispatch_uid="dozor_sqlite_median")
if connection.vendor == "sqlite" and connection.connection is not None:
    register_sqlite_median(None, connection)


@dataclass(frozen=True)
class FunnelFilters:
    year_from: int | None = None
    year_to: int | None = None
    region: str = ""
    bias_motivation: str = ""
    incident_type: str = ""


@dataclass
class FunnelRow:
    """The funnel of one group (a year, a region, ...)."""

    group: Any
    counts: dict[str, int]
    median_days: dict[str, float | None] = field(default_factory=dict)

    def percent_of_documented(self, stage: str) -> float | None:
        total = self.counts["documented"]
        return 100.0 * self.counts[stage] / total if total else None

    def percent_of_previous(self, stage: str) -> float | None:
        index = STAGES.index(stage)
        if index == 0:
            return None
        previous = self.counts[STAGES[index - 1]]
        return 100.0 * self.counts[stage] / previous if previous else None


def _group_expression(dimension: str) -> Any:
    return {
        "all": Value("all", output_field=CharField()),
        "year": ExtractYear("date_start"),
        "region": F("region"),
        "bias": F("biases__motivation"),
        "type": F("incident_type"),
    }[dimension]


def stage_kinds() -> dict[str, tuple[str, ...]]:
    """Which kinds of event in force mark that an incident reached each stage."""
    kinds = response_vocabulary("response_event_kind").codes
    return {
        "reported": tuple(code for code in kinds if code not in NOT_PROCEDURAL),
        "case_opened": OPENED_KINDS,
        "motive_qualified": ("motive_qualified", "motive_added"),
        "charged": CHARGED_KINDS,
    }


def funnel_sql(
    incidents: QuerySet[Incident], *, dimension: str, medians: bool, vendor: str
) -> tuple[str, list[Any]]:
    """The funnel as one SQL statement in three named steps, for both supported databases:

    ``incident``: the incidents to count (visibility and filters applied by the ORM), one row per
    incident and group; ``stage``: per incident, the first date of an event in force (no
    correction supersedes it) for each stage; then the counts and median days per group. The
    ``stage`` step reads every event and the join keeps the incidents' own: restricting it to the
    ``incident`` step's ids made PostgreSQL misestimate the join and run several times slower.
    """
    grouped = incidents.order_by().annotate(
        i_id=F("pk"), i_date=F("date_start"), i_group=_group_expression(dimension)
    )
    incident_sql, incident_params = grouped.values(
        "i_id", "i_date", "i_group"
    ).query.sql_with_params()
    params: list[Any] = list(incident_params)
    articles = "e.articles::text" if vendor == "postgresql" else "e.articles"
    # An organisation's own hate-motive article counts for its own incidents only: the events
    # are joined to their incidents' organisation when any organisation has one.
    local = hate_articles_by_organisation()
    hate, hate_params = hate_sql(articles, "i.organisation_id", local)
    owners = " JOIN records_incident i ON i.id = e.incident_id" if local else ""

    def kind_in(codes: tuple[str, ...]) -> str:
        params.extend(codes)
        return f"e.kind IN ({', '.join(['%s'] * len(codes))})"

    columns = []
    for stage, codes in stage_kinds().items():
        condition = kind_in(codes)
        if stage == "motive_qualified":
            qualifying = kind_in(QUALIFYING_WITH_ARTICLES)
            params.extend(hate_params)
            condition = f"({condition} OR ({qualifying} AND ({hate})))"
        columns.append(f"MIN(CASE WHEN {condition} THEN e.date END) AS d_{stage}")
    params.extend(["verdict", "convicted"])
    params.extend(hate_params)
    columns.append(
        "MIN(CASE WHEN e.kind = %s AND e.verdict_outcome = %s AND (e.motive_recognised = TRUE "
        f"OR (e.motive_recognised IS NULL AND ({hate}))) THEN e.date END) "
        "AS d_convicted_with_motive"
    )
    # Every value is a parameter; the text joined here is made of constant identifiers.
    stage_sql = (
        "SELECT e.incident_id, "  # noqa: S608 - constant identifiers; values are parameters
        + ", ".join(columns)
        + " FROM responses_responseevent e"
        + owners
        + " WHERE NOT EXISTS "
        "(SELECT 1 FROM responses_responseevent c WHERE c.supersedes_id = e.id) "
        "GROUP BY e.incident_id"
    )
    aggregates = ["COUNT(*) AS documented"]
    aggregates += [f"COUNT(s.d_{stage}) AS {stage}" for stage in STAGES[1:]]
    if medians:
        previous = "incident.i_date"
        for stage in STAGES[1:]:
            current = f"s.d_{stage}"
            if vendor == "postgresql":
                median = f"PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY {current} - {previous})"
            else:
                median = f"DOZOR_MEDIAN(julianday({current}) - julianday({previous}))"
            aggregates.append(f"{median} AS median_{stage}")
            previous = current
    sql = (
        f"WITH incident AS ({incident_sql}), stage AS ({stage_sql}) "  # noqa: S608 - constant identifiers; values are parameters
        f"SELECT incident.i_group AS grp, {', '.join(aggregates)} FROM incident "
        "LEFT JOIN stage s ON s.incident_id = incident.i_id "
        "GROUP BY incident.i_group ORDER BY incident.i_group"
    )
    return sql, params


def _filtered(incidents: QuerySet[Incident], filters: FunnelFilters) -> QuerySet[Incident]:
    if filters.year_from:
        incidents = incidents.filter(date_start__year__gte=filters.year_from)
    if filters.year_to:
        incidents = incidents.filter(date_start__year__lte=filters.year_to)
    if filters.region:
        incidents = incidents.filter(region=filters.region)
    if filters.incident_type:
        incidents = incidents.filter(incident_type=filters.incident_type)
    if filters.bias_motivation:
        incidents = incidents.filter(
            Exists(
                IncidentBias.objects.filter(
                    incident_id=OuterRef("pk"), motivation=filters.bias_motivation
                )
            )
        )
    return incidents


def response_funnel(
    incidents: QuerySet[Incident],
    *,
    dimension: str = "all",
    filters: FunnelFilters | None = None,
    medians: bool = True,
) -> list[FunnelRow]:
    """The funnel of ``incidents`` (already limited to what the user may see), by ``dimension``."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"dimension must be one of {', '.join(DIMENSIONS)}, not {dimension!r}")
    incidents = _filtered(incidents, filters or FunnelFilters())
    sql, params = funnel_sql(
        incidents, dimension=dimension, medians=medians, vendor=connection.vendor
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # PostgreSQL's JIT compiler spends seconds on this short statement (its cost estimate
            # of the join is high), several times what the statement itself takes.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    if not rows and dimension == "all":
        empty = dict.fromkeys(STAGES, 0)
        return [FunnelRow(group="all", counts=empty, median_days=dict.fromkeys(STAGES[1:]))]
    result = []
    for row in rows:
        group = row["grp"]
        if dimension == "year" and group is not None:
            group = int(group)
        result.append(
            FunnelRow(
                group=group,
                counts={stage: int(row[stage]) for stage in STAGES},
                median_days={
                    stage: None if row[f"median_{stage}"] is None else float(row[f"median_{stage}"])
                    for stage in STAGES[1:]
                }
                if medians
                else {},
            )
        )
    return result
