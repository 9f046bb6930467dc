"""The Tella Web protocol, as the Tella app speaks it: sign in, the project, reports, file pieces;
and the page where a signed-in user finds what to type into Tella and signs their phones out.

Each route is the one Tella (Horizontal-org/Tella-Android, data/reports/remote/ReportsApiService.kt
and data/reports/repository/ReportsRepositoryImp.kt) calls on a Tella Web server
(Horizontal-org/TellaWeb-backend); docs/intake.md ("Tella") lists them with their payloads and
answers. Every answer is JSON; an error is ``{"statusCode", "error", "message"}`` as TellaWeb's
are, with a message that says what was wrong and what to do. The phone authenticates with the key
it received at sign-in (``Authorization: Bearer dozor_tella_…``), never a session cookie, so
these views are exempt from the CSRF check that protects cookie-signed forms.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from functools import wraps
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dozor.accounts.middleware import two_factor_required
from dozor.accounts.models import User
from dozor.accounts.policy import signed_in_user
from dozor.accounts.selectors import totp_device_confirmed
from dozor.lib import origin
from dozor.security.network import client_ip, user_agent
from dozor.submissions.models import SubmissionFile
from dozor.tella import selectors, services
from dozor.tella.models import TellaReport
from dozor.tella.ranges import RangeError, parse_content_range
from dozor.tella.services import TellaRefused

# The project's slug in the address the user types into Tella (…/tella/p/dozor): one for every
# account, whose project is their own organisation.
PROJECT_SLUG = "dozor"
SIGN_IN_BODY_MAX_BYTES = 16 * 1024
REPORT_BODY_MAX_BYTES = 256 * 1024

MSG_NOT_JSON = _("The body must be a JSON object (Content-Type: application/json): %(problem)s.")
MSG_FIELD_NOT_TEXT = _("“%(field)s” must be a string.")
MSG_BODY_TOO_LARGE = _("The body is larger than %(limit)s bytes.")
MSG_NO_TOKEN = _(
    "Sign in first: send the key Dozor gave at sign-in as “Authorization: Bearer <key>”."
)
MSG_TOKEN_REFUSED = _(
    "This key no longer works (it expired, the password was changed, or the account was "
    "deactivated or changed role): sign in again."
)
MSG_NO_PROJECT = _(
    "There is no such project. The project address is this server's …/tella/p/%(slug)s."
)
MSG_NO_REPORT = _("There is no such report among those you sent.")
MSG_LENGTH_NOT_NUMBER = _("Content-Length must be a number of bytes.")
MSG_LENGTH_REQUIRED = _(
    "Send the piece with a Content-Length header: Dozor reads a piece of known length only."
)


def _error(status: int, message: Any, *, received: int | None = None) -> JsonResponse:
    response = JsonResponse(
        {"statusCode": status, "error": HTTPStatus(status).phrase, "message": str(message)},
        status=status,
    )
    if received is not None:
        _tell_received(response, received)
    if status == HTTPStatus.UNAUTHORIZED:
        response["WWW-Authenticate"] = 'Bearer realm="tella"'
    return response


def _tell_received(response: HttpResponse, received: int) -> None:
    """The bytes Dozor holds, as Tella reads them (``size``) and as HTTP says it (``Range``)."""
    response["size"] = str(received)
    if received:
        response["Range"] = f"bytes=0-{received - 1}"


def _json_object(request: HttpRequest, *, limit: int) -> dict[str, Any]:
    if len(request.body) > limit:
        raise TellaRefused(413, MSG_BODY_TOO_LARGE % {"limit": limit})
    try:
        found = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as error:
        raise TellaRefused(400, MSG_NOT_JSON % {"problem": error}) from None
    if not isinstance(found, dict):
        raise TellaRefused(400, MSG_NOT_JSON % {"problem": type(found).__name__})
    return found


def _text(body: dict[str, Any], field: str) -> str:
    value = body.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TellaRefused(400, MSG_FIELD_NOT_TEXT % {"field": field})
    return value


def _user_json(user: User) -> dict[str, Any]:
    return {
        "id": str(user.pk),
        "username": user.get_username(),
        "role": user.role,
        "createdAt": user.date_joined.isoformat(),
        "deletedAt": None,
        "note": None,
    }


def _act_from_tella(request: HttpRequest) -> None:
    address, browser = client_ip(request), user_agent(request)
    origin.act_from(origin.Origin(channel="tella", ip_address=address, user_agent=browser))


def _refusals_as_json(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except TellaRefused as refused:
            return _error(refused.status, refused.message, received=refused.received)

    return wrapped


def _signed_in(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The phone's key stands for its user; the audit trail's origin says ``tella``."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        header = request.headers.get("Authorization", "").strip()
        # Tella sends "Bearer <key>" when it checks the project and the bare key afterwards.
        scheme, _space, rest = header.partition(" ")
        secret = rest.strip() if scheme.lower() == "bearer" else header
        if not secret:
            return _error(401, MSG_NO_TOKEN)
        token = services.tella_token_use(secret)
        if token is None:
            return _error(401, MSG_TOKEN_REFUSED)
        request.user = token.user
        _act_from_tella(request)
        return view(request, *args, **kwargs)

    return wrapped


@csrf_exempt
@require_POST
@_refusals_as_json
def sign_in(request: HttpRequest) -> HttpResponse:
    """``POST login/`` {username, password} → {access_token, user}."""
    body = _json_object(request, limit=SIGN_IN_BODY_MAX_BYTES)
    _act_from_tella(request)
    try:
        token, secret = services.tella_sign_in(
            request=request, username=_text(body, "username"), password=_text(body, "password")
        )
    finally:
        # The refusal is answered here, in JSON, rather than as the sign-in page's lockout page.
        request.axes_locked_out = False  # type: ignore[attr-defined]
    return JsonResponse({"access_token": secret, "user": _user_json(token.user)})


@require_GET
@_refusals_as_json
@_signed_in
def project(request: HttpRequest, slug: str) -> HttpResponse:
    """``GET p/<slug>`` → {id, name, slug}: the signed-in user's organisation."""
    user = request.user
    assert isinstance(user, User) and user.organisation is not None
    if slug != PROJECT_SLUG:
        return _error(404, MSG_NO_PROJECT % {"slug": PROJECT_SLUG})
    organisation = user.organisation
    return JsonResponse(
        {
            "id": str(organisation.pk),
            "name": organisation.name,
            "slug": PROJECT_SLUG,
            "url": request.build_absolute_uri(),
        }
    )


