from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotFound,
    HttpResponseServerError,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from dozor.accounts.policy import signed_in_user
from dozor.evidence import custody, metadata, selectors, services
from dozor.evidence.forms import AttachForm
from dozor.evidence.models import Attachment
from dozor.evidence.panels import panel_page
from dozor.evidence.uploads import (
    EvidenceUploadHandler,
    Refusal,
    SealedUpload,
    discard_unclaimed,
    upload_state,
)
from dozor.lib.form_problems import form_problems
from dozor.printing import PdfUnavailable
from dozor.records.models import Incident, Report
from dozor.records.report_selectors import report_get
from dozor.records.selectors import incident_get, incidents_visible
from dozor.responses.models import Raising, ResponseEvent
from dozor.responses.selectors import raisings_visible
from dozor.security.files import FileIntegrityError

logger = logging.getLogger(__name__)

MSG_FILE_UNREADABLE = gettext_lazy(
    "This file is missing or damaged in Dozor's store, so nothing was sent. An administrator "
    "can check every evidence file with `dozor evidence verify`."
)
# A copy without metadata is named after its original, marked, with its own type's extension.
CLEAN_MARK = "no-metadata"
CLEAN_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}
MSG_NO_PREVIEW = gettext_lazy("No preview: this file cannot be shown as a small picture.")


def _incident(request: HttpRequest, reference: str) -> Incident:
    try:
        return incident_get(user=request.user, reference=reference)
    except Incident.DoesNotExist:
        raise Http404 from None


def _report(request: HttpRequest, report_id: int) -> Report:
    try:
        return report_get(user=request.user, pk=report_id)
    except Report.DoesNotExist:
        raise Http404 from None


def _event(request: HttpRequest, event_id: int) -> ResponseEvent:
    visible = ResponseEvent.objects.filter(incident__in=incidents_visible(request.user))
    return get_object_or_404(visible.select_related("incident"), pk=event_id)


def _raising(request: HttpRequest, raising_id: int) -> Raising:
    return get_object_or_404(raisings_visible(request.user), pk=raising_id)


# How each kind of record that holds evidence is found from its upload URL's one parameter,
# among the records the user may see (Http404 otherwise).
TARGET_LOADERS: dict[str, Callable[[HttpRequest, Any], models.Model]] = {
    "incident": _incident,
    "report": _report,
    "response_event": _event,
    "raising": _raising,
}


def refusal_text(refusal: Refusal) -> str:
    """Why one file of an upload was not kept, naming the file."""
    if refusal.code == "type":
        return str(services.type_refused(refusal.name, refusal.found or None).messages[0])
    if refusal.code == "size":
        return str(services.MSG_TOO_LARGE) % {
            "name": refusal.name,
            "limit": settings.DOZOR_EVIDENCE_FILE_MAX_MB,
        }
    if refusal.code == "upload":
        return str(services.MSG_UPLOAD_TOO_LARGE) % {"limit": settings.DOZOR_EVIDENCE_UPLOAD_MAX_MB}
    return str(services.MSG_EMPTY) % {"name": refusal.name}


@csrf_exempt
@login_required
def attach(request: HttpRequest, kind: str, **key: Any) -> HttpResponse:
    """Add files as evidence of a record of ``kind`` (TARGET_LOADERS: an incident, a report, a
    response event, a raising), named by the URL's one parameter. Who may is checked before a
    byte is read; the files are then sealed into the store as they arrive, and any the request
    did not keep are deleted when it ends, whatever happened (a refused file, a bad form, a
    failed CSRF check)."""
    (value,) = key.values()
    target = TARGET_LOADERS[kind](request, value)
    if not services.may_attach(signed_in_user(request), target):
        raise PermissionDenied(services.MSG_MAY_NOT_ATTACH)
    # The handler must be in place before anything reads the body (the CSRF check does), so
    # the check runs inside, once the handler is set.
    request.upload_handlers = [EvidenceUploadHandler(request)]
    try:
        return _attach(request, target, panel_page(target))
    finally:
        discard_unclaimed(request)


