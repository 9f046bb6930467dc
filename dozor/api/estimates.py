"""/api/v1/estimate-runs/: start an estimate run with the Estimates page's form, follow it, read
its results as the run's page presents them, and stop it.

A run is started by any signed-in user, as on the web (the data are those the user may see), with
a token of the write scope; it is stopped by whoever started it or an administrator of its
organisation (``estimate.cancel``). The run is executed as the page's are: by a thread of the
server or by ``dozor estimate --run-pending`` (DOZOR_ESTIMATION_WORKER).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status

from dozor.accounts.policy import signed_in_user
from dozor.api.problems import form_errors, problem
from dozor.estimation import presenting, selectors, services
from dozor.estimation.forms import EstimateRunForm
from dozor.estimation.models import EstimateRun
from dozor.estimation.views import MSG_NO_RUN, RECENT_RUNS

router = Router(tags=["estimate runs"])

MSG_RUN_NOT_STARTED = _("No run was started: correct the fields named.")

# The service's refusals, by code, name the form's field they are about (on the page they are
# said above the form).
FIELD_OF_CODE = {
    "unknown_method": "method",
    "unknown_stratum": "stratify_by",
    "unknown_list": "lists",
    "too_few_lists": "lists",
    "reports_not_linked": "lists",
    "unknown_country": "country",
    "bad_seed": "seed",
    "bad_linkage_replicates": "linkage_replicates",
}


class EstimateRunIn(Schema):
    """The Estimates page's form; a field left out takes the form's default."""

    method: list[str] = Field(
        [], description="loglinear, lcmcr, dga, several; none: the default method."
    )
    stratify_by: str = Field("year", description="year, region, bias or none.")
    lists: list[int | str] = Field(
        [], description="Source lists' ids; none: every list that recorded a visible incident."
    )
    country: str = Field("", description="ISO 3166-1 alpha-2 code; empty: every country.")
    seed: int | None = Field(None, description="0 to 2³¹−1; none: a new one.")
    linkage_replicates: int = Field(0, description="Replicate linkages; 0: links as they are.")


class RunRow(Schema):
    id: int
    url: str
    status: str
    status_text: str
    methods: list[str]
    stratify_by: str
    country: str
    started_by: str
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    progress_done: int
    progress_total: int
    progress_percent: int


class VerdictOut(Schema):
    agree: bool
    text: str
    reasons: list[dict[str, Any]]


class MethodResultOut(Schema):
    method: str
    name: str
    status: str = Field(description="ok, not_converged, prior_driven, refused, …")
    status_text: str
    quotable: bool = Field(description="False: the figure is not one to quote (see status).")
    estimate: float | None = Field(description="Empty unless quotable: see `not_for_quoting`.")
    lower: float | None
    upper: float | None
    level: float | None
    missing: float | None = Field(description="Estimated incidents that no list recorded.")
    model: str | None
    cautions: list[str]
    refusal: str
    not_for_quoting: dict[str, Any] | None
    linkage: dict[str, Any] | None


class StratumOut(Schema):
    stratum: str
    label: str
    documented: int
    results: list[MethodResultOut]
    verdict: VerdictOut | None


class RunOut(RunRow):
    lists: list[str]
    seed: int
    linkage_replicates: int
    level: float
    data_hash: str
    error: str
    cancel_requested: bool
    started_at: datetime.datetime | None
    strata: list[StratumOut] = Field(description="The groups finished so far, as the run's page.")


def _url(request: HttpRequest, run: EstimateRun) -> str:
    return request.build_absolute_uri(reverse("api-v1:estimate_run_get", args=[run.pk]))


def _row(request: HttpRequest, run: EstimateRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "url": _url(request, run),
        "status": run.status,
        "status_text": str(run.get_status_display()),
        "methods": run.method_list,
        "stratify_by": run.stratify_by,
        "country": run.country,
        "started_by": run.created_by.username,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
        "progress_done": run.progress_done,
        "progress_total": run.progress_total,
        "progress_percent": run.progress_percent,
    }


def _result(entry: presenting.MethodEntry) -> dict[str, Any]:
    """One method's figure for one group, as the JSON of the run (presenting) gives it: a
    figure not to quote is empty where a figure to quote would be, and under not_for_quoting."""
    shown = entry.as_json()
    return {
        "method": entry.method,
        "name": entry.name,
        "status": entry.status,
        "status_text": entry.status_label,
        "quotable": entry.quotable,
        "estimate": shown.get("estimate"),
        "lower": shown.get("lower"),
        "upper": shown.get("upper"),
        "level": shown.get("level"),
        "missing": entry.missing if entry.quotable else None,
        "model": None if shown.get("model") is None else str(shown["model"]),
        "cautions": entry.cautions,
        "refusal": entry.refusal,
        "not_for_quoting": shown.get("not_for_quoting"),
        "linkage": shown.get("linkage"),
    }


def _detail(request: HttpRequest, run: EstimateRun) -> dict[str, Any]:
    strata = []
    for stratum in presenting.run_entries(run, get_language() or "en"):
        verdict = stratum.verdict
        strata.append(
            {
                "stratum": stratum.stratum,
                "label": stratum.label,
                "documented": stratum.observed,
                "results": [_result(entry) for entry in stratum.methods],
                "verdict": None
                if verdict is None
                else {"agree": verdict.agree, "text": verdict.text, "reasons": verdict.reasons},
            }
        )
    return {
        **_row(request, run),
        "lists": run.list_names,
        "seed": run.seed,
        "linkage_replicates": run.linkage_replicates,
        "level": float(run.settings.get("level", 0.95)),
        "data_hash": run.data_hash,
        "error": run.error,
        "cancel_requested": run.cancel_requested,
        "started_at": run.started_at,
        "strata": strata,
    }


def _visible(request: HttpRequest, run_id: int) -> EstimateRun:
    try:
        return selectors.run_get(user=request.user, run_id=run_id)
    except EstimateRun.DoesNotExist:
        raise Http404(MSG_NO_RUN) from None


@router.get("/", response=list[RunRow], url_name="estimate_run_list")
def estimate_run_list(request: HttpRequest) -> Any:
    """The runs the Estimates page lists for the caller: its organisation's, the latest first."""
    runs = selectors.runs_visible(request.user).select_related("created_by")[:RECENT_RUNS]
    return [_row(request, run) for run in runs]


