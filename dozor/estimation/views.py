"""Estimate pages: start a run, follow it, read its results. Parse, call one service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dozor.accounts.models import User
from dozor.accounts.policy import may, require
from dozor.estimation import charts, outcomes, presenting, replicates, selectors, services
from dozor.estimation.forms import (
    METHOD_LABELS,
    EstimateRunForm,
    PublishForm,
    default_method_reason,
)
from dozor.estimation.models import (
    EstimateRun,
    FigureKind,
    PublishedFigure,
    PublishedSeries,
    RunStatus,
)
from dozor.estimation.presenting import MethodEntry

REFRESH_SECONDS = 3
RECENT_RUNS = 30

MSG_PUBLISH_FORM = gettext_lazy("Say which group, method and figure to publish.")
MSG_PUBLISHED = gettext_lazy("Published as revision %(number)s of this figure.")
MSG_NO_PUBLISHED = gettext_lazy("There is no such published figure, or you may not see it.")
MSG_NO_RUN = gettext_lazy("There is no such estimate run, or you may not see it.")
MSG_CANCEL_REQUESTED = gettext_lazy("Cancellation requested: the run stops before its next group.")


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
def run_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = EstimateRunForm.for_user(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = form.start(user)
        except ValidationError as error:
            for text in error.messages:
                form.add_error(None, text)
        else:
            return redirect("estimation:run_detail", run_id=run.pk)
    runs = selectors.runs_visible(user).select_related("created_by")[:RECENT_RUNS]
    return render(
        request,
        "estimation/run_list.html",
        {
            "form": form,
            "runs": runs,
            "has_lists": form.has_enough_lists(),
            "default_reason": default_method_reason(),
        },
    )


def _visible_run(request: HttpRequest, run_id: int) -> EstimateRun:
    try:
        return selectors.run_get(user=request.user, run_id=run_id)
    except EstimateRun.DoesNotExist:
        raise Http404(MSG_NO_RUN) from None


def _posterior_svg(entry: MethodEntry, label: str) -> str:
    posterior = entry.result.get("posterior")
    if not posterior or entry.estimate is None:
        return ""
    return mark_safe(  # noqa: S308 - built from numbers and escaped text
        charts.posterior_chart(
            posterior["edges"],
            posterior["weights"],
            estimate=entry.estimate,
            lower=entry.lower if entry.lower is not None else posterior["edges"][0],
            upper=entry.upper if entry.upper is not None else posterior["edges"][-1],
            title=_("Posterior distribution of the total: %(label)s, %(method)s")
            % {"label": label, "method": entry.name},
        )
    )


def _trace_svg(entry: MethodEntry, label: str) -> str:
    traces = (entry.diagnostics or {}).get("trace")
    if not traces:
        return ""
    return mark_safe(  # noqa: S308 - built from numbers and escaped text
        charts.trace_chart(
            traces,
            title=_("Draws of the total, chain by chain: %(label)s, %(method)s")
            % {"label": label, "method": entry.name},
            chain_label=_("chain"),
        )
    )


def _quoted(figure: PublishedFigure | None, run: EstimateRun, now: float | None) -> Any:
    """The figure the organisation quotes for a group, when another run gave it: what it is,
    as known on its date, and how this run's figure differs from it."""
    if figure is None or figure.run_id == run.pk:
        return None
    text = outcomes.number(figure.figure)
    if figure.series.kind == FigureKind.ESTIMATE:
        text += f" [{outcomes.number(figure.lower)}–{outcomes.number(figure.upper)}]"
        text += f", {outcomes.method_name(figure.method)}"
    return {
        "figure": figure,
        "text": text,
        "change": "" if now is None else outcomes.change_text(now, figure.figure),
    }


def _rows(run: EstimateRun, can_publish: bool) -> list[dict[str, Any]]:
    published = selectors.published_from_run(run)
    quoted = selectors.published_for_groups_of(run)
    rows = []
    for stratum in presenting.run_entries(run, get_language() or "en"):
        quoted_estimate = quoted.get((stratum.stratum, FigureKind.ESTIMATE))
        names = [entry.method for entry in stratum.methods]
        # The figure quoted is shown beside its own method, or the run's first.
        beside = (
            quoted_estimate.method
            if quoted_estimate is not None and quoted_estimate.method in names
            else names[0]
        )
        methods = [
            {
                "entry": entry,
                "posterior_svg": _posterior_svg(entry, stratum.label),
                "trace_svg": _trace_svg(entry, stratum.label),
                "published": published.get((stratum.stratum, entry.method, FigureKind.ESTIMATE)),
                "quoted": _quoted(
                    quoted_estimate if entry.method == beside else None,
                    run,
                    entry.estimate if entry.quotable else None,
                ),
                "may_publish": can_publish and entry.quotable,
            }
            for entry in stratum.methods
        ]
        rows.append(
            {
                "stratum": stratum,
                "methods": methods,
                "documented_published": published.get((stratum.stratum, "", FigureKind.DOCUMENTED)),
                "documented_quoted": _quoted(
                    quoted.get((stratum.stratum, FigureKind.DOCUMENTED)), run, stratum.observed
                ),
            }
        )
    return rows


