"""The public form at /report/, the triage queue and the referrals.

The public form needs no account, no JavaScript and nothing from another site: its challenge is a
picture Dozor draws, its files are sealed into the store as they arrive (the evidence upload
handler), and a refused form keeps nothing. The triage pages are the receiving organisation's.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseServerError,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from dozor.accounts.models import Organisation
from dozor.accounts.policy import may, require, requires, signed_in_user
from dozor.evidence.uploads import (
    EvidenceUploadHandler,
    SealedUpload,
    discard_unclaimed,
    upload_state,
)
from dozor.evidence.views import refusal_text
from dozor.lib.form_problems import form_problems
from dozor.security.files import FileIntegrityError
from dozor.security.keyring import keyring
from dozor.security.network import client_ip
from dozor.submissions import challenge, selectors, services, throttle
from dozor.submissions.forms import (
    HONEYPOT,
    MSG_HONEYPOT,
    NoteForm,
    PublicReportForm,
    ReferralForm,
    ReferralUpdateForm,
)
from dozor.submissions.models import Channel, Referral, Submission, SubmissionFile

logger = logging.getLogger(__name__)

MSG_TOO_MANY = gettext_lazy(
    "Nothing was sent: this connection has sent the form too many times in the last hour. "
    "Wait an hour and send it again."
)
MSG_FILES_AGAIN = gettext_lazy(
    "Nothing was kept, files included: choose your files again when you send the form."
)
MSG_FILE_UNREADABLE = gettext_lazy(
    "This file is missing or damaged in Dozor's store, so nothing was sent."
)
LANGUAGES = {code for code, _name in settings.LANGUAGES}


def _language(request: HttpRequest) -> str:
    """The page's language: ?lang=ru or ?lang=en when given, else the site's choice."""
    wanted = request.GET.get("lang", "")
    if wanted in LANGUAGES:
        translation.activate(wanted)
        request.LANGUAGE_CODE = wanted
    return translation.get_language() or settings.LANGUAGE_CODE


def _form_page(
    request: HttpRequest,
    form: PublicReportForm,
    *,
    problems: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "challenge": challenge.challenge_new(),
        "problems": problems or [],
        "file_max_mb": settings.DOZOR_EVIDENCE_FILE_MAX_MB,
        "upload_max_mb": settings.DOZOR_EVIDENCE_UPLOAD_MAX_MB,
        "honeypot": HONEYPOT,
        "keep_ip": settings.DOZOR_INTAKE_KEEP_IP,
    }
    return render(request, "submissions/report_form.html", context, status=status)


@csrf_exempt
@never_cache
def report_form(request: HttpRequest) -> HttpResponse:
    """The public form: anyone may tell the organisation what happened, without an account.

    A POST over the hour's limit is refused before a byte of it is read; otherwise the files
    are sealed as they arrive and whatever the request did not keep is deleted when it ends,
    whatever happened (a wrong answer, a filled honeypot, a refused file). Nothing it answers
    is a 403 or 404, so the refusal log never records a sender's address."""
    _language(request)
    organisation = selectors.intake_organisation()
    if organisation is None:
        return render(request, "submissions/closed.html")
    if keyring().locked:
        # Nothing could be sealed: say so before anyone writes, not after.
        return render(request, "submissions/closed.html", {"locked": True}, status=503)
    if request.method in ("GET", "HEAD"):
        return _form_page(request, PublicReportForm())
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    if throttle.over_limit(request):
        return _form_page(request, PublicReportForm(), problems=[str(MSG_TOO_MANY)], status=429)
    request.upload_handlers = [EvidenceUploadHandler(request)]
    try:
        return _report_receive(request, organisation)
    finally:
        discard_unclaimed(request)


