"""Reads for estimation: capture histories of the incidents a user may see, and stored runs.

The capture-history table is built by the database in two named steps (see
:func:`capture_table_sql`): one row per visible incident with its stratum and one flag per source
list (did any report of that list get linked to the incident?), then a GROUP BY over stratum and
flags that counts incidents. Python only receives the aggregated table.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import lazy_loader
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connections
from django.db.models import Case, CharField, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Cast, ExtractYear
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import User
from dozor.analysis.capture_table import histories_from_table, list_order
from dozor.estimation import outcomes
from dozor.estimation.models import (
    STRATIFICATIONS,
    EstimateRun,
    FigureKind,
    PublishedFigure,
    PublishedSeries,
    RunStatus,
)
from dozor.records.models import Incident, IncidentReport, Report, SourceList
from dozor.records.selectors import incidents_visible
from dozor.vocab.geography import country_exists, russian_regions
from dozor.vocab.registry import Vocabulary, vocabulary

# Loaded when first used: this module is imported as Django starts (by the URLs' views), and
# every `dozor` command would otherwise pay for NumPy and pandas.
if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy_loader.load("pandas")

if TYPE_CHECKING:
    from dozor.analysis.mse import CaptureHistories

MIN_LISTS = 3
STRATUM_COLUMN = "__stratum"
COUNT_COLUMN = "__count"
UNKNOWN_YEAR = "unknown"
NO_BIAS = "none"
ALL = "all"

MSG_UNKNOWN_STRATUM = _(
    "“%(value)s” is not a way to stratify: choose one of year, region, bias or none."
)
MSG_UNKNOWN_LIST = _("There is no source list “%(value)s”. The source lists are: %(known)s.")
MSG_TOO_FEW_LISTS = _(
    "Multiple systems estimation needs at least 3 source lists; %(count)s chosen (%(names)s). "
    "With fewer lists the estimate rests on assumptions no data can check."
)
MSG_REPORTS_NOT_LINKED = _(
    "Your organisation's source lists hold %(reports)s report(s) (%(names)s), but only "
    "%(count)s list(s) have reports in incidents, and an estimate counts incidents. Linkage "
    "has not been run or its groups not accepted: run `dozor link --user YOU`, then "
    "`dozor link accept --user YOU` (or Accept the model's groups on the Linkage page), which "
    "makes every group of reports and every lone report an incident."
)
MSG_UNKNOWN_COUNTRY = _("“%(value)s” is not an ISO 3166-1 country code such as RU.")
MSG_NO_INCIDENTS = _(
    "None of the incidents you may see was recorded by the chosen source lists, so there is "
    "nothing to estimate from."
)


@functools.cache
def federal_districts() -> Vocabulary:
    return vocabulary("federal_district")


def stratum_label(stratify_by: str, stratum: str, language: str = "en") -> str:
    """How a stratum is named to people: a year, a federal district, a bias motivation."""
    if stratify_by == "region" and stratum in federal_districts():
        return federal_districts().term(stratum).label(language)
    if stratify_by == "bias":
        if stratum == NO_BIAS:
            return str(_("No bias motivation recorded"))
        motivations = vocabulary("bias_motivation")
        if stratum in motivations:
            return motivations.term(stratum).label(language)
    if stratify_by == "year" and stratum == UNKNOWN_YEAR:
        return str(_("Date unknown"))
    if stratify_by == "none":
        return str(_("All incidents"))
    return stratum


@dataclass(frozen=True)
class CaptureTable:
    """Aggregated capture histories: one row per stratum and history, with its incident count."""

    stratify_by: str
    lists: tuple[SourceList, ...]
    frame: pd.DataFrame  # STRATUM_COLUMN, one 0/1 column per list name, COUNT_COLUMN

    @property
    def list_names(self) -> list[str]:
        return [source.name for source in self.lists]

    def to_csv(self) -> str:
        buffer = io.StringIO()
        self.frame.rename(columns={STRATUM_COLUMN: "stratum", COUNT_COLUMN: "count"}).to_csv(
            buffer, index=False, lineterminator="\n"
        )
        return buffer.getvalue()

    def sha256(self) -> str:
        """SHA-256 of the table as CSV (stratum, one column per list, count; sorted rows)."""
        return hashlib.sha256(self.to_csv().encode("utf-8")).hexdigest()

    def strata(self) -> dict[str, CaptureHistories]:
        """Capture histories per stratum, in stratum order (years ascending).

        Built by the function `dozor mse` reads its CSV with, from the table :meth:`to_csv`
        writes, so both give a method the same histories in the same list order.
        """
        return histories_from_table(
            self.frame,
            lists=self.list_names,
            count_column=COUNT_COLUMN,
            stratum_column=STRATUM_COLUMN,
        )


def source_lists_with_records(user: User | AnonymousUser) -> QuerySet[SourceList]:
    """Source lists that recorded at least one incident the user may see."""
    visible = incidents_visible(user)
    return SourceList.objects.filter(
        Exists(
            IncidentReport.objects.filter(
                report__source_list_id=OuterRef("pk"), incident__in=visible
            )
        )
    ).order_by("name")


def source_lists_resolve(
    *, user: User | AnonymousUser, choices: Sequence[str | int] | None
) -> list[SourceList]:
    """The source lists to treat as lists: by id or exact name, or all with visible records.

    In the order of their names by code point (as :func:`list_order`), never by the database's
    collation, so that the same lists make the same table on SQLite and on any PostgreSQL.
    Raises ValidationError (MSG_UNKNOWN_LIST, MSG_TOO_FEW_LISTS) when the choice cannot be used.
    """
    if not choices:
        chosen = _in_list_order(source_lists_with_records(user))
    else:
        everything = {source.name: source for source in SourceList.objects.order_by("name")}
        by_id = {str(source.pk): source for source in everything.values()}
        chosen = []
        for choice in choices:
            text = str(choice).strip()
            source = by_id.get(text) or everything.get(text)
            if source is None:
                raise ValidationError(
                    MSG_UNKNOWN_LIST,
                    code="unknown_list",
                    params={"value": text, "known": ", ".join(everything) or "—"},
                )
            if source not in chosen:
                chosen.append(source)
        chosen = _in_list_order(chosen)
    if len(chosen) < MIN_LISTS:
        if not choices:
            _unlinked_reports_explain(user, chosen)
        raise ValidationError(
            MSG_TOO_FEW_LISTS,
            code="too_few_lists",
            params={
                "count": len(chosen),
                "names": ", ".join(source.name for source in chosen) or "—",
            },
        )
    return chosen


def _in_list_order(sources: Iterable[SourceList]) -> list[SourceList]:
    by_name = {source.name: source for source in sources}
    return [by_name[name] for name in list_order(by_name)]


def _unlinked_reports_explain(user: User | AnonymousUser, chosen: Sequence[SourceList]) -> None:
    """Raise MSG_REPORTS_NOT_LINKED when the user's own lists hold reports no incident holds.

    A new user who has imported three lists and not yet linked them is told what to run, not
    that no list was chosen.
    """
    organisation_id = getattr(user, "organisation_id", None)
    if organisation_id is None:
        return
    waiting = (
        Report.objects.filter(source_list__organisation_id=organisation_id)
        .exclude(source_list__in=chosen)
        .filter(incident_link__isnull=True)
    )
    lists = list(
        SourceList.objects.filter(pk__in=waiting.values("source_list_id"))
        .order_by("name")
        .values_list("name", flat=True)
    )
    if len(lists) + len(chosen) < MIN_LISTS:
        return
    raise ValidationError(
        MSG_REPORTS_NOT_LINKED,
        code="reports_not_linked",
        params={
            "reports": waiting.count(),
            "names": ", ".join(lists),
            "count": len(chosen),
        },
    )


def stratification_check(stratify_by: str) -> str:
    if stratify_by not in STRATIFICATIONS:
        raise ValidationError(
            MSG_UNKNOWN_STRATUM, code="unknown_stratum", params={"value": stratify_by}
        )
    return stratify_by


def country_check(country: str) -> str:
    country = (country or "").strip().upper()
    if country and not country_exists(country):
        raise ValidationError(
            MSG_UNKNOWN_COUNTRY, code="unknown_country", params={"value": country}
        )
    return country


def _stratum_expression(stratify_by: str) -> Any:
    if stratify_by == "year":
        return Cast(ExtractYear("date_start"), output_field=CharField())
    if stratify_by == "region":
        districts: dict[str, list[str]] = {}
        for region in russian_regions().values():
            districts.setdefault(region.federal_district, []).append(region.code)
        whens = [
            When(region__in=codes, then=Value(district))
            for district, codes in sorted(districts.items())
        ]
        return Case(
            *whens,
            When(country="RU", then=Value("unknown")),
            default=Value("outside_russia"),
            output_field=CharField(),
        )
    if stratify_by == "bias":
        return F("biases__motivation")
    return Value(ALL, output_field=CharField())


def capture_table_sql(
    *, user: User | AnonymousUser, stratify_by: str, lists: Sequence[SourceList], country: str = ""
) -> tuple[str, list[Any], list[str]]:
    """The SQL of the capture-history table, its parameters and the flag column names.

    Step 1 (a Django queryset): each visible incident on at least one chosen list, with its
    stratum and an EXISTS flag per list. With ``bias``, an incident appears once per motivation.
    Step 2 (wrapping SQL): GROUP BY stratum and flags, COUNT(*).
    """
    stratification_check(stratify_by)
    incidents: QuerySet[Incident] = incidents_visible(user)
    if country:
        incidents = incidents.filter(country=country)
    flags = {
        f"on_list_{position}": Exists(
            IncidentReport.objects.filter(incident_id=OuterRef("pk"), report__source_list=source)
        )
        for position, source in enumerate(lists)
    }
    on_any = Q()
    for name in flags:
        on_any |= Q(**{name: True})
    step1 = (
        incidents.annotate(stratum=_stratum_expression(stratify_by), **flags)
        .filter(on_any)
        .values("stratum", *flags)
        .order_by()
    )
    inner_sql, params = step1.query.sql_with_params()
    columns = ", ".join(f"t.{name}" for name in ["stratum", *flags])
    sql = (
        f"SELECT {columns}, COUNT(*) FROM ({inner_sql}) t "  # noqa: S608 - fixed column names
        f"GROUP BY {columns} ORDER BY {columns}"
    )
    return sql, list(params), list(flags)


def capture_table(
    *,
    user: User | AnonymousUser,
    stratify_by: str,
    lists: Sequence[SourceList],
    country: str = "",
) -> CaptureTable:
    """Capture histories of the incidents the user may see, per stratum, from linkage decisions.

    An incident is on a list when at least one report of that list is linked to it. Incidents on
    none of the chosen lists are not counted. Raises ValidationError with MSG_NO_INCIDENTS when
    there is nothing to count.
    """
    try:
        sql, params, _flags = capture_table_sql(
            user=user, stratify_by=stratify_by, lists=lists, country=country
        )
    except EmptyResultSet:  # the user may see no incident at all
        raise ValidationError(MSG_NO_INCIDENTS, code="no_incidents") from None
    with connections[Incident.objects.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    names = [source.name for source in lists]
    if not rows:
        raise ValidationError(MSG_NO_INCIDENTS, code="no_incidents")
    missing = NO_BIAS if stratify_by == "bias" else UNKNOWN_YEAR
    records = [
        [
            missing if row[0] is None else str(row[0]),
            *(int(bool(flag)) for flag in row[1:-1]),
            int(row[-1]),
        ]
        for row in rows
    ]
    frame = pd.DataFrame(records, columns=[STRATUM_COLUMN, *names, COUNT_COLUMN])
    # The same stratum can come back twice when NULL was mapped to a name above.
    frame = frame.groupby([STRATUM_COLUMN, *names], as_index=False, sort=False)[COUNT_COLUMN].sum()
    frame["__order"] = frame[STRATUM_COLUMN].map(_stratum_order_key)
    frame = (
        frame.sort_values(["__order", *reversed(names)], kind="stable")
        .drop(columns="__order")
        .reset_index(drop=True)
    )
    return CaptureTable(stratify_by=stratify_by, lists=tuple(lists), frame=frame)


def _stratum_order_key(stratum: str) -> tuple[int, int, str]:
    """Years in numeric order, the catch-all strata last."""
    if stratum.isdigit():
        return (0, int(stratum), "")
    if stratum in (UNKNOWN_YEAR, NO_BIAS, "outside_russia"):
        return (2, 0, stratum)
    return (1, 0, stratum)


# --- stored runs -----------------------------------------------------------------------------


def runs_visible(user: User | AnonymousUser) -> QuerySet[EstimateRun]:
    """Runs started in the user's organisation (or by the user, when they have none)."""
    if not user.is_authenticated or not user.is_active:
        return EstimateRun.objects.none()
    assert isinstance(user, User)
    if user.organisation_id is not None:
        return EstimateRun.objects.filter(organisation_id=user.organisation_id)
    return EstimateRun.objects.filter(created_by=user, organisation__isnull=True)