def _chart(run: EstimateRun, rows: list[dict[str, Any]]) -> str:
    several = len(run.method_list) > 1
    bars = []
    for row in rows:
        stratum = row["stratum"]
        for item in row["methods"]:
            entry: MethodEntry = item["entry"]
            shown = entry.quotable  # a figure not to quote is not drawn as an estimate
            bars.append(
                charts.StratumBar(
                    label=f"{stratum.label} · {entry.name}" if several else stratum.label,
                    documented=stratum.observed,
                    estimate=entry.estimate if shown else None,
                    lower=entry.lower if shown else None,
                    upper=entry.upper if shown else None,
                )
            )
    return mark_safe(  # noqa: S308 - built from numbers and escaped text
        charts.strata_chart(
            bars,
            title=_("Documented and estimated incidents"),
            documented_label=_("documented"),
            estimate_label=_("estimated, with interval"),
        )
    )


@login_required
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _visible_run(request, run_id)
    can_publish = run.status == RunStatus.DONE and may(_user(request), "estimate.publish", run)
    rows = _rows(run, can_publish)
    methods = run.method_list
    return render(
        request,
        "estimation/run_detail.html",
        {
            "run": run,
            "rows": rows,
            "chart": _chart(run, rows) if rows else "",
            "several": len(methods) > 1,
            "method_labels": [METHOD_LABELS.get(m, m) for m in methods],
            "methods": methods,
            "names": {m: outcomes.method_name(m) for m in methods},
            "other_names": ", ".join(outcomes.method_name(m) for m in methods if m != "lcmcr"),
            "has_linkage": any(item["entry"].linkage for row in rows for item in row["methods"]),
            "bayesian": any(m != "loglinear" for m in methods),
            "refresh": REFRESH_SECONDS if not run.finished else None,
            "can_cancel": not run.finished,
            "can_publish": can_publish,
            "level_percent": round(100 * float(run.settings.get("level", 0.95))),
            "linkage_rows": replicates.linkage_rows(
                run.results, run.stratify_by, get_language() or "en"
            ),
        },
    )


@login_required
@require_GET
def run_csv(request: HttpRequest, run_id: int) -> HttpResponse:
    """The run's results as CSV: one row per group and method (counts only, no names)."""
    run = _visible_run(request, run_id)
    body = presenting.run_csv(run, get_language() or "en")
    services.estimate_run_export_record(run=run, user=_user(request), file_format="csv")
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="estimate-run-{run.pk}.csv"'
    return response


@require_POST
@login_required
def run_publish(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _visible_run(request, run_id)
    require(_user(request), "estimate.publish", run)
    form = PublishForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(MSG_PUBLISH_FORM)
    data = form.cleaned_data
    try:
        figure = services.estimate_publish(
            user=_user(request),
            run=run,
            stratum=data["stratum"],
            method=data["method"] or None,
            kind=data["kind"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("estimation:run_detail", run_id=run.pk)
    messages.success(request, str(MSG_PUBLISHED) % {"number": figure.number})
    return redirect("estimation:published_history", series_id=figure.series_id)


@login_required
@require_GET
def published_list(request: HttpRequest) -> HttpResponse:
    """Every figure the user's organisation published, with its latest revision."""
    language = get_language() or "en"
    series = selectors.published_series_visible(request.user).order_by(
        "stratify_by", "country", "stratum", "kind"
    )
    rows = [
        {
            "history": selectors.published_history(item),
            "label": selectors.stratum_label(item.stratify_by, item.stratum, language),
        }
        for item in series
    ]
    return render(request, "estimation/published_list.html", {"rows": rows})


@login_required
@require_GET
def published_history(request: HttpRequest, series_id: int) -> HttpResponse:
    """Every revision of one published figure, with the date and the change from the one before."""
    try:
        history = selectors.published_history_get(user=request.user, series_id=series_id)
    except PublishedSeries.DoesNotExist:
        raise Http404(MSG_NO_PUBLISHED) from None
    series = history.series
    return render(
        request,
        "estimation/published_history.html",
        {
            "history": history,
            "series": series,
            "label": selectors.stratum_label(
                series.stratify_by, series.stratum, get_language() or "en"
            ),
            "revisions": list(reversed(history.revisions)),
        },
    )


@require_POST
@login_required
def run_cancel(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _visible_run(request, run_id)
    try:
        services.estimate_run_cancel(run=run, user=_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.info(request, MSG_CANCEL_REQUESTED)
    return redirect("estimation:run_detail", run_id=run.pk)
