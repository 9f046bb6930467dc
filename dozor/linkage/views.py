"""The review queue: candidate pairs side by side, decisions, clusters, splits."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dozor.accounts.models import User
from dozor.accounts.policy import requires, signed_in_user
from dozor.linkage import jobs, selectors, services
from dozor.linkage.accept import accept_batch_create, accept_plan
from dozor.linkage.forms import AcceptForm, ClusterActionForm, DecisionForm, SplitForm
from dozor.linkage.models import CandidatePair, Decision, LinkageJobKind, LinkageJobState
from dozor.linkage.undo import accept_batch_undo
from dozor.records.models import Incident, Report
from dozor.records.selectors import incident_get

PAGE_SIZE = 50
RUN_IN_THREAD = True
JOB_REFRESH_SECONDS = 2
MSG_RUN_DONE = gettext_lazy("Linkage run %(run)s is done: its pairs are below.")
MSG_JOB_RUNNING = gettext_lazy(
    "A linkage run or acceptance of your organisation is already working: wait for it to end."
)
MSG_NO_JOB = gettext_lazy("No linkage of yours with this number is working.")
MSG_UNDONE = gettext_lazy(
    "Batch %(batch)s is undone: %(deleted)s incidents deleted, %(kept)s kept."
)


def _errors(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


@requires("linkage.use")
def queue(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    entries = selectors.review_queue(user)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "linkage/queue.html",
        {"page": page, "run": selectors.latest_run(user), "total": len(entries)},
    )


# The keys of the pair page (shown on it): a letter each, read from the key's place on the
# keyboard, so that they work in a Russian layout too (dozor/static/dozor/pair_keys.js).
DECISION_KEYS = {Decision.MATCH: "S", Decision.NO_MATCH: "D", Decision.UNSURE: "U"}
NEXT_KEY = "N"


def _following(user: User, candidate: CandidatePair) -> HttpResponse:
    following = selectors.queue_next(user, candidate)
    if following is not None:
        return redirect("linkage:pair", pk=following.pk)
    return redirect("linkage:queue")


@requires("linkage.use")
def pair_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Two reports side by side and the reviewer's decision on them.

    A decision is a form that posts here and redirects to the next pair in the queue, so the
    queue is worked through without script; with script, the same requests are made by the page
    itself and the next pair replaces this one in place (pair_keys.js).
    """
    user = signed_in_user(request)
    try:
        candidate = selectors.candidate_get(user, pk)
    except CandidatePair.DoesNotExist:
        raise Http404 from None
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            form.record(user=user, candidate=candidate)
        except ValidationError as error:
            for message in _errors(error):
                form.add_error(None, message)
        else:
            messages.success(request, _("Decision saved."))
            return _following(user, candidate)
    decisions = selectors.current_decisions(
        {candidate.report_a_id, candidate.report_b_id}, organisation_id=user.organisation_id
    )
    return render(
        request,
        "linkage/pair.html",
        {
            "candidate": candidate,
            "rows": selectors.pair_differences(user, candidate.report_a, candidate.report_b),
            "form": form,
            "choices": [
                (value, label, DECISION_KEYS[Decision(value)]) for value, label in Decision.choices
            ],
            "next_pair": selectors.queue_next(user, candidate),
            "next_key": NEXT_KEY,
            "decision": decisions.get((candidate.report_a_id, candidate.report_b_id)),
        },
        status=400 if request.method == "POST" else 200,
    )


@requires("linkage.use")
def clusters(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = ClusterActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ids = form.report_ids()
            reports = list(
                selectors.reports_linkable(user).filter(id__in=ids).select_related("source_list")
            )
            missing = sorted(set(ids) - {r.id for r in reports})
            if missing:
                raise ValidationError(services.MSG_REPORT_NOT_LINKABLE, params={"id": missing[0]})
            reference = form.cleaned_data["incident"].strip()
            if reference:
                try:
                    incident = incident_get(user=user, reference=reference)
                except Incident.DoesNotExist:
                    raise ValidationError(
                        _("There is no incident %(reference)s that you may see."),
                        params={"reference": reference},
                    ) from None
                services.reports_link_to_incident(user=user, incident=incident, reports=reports)
            else:
                incident = services.incident_create_from_reports(user=user, reports=reports)
        except ValidationError as error:
            for message in _errors(error):
                messages.error(request, message)
        except PermissionDenied as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("The reports are now part of incident %(reference)s.")
                % {"reference": incident.reference},
            )
            return redirect("linkage:clusters")
    elif request.method == "POST":
        messages.error(request, _("The group of reports was not understood."))
    return render(
        request,
        "linkage/clusters.html",
        {"clusters": selectors.confirmed_clusters(user)},
        status=400 if request.method == "POST" else 200,
    )


