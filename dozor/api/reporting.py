"""/api/v1/report-card/ and /api/v1/annual/: a state's report card and the annual report's
figures, computed by the functions their pages use, from the data the caller may see, in the
language of the request."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema

from dozor.accounts.policy import signed_in_user
from dozor.evaluation.card import CommitmentRow, IndicatorRow, report_card
from dozor.evaluation.views import country_year_checked as card_country_year
from dozor.reporting.annual import PublishedQuote, QuotedRevision, annual_figures
from dozor.reporting.views import country_year_checked as annual_country_year

report_cards = Router(tags=["report card"])
annual_reports = Router(tags=["annual report"])

MSG_NO_COUNTRY_YEAR = _(
    "There is no report for “%(country)s” in %(year)s: give a country's ISO 3166-1 code (such "
    "as RU) and a year the reports cover."
)

Count = int | str  # a count, or "<5" and "x" where a report marked public suppresses it


def _language() -> str:
    language = (get_language() or "en")[:2]
    return language if language in ("en", "ru") else "en"


class AssessmentOut(Schema):
    justification: str
    links: list[str]
    documents: list[str]
    incidents: list[str] = Field(description="References of the incidents it cites.")


class IndicatorOut(Schema):
    code: str
    label: str
    computed: bool
    score: int | None = Field(description="0 absent, 1 partial, 2 met; none: not assessed.")
    score_text: str
    value_text: str = Field(description="A computed indicator's value.")
    threshold_text: str
    justification: str
    assessment: AssessmentOut | None


class CommitmentOut(Schema):
    code: str
    label: str
    sources: list[str]
    grade: str
    grade_text: str
    previous_grade: str
    trend: str
    trend_text: str
    evidence: list[str]
    indicators: list[IndicatorOut]


class OfficialOut(Schema):
    recorded: int | None
    prosecuted: int | None
    sentenced: int | None
    source: str
    source_url: str
    revision: int
    updated_at: datetime.datetime


class ReportCardOut(Schema):
    country: str
    year: int
    language: str
    catalogue_version: int
    prepared_on: datetime.date
    prepared_by: str
    documented: int = Field(description="Incidents of the year the caller may see.")
    official: OfficialOut | None = Field(description="The state's own figures for the year.")
    grade_counts: dict[str, int]
    commitments: list[CommitmentOut]
    observations: list[str]


def _indicator(row: IndicatorRow, language: str) -> dict[str, Any]:
    assessment = row.assessment
    return {
        "code": row.indicator.code,
        "label": row.indicator.label(language),
        "computed": row.indicator.computed,
        "score": row.score,
        "score_text": row.score_label,
        "value_text": row.value_text,
        "threshold_text": row.threshold_text,
        "justification": row.justification,
        "assessment": None
        if assessment is None
        else {
            "justification": assessment.justification,
            "links": assessment.link_list,
            "documents": assessment.document_list,
            "incidents": [incident.reference for incident in assessment.incidents.all()],
        },
    }


def _commitment(row: CommitmentRow, language: str) -> dict[str, Any]:
    return {
        "code": row.commitment.code,
        "label": row.commitment.label(language),
        "sources": [source.citation() for source in row.commitment.sources],
        "grade": row.grade,
        "grade_text": row.grade_label,
        "previous_grade": row.previous_grade,
        "trend": row.trend,
        "trend_text": row.trend_label,
        "evidence": row.evidence,
        "indicators": [_indicator(item, language) for item in row.indicators],
    }


def _checked(check: Any, country: str, year: int) -> str:
    try:
        return str(check(country, year))
    except Http404:
        raise Http404(MSG_NO_COUNTRY_YEAR % {"country": country, "year": year}) from None


@report_cards.get("/{country}/{year}/", response=ReportCardOut, url_name="report_card_get")
def report_card_get(request: HttpRequest, country: str, year: int) -> Any:
    """The report card as its page shows it to the caller: each commitment's grade and trend,
    each indicator's score with its evidence, the official figures and the key observations."""
    user = signed_in_user(request)
    country = _checked(card_country_year, country, year)
    language = _language()
    card = report_card(user=user, country=country, year=year, language=language)
    official = card.official
    return {
        "country": card.country,
        "year": card.year,
        "language": card.language,
        "catalogue_version": card.catalogue_version,
        "prepared_on": card.prepared_on,
        "prepared_by": card.prepared_by,
        "documented": card.documented,
        "official": None
        if official is None
        else {name: getattr(official, name) for name in OfficialOut.model_fields},
        "grade_counts": card.grade_counts,
        "commitments": [_commitment(row, language) for row in card.rows],
        "observations": card.observations,
    }


