"""Response, dialogue, statistics and dossier pages: parse the request, call one selector or
service, render."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dozor.accounts.models import User
from dozor.accounts.policy import may, require
from dozor.audit import services as audit
from dozor.lib.csv_safety import csv_rows_write
from dozor.records.models import Incident
from dozor.records.selectors import incident_get, incidents_visible
from dozor.responses import access, charts, selectors, services
from dozor.responses.dossier import DossierUnavailable, dossier_render
from dozor.responses.forms import (
    DIMENSION_HEADINGS,
    DIMENSION_LABELS,
    BodyForm,
    EventForm,
    FunnelForm,
    RaiseListForm,
    RaisingForm,
)
from dozor.responses.funnel import STAGE_LABELS, STAGES, response_funnel
from dozor.responses.models import Body, ResponseEvent
from dozor.responses.status_text import status_line

logger = logging.getLogger(__name__)

MSG_NOTHING_SAVED = gettext_lazy("Nothing was saved: correct the fields marked below.")
MSG_NO_REFERENCES = gettext_lazy("Choose at least one incident for the dossier.")
MSG_TOO_MANY_REFERENCES = gettext_lazy("A dossier holds at most %(limit)s incidents.")
MSG_IMAGE_NOT_A_NUMBER = gettext_lazy(
    "image=%(value)s: a photo is chosen by its attachment number, as on the incident's page."
)
MAX_DOSSIER_INCIDENTS = 100


def _incident(request: HttpRequest, reference: str) -> Incident:
    try:
        return incident_get(user=request.user, reference=reference)
    except Incident.DoesNotExist:
        raise Http404(_("No incident with this reference that you may see.")) from None


def _attach(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


@login_required
def timeline(request: HttpRequest, reference: str) -> HttpResponse:
    """The incident's response timeline with the form to add an event."""
    incident = _incident(request, reference)
    can_edit = selectors.incident_responses_can_edit(request.user, incident)
    form = EventForm(request.POST or None, organisation_id=incident.organisation_id)
    status = 200
    if request.method == "POST":
        access.events_writer_require(request.user, incident)
        if form.is_valid():
            try:
                services.event_add(incident=incident, user=_user(request), data=form.event_input())
            except ValidationError as error:
                _attach(form, error)
            else:
                return redirect("responses:timeline", reference=incident.reference)
        status = 400
    return render(
        request,
        "responses/timeline.html",
        {
            "incident": incident,
            "form": form,
            "can_edit": can_edit,
            "errors": [MSG_NOTHING_SAVED] if status == 400 else [],
        },
        status=status,
    )


@login_required
def event_correct(request: HttpRequest, reference: str, event_id: int) -> HttpResponse:
    incident = _incident(request, reference)
    event = get_object_or_404(ResponseEvent, pk=event_id, incident=incident)
    access.events_writer_require(request.user, incident)
    if request.method == "POST":
        form = EventForm(request.POST, organisation_id=incident.organisation_id)
        if form.is_valid():
            try:
                services.event_correct(event=event, user=_user(request), data=form.event_input())
            except ValidationError as error:
                _attach(form, error)
            else:
                return redirect("responses:timeline", reference=incident.reference)
        return render(
            request,
            "responses/event_correct.html",
            {"incident": incident, "event": event, "form": form, "errors": [MSG_NOTHING_SAVED]},
            status=400,
        )
    form = EventForm(
        initial=EventForm.initial_from(event), organisation_id=incident.organisation_id
    )
    return render(
        request,
        "responses/event_correct.html",
        {"incident": incident, "event": event, "form": form},
    )


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
def raise_list(request: HttpRequest) -> HttpResponse:
    user = access.dialogue_reader(request.user)
    language = get_language() or "en"
    return render(
        request,
        "responses/raise_list.html",
        {
            "entries": [
                (entry, status_line(status, language))
                for entry, status in selectors.raise_list_statuses(user)
            ],
            "can_log": selectors.dialogue_can_write(request.user),
        },
    )