@csrf_exempt
@login_required
def attach_copy(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """Add a redacted or converted copy of a kept file: a new attachment of the same record
    that names its original, which stays as it was received. Checked, sealed and discarded as
    ``attach`` does."""
    original = _attachment(request, attachment_id)
    user = signed_in_user(request)
    target = original.target()
    if not services.may_open(user, original):
        raise PermissionDenied(services.MSG_MAY_NOT_OPEN)
    if not services.may_attach(user, target):
        raise PermissionDenied(services.MSG_MAY_NOT_ATTACH)
    request.upload_handlers = [EvidenceUploadHandler(request)]
    page = reverse("evidence:attachment_detail", args=[original.pk]) + "#copies"
    try:
        return _attach(request, target, page, derived_from=original)
    finally:
        discard_unclaimed(request)


@csrf_protect
@require_POST
def _attach(
    request: HttpRequest,
    target: models.Model,
    page: str,
    derived_from: Attachment | None = None,
) -> HttpResponse:
    user = signed_in_user(request)
    back = redirect(page)
    form = AttachForm(request.POST)
    state = upload_state(request)
    uploads = [f for f in request.FILES.getlist("files") if isinstance(f, SealedUpload)]
    problems = [refusal_text(refusal) for refusal in state.refused]
    if not uploads and not problems:
        problems.append(_("Choose at least one file."))
    if not form.is_valid():
        problems.extend(form_problems(form))
    if problems:
        messages.error(
            request, _("Nothing was kept: %(problems)s") % {"problems": " ".join(problems)}
        )
        return back
    arrived = [
        services.Arrived(name=upload.name or "", media_type=upload.media_type, stored=upload.stored)
        for upload in uploads
    ]
    try:
        attachments = services.attachments_record(
            user=user,
            target=target,
            arrived=arrived,
            kind=form.cleaned_data["kind"],
            description=form.cleaned_data["description"],
            made_on=form.cleaned_data["made_on"],
            derived_from=derived_from,
        )
    except ValidationError as error:
        messages.error(
            request, _("Nothing was kept: %(problems)s") % {"problems": " ".join(error.messages)}
        )
        return back
    state.claimed.update(attachment.file_id for attachment in attachments)
    for attachment in attachments:
        services.attachment_after_receipt(user=user, attachment=attachment)
    messages.success(
        request,
        ngettext(
            "%(count)d file kept as evidence, with its SHA-256.",
            "%(count)d files kept as evidence, each with its SHA-256.",
            len(attachments),
        )
        % {"count": len(attachments)},
    )
    return back


def _attachment(request: HttpRequest, attachment_id: int) -> Attachment:
    try:
        return selectors.attachment_get(user=request.user, attachment_id=attachment_id)
    except Attachment.DoesNotExist:
        raise Http404 from None


def _unreadable(attachment: Attachment) -> HttpResponse:
    logger.exception("evidence file of attachment %s cannot be read", attachment.pk)
    return HttpResponseServerError(MSG_FILE_UNREADABLE, content_type="text/plain")


def _file_headers(response: HttpResponseBase, file_name: str) -> HttpResponseBase:
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=file_name) or ""
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def download(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    """The file as it was received, read from the store and checked as it is sent."""
    attachment = _attachment(request, attachment_id)
    try:
        chunks = services.attachment_open(user=signed_in_user(request), attachment=attachment)
    except (FileNotFoundError, FileIntegrityError):
        return _unreadable(attachment)
    response = StreamingHttpResponse(chunks, content_type=attachment.media_type)
    response["Content-Length"] = str(attachment.size)
    return _file_headers(response, str(attachment.file_name))


def clean_file_name(name: str, media_type: str) -> str:
    """The name of a copy without metadata: the original's, marked, with the copy's
    extension."""
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    extension = CLEAN_EXTENSIONS.get(media_type, extension)
    return f"{stem}-{CLEAN_MARK}.{extension}" if extension else f"{stem}-{CLEAN_MARK}"


@login_required
@require_GET
def download_clean(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    """A copy of the file without its embedded metadata (GPS, device, time, author): what may
    leave Dozor. Made in memory from the sealed original; the download is an export in the
    audit trail."""
    attachment = _attachment(request, attachment_id)
    try:
        copy = services.attachment_open_clean(user=signed_in_user(request), attachment=attachment)
    except metadata.MetadataError as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    except (FileNotFoundError, FileIntegrityError):
        return _unreadable(attachment)
    response = HttpResponse(copy.data, content_type=copy.media_type)
    return _file_headers(response, clean_file_name(str(attachment.file_name), copy.media_type))


@login_required
@require_GET
def attachment_detail(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """One file: its hashes, what it is evidence of, its copies, and the metadata it carries
    (read from the sealed file, a view in the audit trail), with its downloads and its custody
    record. For those who may open it."""
    attachment = _attachment(request, attachment_id)
    user = signed_in_user(request)
    if not services.may_open(user, attachment):
        raise PermissionDenied(services.MSG_MAY_NOT_OPEN)
    problem = ""
    found = None
    try:
        found = services.attachment_metadata(user=user, attachment=attachment)
    except metadata.MetadataError as error:
        problem = str(error)
    except (FileNotFoundError, FileIntegrityError):
        logger.exception("evidence file of attachment %s cannot be read", attachment.pk)
        problem = str(MSG_FILE_UNREADABLE)
    return render(
        request,
        "evidence/attachment_detail.html",
        {
            "attachment": attachment,
            "metadata": found,
            "metadata_problem": problem,
            "readable": metadata.can_clean(attachment.media_type),
            "copies": attachment.derivatives.order_by("pk"),
            "can_copy": services.may_attach(user, attachment.target()),
            "copy_form": AttachForm(initial={"kind": attachment.kind}, auto_id="copy-%s"),
            "evidence_of": attachment.target(),
        },
    )


@login_required
@require_GET
def custody_record(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """The file's custody record: ?format=html (the default), pdf or json. Producing it is an
    export in the audit trail."""
    attachment = _attachment(request, attachment_id)
    file_format = request.GET.get("format", "html")
    try:
        content, content_type = custody.custody_render(
            user=signed_in_user(request), attachment=attachment, file_format=file_format
        )
    except custody.FormatRefused as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    except PdfUnavailable as error:
        logger.warning("custody record PDF unavailable: %s", error)
        return HttpResponse(str(error), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type=content_type)
    if file_format != "html":
        name = f"custody-{attachment.pk}-{attachment.sha256[:12]}.{file_format}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def preview(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    """The attachment's thumbnail or first page, to those who may open the file."""
    attachment = _attachment(request, attachment_id)
    try:
        rendered = services.attachment_preview_open(
            user=signed_in_user(request), attachment=attachment
        )
    except (FileNotFoundError, FileIntegrityError):
        return _unreadable(attachment)
    if rendered is None:
        response: HttpResponse = HttpResponseNotFound(MSG_NO_PREVIEW, content_type="text/plain")
    else:
        response = HttpResponse(rendered.data, content_type=rendered.media_type)
        response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