class TableRowOut(Schema):
    code: str
    label: str
    count: Count
    hidden: bool = Field(description="Suppressed in a report marked public.")


class TableOut(Schema):
    key: str
    title: str
    column: str
    rows: list[TableRowOut]


class YearOut(Schema):
    year: int
    incidents: Count
    killed: Count
    injured: Count


class StageOut(Schema):
    stage: str
    label: str
    count: Count


class EstimateOut(Schema):
    documented: Count
    estimate: float
    lower: float
    upper: float | None
    level: float
    method: str
    run_id: int
    finished_at: datetime.datetime | None


class RevisionOut(Schema):
    number: int
    published_on: datetime.date
    documented: Count
    figure: float
    lower: float | None
    upper: float | None
    method: str
    change: float | None
    change_percent: float | None


class PublishedOut(Schema):
    kind: str = Field(description="estimate or documented.")
    latest: RevisionOut
    earlier: list[RevisionOut] = Field(description="The most recent first.")


class AnnualOut(Schema):
    country: str
    year: int
    language: str
    public: bool
    prepared_on: datetime.date
    totals: dict[str, Count] = Field(description="incidents, killed, injured.")
    by_year: list[YearOut]
    tables: list[TableOut] = Field(description="By month, region, type, bias, … as the charts.")
    response: list[StageOut] = Field(description="The state's response, stage by stage.")
    published: list[PublishedOut] = Field(description="The figures the organisation quotes.")
    estimate: EstimateOut | None = Field(description="The latest run's, when none is published.")


def _revision(revision: QuotedRevision) -> dict[str, Any]:
    return {name: getattr(revision, name) for name in RevisionOut.model_fields}


def _published(quote: PublishedQuote) -> dict[str, Any]:
    return {
        "kind": quote.kind,
        "latest": _revision(quote.latest),
        "earlier": [_revision(revision) for revision in quote.earlier],
    }


@annual_reports.get("/{country}/{year}/", response=AnnualOut, url_name="annual_get")
def annual_get(request: HttpRequest, country: str, year: int, public: bool = False) -> Any:
    """The annual report's figures, as its page and charts count them; ``public``: counts
    suppressed as in a report marked for publication."""
    user = signed_in_user(request)
    country = _checked(annual_country_year, country, year)
    language = _language()
    report = annual_figures(user=user, country=country, year=year, language=language, public=public)
    estimate = report.estimate
    return {
        "country": report.country,
        "year": report.year,
        "language": report.language,
        "public": report.public,
        "prepared_on": report.prepared_on,
        "totals": report.totals,
        "by_year": report.by_year,
        "tables": [
            {
                "key": key,
                "title": table.title,
                "column": table.column,
                "rows": [
                    {"code": str(code), "label": str(label), "count": count, "hidden": hidden}
                    for (code, label, count), hidden in zip(
                        table.cells(), table.hidden(), strict=True
                    )
                ],
            }
            for key, table in report.tables.items()
        ],
        "response": [
            {"stage": stage, "label": label, "count": count}
            for stage, label, count in report.funnel_labels
        ],
        "published": [_published(quote) for quote in report.published],
        "estimate": None
        if estimate is None or report.published
        else {
            **{name: getattr(estimate, name) for name in EstimateOut.model_fields},
            "documented": report.estimate_documented,
        },
    }