@login_required
def raise_add(request: HttpRequest, reference: str) -> HttpResponse:
    incident = _incident(request, reference)
    user = access.dialogue_writer(request.user)
    form = RaiseListForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.raise_list_add(
                incident=incident,
                user=user,
                priority=form.cleaned_data["priority"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _attach(form, error)
        else:
            return redirect("responses:raise_list")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "responses/raise_add.html", {"incident": incident, "form": form}, status=status
    )


@login_required
@require_POST
def raise_remove(request: HttpRequest, entry_id: int) -> HttpResponse:
    user = access.dialogue_reader(request.user)
    entry = get_object_or_404(selectors.raise_list(user), pk=entry_id)
    services.raise_list_remove(entry=entry, user=user)
    return redirect("responses:raise_list")


@login_required
def raising_new(request: HttpRequest, reference: str) -> HttpResponse:
    incident = _incident(request, reference)
    user = access.dialogue_writer(request.user)
    form = RaisingForm(request.POST or None, initial=RaisingForm.initial_for(user))
    if request.method == "POST" and form.is_valid():
        try:
            services.raising_log(incident=incident, user=user, data=form.raising_input())
        except ValidationError as error:
            _attach(form, error)
        else:
            return redirect("records:incident_detail", reference=incident.reference)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "responses/raising_form.html",
        {"incident": incident, "form": form, "raising": None},
        status=status,
    )


@login_required
def raising_edit(request: HttpRequest, raising_id: int) -> HttpResponse:
    user = access.dialogue_reader(request.user)
    raising = get_object_or_404(selectors.raisings_visible(user), pk=raising_id)
    access.dialogue_writer(user)
    if request.method == "POST":
        form = RaisingForm(request.POST)
        if form.is_valid():
            try:
                services.raising_update(raising=raising, user=user, data=form.raising_input())
            except ValidationError as error:
                _attach(form, error)
            else:
                return redirect("responses:follow_ups")
        status = 400
    else:
        form = RaisingForm(initial=RaisingForm.initial_from(raising))
        status = 200
    return render(
        request,
        "responses/raising_form.html",
        {"incident": raising.incident, "form": form, "raising": raising},
        status=status,
    )


@login_required
def follow_ups(request: HttpRequest) -> HttpResponse:
    access.dialogue_reader(request.user)
    overdue, due = selectors.follow_ups(request.user, on=selectors.today())
    return render(request, "responses/follow_ups.html", {"overdue": overdue, "due": due})


@login_required
def bodies(request: HttpRequest) -> HttpResponse:
    user = access.dialogue_reader(request.user)
    form = BodyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        access.dialogue_writer(user)
        if form.is_valid():
            try:
                services.body_create(**form.cleaned_data, user=user)
            except ValidationError as error:
                _attach(form, error)
            else:
                return redirect("responses:bodies")
        status = 400
    return render(
        request,
        "responses/bodies.html",
        {
            "bodies": [
                (body, count, may(user, "organisation.administer", body))
                for body, count in selectors.bodies_with_counts(user)
            ],
            "form": form,
            "can_log": selectors.dialogue_can_write(user),
        },
        status=status,
    )


@login_required
def body_detail(request: HttpRequest, body_id: int) -> HttpResponse:
    user = access.dialogue_reader(request.user)
    body = get_object_or_404(Body, pk=body_id)
    return render(
        request,
        "responses/body_detail.html",
        {
            "body": body,
            "raisings": selectors.body_raisings(user, body),
            "can_correct": may(user, "organisation.administer", body),
        },
    )


MSG_NO_BODY_TO_CORRECT = gettext_lazy(
    "There is no body your organisation added with this number: bodies are corrected by "
    "administrators of the organisation that added them."
)


@login_required
def body_edit(request: HttpRequest, body_id: int) -> HttpResponse:
    """Correct a body's name, kind or country: administrators of the organisation that added
    it. Another organisation's body is not found, as for none."""
    require(request.user, "organisation.administer")
    body = Body.objects.filter(pk=body_id).first()
    if body is None or not may(request.user, "organisation.administer", body):
        raise Http404(MSG_NO_BODY_TO_CORRECT)
    user = access.dialogue_reader(request.user)
    initial = {"name": body.name, "kind": body.kind, "country": body.country}
    form = BodyForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.body_update(body=body, user=user, **form.cleaned_data)
            except ValidationError as error:
                _attach(form, error)
            else:
                return redirect("responses:body_detail", body_id=body.pk)
    return render(request, "responses/body_form.html", {"body": body, "form": form}, status=status)