@csrf_exempt
@require_POST
@_refusals_as_json
@_signed_in
def report_create(request: HttpRequest, project_id: str) -> HttpResponse:
    """``POST project/<id>`` {title, description, deviceInfo} → 201 {id, title, …}."""
    user = request.user
    assert isinstance(user, User)
    if project_id != str(user.organisation_id):
        return _error(404, MSG_NO_PROJECT % {"slug": PROJECT_SLUG})
    body = _json_object(request, limit=REPORT_BODY_MAX_BYTES)
    # deviceInfo (the phone's make and system) is read past, not kept: the triage does not need
    # it, and a seized server must not tell which phone a monitor carries.
    title, description = _text(body, "title"), _text(body, "description")
    try:
        report = services.tella_report_create(
            user=user, title=title, description=description, language=(get_language() or "")[:2]
        )
    except ValidationError as error:
        return JsonResponse(
            {
                "statusCode": 400,
                "error": HTTPStatus.BAD_REQUEST.phrase,
                "message": error.messages,
                "fields": error.message_dict if hasattr(error, "error_dict") else {},
            },
            status=400,
        )
    return JsonResponse(
        {
            "id": str(report.pk),
            "title": title.strip(),
            "description": description.strip(),
            "createdAt": report.created_at.isoformat(),
            "author": {"id": str(user.pk), "username": user.get_username()},
        },
        status=201,
    )


def _report(user: User, report_id: uuid.UUID) -> TellaReport:
    """A report the user sent from Tella; another's, or another organisation's, is not found."""
    organisation_id = user.organisation_id
    report = (
        TellaReport.objects.select_related("submission")
        .filter(
            pk=report_id,
            submission__submitted_by=user,
            submission__organisation_id=organisation_id,
        )
        .first()
        if organisation_id is not None
        else None
    )
    if report is None:
        raise TellaRefused(404, MSG_NO_REPORT)
    return report