def run_get(*, user: User | AnonymousUser, run_id: int) -> EstimateRun:
    """One visible run, or EstimateRun.DoesNotExist (also when it exists but is not visible)."""
    return runs_visible(user).select_related("created_by").get(pk=run_id)


def runs_cautioned(
    user: User | AnonymousUser, *, since: datetime.datetime, limit: int
) -> list[EstimateRun]:
    """The user's visible runs that finished since ``since`` with a caution on any result, the
    latest first, among the ``limit`` latest that finished: one query (the cautions are in each
    run's stored results)."""
    finished = (
        runs_visible(user)
        .filter(status=RunStatus.DONE, finished_at__gte=since)
        .only("id", "status", "stratify_by", "country", "results", "finished_at")
        .order_by("-finished_at", "-id")[:limit]
    )
    return [
        run
        for run in finished
        if any(outcomes.caution_words(result) for result in run.results or [])
    ]


@dataclass(frozen=True)
class LatestEstimate:
    """The documented and estimated number of incidents in one year, for indicators."""

    country: str
    year: int
    documented: int
    estimate: float
    lower: float
    upper: float | None
    level: float
    method: str
    run_id: int
    finished_at: datetime.datetime | None


def estimate_latest(
    *, user: User | AnonymousUser, country: str, year: int, method: str | None = None
) -> LatestEstimate | None:
    """The latest finished by-year estimate for ``country`` and ``year`` the user may see.

    Only runs restricted to that country count (a run over all countries mixes them). A run's
    figure is that of ``method``, or of its first method. Strata the estimator refused, and
    figures not to quote (not converged, driven by the prior), are skipped. None when there is
    no such estimate.
    """
    runs = runs_visible(user).filter(
        status=RunStatus.DONE, stratify_by="year", country=country.upper()
    )
    for run in runs.order_by("-finished_at", "-id"):
        wanted = method or run.method
        result = run.result_for(str(year), wanted)
        if result is None or not outcomes.quotable(result, wanted):
            continue
        return LatestEstimate(
            country=run.country,
            year=year,
            documented=int(result["observed"]),
            estimate=float(result["estimate"]),
            lower=float(result["lower"]),
            upper=None if result.get("upper") is None else float(result["upper"]),
            level=float(result["level"]),
            method=wanted,
            run_id=run.pk,
            finished_at=run.finished_at,
        )
    return None


