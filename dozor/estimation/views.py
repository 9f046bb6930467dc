"""Estimate pages: start a run, follow it, read its results. Parse, call one service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dozor.estimation import charts, replicates, selectors, services
from dozor.estimation.forms import METHOD_LABELS, EstimateRunForm
from dozor.estimation.messages import MSG_REFUSED, explain
from dozor.estimation.models import EstimateRun
from dozor.estimation.worker import estimate_run_dispatch
from dozor.records.exports import csv_rows_write
from dozor.security.models import User

REFRESH_SECONDS = 3
RECENT_RUNS = 30
_CSV_HEADER = ("stratum", "group", "documented", "estimate", "lower", "upper", "level", "refused")
_CSV_NUMBERS = ("estimate", "lower", "upper", "level")


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
def run_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    choices = [
        (str(source.pk), source.name) for source in selectors.source_lists_with_records(user)
    ]
    form = EstimateRunForm(request.POST or None, list_choices=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = services.estimate_run_start(
                user=user,
                method=data["method"],
                stratify_by=data["stratify_by"],
                lists=data["lists"] or None,
                country=data["country"],
                seed=data["seed"],
                linkage_replicates=data["linkage_replicates"],
            )
        except ValidationError as error:
            for text in error.messages:
                form.add_error(None, text)
        else:
            estimate_run_dispatch(run.pk)
            return redirect("estimation:run_detail", run_id=run.pk)
    runs = selectors.runs_visible(user).select_related("created_by")[:RECENT_RUNS]
    return render(
        request,
        "estimation/run_list.html",
        {"form": form, "runs": runs, "has_lists": len(choices) >= selectors.MIN_LISTS},
    )


def _visible_run(request: HttpRequest, run_id: int) -> EstimateRun:
    try:
        return selectors.run_get(user=request.user, run_id=run_id)
    except EstimateRun.DoesNotExist:
        raise Http404(_("There is no such estimate run, or you may not see it.")) from None


def _rows(run: EstimateRun) -> list[dict[str, Any]]:
    language = get_language() or "en"
    rows = []
    for result in run.results:
        label = selectors.stratum_label(run.stratify_by, result["stratum"], language)
        row: dict[str, Any] = {
            "label": label,
            "result": result,
            "warnings": [explain(text) for text in result.get("warnings", [])],
            "refusal": (
                str(MSG_REFUSED) % {"reason": explain(result["error"])}
                if result.get("error")
                else ""
            ),
            "missing": (
                None if result.get("estimate") is None else result["estimate"] - result["observed"]
            ),
        }
        posterior = result.get("posterior")
        if posterior and result.get("estimate") is not None:
            row["posterior_svg"] = mark_safe(  # noqa: S308 - built from numbers and escaped text
                charts.posterior_chart(
                    posterior["edges"],
                    posterior["weights"],
                    estimate=result["estimate"],
                    lower=result["lower"],
                    upper=result["upper"]
                    if result.get("upper") is not None
                    else posterior["edges"][-1],
                    title=_("Posterior distribution of the total: %(label)s") % {"label": label},
                )
            )
        rows.append(row)
    return rows


@login_required
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _visible_run(request, run_id)
    rows = _rows(run)
    chart = ""
    if rows:
        chart = mark_safe(  # noqa: S308 - built from numbers and escaped text
            charts.strata_chart(
                [
                    charts.StratumBar(
                        label=row["label"],
                        documented=int(row["result"]["observed"]),
                        estimate=row["result"].get("estimate"),
                        lower=row["result"].get("lower"),
                        upper=row["result"].get("upper"),
                    )
                    for row in rows
                ],
                title=_("Documented and estimated incidents"),
                documented_label=_("documented"),
                estimate_label=_("estimated, with interval"),
            )
        )
    return render(
        request,
        "estimation/run_detail.html",
        {
            "run": run,
            "rows": rows,
            "chart": chart,
            "method_label": METHOD_LABELS.get(run.method, run.method),
            "refresh": REFRESH_SECONDS if not run.finished else None,
            "can_cancel": not run.finished,
            "level_percent": round(100 * float(run.settings.get("level", 0.95))),
            "linkage_rows": replicates.linkage_rows(
                run.results, run.stratify_by, get_language() or "en"
            ),
        },
    )


@login_required
def run_csv(request: HttpRequest, run_id: int) -> HttpResponse:
    """A run's results per stratum as CSV, with the interval that carries linkage uncertainty."""
    run = _visible_run(request, run_id)
    language = get_language() or "en"
    rows = [
        [
            result["stratum"],
            selectors.stratum_label(run.stratify_by, result["stratum"], language),
            result["observed"],
            *(result.get(name) for name in _CSV_NUMBERS),
            explain(result["error"]) if result.get("error") else "",
            *replicates.linkage_csv_cells(result),
        ]
        for result in run.results
    ]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="estimate-run-{run.pk}.csv"'
    csv_rows_write(response, [*_CSV_HEADER, *replicates.CSV_HEADER], rows)
    services.estimate_run_export_record(user=_user(request), run=run, file_format="csv")
    return response


@require_POST
@login_required
def run_cancel(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _visible_run(request, run_id)
    try:
        services.estimate_run_cancel(run=run, user=_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.info(request, _("Cancellation requested: the run stops before its next group."))
    return redirect("estimation:run_detail", run_id=run.pk)