@requires("linkage.use")
def incident_split(request: HttpRequest, reference: str) -> HttpResponse:
    user = signed_in_user(request)
    try:
        incident = incident_get(user=user, reference=reference)
    except Incident.DoesNotExist:
        raise Http404 from None
    links = list(incident.report_links.select_related("report__source_list"))
    choices = [(str(link.report_id), str(link.report)) for link in links]
    form = SplitForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        chosen = {int(i) for i in form.cleaned_data["reports"]}
        reports = [link.report for link in links if link.report_id in chosen]
        try:
            new = services.incident_split(user=user, incident=incident, reports=reports)
        except ValidationError as error:
            for message in _errors(error):
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("The chosen reports now form incident %(reference)s.")
                % {"reference": new.reference},
            )
            return redirect("records:incident_detail", reference=new.reference)
    return render(
        request,
        "linkage/split.html",
        {"incident": incident, "form": form, "reports": [link.report for link in links]},
        status=400 if request.method == "POST" else 200,
    )


@requires("linkage.use")
@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    """Start a linkage run of the organisation's reports in the background (as `dozor link`)."""
    user = signed_in_user(request)
    running = jobs.job_running(user)
    if running is not None:
        messages.info(request, MSG_JOB_RUNNING)
        if running.created_by_id == user.pk:
            return redirect("linkage:job", token=running.token)
        return redirect("linkage:queue")
    job = jobs.job_start(
        user=user,
        kind=LinkageJobKind.RUN,
        work=lambda: services.linkage_run_create(user=user)[0],
        reports=selectors.reports_linkable(user).count(),
        run_in_thread=RUN_IN_THREAD,
    )
    return redirect("linkage:job", token=job.token)


@requires("linkage.use")
def job_status(request: HttpRequest, token: str) -> HttpResponse:
    user = signed_in_user(request)
    job = jobs.job_get(token, user)
    if job is None:
        raise Http404(MSG_NO_JOB)
    if job.state == LinkageJobState.DONE:
        if job.batch_id is not None:
            return redirect("linkage:batch", pk=job.batch_id)
        messages.success(request, MSG_RUN_DONE % {"run": job.run_id})
        return redirect("linkage:queue")
    response = render(request, "linkage/job.html", {"job": job})
    if job.state == LinkageJobState.RUNNING:
        response["Refresh"] = str(JOB_REFRESH_SECONDS)  # the page reloads itself, no script
    return response


@requires("linkage.use")
def accept(request: HttpRequest) -> HttpResponse:
    """GET: what accepting the model's groups at a probability would do; POST: do it."""
    user = signed_in_user(request)
    data = request.POST if request.method == "POST" else request.GET
    form = AcceptForm(data if "min_probability" in data else None)
    probability = None
    if form.is_bound and form.is_valid():
        probability = form.cleaned_data["min_probability"]
    elif form.is_bound:
        return _accept_page(request, form, None, status=400)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":  # only the preview's button accepts
            return _accept_page(request, form, None, status=400)
        job = jobs.job_start(
            user=user,
            kind=LinkageJobKind.ACCEPT,
            work=lambda: accept_batch_create(user=user, min_probability=probability)[0],
            min_probability=probability,
            run_in_thread=RUN_IN_THREAD,
        )
        return redirect("linkage:job", token=job.token)
    try:
        plan = accept_plan(user=user, min_probability=probability)
    except ValidationError as error:
        for message in _errors(error):
            messages.error(request, message)
        plan = None
    return _accept_page(request, form, plan)


def _accept_page(
    request: HttpRequest, form: AcceptForm, plan: object, *, status: int = 200
) -> HttpResponse:
    user = signed_in_user(request)
    if not form.is_bound:
        form = AcceptForm(initial={"min_probability": settings.DOZOR_LINKAGE_ACCEPT_PROBABILITY})
    return render(
        request,
        "linkage/accept.html",
        {
            "form": form,
            "plan": plan,
            "batches": selectors.batches_visible(user)[:20],
            "default_probability": settings.DOZOR_LINKAGE_ACCEPT_PROBABILITY,
        },
        status=status,
    )


@requires("linkage.use")
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An accepted batch: what it made; GET says what undoing it would do, POST undoes it."""
    user = signed_in_user(request)
    batch = selectors.batches_visible(user).filter(pk=pk).first()
    if batch is None:
        raise Http404(_("Your organisation has no accepted batch with this number."))
    if request.method == "POST":
        try:
            result = accept_batch_undo(user=user, batch_id=batch.pk)
        except ValidationError as error:
            for message in _errors(error):
                messages.error(request, message)
        else:
            messages.success(
                request,
                MSG_UNDONE
                % {
                    "batch": batch.pk,
                    "deleted": len(result.incidents_deleted),
                    "kept": len(result.incidents_kept),
                },
            )
        return redirect("linkage:batch", pk=batch.pk)
    preview = None
    if batch.undone_at is None:
        preview = accept_batch_undo(user=user, batch_id=batch.pk, dry_run=True)
    return render(
        request,
        "linkage/batch.html",
        {
            "batch": batch,
            "preview": preview,
            "created": batch.incidents.order_by("reference")[:500],
        },
    )


__all__ = [
    "Report",
    "accept",
    "batch_detail",
    "clusters",
    "incident_split",
    "job_status",
    "pair_review",
    "queue",
    "run_start",
]