def _funnel(request: HttpRequest) -> tuple[FunnelForm, str, list[Any]]:
    form = FunnelForm(request.GET or None)
    dimension = form.chosen_dimension()
    rows = response_funnel(
        incidents_visible(request.user), dimension=dimension, filters=form.filters()
    )
    return form, dimension, rows


@login_required
def statistics(request: HttpRequest) -> HttpResponse:
    form, dimension, rows = _funnel(request)
    total = response_funnel(
        incidents_visible(request.user), dimension="all", filters=form.filters()
    )
    trend = response_funnel(
        incidents_visible(request.user), dimension="year", filters=form.filters(), medians=False
    )
    labels = [str(STAGE_LABELS[stage]) for stage in STAGES]
    return render(
        request,
        "responses/statistics.html",
        {
            "form": form,
            "dimension": dimension,
            "dimension_label": DIMENSION_LABELS[dimension],
            "dimension_heading": DIMENSION_HEADINGS[dimension],
            "rows": rows,
            "stages": list(zip(STAGES, labels, strict=True)),
            "total": total[0] if total else None,
            "funnel_svg": charts.funnel_svg(total[0], labels) if total else "",
            "trend_svg": charts.trend_svg(trend, STAGES, labels),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def statistics_csv(request: HttpRequest) -> HttpResponse:
    _form, dimension, rows = _funnel(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="response-funnel-{dimension}.csv"'
    header = [dimension]
    for stage in STAGES:
        header.append(stage)
        if stage != "documented":
            header += [f"{stage}_percent_of_documented", f"{stage}_median_days_from_previous"]
    lines = []
    for row in rows:
        line: list[Any] = [row.group]
        for stage in STAGES:
            line.append(row.counts[stage])
            if stage != "documented":
                percent = row.percent_of_documented(stage)
                median = row.median_days.get(stage)
                line += [
                    None if percent is None else round(percent, 1),
                    None if median is None else _number(median),
                ]
        lines.append(line)
    csv_rows_write(response, header, lines)
    audit.audit_record(
        action=audit.Action.EXPORT,
        user=_user(request),
        changes={"export": "response_funnel", "dimension": dimension, "names": False},
    )
    return response


def _number(value: float) -> int | float:
    """A whole number without its ".0"."""
    return int(value) if float(value).is_integer() else value


@login_required
def dossier(request: HttpRequest) -> HttpResponse:
    """?ref=...&ref=...&lang=en|ru&format=html|pdf&names=1&image=ID..., or ?raise_list=1 for the
    raise list; each image=ID prints that photo of the cases' evidence, without metadata."""
    user = _user(request)
    references = request.GET.getlist("ref")
    if request.GET.get("raise_list"):
        references = [entry.incident.reference for entry in selectors.raise_list(user)]
    if not references:
        return HttpResponse(str(MSG_NO_REFERENCES), status=400, content_type="text/plain")
    if len(references) > MAX_DOSSIER_INCIDENTS:
        return HttpResponse(
            str(MSG_TOO_MANY_REFERENCES % {"limit": MAX_DOSSIER_INCIDENTS}),
            status=400,
            content_type="text/plain",
        )
    images = []
    for value in request.GET.getlist("image"):
        if not value.isdigit():
            return HttpResponse(
                str(MSG_IMAGE_NOT_A_NUMBER % {"value": value[:40]}),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        images.append(int(value))
    incidents = [_incident(request, reference) for reference in references]
    language = request.GET.get("lang") or get_language() or "en"
    if language not in ("en", "ru"):
        language = "en"
    as_pdf = request.GET.get("format") == "pdf"
    try:
        content = dossier_render(
            user=user,
            incidents=incidents,
            language=language,
            with_names=request.GET.get("names") == "1",
            file_format="pdf" if as_pdf else "html",
            images=images,
        )
    except ValidationError as error:
        return HttpResponse(
            " ".join(error.messages), status=400, content_type="text/plain; charset=utf-8"
        )
    except DossierUnavailable as error:
        logger.warning("dossier PDF unavailable: %s", error)
        return HttpResponse(str(error), status=503, content_type="text/plain; charset=utf-8")
    name = references[0] if len(references) == 1 else f"dossier-{len(references)}"
    if not as_pdf:
        return HttpResponse(content)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}-{language}.pdf"'
    logger.info("dossier of %s incidents printed by %s", len(incidents), user)
    return response
