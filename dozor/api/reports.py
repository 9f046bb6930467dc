"""/api/v1/reports/ and /api/v1/source-lists/: the organisation's source lists and the reports
they hold, read as the Reports and Sources pages show them (names only with the grant, each read
in the audit trail as the pages' are), and reports stored through the import path."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.paginator import EmptyPage, Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from ninja import Field, HeaderEx, P, Query, Router, Schema, Status

from dozor.accounts.models import User
from dozor.accounts.policy import signed_in_user
from dozor.api.idempotency import (
    KEY_MAX_LENGTH,
    MSG_KEY_NEEDED,
    MSG_KEY_TOO_LONG,
    KeyReused,
    import_once,
    request_digest,
)
from dozor.api.problems import IDEMPOTENT, form_errors, problem
from dozor.intake import selectors as intake_selectors
from dozor.intake.forms import MappingForm
from dozor.intake.mapping import MappingError
from dozor.intake.models import ImportBatch
from dozor.intake.readers import ImportFileError
from dozor.intake.services import ImportSummary, import_run
from dozor.records import report_selectors, services
from dozor.records.forms import ReportFilterForm
from dozor.records.models import Report
from dozor.records.report_selectors import ReportFilters
from dozor.records.report_views import MSG_NO_REPORT, PAGE_SIZE

reports = Router(tags=["reports"])
source_lists = Router(tags=["source lists"])

MSG_NO_PAGE = _("There is no page %(page)s: the list has %(pages)s.")
MSG_FILTERS_INVALID = _("The filters are not valid: correct the fields named.")
MSG_NO_SOURCE_LIST = _("No source list with this id that you may see.")
MSG_MAPPING_INVALID = _("The mapping cannot be used: correct the fields named.")
MSG_RECORDS_UNREADABLE = _("The records cannot be imported: %(reason)s")

# Records in one request: a batch is stored in one transaction, inside one request's time.
IMPORT_MAX_RECORDS = 1000


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


class ReportsIn(Schema):
    """Records of a source list, stored as an import of a file would store them: each record is
    a row (an object of the source's own fields), read by the mapping into a report, or
    quarantined with its problems."""

    source_list: int = Field(description="A source list of the caller's organisation.")
    mapping: str | None = Field(
        None, description="A mapping that comes with Dozor, by file name (demo_partner.yaml)."
    )
    mapping_text: str | None = Field(
        None, description="Your own mapping (YAML); it replaces `mapping`."
    )
    records: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=IMPORT_MAX_RECORDS,
        description=f"The rows, as objects of the source's fields; 1 to {IMPORT_MAX_RECORDS}.",
    )
    dry_run: bool = Field(
        False, description="Read and check the records, store nothing (no key needed)."
    )


class StoredReportOut(Schema):
    id: int
    external_id: str
    revision: int


class RowProblemOut(Schema):
    column: str
    value: str = Field(description="The cell; names taken out unless the caller sees them.")
    code: str
    message: str


class QuarantinedOut(Schema):
    row: int = Field(description="The record's position in `records`, from 1.")
    problems: list[RowProblemOut]


class ImportOut(Schema):
    batch: int | None = Field(description="The import's number; none for a dry run.")
    url: str | None = Field(description="The import's page in the web app.")
    dry_run: bool
    replayed: bool = Field(description="True when the key's import was stored before.")
    rows: int
    stored: int
    revised: int = Field(description="Stored as new revisions of reports already held.")
    quarantined: int
    already_present: int
    duplicate_in_file: int
    reports: list[StoredReportOut] = Field(description="The reports this import stored.")
    quarantine: list[QuarantinedOut] = Field(description="The records it could not store.")


def _problem_out(problem: dict[str, Any]) -> dict[str, str]:
    return {
        "column": str(problem.get("column", "")),
        "value": str(problem.get("value", "")),
        "code": str(problem.get("code", "")),
        "message": str(problem.get("expected", "")),
    }


COUNTS = ("rows", "stored", "revised", "quarantined", "already_present", "duplicate_in_file")


def _import_answer(
    request: HttpRequest, user: User, batch: ImportBatch, *, replayed: bool
) -> dict[str, Any]:
    """A stored import as the import's page shows it: its counts, the reports it stored and its
    quarantined rows with their problems (names as the caller may see them)."""
    stored = report_selectors.report_list(user=user, filters=ReportFilters(batch=batch.pk))
    quarantined = intake_selectors.quarantine_visible(user, status="").filter(batch=batch)
    shown = list(intake_selectors.quarantine_shown_all(user, quarantined))
    return {
        "batch": batch.pk,
        "url": request.build_absolute_uri(reverse("intake:import_detail", args=[batch.pk])),
        "dry_run": False,
        "replayed": replayed,
        **{name: getattr(batch, name) for name in COUNTS},
        "reports": [
            {"id": report.pk, "external_id": report.external_id, "revision": report.revision}
            for report in stored.order_by("external_id", "revision")
        ],
        "quarantine": [
            {"row": row.row.row_number, "problems": [_problem_out(p) for p in row.problems]}
            for row in shown
        ],
    }


def _dry_run_answer(summary: ImportSummary) -> dict[str, Any]:
    """What an import would store, as the import page's preview says it (to its importer)."""
    rows: dict[int, list[dict[str, str]]] = {}
    for found in summary.problems:
        rows.setdefault(int(found["row"]), []).append(_problem_out(found))
    return {
        "batch": None,
        "url": None,
        "dry_run": True,
        "replayed": False,
        **{name: getattr(summary, name) for name in COUNTS},
        "reports": [],
        "quarantine": [{"row": row, "problems": listed} for row, listed in rows.items()],
    }


def _jsonl(records: list[dict[str, Any]], header: list[str]) -> str:
    """The records as the lines of a JSON Lines file, each with every column the mapping reads:
    a field a record leaves out is an empty cell, as in a table (a line of a file without it
    would be quarantined for the missing column)."""
    return "\n".join(
        json.dumps(
            {**record, **{column: "" for column in header if column not in record}},
            ensure_ascii=False,
        )
        for record in records
    )


@reports.post(
    "/",
    response={200: ImportOut, 201: ImportOut},
    url_name="report_create",
    openapi_extra={IDEMPOTENT: True},
)
def report_create(
    request: HttpRequest,
    payload: ReportsIn,
    idempotency_key: HeaderEx[
        str | None,
        P(
            alias="Idempotency-Key",
            description="A new random value (a UUID) per batch; the same when sending it again.",
        ),
    ] = None,
) -> Any:
    """Store one record or a batch as reports of a source list, through the import path: the
    mapping reads each record as an import of a file reads a row (same checks, quarantine,
    revisions, audit). 201 with the import; the same key again answers the same import (200)."""
    user = signed_in_user(request)
    source_list = report_selectors.source_lists_visible(user).filter(pk=payload.source_list).first()
    if source_list is None:
        raise Http404(MSG_NO_SOURCE_LIST)
    mapping_form = MappingForm(
        {"shipped_mapping": payload.mapping or "", "mapping_text": payload.mapping_text or ""}
    )
    if not mapping_form.is_valid() or mapping_form.mapping is None:
        errors = form_errors(mapping_form)
        for error in errors:
            error["field"] = {"shipped_mapping": "mapping"}.get(error["field"], error["field"])
        return problem(400, MSG_MAPPING_INVALID, errors=errors)
    data = _jsonl(payload.records, mapping_form.mapping.header())

    def run(*, dry_run: bool = False) -> ImportSummary:
        assert mapping_form.mapping is not None
        return import_run(
            user=user,
            source_list=source_list,
            data=data.encode("utf-8"),
            file_name="api.jsonl",
            file_format="jsonl",
            # The records came as JSON and are written back as UTF-8; a mapping's encoding
            # is that of the partner's file (cp1251 for an NGO's CSV), not of this request.
            encoding="utf-8",
            mapping=mapping_form.mapping,
            dry_run=dry_run,
        )

    try:
        if payload.dry_run:
            return Status(200, _dry_run_answer(run(dry_run=True)))
        if not idempotency_key:
            return problem(400, MSG_KEY_NEEDED)
        if len(idempotency_key) > KEY_MAX_LENGTH:
            return problem(400, MSG_KEY_TOO_LONG % {"limit": KEY_MAX_LENGTH})

        def stored() -> ImportBatch:
            summary = run()
            assert summary.batch is not None  # set when the import is stored
            return ImportBatch.objects.get(pk=summary.batch)

        batch, replayed = import_once(
            user=user,
            key=idempotency_key,
            digest=request_digest(payload.model_dump()),
            run=stored,
        )
    except KeyReused as reused:
        return problem(422, str(reused))
    except (ImportFileError, MappingError) as unreadable:
        return problem(400, MSG_RECORDS_UNREADABLE % {"reason": unreadable})
    answer = _import_answer(request, user, batch, replayed=replayed)
    return Status(200 if replayed else 201, answer)
