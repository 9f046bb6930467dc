"""The Reports and Sources pages: parse the request, call one selector or service, render."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from dozor.accounts.policy import may, requires, signed_in_user
from dozor.records import report_selectors, services
from dozor.records.forms import ReportFilterForm, SourceListEditForm, SourceListForm
from dozor.records.models import Report, SourceList

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
MSG_NO_REPORT = _("No report with this number that you may see.")
MSG_NO_SOURCE_LIST = _("No source list with this number in your organisation.")
MSG_NOT_A_WRITER = _(
    "Only documenters and administrators of the organisation add or change its source lists."
)
MSG_NOTHING_SAVED = _("Nothing was saved: correct the fields marked below.")


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = ReportFilterForm(
        request.GET or None, source_lists=report_selectors.source_lists_visible(user)
    )
    filters = form.filters()
    reports = report_selectors.report_list(user=user, filters=filters)
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = report_selectors.report_rows(user, list(page))
    if user.organisation_id is not None:
        services.report_view_record(
            user=user, names=user.sees_names_of(user.organisation_id), reports=len(rows)
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "records/report_list.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode(), "filters": filters},
    )


@login_required
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        report = report_selectors.report_get(user=user, pk=pk)
    except Report.DoesNotExist:
        raise Http404(MSG_NO_REPORT) from None
    shown = report_selectors.report_shown(user, report)
    services.report_view_record(user=user, names=shown.named, report=report)
    return render(request, "records/report_detail.html", {"shown": shown, "report": report})


@login_required
@require_GET
def source_list_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    lists = [
        (source_list, report_selectors.source_list_description_for(user, source_list))
        for source_list in report_selectors.source_lists_visible(user)
    ]
    return render(
        request,
        "records/source_list_list.html",
        {"lists": lists, "can_write": may(user, "source_list.write")},
    )


@requires("source_list.write", message=MSG_NOT_A_WRITER)
def source_list_new(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if request.method != "POST":
        return _form(request, SourceListForm(), None)
    form = SourceListForm(request.POST)
    if form.is_valid():
        assert user.organisation is not None
        try:
            services.source_list_create(
                organisation=user.organisation, user=user, **form.cleaned_data
            )
        except ValidationError as error:
            _attach(form, error)
        else:
            return redirect("sources:source_list_list")
    return _form(request, form, None, status=400)


def _visible_source_list(request: HttpRequest, pk: int) -> SourceList:
    try:
        return report_selectors.source_list_get(user=request.user, pk=pk)
    except SourceList.DoesNotExist:
        raise Http404(MSG_NO_SOURCE_LIST) from None


@requires("source_list.write", load=_visible_source_list, message=MSG_NOT_A_WRITER)
def source_list_edit(request: HttpRequest, source_list: SourceList, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    if request.method != "POST":
        form = SourceListEditForm(initial=SourceListEditForm.initial_from(source_list))
        return _form(request, form, source_list)
    form = SourceListEditForm(request.POST)
    if form.is_valid():
        try:
            services.source_list_update(source_list=source_list, user=user, **form.cleaned_data)
        except ValidationError as error:
            _attach(form, error)
        else:
            return redirect("sources:source_list_list")
    return _form(request, form, source_list, status=400)


def _attach(form: Any, error: ValidationError) -> None:
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


def _form(
    request: HttpRequest, form: Any, source_list: SourceList | None, *, status: int = 200
) -> HttpResponse:
    if status == 400:
        logger.info("source list form rejected for %s: %s", request.user, sorted(form.errors))
    return render(
        request,
        "records/source_list_form.html",
        {
            "form": form,
            "source_list": source_list,
            "errors": [MSG_NOTHING_SAVED] if status == 400 else [],
        },
        status=status,
    )
