"""The review queue: candidate pairs side by side, decisions, clusters, splits."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dozor.linkage import selectors, services
from dozor.linkage.forms import ClusterActionForm, DecisionForm, SplitForm
from dozor.linkage.models import CandidatePair
from dozor.records.models import Incident, Report
from dozor.records.selectors import incident_get
from dozor.security.policy import requires, signed_in_user

PAGE_SIZE = 50


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


@requires("linkage.use")
def pair_review(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        candidate = selectors.candidate_get(user, pk)
    except CandidatePair.DoesNotExist:
        raise Http404 from None
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.link_decision_record(
                user=user,
                first=candidate.report_a,
                second=candidate.report_b,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
                match_probability=candidate.match_probability,
            )
        except ValidationError as error:
            for message in _errors(error):
                form.add_error(None, message)
        else:
            messages.success(request, _("Decision saved."))
            following = selectors.review_queue(user)
            if following:
                return redirect("linkage:pair", pk=following[0].candidate.pk)
            return redirect("linkage:queue")
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


__all__ = ["Report", "clusters", "incident_split", "pair_review", "queue"]
