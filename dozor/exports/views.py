"""Export pages: parse the request, call one selector or service, answer with a page or a file."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dozor.accounts.models import User
from dozor.accounts.policy import require
from dozor.exports import listing, odihr, selectors, services, writers
from dozor.exports.forms import FORMATS, MarkForm, OdihrForm
from dozor.records.custom_field_selectors import filterable_fields
from dozor.records.forms import IncidentFilterForm
from dozor.records.models import Incident
from dozor.records.selectors import IncidentFilters, incident_get, incident_list

MSG_NO_ORGANISATION = gettext_lazy("Only members of an organisation can build its submission.")
MSG_BAD_FORMAT = gettext_lazy("Unknown format: choose one of %(formats)s.")
MSG_BAD_FILTERS = gettext_lazy("The filters are not valid: %(fields)s. Correct them in the list.")
LIST_FORMATS = ("csv", "json")
# The bulk mark takes at most this many incidents at once, so one click cannot lock the table.
BULK_LIMIT = 1000
MSG_BULK_TOO_MANY = gettext_lazy(
    "%(count)s incidents match these filters; narrow them to at most %(limit)s to mark them."
)


def signed_in_member(request: HttpRequest) -> User:
    user = request.user
    if not selectors.odihr_can_export(user):
        raise PermissionDenied(MSG_NO_ORGANISATION)
    assert isinstance(user, User)
    return user


@login_required
@require_GET
def odihr_page(request: HttpRequest) -> HttpResponse:
    user = signed_in_member(request)
    form = OdihrForm(request.GET or None, initial={"country": "RU"})
    rows: list[odihr.OdihrRow] = []
    language = get_language() or "en"
    if form.is_bound and form.is_valid():
        incidents = selectors.odihr_incidents(
            user=user, country=form.cleaned_data["country"], year=form.cleaned_data["year"]
        )
        rows = odihr.odihr_rows(incidents, language[:2])
    return render(
        request,
        "exports/odihr.html",
        {
            "form": form,
            "rows": rows,
            "headers": odihr.headers(language[:2]),
            "query": request.GET.urlencode(),
            "formats": FORMATS,
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@login_required
@require_GET
def odihr_download(request: HttpRequest, file_format: str) -> HttpResponse:
    user = signed_in_member(request)
    if file_format not in FORMATS:
        raise Http404(MSG_BAD_FORMAT % {"formats": ", ".join(FORMATS)})
    form = OdihrForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "exports/odihr.html",
            {"form": form, "rows": [], "headers": [], "query": "", "formats": FORMATS},
            status=400,
        )
    return odihr_file(user, form, file_format)


def odihr_file(user: User, form: OdihrForm, file_format: str) -> HttpResponse:
    """The ODIHR submission of a valid form's country and year, as the file to download (the
    page's download and the API's)."""
    country, year = form.cleaned_data["country"], form.cleaned_data["year"]
    language = form.cleaned_data.get("lang") or "en"
    exported = services.odihr_export(
        user=user, country=country, year=year, language=language, file_format=file_format
    )
    response = HttpResponse(
        exported.content,
        content_type=writers.XLSX_TYPE if file_format == "xlsx" else writers.CSV_TYPE,
    )
    response["Content-Disposition"] = f'attachment; filename="{exported.name}"'
    return response


@login_required
@require_GET
def incident_list_download(
    request: HttpRequest, file_format: str
) -> HttpResponse | StreamingHttpResponse:
    user = request.user
    assert isinstance(user, User)
    if file_format not in LIST_FORMATS:
        raise Http404(MSG_BAD_FORMAT % {"formats": ", ".join(LIST_FORMATS)})
    form = IncidentFilterForm(request.GET or None, custom_fields=filterable_fields(user))
    if form.is_bound and not form.is_valid():
        # A file with silently dropped filters would hold more than the person asked for.
        return HttpResponse(
            MSG_BAD_FILTERS % {"fields": ", ".join(sorted(form.errors))},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    return incident_list_file(user, form.filters(), file_format)


def incident_list_file(
    user: User, filters: IncidentFilters, file_format: str
) -> StreamingHttpResponse:
    """The incident list with these filters as a file of one of LIST_FORMATS, streamed, its
    export in the audit trail (the page's download and the API's)."""
    incidents = listing.export_queryset(user=user, filters=filters)
    services.export_record(
        user=user,
        kind="incidents",
        file_format=file_format,
        rows=incidents.count(),
        parameters=listing.audit_parameters(user, filters, incidents),
    )
    records = listing.records(user, incidents)
    header = listing.csv_header(user)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if file_format == "csv":
        response = StreamingHttpResponse(
            writers.csv_lines(header, (listing.csv_cells(r, header) for r in records)),
            content_type=writers.CSV_TYPE,
        )
    else:
        response = StreamingHttpResponse(
            listing.json_chunks(records), content_type=writers.JSON_TYPE
        )
    response["Content-Disposition"] = f'attachment; filename="incidents-{stamp}.{file_format}"'
    return response


@login_required
@require_POST
def odihr_mark(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        incident = incident_get(user=request.user, reference=reference)
    except Incident.DoesNotExist:
        raise Http404(_("No incident with this reference that you may see.")) from None
    user = request.user
    assert isinstance(user, User)
    if not selectors.odihr_can_mark(user, incident):
        raise PermissionDenied(services.MSG_NOT_WRITER)
    form = MarkForm(request.POST)
    if request.POST.get("action") == "unmark":
        services.submission_unmark(incident=incident, user=user)
        messages.success(request, _("Taken out of the ODIHR submission."))
    elif not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    else:
        try:
            submission = services.submission_mark(
                incident=incident, user=user, year=form.cleaned_data.get("year")
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("Marked for the ODIHR submission for %(year)s.") % {"year": submission.year},
            )
    return redirect("records:incident_detail", reference=incident.reference)


@login_required
@require_POST
def odihr_mark_bulk(request: HttpRequest) -> HttpResponse:
    require(request.user, "incident.write", message=services.MSG_NOT_WRITER)
    user = request.user
    assert isinstance(user, User)
    # Re-encoded, so whatever was posted cannot reach the Location header as it came.
    query = QueryDict(request.POST.get("query", "")).urlencode()
    target = redirect("records:incident_list")
    target["Location"] += f"?{query}" if query else ""
    filters_form = IncidentFilterForm(
        QueryDict(query) or None, custom_fields=filterable_fields(user)
    )
    mark_form = MarkForm(request.POST)
    if (filters_form.is_bound and not filters_form.is_valid()) or not mark_form.is_valid():
        messages.error(request, _("Nothing was marked: the filters or the year are not valid."))
        return target
    assert user.organisation_id is not None
    incidents = incident_list(user=user, filters=filters_form.filters()).filter(
        organisation_id=user.organisation_id
    )
    count = incidents.count()
    if count > BULK_LIMIT:
        messages.error(request, MSG_BULK_TOO_MANY % {"count": count, "limit": BULK_LIMIT})
        return target
    result = services.submissions_mark_bulk(
        incidents=incidents.prefetch_related("biases"),
        user=user,
        year=mark_form.cleaned_data.get("year"),
    )
    messages.success(
        request,
        _("%(marked)s incident(s) marked for the ODIHR submission.")
        % {"marked": len(result.marked)},
    )
    for reference, why in sorted(result.skipped.items()):
        messages.warning(request, f"{reference}: {why}")
    return target
