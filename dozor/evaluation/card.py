"""The report card: per commitment the grade, the trend, the evidence and what is not met.

Scores of assessed indicators come from the user's organisation's assessments; computed ones are
derived from the data the user may see. Key observations are generated sentences, one for each
indicator not met, in the card's language.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dozor.accounts.models import User
from dozor.analysis.evaluation import MET, grade, trend
from dozor.evaluation.catalogue import Commitment, Indicator, catalogue
from dozor.evaluation.indicators import (
    IndicatorValue,
    computed_indicators,
    incidents_of_year,
)
from dozor.evaluation.models import Assessment, OfficialStatistic
from dozor.evaluation.selectors import assessments_of, official_statistic_of


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit in ("share", "ratio"):
        return f"{100 * value:.0f}%"
    return f"{value:g}"


def score_label(score: int | None) -> str:
    return {0: _("absent"), 1: _("partial"), 2: _("met"), None: _("n/a")}[score]


def grade_label(code: str) -> str:
    return {
        "met": _("met"),
        "partial": _("partly met"),
        "absent": _("not met"),
        "not_assessed": _("not assessed"),
    }[code]


def trend_label(code: str) -> str:
    return {
        "improved": _("improved"),
        "worsened": _("worsened"),
        "unchanged": _("unchanged"),
        "unknown": _("no comparison"),
    }[code]


@dataclass
class IndicatorRow:
    indicator: Indicator
    score: int | None
    value_text: str = ""
    threshold_text: str = ""
    justification: str = ""
    assessment: Assessment | None = None
    computed: IndicatorValue | None = None

    @property
    def score_label(self) -> str:
        return score_label(self.score)


@dataclass
class CommitmentRow:
    commitment: Commitment
    indicators: list[IndicatorRow]
    grade: str
    previous_grade: str
    trend: str

    @property
    def grade_label(self) -> str:
        return grade_label(self.grade)

    @property
    def trend_label(self) -> str:
        return trend_label(self.trend)

    @property
    def evidence(self) -> list[str]:
        """The key evidence: computed values and the assessments' justifications."""
        items = []
        for row in self.indicators:
            if row.computed is not None and row.score is not None:
                items.append(
                    f"{row.indicator.label(translation.get_language() or 'en')}: {row.value_text}"
                )
            elif row.assessment is not None:
                items.append(row.justification)
        return items


@dataclass
class ReportCard:
    country: str
    year: int
    language: str
    rows: list[CommitmentRow]
    observations: list[str]
    documented: int
    official: OfficialStatistic | None
    catalogue_version: int
    prepared_on: datetime.date
    prepared_by: str = ""
    grade_counts: dict[str, int] = field(default_factory=dict)


def _observation(row: IndicatorRow, language: str) -> str:
    indicator = row.indicator
    if row.computed is not None:
        metric = row.computed.metric
        thresholds = row.computed.thresholds
        values: dict[str, Any] = {
            "value": row.value_text,
            "count": metric.count,
            "met": format_value(thresholds.met, indicator.unit),
            "partial": format_value(thresholds.partial, indicator.unit),
            "official": metric.details.get("official", "—"),
            "documented": metric.details.get("documented", metric.count),
            "estimate": metric.details.get("estimate", "—"),
        }
        return indicator.observation(language).format(**values)
    text = f"{indicator.label(language)}: {score_label(row.score)}."
    return f"{text} {row.justification}" if row.justification else text


def _indicator_rows(
    user: User | AnonymousUser, *, country: str, year: int, language: str
) -> list[IndicatorRow]:
    computed = computed_indicators(user, country=country, year=year)
    assessments = assessments_of(user, country=country, year=year)
    rows = []
    for code, indicator in catalogue().indicators.items():
        if indicator.computed:
            item = computed[code]
            value_text = format_value(item.metric.value, indicator.unit)
            rows.append(
                IndicatorRow(
                    indicator=indicator,
                    score=item.score,
                    value_text=value_text,
                    threshold_text=_("partial from %(partial)s, met from %(met)s")
                    % {
                        "partial": format_value(item.thresholds.partial, indicator.unit),
                        "met": format_value(item.thresholds.met, indicator.unit),
                    },
                    justification=_("%(value)s of %(count)s")
                    % {"value": value_text, "count": item.metric.count}
                    if item.metric.value is not None
                    else _("no data to compute it from"),
                    computed=item,
                )
            )
        else:
            assessment = assessments.get(code)
            rows.append(
                IndicatorRow(
                    indicator=indicator,
                    score=assessment.score if assessment else None,
                    justification=assessment.justification if assessment else "",
                    assessment=assessment,
                )
            )
    return rows


def report_card(
    *, user: User | AnonymousUser, country: str, year: int, language: str
) -> ReportCard:
    with translation.override(language):
        current = _indicator_rows(user, country=country, year=year, language=language)
        previous = {
            row.indicator.code: row.score
            for row in _indicator_rows(user, country=country, year=year - 1, language=language)
        }
        rows = []
        observations = []
        for commitment in catalogue().commitments:
            mine = [row for row in current if row.indicator.commitment == commitment.code]
            scores = [row.score for row in mine]
            before = [previous.get(i.code) for i in commitment.indicators]
            rows.append(
                CommitmentRow(
                    commitment=commitment,
                    indicators=mine,
                    grade=grade(scores),
                    previous_grade=grade(before),
                    trend=trend(scores, before),
                )
            )
            for row in mine:
                if row.score is not None and row.score < MET:
                    observations.append(_observation(row, language))
        counts: dict[str, int] = {}
        for commitment_row in rows:
            counts[commitment_row.grade] = counts.get(commitment_row.grade, 0) + 1
        organisation = getattr(user, "organisation", None)
        return ReportCard(
            country=country,
            year=year,
            language=language,
            rows=rows,
            observations=observations,
            documented=incidents_of_year(user, country=country, year=year).count(),
            official=official_statistic_of(user, country=country, year=year),
            catalogue_version=catalogue().version,
            prepared_on=timezone.localdate(),
            prepared_by=organisation.name if organisation else "",
            grade_counts=counts,
        )
