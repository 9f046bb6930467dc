"""The annual statistical report: what happened in a country in a year, from the incidents the
user may see. Every count is one GROUP BY in the database; the funnel comes from the responses app
and the documented-against-estimated figure from the estimation app: the figure the organisation
published for the year, as known on the date it was published and with its earlier revisions, or,
when it published none, the latest estimate run's.

Marked public, every count is suppressed by dozor.analysis.disclosure: a count shown on its own by
the primary rule ("<5"), and the tables whose rows add up to the year's incidents shown in the
totals (by month, region, type, and bias motivation, which adds up to at least that) by the
secondary rule too ("x"), so no "<5" can be recovered by subtracting the shown rows from the
total (docs/reporting.md).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dozor.accounts.models import User
from dozor.analysis.disclosure import primary_status, shown_value
from dozor.estimation.models import FigureKind
from dozor.estimation.outcomes import change_text
from dozor.estimation.selectors import (
    LatestEstimate,
    PublishedHistory,
    estimate_latest,
    published_for_year,
)
from dozor.records.models import Incident, IncidentBias, PersonInvolvement
from dozor.records.selectors import incidents_visible
from dozor.reporting.charts import Table, bar_svg, map_svg
from dozor.responses.charts import funnel_svg
from dozor.responses.funnel import STAGE_LABELS, STAGES, FunnelRow, response_funnel
from dozor.vocab.geography import region_name
from dozor.vocab.registry import vocabulary

YEARS_BACK = 10
# Bars per chart: the largest; the map and the CSV hold every region.
CHART_ROWS = 25
LANGUAGES = ("en", "ru")
# Tables whose rows add up to the year's incidents (bias: at least to it, an incident with
# several motivations counting in each); they are suppressed against that total.
ADD_UP_TO_INCIDENTS = ("month", "region", "type", "bias")
# Victims are not counted anywhere else, and acts against defenders are a part of the year's
# incidents with no total of their own: the primary rule suffices.


def shown(count: int, *, public: bool) -> int | str:
    """A count shown on its own: in public, 1 to 4 reads "<5"."""
    return shown_value(count, primary_status(count)) if public else count


@dataclass
class AnnualReport:
    country: str
    year: int
    language: str
    public: bool
    totals: dict[str, Any]
    tables: dict[str, Table]
    by_year: list[dict[str, Any]]
    funnel: FunnelRow
    funnel_labels: list[tuple[str, str, Any]]
    estimate: LatestEstimate | None
    # The estimate run's documented count, suppressed like every count in a public report.
    estimate_documented: int | str
    prepared_on: datetime.date
    svgs: dict[str, Any] = field(default_factory=dict)
    # The figures the organisation published for the year (the latest and the earlier ones); a
    # report quotes these, and the latest run's estimate only when nothing was published.
    published: list[PublishedQuote] = field(default_factory=list)


@dataclass(frozen=True)
class QuotedRevision:
    """One revision of a published figure as the report quotes it."""

    number: int
    published_on: datetime.date
    documented: int | str  # suppressed in public like every count
    figure: float
    lower: float | None
    upper: float | None
    method: str
    change: float | None
    change_percent: float | None

    previous: float | None = None

    @property
    def change_text(self) -> str:
        """The change from the revision before, signed: "+312 (+14.9%)"."""
        if self.previous is None:
            return ""
        return change_text(self.figure, self.previous)


@dataclass(frozen=True)
class PublishedQuote:
    kind: str
    series_id: int
    latest: QuotedRevision
    earlier: list[QuotedRevision]  # the most recent first


def _quote(history: PublishedHistory, *, public: bool) -> PublishedQuote:
    def quoted(revision: Any) -> QuotedRevision:
        figure = revision.figure
        return QuotedRevision(
            number=figure.number,
            published_on=timezone.localdate(figure.published_at),
            documented=shown(figure.documented, public=public),
            figure=figure.figure,
            lower=figure.lower,
            upper=figure.upper,
            method=figure.method,
            change=revision.change,
            change_percent=revision.change_percent,
            previous=None if revision.previous is None else revision.previous.figure,
        )

    return PublishedQuote(
        kind=history.series.kind,
        series_id=history.series.pk,
        latest=quoted(history.latest),
        earlier=[quoted(revision) for revision in history.earlier],
    )


def published_quotes(
    *, user: User | AnonymousUser, country: str, year: int, public: bool
) -> list[PublishedQuote]:
    """The estimate and the documented count the user's organisation published for the year."""
    quotes = []
    for kind in (FigureKind.ESTIMATE, FigureKind.DOCUMENTED):
        history = published_for_year(user=user, country=country, year=year, kind=kind)
        if history is not None:
            quotes.append(_quote(history, public=public))
    return quotes


def _term(name: str, code: str, language: str) -> str:
    vocab = vocabulary(name)
    return vocab.term(code).label(language) if code in vocab else code


def _counts(rows: QuerySet[Any], key: str) -> list[tuple[Any, int]]:
    return [(row[key], int(row["n"])) for row in rows]


