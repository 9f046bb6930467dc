"""The computed indicators: values from Dozor's data for one country and year, as the user sees it.

Each metric returns the value and the number it is a share or a median of; the score follows from
the thresholds (dozor.analysis.evaluation.score_value). The response funnel and the derived case
status come from the responses app, the estimate from the estimation app.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Exists, Min, OuterRef, QuerySet

from dozor.accounts.models import User
from dozor.analysis.evaluation import Thresholds, median, score_value, share
from dozor.analysis.responses import MOTIVE_OFF, MOTIVE_ON
from dozor.estimation.selectors import estimate_latest
from dozor.evaluation.catalogue import Indicator, catalogue
from dozor.evaluation.models import IndicatorThreshold, OfficialStatistic
from dozor.records.local_terms import hate_articles_by_organisation
from dozor.records.models import Incident
from dozor.records.selectors import incidents_visible
from dozor.responses.funnel import CHARGED_KINDS, response_funnel
from dozor.responses.hate import hate_sql
from dozor.responses.models import ResponseEvent
from dozor.responses.vocab import event_rules


@dataclass
class MetricValue:
    value: float | None
    count: int
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class IndicatorValue:
    indicator: Indicator
    thresholds: Thresholds
    metric: MetricValue

    @property
    def score(self) -> int | None:
        return score_value(self.metric.value, self.thresholds)


def incidents_of_year(user: User | AnonymousUser, *, country: str, year: int) -> QuerySet[Incident]:
    return incidents_visible(user).filter(
        country=country,
        date_start__gte=datetime.date(year, 1, 1),
        date_start__lte=datetime.date(year, 12, 31),
    )


def _effective_events(incidents: QuerySet[Incident]) -> QuerySet[ResponseEvent]:
    """The incidents' response events still in force: no correction supersedes them."""
    return ResponseEvent.objects.filter(incident_id__in=incidents.order_by().values("pk")).exclude(
        Exists(ResponseEvent.objects.filter(supersedes_id=OuterRef("pk")))
    )


def opening_delays(incidents: QuerySet[Incident]) -> list[int]:
    """Days from each incident to the first case opened for it (events in force, in the
    database: one row per opened case). Cases opened before the incident's date say more about
    the record than about the police and are left out, as are incidents without a date."""
    rows = (
        _effective_events(incidents)
        .filter(kind="case_opened")
        .order_by()
        .values("incident_id", "incident__date_start")
        .annotate(opened=Min("date"))
    )
    delays = []
    for row in rows:
        start = row["incident__date_start"]
        if start is not None and row["opened"] >= start:
            delays.append((row["opened"] - start).days)
    return delays


def motive_sql(incidents: QuerySet[Incident], *, vendor: str) -> tuple[str, list[Any]]:
    """Prosecutions and, of them, those with the hate motive recognised, as one statement.

    The same reading as dozor.analysis.responses.response_status, in named steps: ``ev``, the
    events in force with their procedural rank and the motive signal each carries (a motive
    event says yes or no; otherwise the legal articles, when given, say whether a hate article
    is among them, the incident's organisation's own counted); ``ordered``, the events in
    reading order (date, rank, id), each numbered within its incident's run of signals;
    ``state``, the motive in force at each event (the signal that opened its run);
    ``per_incident``, the motive at the last charge and at the last verdict (the verdict's own
    finding, else its articles); then the counts. The verdict's finding counts over the
    charge's when it has one.
    """
    incident_sql, incident_params = incidents.order_by().values("pk").query.sql_with_params()
    params: list[Any] = []

    def listed(codes: Any) -> str:
        codes = sorted(codes)
        params.extend(codes)
        return ", ".join(["%s"] * len(codes)) or "NULL"

    articles = "e.articles::text" if vendor == "postgresql" else "e.articles"
    # An organisation's own hate-motive article counts for its own incidents only.
    local = hate_articles_by_organisation()
    hate_condition, hate_params = hate_sql(articles, "i.organisation_id", local)
    owners = " JOIN records_incident i ON i.id = e.incident_id" if local else ""

    def hate() -> str:
        params.extend(hate_params)
        return hate_condition

    ranks = [(code, rank) for code, rank in sorted(event_rules().rank.items()) if rank]
    rank_case = "CASE e.kind " + " ".join("WHEN %s THEN %s" for _ in ranks) + " ELSE 0 END"
    for code, rank in ranks:
        params.extend([code, rank])
    has_articles = f"COALESCE({articles}, '[]') <> '[]'"
    signal = (
        f"CASE WHEN e.kind IN ({listed(MOTIVE_ON)}) THEN 1 "
        f"WHEN e.kind IN ({listed(MOTIVE_OFF)}) THEN 0 "
        f"WHEN {has_articles} THEN CASE WHEN {hate()} THEN 1 ELSE 0 END END"
    )
    found = (
        "CASE WHEN e.motive_recognised THEN 1 WHEN NOT e.motive_recognised THEN 0 "
        f"WHEN {has_articles} THEN CASE WHEN {hate()} THEN 1 ELSE 0 END END"
    )
    charged = listed(CHARGED_KINDS)
    params.extend(incident_params)
    # Every value is a parameter; the text joined here is made of constant identifiers.
    sql = (
        f"WITH ev AS (SELECT e.incident_id, e.id, e.date, e.kind, {rank_case} AS rnk, "  # noqa: S608 - constant identifiers; values are parameters
        f"{signal} AS signal, {found} AS finding, "
        f"CASE WHEN e.kind IN ({charged}) THEN 1 ELSE 0 END AS prosecuting "
        f"FROM responses_responseevent e{owners} "
        f"WHERE e.incident_id IN ({incident_sql}) AND NOT EXISTS "
        "(SELECT 1 FROM responses_responseevent c WHERE c.supersedes_id = e.id)), "
        "ordered AS (SELECT ev.*, COUNT(signal) OVER (PARTITION BY incident_id "
        "ORDER BY date, rnk, id ROWS UNBOUNDED PRECEDING) AS run, "
        "ROW_NUMBER() OVER (PARTITION BY incident_id, kind "
        "ORDER BY date DESC, rnk DESC, id DESC) AS from_last FROM ev), "
        "state AS (SELECT ordered.*, MAX(signal) OVER (PARTITION BY incident_id, run) "
        "AS motive FROM ordered), "
        "per_incident AS (SELECT incident_id, MAX(prosecuting) AS prosecuted, "
        "MAX(CASE WHEN kind = 'charged' AND from_last = 1 THEN motive END) AS at_charge, "
        "MAX(CASE WHEN kind = 'verdict' AND from_last = 1 THEN finding END) AS at_verdict "
        "FROM state GROUP BY incident_id) "
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN COALESCE(at_verdict, at_charge) = 1 "
        "THEN 1 ELSE 0 END), 0) FROM per_incident WHERE prosecuted = 1"
    )
    return sql, params