@router.get("/{run_id}/", response=RunOut, url_name="estimate_run_get")
def estimate_run_get(request: HttpRequest, run_id: int) -> Any:
    """A run as its page shows it: its status and progress, and each group's figures by each
    method (the groups finished so far while it runs)."""
    return _detail(request, _visible(request, run_id))


def _form_data(payload: EstimateRunIn) -> MultiValueDict[str, Any]:
    data: MultiValueDict[str, Any] = MultiValueDict()
    data.setlist("method", [str(method) for method in payload.method])
    data.setlist("lists", [str(source) for source in payload.lists])
    data["stratify_by"] = payload.stratify_by
    data["country"] = payload.country
    data["seed"] = "" if payload.seed is None else str(payload.seed)
    data["linkage_replicates"] = str(payload.linkage_replicates)
    return data


def _service_errors(error: ValidationError) -> list[dict[str, str]]:
    return [
        {
            "field": FIELD_OF_CODE.get(item.code or "", ""),
            "code": item.code or "invalid",
            "message": str(next(iter(item))),
        }
        for item in error.error_list
    ]


@router.post("/", response={202: RunOut}, url_name="estimate_run_start")
def estimate_run_start(request: HttpRequest, payload: EstimateRunIn, response: HttpResponse) -> Any:
    """Start a run, checked as the Estimates page's form checks it; 202 with the run, whose
    ``url`` (also in ``Location``) gives its progress and, once done, its figures."""
    user = signed_in_user(request)
    form = EstimateRunForm.for_user(user, _form_data(payload))
    if not form.is_valid():
        return problem(400, MSG_RUN_NOT_STARTED, errors=form_errors(form))
    try:
        run = form.start(user)
    except ValidationError as error:
        return problem(400, MSG_RUN_NOT_STARTED, errors=_service_errors(error))
    response["Location"] = _url(request, run)
    return Status(202, _detail(request, run))


@router.post("/{run_id}/cancel/", response=RunOut, url_name="estimate_run_cancel")
def estimate_run_cancel(request: HttpRequest, run_id: int) -> Any:
    """Stop a run: a queued one at once, a running one before its next group. Only who started
    it, or an administrator of its organisation, may."""
    run = _visible(request, run_id)
    try:
        run = services.estimate_run_cancel(run=run, user=signed_in_user(request))
    except ValidationError as error:
        return problem(400, " ".join(error.messages), errors=_service_errors(error))
    return _detail(request, run)