def annual_tables(
    incidents: QuerySet[Incident], *, language: str, public: bool, total: int | None = None
) -> dict[str, Table]:
    """The report's tables; in public, suppressed (against ``total``, the year's incidents, for
    the tables that add up to it)."""
    base = incidents.order_by()
    months = dict(
        _counts(
            base.annotate(m=ExtractMonth("date_start")).values("m").annotate(n=Count("id")), "m"
        )
    )
    month_names = [datetime.date(2000, m, 1).strftime("%m") for m in range(1, 13)]
    tables = {
        "month": Table(
            "month",
            _("Incidents by month"),
            _("month"),
            [(str(m), month_names[m - 1], months.get(m, 0)) for m in range(1, 13)],
        ),
        "region": Table(
            "region",
            _("Incidents by region"),
            _("region"),
            sorted(
                (
                    (code or "", region_name(code, language) if code else _("unknown"), n)
                    for code, n in _counts(base.values("region").annotate(n=Count("id")), "region")
                ),
                key=lambda r: (-r[2], r[1]),
            ),
        ),
        "bias": Table(
            "bias",
            _("Incidents by bias motivation"),
            _("bias motivation"),
            sorted(
                (
                    (code, _term("bias_motivation", code, language), n)
                    for code, n in _counts(
                        IncidentBias.objects.filter(incident__in=base.values("pk"))
                        .order_by()
                        .values("motivation")
                        .annotate(n=Count("id")),
                        "motivation",
                    )
                ),
                key=lambda r: (-r[2], r[1]),
            ),
        ),
        "type": Table(
            "type",
            _("Incidents by type"),
            _("incident type"),
            sorted(
                (
                    (code, _term("incident_type", code, language), n)
                    for code, n in _counts(
                        base.values("incident_type").annotate(n=Count("id")), "incident_type"
                    )
                ),
                key=lambda r: (-r[2], r[1]),
            ),
        ),
        "victim_group": Table(
            "victim_group",
            _("Victims by perceived group"),
            _("perceived group"),
            sorted(
                (
                    (
                        code or "",
                        _term("perceived_group", code, language) if code else _("unknown"),
                        n,
                    )
                    for code, n in _counts(
                        PersonInvolvement.objects.filter(
                            incident__in=base.values("pk"), role="victim"
                        )
                        .order_by()
                        .values("perceived_group")
                        .annotate(n=Sum("count")),
                        "perceived_group",
                    )
                ),
                key=lambda r: (-r[2], r[1]),
            ),
        ),
        "defenders": Table(
            "defenders",
            _("Acts against defenders and organisations"),
            _("incident type"),
            sorted(
                (
                    (code, _term("incident_type", code, language), n)
                    for code, n in _counts(
                        base.filter(defender_targeted=True)
                        .values("incident_type")
                        .annotate(n=Count("id")),
                        "incident_type",
                    )
                ),
                key=lambda r: (-r[2], r[1]),
            ),
        ),
    }
    if public:
        for key, table in tables.items():
            table.publish(
                total=total if key in ADD_UP_TO_INCIDENTS else None, keep_order=key == "month"
            )
    return tables


def annual_figures(
    *, user: User | AnonymousUser, country: str, year: int, language: str, public: bool
) -> AnnualReport:
    """The report's figures: every query it runs, without the charts."""
    visible = incidents_visible(user).filter(country=country)
    incidents = visible.filter(
        date_start__gte=datetime.date(year, 1, 1), date_start__lte=datetime.date(year, 12, 31)
    )
    with translation.override(language):
        totals = incidents.order_by().aggregate(
            incidents=Count("id"), killed=Sum("killed"), injured=Sum("injured")
        )
        totals = {key: int(value or 0) for key, value in totals.items()}
        history = (
            visible.filter(
                date_start__gte=datetime.date(year - YEARS_BACK + 1, 1, 1),
                date_start__lte=datetime.date(year, 12, 31),
            )
            .order_by()
            .annotate(y=ExtractYear("date_start"))
            .values("y")
            .annotate(n=Count("id"), killed=Sum("killed"), injured=Sum("injured"))
        )
        found = {int(row["y"]): row for row in history}
        by_year = [
            {
                "year": y,
                "incidents": shown(int(found[y]["n"]) if y in found else 0, public=public),
                "killed": shown(int(found[y]["killed"] or 0) if y in found else 0, public=public),
                "injured": shown(int(found[y]["injured"] or 0) if y in found else 0, public=public),
            }
            for y in range(year - YEARS_BACK + 1, year + 1)
        ]
        tables = annual_tables(
            incidents, language=language, public=public, total=totals["incidents"]
        )
        funnel = response_funnel(incidents, dimension="all", medians=False)[0]
        funnel_labels = [
            (stage, str(STAGE_LABELS[stage]), shown(funnel.counts[stage], public=public))
            for stage in STAGES
        ]
        estimate = estimate_latest(user=user, country=country, year=year)
        report = AnnualReport(
            country=country,
            year=year,
            language=language,
            public=public,
            totals={key: shown(value, public=public) for key, value in totals.items()},
            tables=tables,
            by_year=by_year,
            funnel=funnel,
            funnel_labels=funnel_labels,
            estimate=estimate,
            estimate_documented=shown(estimate.documented, public=public) if estimate else 0,
            prepared_on=timezone.localdate(),
            published=published_quotes(user=user, country=country, year=year, public=public),
        )
    return report


def annual_report(
    *, user: User | AnonymousUser, country: str, year: int, language: str, public: bool
) -> AnnualReport:
    """The report's figures and its charts, ready for the page and the print version."""
    report = annual_figures(user=user, country=country, year=year, language=language, public=public)
    with translation.override(language):
        tables = report.tables
        report.svgs = {key: bar_svg(table, limit=CHART_ROWS) for key, table in tables.items()}
        if not public:
            report.svgs["funnel"] = funnel_svg(
                report.funnel, [label for _s, label, _n in report.funnel_labels]
            )
        if country == "RU":
            report.svgs["map"] = map_svg(tables["region"])
        return report


def annual_html(
    *, user: User | AnonymousUser, country: str, year: int, language: str, public: bool
) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    with translation.override(language):
        report = annual_report(
            user=user, country=country, year=year, language=language, public=public
        )
        return render_to_string("reporting/annual_print.html", {"report": report})