def reported_share(incidents: QuerySet[Incident]) -> MetricValue:
    row = response_funnel(incidents, dimension="all", medians=False)[0]
    documented = row.counts["documented"]
    return MetricValue(
        share(row.counts["reported"], documented),
        documented,
        {"reported": row.counts["reported"], "documented": documented},
    )


def median_days_to_opening(incidents: QuerySet[Incident]) -> MetricValue:
    days = opening_delays(incidents)
    return MetricValue(median([float(d) for d in days]), len(days))


def motive_recognised_share(incidents: QuerySet[Incident]) -> MetricValue:
    """Of the incidents whose perpetrators were charged, how many had the motive recognised: at
    the verdict when there was one that said so, otherwise at the charge."""
    sql, params = motive_sql(incidents, vendor=connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        prosecutions, recognised = (int(value) for value in cursor.fetchone())
    return MetricValue(share(recognised, prosecutions), prosecutions, {"recognised": recognised})


def official_to_documented(*, country: str, year: int, documented: int) -> MetricValue:
    official = OfficialStatistic.objects.filter(country=country, year=year).first()
    recorded = official.recorded if official else None
    value = None if recorded is None or not documented else recorded / documented
    return MetricValue(value, documented, {"official": recorded, "documented": documented})


def undocumented_share(user: User | AnonymousUser, *, country: str, year: int) -> MetricValue:
    latest = estimate_latest(user=user, country=country, year=year)
    if latest is None or latest.estimate <= 0:
        return MetricValue(None, 0)
    value = max(latest.estimate - latest.documented, 0.0) / latest.estimate
    return MetricValue(
        value,
        latest.documented,
        {"documented": latest.documented, "estimate": round(latest.estimate)},
    )


def thresholds_of(user: User | AnonymousUser) -> dict[str, Thresholds]:
    """The thresholds in force for the user's organisation: its own, else the catalogue's."""
    result: dict[str, Thresholds] = {}
    for code, indicator in catalogue().indicators.items():
        if indicator.thresholds is not None:
            result[code] = indicator.thresholds
    organisation_id = getattr(user, "organisation_id", None)
    if organisation_id is not None:
        for row in IndicatorThreshold.objects.filter(organisation_id=organisation_id):
            default = result.get(row.indicator)
            if default is not None:
                result[row.indicator] = Thresholds(
                    partial=row.partial, met=row.met, direction=default.direction
                )
    return result


def computed_indicators(
    user: User | AnonymousUser, *, country: str, year: int
) -> dict[str, IndicatorValue]:
    incidents = incidents_of_year(user, country=country, year=year)
    reported = reported_share(incidents)
    metrics = {
        "reported_share": reported,
        "median_days_to_opening": median_days_to_opening(incidents),
        "motive_recognised_share": motive_recognised_share(incidents),
        "official_to_documented": official_to_documented(
            country=country, year=year, documented=reported.count
        ),
        "undocumented_share": undocumented_share(user, country=country, year=year),
    }
    thresholds = thresholds_of(user)
    return {
        code: IndicatorValue(indicator, thresholds[code], metrics[indicator.metric])
        for code, indicator in catalogue().indicators.items()
        if indicator.computed
    }