# --- published figures -----------------------------------------------------------------------


def lists_key(list_ids: Sequence[int]) -> str:
    """The lists of a published figure as one value: their ids, sorted."""
    return ",".join(str(pk) for pk in sorted(list_ids))


def period_of(stratify_by: str, stratum: str) -> str:
    """The period a group covers: its year when grouped by year, else every date ("")."""
    return stratum if stratify_by == "year" and stratum.isdigit() else ""


def published_series_visible(user: User | AnonymousUser) -> QuerySet[PublishedSeries]:
    """The figures the user's organisation published (none for a user without one)."""
    organisation_id = getattr(user, "organisation_id", None)
    if not user.is_authenticated or not user.is_active or organisation_id is None:
        return PublishedSeries.objects.none()
    return PublishedSeries.objects.filter(organisation_id=organisation_id, revision__gt=0)


@dataclass(frozen=True)
class Revision:
    """One revision of a published figure and how it changed the one before."""

    figure: PublishedFigure
    previous: PublishedFigure | None

    @property
    def change(self) -> float | None:
        return None if self.previous is None else self.figure.figure - self.previous.figure

    @property
    def change_percent(self) -> float | None:
        if self.previous is None or not self.previous.figure:
            return None
        return 100 * (self.figure.figure - self.previous.figure) / self.previous.figure