# No CSRF check: the form's challenge token does its work. A page on another site can make a
# browser send the form but cannot read the picture its token names, so it cannot answer it;
# and a CSRF refusal would be a 403, which the refusal log records with the sender's address.
def _report_receive(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    form = PublicReportForm(request.POST)
    if request.POST.get(HONEYPOT, "").strip():
        return _form_page(request, form, problems=[str(MSG_HONEYPOT)], status=400)
    state = upload_state(request)
    uploads = [f for f in request.FILES.getlist("files") if isinstance(f, SealedUpload)]
    problems = [refusal_text(refusal) for refusal in state.refused]
    try:
        challenge.challenge_check(request.POST.get("challenge", ""), request.POST.get("answer", ""))
    except challenge.ChallengeFailed as failed:
        form.is_valid()
        form.add_error("answer", failed.message)
    if not form.is_valid() or problems:
        if uploads or problems:
            problems.append(str(MSG_FILES_AGAIN))
        return _form_page(request, form, problems=problems, status=400)
    data = form.cleaned_data
    text = services.SubmissionText(
        title=data["title"],
        what_happened=data["what_happened"],
        when_text=data["when_text"],
        where_text=data["where_text"],
        contact=data["contact"],
        language=translation.get_language() or settings.LANGUAGE_CODE,
        wants_legal_help=data["wants_legal_help"],
        wants_asylum_help=data["wants_asylum_help"],
    )
    address = client_ip(request) if settings.DOZOR_INTAKE_KEEP_IP else ""
    try:
        with transaction.atomic():
            submission = services.submission_receive(
                organisation=organisation, channel=Channel.FORM, text=text, ip_address=address
            )
            for upload in uploads:
                services.submission_file_add(
                    submission=submission,
                    name=upload.name or "",
                    media_type=upload.media_type,
                    stored=upload.stored,
                )
    except ValidationError as error:
        problems = [*error.messages]
        if uploads:
            problems.append(str(MSG_FILES_AGAIN))
        return _form_page(request, form, problems=problems, status=400)
    state.claimed.update(upload.stored.file_id for upload in uploads)
    return render(
        request,
        "submissions/received.html",
        {"receipt": submission.receipt, "files": len(uploads), "contact": bool(text.contact)},
    )


@require_GET
def challenge_image(request: HttpRequest, token: str) -> HttpResponse:
    """The picture of the form's sum, drawn here: no image service elsewhere sees the visitor."""
    try:
        png = challenge.image_png(token)
    except challenge.ChallengeFailed:
        raise Http404 from None
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "no-store"
    return response


# The triage queue: the receiving organisation's documenters and administrators.


def _organisation_id(request: HttpRequest) -> int:
    """The user's organisation; a user of none has no submission to see."""
    organisation_id = signed_in_user(request).organisation_id
    if organisation_id is None:
        raise Http404
    return organisation_id


def _own_submission(request: HttpRequest, pk: int) -> Submission:
    """A submission of the user's organisation (who may triage it is asked next), else 404.

    ``requires`` hands the views the loaded object and the URL's ``pk`` both."""
    try:
        return Submission.objects.select_related("accepted_report", "triaged_by").get(
            pk=pk, organisation_id=_organisation_id(request)
        )
    except Submission.DoesNotExist:
        raise Http404 from None


def _own_file(request: HttpRequest, pk: int) -> SubmissionFile:
    try:
        return SubmissionFile.objects.select_related("submission").get(
            pk=pk, submission__organisation_id=_organisation_id(request)
        )
    except SubmissionFile.DoesNotExist:
        raise Http404 from None


def _own_referral(request: HttpRequest, pk: int) -> Referral:
    try:
        return Referral.objects.select_related("submission").get(
            pk=pk, organisation_id=_organisation_id(request)
        )
    except Referral.DoesNotExist:
        raise Http404 from None


@requires("submissions.triage")
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The submissions waiting for a decision (or of one status), newest first."""
    user = signed_in_user(request)
    show = request.GET.get("show", "open")
    if show not in selectors.QUEUE_FILTERS:
        show = "open"
    rows = selectors.submission_queue(user, show)[:500]
    return render(
        request,
        "submissions/queue.html",
        {"rows": rows, "show": show, "filters": selectors.queue_filter_labels()},
    )


@requires("submissions.triage", _own_submission)
@require_GET
def submission_detail(request: HttpRequest, submission: Submission, pk: int) -> HttpResponse:
    """One submission as it was sent, its files, its referrals and what can be decided."""
    user = signed_in_user(request)
    services.submission_view_record(user=user, submission=submission)
    return render(
        request,
        "submissions/detail.html",
        {
            "submission": submission,
            "files": list(submission.files.select_related("attachment")),
            "referrals": list(submission.referrals.all()),
            "history": selectors.submission_history(submission),
            "may_refer": submission.wants_help and may(user, "referrals.use", submission),
            "note_form": NoteForm(),
            "referral_form": ReferralForm(),
        },
    )


def _back(submission: Submission) -> HttpResponse:
    return redirect("submissions:submission_detail", pk=submission.pk)


def _refused(request: HttpRequest, error: ValidationError) -> None:
    messages.error(
        request, _("Nothing was changed: %(problems)s") % {"problems": " ".join(error.messages)}
    )


@requires("submissions.triage", _own_submission)
@require_POST
def submission_accept(request: HttpRequest, submission: Submission, pk: int) -> HttpResponse:
    """Accept the submission as a report of the intake source list."""
    try:
        report = services.submission_accept(user=signed_in_user(request), submission=submission)
    except ValidationError as error:
        _refused(request, error)
        return _back(submission)
    messages.success(
        request,
        _("Accepted as report %(id)s of “%(list)s”, its files as the report's evidence.")
        % {"id": report.external_id, "list": report.source_list.name},
    )
    return _back(submission)


def _noted(request: HttpRequest, submission: Submission, decide: Any, done: str) -> HttpResponse:
    form = NoteForm(request.POST)
    if not form.is_valid():
        return HttpResponse(
            _("Write a note of at most %(limit)s characters.") % {"limit": 4000},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    try:
        decide(signed_in_user(request), submission, form.cleaned_data["note"])
    except ValidationError as error:
        _refused(request, error)
        return _back(submission)
    messages.success(request, done)
    return _back(submission)


@requires("submissions.triage", _own_submission)
@require_POST
def submission_ask_more(request: HttpRequest, submission: Submission, pk: int) -> HttpResponse:
    """Mark the submission as waiting for more from its sender."""
    return _noted(
        request,
        submission,
        lambda user, one, note: services.submission_ask_more(user=user, submission=one, note=note),
        _("Marked as waiting for more from the sender."),
    )


@requires("submissions.triage", _own_submission)
@require_POST
def submission_close(request: HttpRequest, submission: Submission, pk: int) -> HttpResponse:
    """Close the submission without a report."""
    return _noted(
        request,
        submission,
        lambda user, one, note: services.submission_close(user=user, submission=one, reason=note),
        _("Closed."),
    )


@login_required
@require_GET
def submission_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A file as it was sent, read from the store and checked as it is sent on."""
    submitted_file = _own_file(request, pk)
    require(request.user, "submissions.triage", submitted_file.submission)
    try:
        chunks = services.submission_file_open(
            user=signed_in_user(request), submitted_file=submitted_file
        )
    except (FileNotFoundError, FileIntegrityError):
        logger.exception("file %s of a submission cannot be read", submitted_file.pk)
        return HttpResponseServerError(MSG_FILE_UNREADABLE, content_type="text/plain")
    response = StreamingHttpResponse(chunks, content_type=submitted_file.media_type)
    response["Content-Length"] = str(submitted_file.size)
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=str(submitted_file.file_name)) or ""
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# Referrals: the organisation's advocates, documenters and administrators.