def _body_length(request: HttpRequest) -> int:
    """The body's announced length; a piece without one is refused (411), as Tella Web does:
    a body of unknown length would be read as empty."""
    given = request.META.get("CONTENT_LENGTH", "")
    if given in ("", None):
        raise TellaRefused(411, MSG_LENGTH_REQUIRED)
    if not (given.isascii() and given.isdigit()):
        raise TellaRefused(400, MSG_LENGTH_NOT_NUMBER)
    return int(given)


def _closed_json(submitted: SubmissionFile) -> JsonResponse:
    response = JsonResponse(
        {"success": True, "complete": True, "size": submitted.size, "sha256": submitted.sha256}
    )
    _tell_received(response, submitted.size)
    return response


def _receive(
    request: HttpRequest, report: TellaReport, file_name: str, *, v2: bool
) -> HttpResponse:
    body_length = _body_length(request)
    header = request.headers.get("Content-Range")
    byte_range = None
    if header is not None or v2:
        try:
            byte_range = parse_content_range(header or "")
        except RangeError as error:
            upload = services.upload_find(report, services.clean_file_name(file_name))
            return _error(400, error, received=upload.received if upload else 0)
    upload = services.tella_piece_receive(
        report=report,
        name=file_name,
        body=request,
        byte_range=byte_range,
        body_length=body_length,
    )
    received = upload.received if upload is not None else 0
    if v2 and byte_range is not None and byte_range.completes:
        return _closed_json(services.tella_upload_close(report=report, name=file_name))
    partial = byte_range is not None and not byte_range.completes
    response = JsonResponse(
        {"success": True, "complete": False, "size": received},
        status=206 if partial else 200,
    )
    _tell_received(response, received)
    return response


@csrf_exempt
@require_http_methods(["HEAD", "PUT", "POST"])
@_refusals_as_json
@_signed_in
def file(request: HttpRequest, report_id: uuid.UUID, file_name: str) -> HttpResponse:
    """``HEAD``: the bytes received (header ``size``); ``PUT``: append a piece (with or without
    Content-Range); ``POST``: close the file."""
    assert isinstance(request.user, User)
    report = _report(request.user, report_id)
    if request.method == "PUT":
        return _receive(request, report, file_name, v2=False)
    if request.method == "POST":
        return _closed_json(services.tella_upload_close(report=report, name=file_name))
    upload = services.upload_find(report, services.clean_file_name(file_name))
    response = HttpResponse(status=200)
    _tell_received(response, upload.received if upload is not None else 0)
    return response


@csrf_exempt
@require_http_methods(["PUT"])
@_refusals_as_json
@_signed_in
def file_v2(request: HttpRequest, report_id: uuid.UUID, file_name: str) -> HttpResponse:
    """``PUT file/v2/…`` with Content-Range: a piece; the last one closes the file."""
    assert isinstance(request.user, User)
    return _receive(request, _report(request.user, report_id), file_name, v2=True)


# The page for people, in a browser, signed in as usual ---------------------------------------


@never_cache
@login_required
@require_GET
def connect(request: HttpRequest) -> HttpResponse:
    """What the signed-in user types into Tella, and their phones signed in now."""
    user = signed_in_user(request)
    has_code = totp_device_confirmed(user) is not None
    context = {
        "may_connect": user.can_write_records(),
        "project_url": request.build_absolute_uri(reverse("tella:project", args=[PROJECT_SLUG])),
        "needs_code": has_code,
        "must_set_up": two_factor_required(user) and not has_code,
        "days": settings.DOZOR_TELLA_TOKEN_DAYS,
        "sign_ins": selectors.tella_sign_ins_of(user),
    }
    return render(request, "tella/connect.html", context)


@login_required
@require_POST
def sign_ins_end(request: HttpRequest) -> HttpResponse:
    """Sign every phone of the user out (a lost or seized phone)."""
    ended = services.tella_sign_ins_end(user=signed_in_user(request))
    messages.success(
        request,
        ngettext("%(count)s phone was signed out.", "%(count)s phones were signed out.", ended)
        % {"count": ended},
    )
    return redirect("tella:connect")