@dataclass(frozen=True)
class PublishedHistory:
    series: PublishedSeries
    revisions: list[Revision]  # the first first

    @property
    def latest(self) -> Revision:
        return self.revisions[-1]

    @property
    def earlier(self) -> list[Revision]:
        """Every revision before the latest, the most recent first."""
        return list(reversed(self.revisions[:-1]))


def published_history(series: PublishedSeries) -> PublishedHistory:
    figures = list(
        PublishedFigure.objects.filter(series=series)
        .select_related("published_by", "run")
        .order_by("number")
    )
    return PublishedHistory(
        series=series,
        revisions=[
            Revision(figure=figure, previous=figures[i - 1] if i else None)
            for i, figure in enumerate(figures)
        ],
    )


def published_history_get(*, user: User | AnonymousUser, series_id: int) -> PublishedHistory:
    """Every revision of one published figure the user may see, or PublishedSeries.DoesNotExist
    (also when it exists and belongs to another organisation)."""
    return published_history(published_series_visible(user).get(pk=series_id))


def published_for_year(
    *, user: User | AnonymousUser, country: str, year: int, kind: str = FigureKind.ESTIMATE
) -> PublishedHistory | None:
    """The history of the figure the user's organisation last published for ``country`` and
    ``year`` (grouped by year), of the kind asked; None when it published none."""
    candidates = published_series_visible(user).filter(
        kind=kind, stratify_by="year", stratum=str(year), country=country.upper()
    )
    latest = (
        PublishedFigure.objects.filter(series__in=candidates)
        .order_by("-published_at", "-id")
        .select_related("series")
        .first()
    )
    return None if latest is None else published_history(latest.series)


def published_for_groups_of(run: EstimateRun) -> dict[tuple[str, str], PublishedFigure]:
    """The latest published figure of each of the run's groups, by (stratum, kind): what the
    organisation quotes for the same grouping, country, lists and period, from whichever run."""
    if run.organisation_id is None:
        return {}
    series = PublishedSeries.objects.filter(
        organisation_id=run.organisation_id,
        stratify_by=run.stratify_by,
        country=run.country,
        lists_key=lists_key(run.list_ids),
        revision__gt=0,
    )
    latest: dict[tuple[str, str], PublishedFigure] = {}
    for figure in (
        PublishedFigure.objects.filter(series__in=series)
        .select_related("series")
        .order_by("series_id", "number")
    ):
        if figure.series.period == period_of(run.stratify_by, figure.series.stratum):
            latest[figure.series.stratum, figure.series.kind] = figure
    return latest


def published_from_run(run: EstimateRun) -> dict[tuple[str, str, str], PublishedFigure]:
    """The figures published from a run, by (stratum, method, kind); the method of a documented
    count is empty."""
    found = PublishedFigure.objects.filter(run=run).select_related("series").order_by("number")
    return {(f.series.stratum, f.method, f.series.kind): f for f in found}
