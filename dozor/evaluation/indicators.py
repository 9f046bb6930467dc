"""The computed indicators: values from Dozor's data for one country and year, as the user sees it.

Each metric returns the value and the number it is a share or a median of; the score follows from
the thresholds (dozor.analysis.evaluation.score_value). The response funnel and the derived case
status come from the responses app, the estimate from the estimation app.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from dozor.analysis.evaluation import Thresholds, median, score_value, share
from dozor.analysis.responses import ResponseStatus, response_status
from dozor.estimation.selectors import estimate_latest
from dozor.evaluation.catalogue import Indicator, catalogue
from dozor.evaluation.models import IndicatorThreshold, OfficialStatistic
from dozor.records.models import Incident
from dozor.records.selectors import incidents_visible
from dozor.responses.funnel import CHARGED_KINDS, response_funnel
from dozor.responses.models import ResponseEvent
from dozor.responses.selectors import as_event
from dozor.responses.vocab import event_rules
from dozor.security.models import User


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


def case_statuses(incidents: QuerySet[Incident]) -> list[ResponseStatus]:
    """The derived status of every incident that has response events."""
    dates = dict(incidents.order_by().values_list("pk", "date_start"))
    events: dict[int, list[Any]] = defaultdict(list)
    rows = ResponseEvent.objects.filter(incident_id__in=incidents.order_by().values("pk"))
    for row in rows.order_by("incident_id", "date", "id"):
        events[row.incident_id].append(as_event(row))
    rules = event_rules()
    today = datetime.datetime.now(tz=datetime.UTC).date()
    return [
        response_status(
            items, rules=rules, incident_date=dates.get(pk), today=today, stall_months=10**6
        )
        for pk, items in events.items()
    ]


def reported_share(incidents: QuerySet[Incident]) -> MetricValue:
    row = response_funnel(incidents, dimension="all", medians=False)[0]
    documented = row.counts["documented"]
    return MetricValue(
        share(row.counts["reported"], documented),
        documented,
        {"reported": row.counts["reported"], "documented": documented},
    )


def median_days_to_opening(statuses: list[ResponseStatus]) -> MetricValue:
    days = [s.days_to_case_opening for s in statuses if s.days_to_case_opening is not None]
    return MetricValue(median([float(d) for d in days]), len(days))


def motive_recognised_share(statuses: list[ResponseStatus]) -> MetricValue:
    """Of the incidents whose perpetrators were charged, how many had the motive recognised: at
    the verdict when there was one that said so, otherwise at the charge."""
    prosecutions = [s for s in statuses if any(e.kind in CHARGED_KINDS for e in s.effective)]
    recognised = sum(
        1
        for s in prosecutions
        if (s.motive_at_verdict if s.motive_at_verdict is not None else s.motive_at_charge)
    )
    return MetricValue(
        share(recognised, len(prosecutions)), len(prosecutions), {"recognised": recognised}
    )


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
    statuses = case_statuses(incidents)
    reported = reported_share(incidents)
    metrics = {
        "reported_share": reported,
        "median_days_to_opening": median_days_to_opening(statuses),
        "motive_recognised_share": motive_recognised_share(statuses),
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