@requires("referrals.use")
@require_GET
def referral_list(request: HttpRequest) -> HttpResponse:
    """Everyone referred for help, newest first, with how each referral stands."""
    user = signed_in_user(request)
    rows = [
        (referral, ReferralUpdateForm(initial=_referral_initial(referral)))
        for referral in selectors.referrals_visible(user)[:500]
    ]
    services.referrals_view_record(user=user, count=len(rows))
    return render(request, "submissions/referrals.html", {"rows": rows})


def _referral_initial(referral: Referral) -> dict[str, Any]:
    return {
        "status": referral.status,
        "referred_to": str(referral.referred_to),
        "referred_on": referral.referred_on,
        "note": str(referral.note),
    }


@requires("submissions.triage", _own_submission)
@require_POST
def referral_add(request: HttpRequest, submission: Submission, pk: int) -> HttpResponse:
    """Refer the sender of a submission that asked for help."""
    form = ReferralForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("Nothing was changed: %(problems)s") % {"problems": " ".join(form_problems(form))},
        )
        return _back(submission)
    try:
        services.referral_create(
            user=signed_in_user(request), submission=submission, **form.cleaned_data
        )
    except ValidationError as error:
        _refused(request, error)
        return _back(submission)
    messages.success(request, _("Referral recorded."))
    return _back(submission)


@requires("referrals.use", _own_referral)
@require_POST
def referral_update(request: HttpRequest, referral: Referral, pk: int) -> HttpResponse:
    """Record how a referral stands."""
    form = ReferralUpdateForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("Nothing was changed: %(problems)s") % {"problems": " ".join(form_problems(form))},
        )
        return redirect("submissions:referral_list")
    try:
        services.referral_update(
            user=signed_in_user(request), referral=referral, **form.cleaned_data
        )
    except ValidationError as error:
        _refused(request, error)
        return redirect("submissions:referral_list")
    messages.success(request, _("Referral updated."))
    return redirect("submissions:referral_list")
