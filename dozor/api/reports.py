"""/api/v1/reports/ and /api/v1/source-lists/: the organisation's source lists and the reports
they hold, read as the Reports and Sources pages show them (names only with the grant, each read
in the audit trail as the pages' are)."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.paginator import EmptyPage, Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from dozor.accounts.models import User
from dozor.accounts.policy import signed_in_user
from dozor.api.problems import form_errors, problem
from dozor.records import report_selectors, services
from dozor.records.forms import ReportFilterForm
from dozor.records.models import Report
from dozor.records.report_views import MSG_NO_REPORT, PAGE_SIZE

reports = Router(tags=["reports"])
source_lists = Router(tags=["source lists"])

MSG_NO_PAGE = _("There is no page %(page)s: the list has %(pages)s.")
MSG_FILTERS_INVALID = _("The filters are not valid: correct the fields named.")


class SourceListOut(Schema):
    id: int
    name: str
    kind: str
    reliability: str
    language: str
    description: str = Field(description="Names taken out unless the caller sees them.")
    report_count: int
    last_import: datetime.datetime | None


@source_lists.get("/", response=list[SourceListOut], url_name="source_list_list")
def source_list_list(request: HttpRequest) -> Any:
    """The caller's organisation's source lists, with how many reports each holds."""
    user = signed_in_user(request)
    return [
        {
            **{name: getattr(source_list, name) for name in ("id", "name", "kind", "reliability")},
            "language": source_list.language,
            "description": report_selectors.source_list_description_for(user, source_list),
            "report_count": source_list.report_count,  # type: ignore[attr-defined]
            "last_import": source_list.last_import,  # type: ignore[attr-defined]
        }
        for source_list in report_selectors.source_lists_visible(user)
    ]


class ReportQuery(Schema):
    """The Reports list's filters, as its page reads them from its address."""

    source_list: str | None = Field(None, description="A source list's id.")
    batch: str | None = Field(None, description="An import's number.")
    date_from: str | None = Field(None, description="From this date (YYYY-MM-DD).")
    date_to: str | None = Field(None, description="Up to this date (YYYY-MM-DD).")
    region: str | None = Field(None, description="ISO 3166-2 code of a Russian region.")
    type: str | None = Field(None, description="A code of the incident_type vocabulary.")
    linked: str | None = Field(None, description="yes or no: part of an incident.")
    q: str | None = Field(None, description="Text the identifier in the source contains.")
    sort: str | None = Field(None, description="As the Reports page: -stored (default), …")
    page: int = Field(1, ge=1, description="The page, from 1; 50 reports a page.")


class ReportRowOut(Schema):
    id: int
    source_list: str
    external_id: str
    revision: int
    received_on: datetime.date
    date: str
    title: str = Field(description="Names taken out unless the caller sees them.")
    victims: list[str] = Field(description="Names, or pseudonyms without the grant.")
    named: bool
    incident: str | None = Field(description="The reference of the incident it is part of.")


class ReportPage(Schema):
    count: int
    page: int
    pages: int
    results: list[ReportRowOut]


def _incident(link: Any) -> str | None:
    return link.incident.reference if link is not None else None


@reports.get("/", response=ReportPage, url_name="report_list")
def report_list(request: HttpRequest, query: Query[ReportQuery]) -> Any:
    """The reports of the caller's organisation, filtered, sorted and paged as on its page."""
    user = signed_in_user(request)
    values = query.model_dump(exclude_none=True)
    number = values.pop("page")
    form = ReportFilterForm(values, source_lists=report_selectors.source_lists_visible(user))
    if not form.is_valid():
        return problem(400, MSG_FILTERS_INVALID, errors=form_errors(form))
    found = report_selectors.report_list(user=user, filters=form.filters())
    paginator = Paginator(found, PAGE_SIZE, allow_empty_first_page=True)
    try:
        page = paginator.page(number)
    except EmptyPage:
        return problem(404, MSG_NO_PAGE % {"page": number, "pages": paginator.num_pages})
    rows = report_selectors.report_rows(user, list(page))
    _record_list_view(user, len(rows))
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "results": [
            {
                "id": row.report.pk,
                "source_list": row.report.source_list.name,
                "external_id": row.report.external_id,
                "revision": row.report.revision,
                "received_on": row.report.received_on,
                "date": row.date,
                "title": row.title,
                "victims": row.victims,
                "named": row.named,
                "incident": _incident(row.link),
            }
            for row in rows
        ],
    }


def _record_list_view(user: User, shown: int) -> None:
    """The Reports page's entry: a list of reports was shown, with or without names."""
    if user.organisation_id is not None:
        services.report_view_record(
            user=user, names=user.sees_names_of(user.organisation_id), reports=shown
        )


class ReportFieldOut(Schema):
    name: str
    label: str
    value: Any
    text: str


class ReportOut(Schema):
    id: int
    source_list: str
    external_id: str
    revision: int
    received_on: datetime.date
    named: bool
    locked: bool = Field(description="Dozor runs without its key: only the readable facts.")
    date: str
    fields: list[ReportFieldOut]
    extra: dict[str, Any]
    payload: dict[str, Any] = Field(description="The record as received, names rule applied.")
    import_batch: int | None
    import_row: int | None
    incident: str | None
    revisions: list[int]


def _plain(value: Any) -> Any:
    """A value as JSON has it: dates as ISO text, sealed text it cannot open as its label."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, default=str))


@reports.get("/{report_id}/", response=ReportOut, url_name="report_get")
def report_get(request: HttpRequest, report_id: int) -> Any:
    """A report as its page shows it to the caller."""
    user = signed_in_user(request)
    try:
        report = report_selectors.report_get(user=user, pk=report_id)
    except Report.DoesNotExist:
        raise Http404(MSG_NO_REPORT) from None
    shown = report_selectors.report_shown(user, report)
    services.report_view_record(user=user, names=shown.named, report=report)
    return {
        "id": report.pk,
        "source_list": report.source_list.name,
        "external_id": report.external_id,
        "revision": report.revision,
        "received_on": report.received_on,
        "named": shown.named,
        "locked": shown.locked,
        "date": shown.date,
        "fields": [
            {"name": f.name, "label": f.label, "value": _plain(f.value), "text": f.text}
            for f in shown.fields
        ],
        "extra": _plain(shown.extra),
        "payload": _plain(shown.payload),
        "import_batch": shown.import_batch,
        "import_row": shown.import_row,
        "incident": _incident(shown.link),
        "revisions": [revision.pk for revision in shown.revisions],
    }
