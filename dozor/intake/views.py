"""Import pages: upload, preview, confirm, follow; quarantined rows: list, correct, export; the
administrators' saved mappings."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dozor.accounts.models import User
from dozor.accounts.policy import may, require, requires, signed_in_user
from dozor.audit.models import Action
from dozor.intake import jobs, remap, saved_mappings, selectors, services
from dozor.intake.forms import (
    CorrectionForm,
    EncodingForm,
    ImportForm,
    RemapConfirmForm,
    RemapForm,
    SavedMappingForm,
)
from dozor.intake.mapping import MappingError, Problem, mapping_parse
from dozor.intake.models import (
    ImportBatch,
    ImportJobState,
    ImportKind,
    PendingUpload,
    SavedMapping,
)
from dozor.intake.readers import ImportFileError
from dozor.intake.response_events import PENDING_KEY
from dozor.intake.uploads import uploads_refused
from dozor.lib.csv_safety import csv_rows_write
from dozor.lib.form_problems import service_errors_attach
from dozor.responses.vocab import label

logger = logging.getLogger(__name__)

RUN_IN_THREAD = True
JOB_REFRESH_SECONDS = 2
MSG_NOT_A_WRITER = gettext_lazy("Your role does not allow importing into a source list.")
MSG_PENDING_GONE = gettext_lazy("This upload is no longer waiting; upload the file again.")


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    batches = selectors.batches_visible(request.user)[:200]
    user = request.user
    can_import = may(user, "source_list.write")
    return render(
        request, "intake/import_list.html", {"batches": batches, "can_import": can_import}
    )


@requires("source_list.write", message=MSG_NOT_A_WRITER)
def import_new(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    source_lists = selectors.source_lists_importable(user)
    saved = saved_mappings.saved_mappings_current(user.organisation_id)
    if request.method != "POST":
        return render(
            request,
            "intake/import_new.html",
            {"form": ImportForm(source_lists=source_lists, saved=saved)},
        )
    form = ImportForm(
        request.POST,
        request.FILES,
        source_lists=source_lists,
        saved=saved,
        upload_refused="file" in uploads_refused(request),
    )
    if not form.is_valid() or form.mapping is None:
        return render(request, "intake/import_new.html", {"form": form}, status=400)
    upload = form.cleaned_data["file"]
    pending = services.upload_store(
        user=user,
        source_list=form.cleaned_data["source_list"],
        file_name=upload.name or "upload",
        data=b"".join(upload.chunks()),
        mapping_name=form.mapping_name,
        mapping_text=form.mapping.text,
        encoding=form.cleaned_data["encoding"],
    )
    return redirect("intake:import_preview", token=pending.token)


def _pending(request: HttpRequest, token: str) -> PendingUpload:
    pending = PendingUpload.objects.filter(token=token, created_by=request.user.pk).first()
    if pending is None:
        raise Http404(MSG_PENDING_GONE)
    return pending


def _run_arguments(user: User, pending: PendingUpload) -> dict[str, Any]:
    source_list = selectors.source_lists_importable(user).filter(pk=pending.source_list_id).first()
    if source_list is None:
        raise PermissionDenied(MSG_NOT_A_WRITER)
    return {
        "user": user,
        "source_list": source_list,
        "data": services.upload_read(upload=pending),
        "file_name": pending.file_name,
        "mapping": mapping_parse(pending.mapping_text, pending.mapping_name),
        "encoding": pending.encoding or None,
    }


@requires("source_list.write", message=MSG_NOT_A_WRITER)
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    user = signed_in_user(request)
    pending = _pending(request, token)
    if request.method == "POST":
        choice = EncodingForm(request.POST)
        if choice.is_valid():
            services.upload_encoding_choose(
                user=user, upload=pending, encoding=choice.cleaned_data["encoding"]
            )
        return redirect("intake:import_preview", token=token)
    error = ""
    summary = None
    warnings: tuple[str, ...] = ()
    try:
        arguments = _run_arguments(user, pending)
        warnings = arguments["mapping"].warnings
        summary = services.import_run(
            **arguments,
            dry_run=True,
            limit=services.PREVIEW_ROWS,
            keep_outcomes=services.PREVIEW_ROWS,
        )
        warnings = (*warnings, *summary.warnings)
    except (ImportFileError, MappingError) as problem:
        error = str(problem)
    return render(
        request,
        "intake/import_preview.html",
        {
            "token": token,
            "pending": pending,
            "summary": summary,
            "rows": _preview_rows(summary.outcomes if summary else []),
            "error": error,
            "warnings": warnings,
            "encoding_form": EncodingForm(initial={"encoding": pending.encoding}),
            "text_sample": _text_sample(summary.outcomes if summary else []),
        },
        status=400 if error else 200,
    )


def _text_sample(outcomes: list[services.RowOutcome], size: int = 6) -> list[str]:
    """A few texts of the first rows as they were decoded, those with letters beyond ASCII
    first (names, mostly): garbled ones show at a glance that the encoding is wrong."""
    texts: dict[str, None] = {}
    for outcome in outcomes:
        for value in outcome.payload.values():
            if isinstance(value, str) and any(c.isalpha() for c in value):
                texts.setdefault(value.strip()[:80])
    ordered = sorted(texts, key=lambda text: text.isascii())
    return ordered[:size]


def _preview_rows(outcomes: list[services.RowOutcome]) -> list[dict[str, Any]]:
    """Each previewed row with its parsed fields as a reader sees them: the import's own keys
    left out, and response events waiting for an incident listed in words."""
    language = get_language() or "en"
    rows = []
    for outcome in outcomes:
        fields = dict(outcome.fields or {})
        fields.pop("_import", None)
        events = fields.pop(PENDING_KEY, None) or []
        rows.append(
            {
                "outcome": outcome,
                "fields": fields,
                "events": [
                    {
                        "kind": label("response_event_kind", str(event.get("kind")), language),
                        "date": event.get("date"),
                        "note": event.get("note"),
                    }
                    for event in events
                    if isinstance(event, dict)
                ],
            }
        )
    return rows


@requires("source_list.write", message=MSG_NOT_A_WRITER)
@require_POST
def import_confirm(request: HttpRequest, token: str) -> HttpResponse:
    user = signed_in_user(request)
    pending = _pending(request, token)
    arguments = _run_arguments(user, pending)

    def work(progress: jobs.Progress) -> int:
        try:
            summary = services.import_run(**arguments, progress=progress, keep_outcomes=0)
        finally:
            services.upload_discard(upload=pending)
        assert summary.batch is not None
        return summary.batch

    job = jobs.job_start(user=user, work=work, run_in_thread=RUN_IN_THREAD)
    return redirect("intake:import_job", token=job.token)


@login_required
def import_job(request: HttpRequest, token: str) -> HttpResponse:
    job = jobs.job_get(token, request.user.pk or 0)
    if job is None:
        raise Http404(_("No import of yours with this number is running."))
    if job.state == ImportJobState.DONE and job.batch_id:
        return redirect("intake:import_detail", pk=job.batch_id)
    response = render(request, "intake/import_job.html", {"job": job})
    if job.state == ImportJobState.RUNNING:
        response["Refresh"] = str(JOB_REFRESH_SECONDS)  # the page reloads itself, no script
    return response


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batches_visible(request.user).filter(pk=pk).first()
    if batch is None:
        raise Http404(_("No import with this number that you may see."))
    rows = list(selectors.quarantine_visible(request.user, status="").filter(batch=batch)[:500])
    if rows:
        services.quarantine_read_record(
            user=signed_in_user(request), action=Action.VIEW, rows=len(rows), target=batch
        )
    shown = list(selectors.quarantine_shown_all(request.user, rows))
    problems = selectors.remap_problems_shown(request.user, batch)
    if problems:
        remap.remap_problems_read_record(user=signed_in_user(request), batch=batch)
    return render(
        request,
        "intake/import_detail.html",
        {
            "batch": batch,
            "rows": shown,
            "is_remap": batch.kind == ImportKind.REMAP,
            "remap_problems": problems,
            "can_remap": may(request.user, "source_list.write", batch.source_list),
        },
    )


@login_required
def quarantine_list(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.quarantine_visible(request.user)[:500])
    services.quarantine_read_record(
        user=signed_in_user(request), action=Action.VIEW, rows=len(rows)
    )
    shown = list(selectors.quarantine_shown_all(request.user, rows))
    return render(request, "intake/quarantine_list.html", {"rows": shown})


@login_required
def quarantine_export(request: HttpRequest) -> HttpResponse:
    rows = selectors.quarantine_visible(request.user)
    services.quarantine_read_record(
        user=signed_in_user(request), action=Action.EXPORT, rows=rows.count()
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="quarantined-rows.csv"'
    csv_rows_write(
        response,
        selectors.QUARANTINE_EXPORT_HEADER,
        selectors.quarantine_export_rows(rows, request.user),
    )
    return response


@login_required
def quarantine_correct(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.quarantine_visible(request.user).filter(pk=pk).first()
    if row is None:
        raise Http404(_("No quarantined row with this number that you may see."))
    require(request.user, "source_list.write", row.source_list, message=MSG_NOT_A_WRITER)
    user = signed_in_user(request)
    cells = services.correction_cells(row.raw)
    problems: list[Problem] = []
    if request.method == "POST":
        form = CorrectionForm(request.POST, cells=cells)
        if form.is_valid():
            try:
                report, problems = services.quarantine_resubmit(
                    user=user, row=row, corrections=form.corrections()
                )
            except ValueError as error:
                form.add_error(None, str(error))
            else:
                if report is not None:
                    return redirect("intake:import_detail", pk=row.batch_id)
    else:
        form = CorrectionForm(cells=cells)
        services.quarantine_read_record(user=user, action=Action.VIEW, rows=1, target=row)
    return render(
        request,
        "intake/quarantine_correct.html",
        {"row": row, "form": form, "problems": [p.as_dict() for p in problems]},
        status=400 if request.method == "POST" else 200,
    )


def _remap_batch(request: HttpRequest, pk: int) -> ImportBatch:
    """An import of the user's organisation whose list the user may write into (404 for other
    organisations' imports: nothing says they exist)."""
    batch = selectors.batches_visible(request.user).filter(pk=pk).first()
    if batch is None:
        raise Http404(_("No import with this number that you may see."))
    require(request.user, "source_list.write", batch.source_list, message=MSG_NOT_A_WRITER)
    return batch


