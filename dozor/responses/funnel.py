"""The response funnel: how many documented incidents reached each stage of the state's response.

Computed in the database: one query annotates each incident with the first date it reached each
stage (from the events still in force, corrections applied) and aggregates by the chosen
dimension, with the median days between consecutive stages. Python only turns counts into
percentages.

A stage counts the incidents that ever reached it, so a case charged without the hate motive
counts as charged but not as qualified; "reported" includes cases the authorities opened without
a recorded complaint.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.backends.signals import connection_created
from django.db.models import (
    Aggregate,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Cast, ExtractYear

from dozor.records.models import Incident, IncidentBias
from dozor.responses.models import ResponseEvent
from dozor.responses.vocab import hate_articles, response_vocabulary

STAGES = (
    "documented",
    "reported",
    "case_opened",
    "motive_qualified",
    "charged",
    "convicted_with_motive",
)
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


class DaysBetween(Func):
    """Whole days from ``start`` to ``end`` (two dates)."""

    output_field = IntegerField()
    arity = 2

    def __init__(self, end: Any, start: Any) -> None:
        super().__init__(end, start)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        return super().as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ")

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
        )


class Median(Aggregate):
    """The median: PostgreSQL's percentile_cont; on SQLite an aggregate registered below."""

    function = "PERCENTILE_CONT"
    name = "Median"
    output_field = IntegerField()
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        clone = self.copy()
        clone.function = "DOZOR_MEDIAN"
        clone.template = "%(function)s(%(expressions)s)"
        return super(Median, clone).as_sql(compiler, connection, **extra)


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


def effective_events() -> QuerySet[ResponseEvent]:
    """Events in force: those no correction supersedes."""
    return ResponseEvent.objects.filter(
        ~Exists(ResponseEvent.objects.filter(supersedes_id=OuterRef("pk")))
    )


def _hate_article_condition() -> Q:
    """Events whose articles (as JSON text, see _first_date) name a hate-motive article."""
    condition = Q(pk__in=[])
    for code in sorted(hate_articles()):
        condition |= Q(articles_text__contains=f'"{code}"')
    return condition


def stage_conditions() -> dict[str, Q]:
    """Which effective events mark that an incident reached each stage after "documented"."""
    hate_text = _hate_article_condition()
    kinds = response_vocabulary("response_event_kind").codes
    return {
        "reported": Q(kind__in=[code for code in kinds if code not in NOT_PROCEDURAL]),
        "case_opened": Q(kind__in=OPENED_KINDS),
        "motive_qualified": Q(kind__in=("motive_qualified", "motive_added"))
        | (Q(kind__in=QUALIFYING_WITH_ARTICLES) & hate_text),
        "charged": Q(kind__in=CHARGED_KINDS),
        "convicted_with_motive": Q(kind="verdict", verdict_outcome="convicted")
        & (Q(motive_recognised=True) | (Q(motive_recognised__isnull=True) & hate_text)),
    }


def _first_date(condition: Q) -> Subquery:
    events = (
        effective_events()
        .annotate(articles_text=Cast("articles", output_field=TextField()))
        .filter(condition, incident_id=OuterRef("pk"))
        .order_by("date")
        .values("date")[:1]
    )
    return Subquery(events)


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


def _group_expression(dimension: str) -> Any:
    return {
        "all": Value("all"),
        "year": ExtractYear("date_start"),
        "region": F("region"),
        "bias": F("biases__motivation"),
        "type": F("incident_type"),
    }[dimension]


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
    dates = {f"d_{stage}": _first_date(q) for stage, q in stage_conditions().items()}
    annotated = incidents.order_by().annotate(**dates).annotate(group=_group_expression(dimension))
    aggregates: dict[str, Any] = {"documented": Count("pk")}
    for stage in STAGES[1:]:
        aggregates[stage] = Count("pk", filter=Q(**{f"d_{stage}__isnull": False}))
    if medians:
        previous = "date_start"
        for stage in STAGES[1:]:
            current = f"d_{stage}"
            aggregates[f"median_{stage}"] = Median(
                DaysBetween(F(current), F(previous)),
                filter=Q(**{f"{current}__isnull": False, f"{previous}__isnull": False}),
            )
            previous = current
    rows = annotated.values("group").annotate(**aggregates).order_by("group")
    result = []
    for row in rows:
        result.append(
            FunnelRow(
                group=row["group"],
                counts={stage: row[stage] for stage in STAGES},
                median_days={
                    stage: (
                        float(row[f"median_{stage}"])
                        if row.get(f"median_{stage}") is not None
                        else None
                    )
                    for stage in STAGES[1:]
                }
                if medians
                else {},
            )
        )
    return result