def _changes_shown(summary: remap.RemapSummary) -> list[dict[str, Any]]:
    return [
        {
            "change": change,
            "fields": [
                {
                    "field": item["field"],
                    "before": remap.value_text(item["before"]),
                    "after": remap.value_text(item["after"]),
                }
                for item in change.fields
            ],
        }
        for change in summary.changes
    ]


@requires("source_list.write", message=MSG_NOT_A_WRITER)
def remap_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Re-read with a corrected mapping: the form, and (on POST) what it would change."""
    user = signed_in_user(request)
    batch = _remap_batch(request, pk)
    if request.method != "POST":
        form = RemapForm(initial={"mapping_text": batch.mapping_text})
        return render(request, "intake/remap.html", {"batch": batch, "form": form})
    form = RemapForm(request.POST, request.FILES)
    if not form.is_valid() or form.mapping is None:
        return render(request, "intake/remap.html", {"batch": batch, "form": form}, status=400)
    summary = remap.remap_run(
        user=user, source_list=batch.source_list, mapping=form.mapping, dry_run=True
    )
    confirm = RemapConfirmForm(
        initial={"mapping_name": form.mapping.name, "mapping_text": form.mapping.text}
    )
    return render(
        request,
        "intake/remap_preview.html",
        {
            "batch": batch,
            "summary": summary,
            "changes": _changes_shown(summary),
            # Only writers of the list get here, and they see its names; the check stays so
            # that the page never relies on that.
            "values_shown": user.sees_names_of(batch.source_list.organisation_id),
            "mappings": list(summary.mappings.items()),
            "confirm": confirm,
        },
    )


@requires("source_list.write", message=MSG_NOT_A_WRITER)
@require_POST
def remap_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    batch = _remap_batch(request, pk)
    form = RemapConfirmForm(request.POST)
    if not form.is_valid() or form.mapping is None:
        return render(
            request,
            "intake/remap.html",
            {
                "batch": batch,
                "form": RemapForm(initial={"mapping_text": batch.mapping_text}),
                "errors": [str(e) for errors in form.errors.values() for e in errors],
            },
            status=400,
        )
    mapping = form.mapping
    source_list = batch.source_list

    def work(progress: jobs.Progress) -> int:
        summary = remap.remap_run(
            user=user, source_list=source_list, mapping=mapping, progress=progress
        )
        assert summary.batch is not None
        return summary.batch

    job = jobs.job_start(user=user, work=work, run_in_thread=RUN_IN_THREAD)
    return redirect("intake:import_job", token=job.token)


MSG_NO_SAVED_MAPPING = gettext_lazy("Your organisation has no saved mapping with this number.")


@requires("organisation.administer")
def mapping_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    return render(
        request,
        "intake/mapping_list.html",
        {"mappings": saved_mappings.saved_mappings_current(user.organisation_id)},
    )


@requires("organisation.administer")
def mapping_new(request: HttpRequest) -> HttpResponse:
    """A new saved mapping, checked as an import checks one."""
    return _mapping_form(request, None)


def _saved_mapping(request: HttpRequest, pk: int) -> SavedMapping:
    """A version of one of the user's organisation's saved mappings; another organisation's is
    not found, as for none. Anyone but an administrator is refused before it is looked for."""
    require(request.user, "organisation.administer")
    saved = SavedMapping.objects.filter(pk=pk).first()
    if saved is None or not may(request.user, "organisation.administer", saved):
        raise Http404(MSG_NO_SAVED_MAPPING)
    return saved


@requires("organisation.administer", load=_saved_mapping)
def mapping_detail(request: HttpRequest, saved: SavedMapping, pk: int) -> HttpResponse:
    """One version of a saved mapping, its other versions, and the form that saves the next."""
    return _mapping_form(request, saved)


def _mapping_form(request: HttpRequest, saved: SavedMapping | None) -> HttpResponse:
    user = signed_in_user(request)
    initial = {"name": saved.name, "text": saved.text} if saved is not None else None
    form = SavedMappingForm(request.POST or None, initial=initial)
    if saved is not None:
        # A new version keeps its name: renaming would start another mapping.
        form.fields["name"].disabled = True
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            assert user.organisation is not None
            try:
                kept = saved_mappings.saved_mapping_save(
                    organisation=user.organisation,
                    user=user,
                    new=saved is None,
                    **form.cleaned_data,
                )
            except ValidationError as error:
                service_errors_attach(form, error)
            else:
                return redirect("intake:mapping_detail", pk=kept.pk)
    context = {
        "form": form,
        "saved": saved,
        "versions": saved_mappings.saved_mapping_versions(saved) if saved is not None else [],
    }
    return render(request, "intake/mapping_form.html", context, status=status)
