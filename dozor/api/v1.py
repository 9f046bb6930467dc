"""Version 1 of the JSON API: its routes, its token authentication and its problem details.

The OpenAPI 3.1 schema is generated from the endpoints' types (django-ninja) and served at
/api/v1/schema/; its reference page, /api/v1/docs/, loads Swagger UI from Dozor's own static
files, within the Content-Security-Policy.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaError
from ninja.renderers import JSONRenderer

from dozor.api import (
    estimates,
    exports,
    incidents,
    linkage,
    links,
    problems,
    reporting,
    reports,
    responses,
)
from dozor.api.auth import RateLimited, ReadOnlyToken, TokenAuth
from dozor.api.problems import field_errors, problem
from dozor.security.crypto import KeyringLocked

MSG_TOKEN_NEEDED = _(
    "Send a valid personal API token: “Authorization: Bearer dozor_…”. A token is made on the "
    "account page; it may have expired or been revoked."
)
MSG_NOT_ALLOWED = _("Your role or organisation does not allow this.")
MSG_REQUEST_INVALID = _("The request does not match the API's schema: correct the fields named.")
MSG_TOO_LARGE = _("The request is too large to accept.")
MSG_FAILED = _("Dozor could not answer this request. The server's log says why.")

logger = logging.getLogger(__name__)


class UnicodeJSONRenderer(JSONRenderer):
    """JSON with Cyrillic as Cyrillic, not \\u escapes: readable in a terminal or a log, and
    what the names sweep reads is what a person reads."""

    json_dumps_params = {"ensure_ascii": False}


class DozorAPI(NinjaAPI):
    """NinjaAPI whose schema documents the problem details every operation may answer."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        return links.documented(problems.documented(schema))


api = DozorAPI(
    title="Dozor API",
    version="1",
    description=(
        "Incidents, their response timelines, the dialogue with officials about them, reports "
        "and source lists, linkage decisions, estimate runs, the report card and the annual "
        "figures, exports: with the same roles, organisations, confidentiality levels and name "
        "grants as the web app. "
        "Authenticate with a personal API token: `Authorization: Bearer dozor_…`."
    ),
    urls_namespace="api-v1",
    auth=TokenAuth(),
    renderer=UnicodeJSONRenderer(),
    openapi_url="/schema/",
    docs_url="/docs/",
)
api.add_router("/incidents/", incidents.router)
api.add_router("/reports/", reports.reports)
api.add_router("/source-lists/", reports.source_lists)
api.add_router("/link-pairs/", linkage.router)
api.add_router("/exports/", exports.router)
api.add_router("/estimate-runs/", estimates.router)
api.add_router("/report-card/", reporting.report_cards)
api.add_router("/annual/", reporting.annual_reports)
# The responses' paths begin with incidents/, raisings/, raise-list/ and bodies/.
api.add_router("/", responses.router)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(401, MSG_TOKEN_NEEDED, headers={"WWW-Authenticate": 'Bearer realm="dozor"'})


@api.exception_handler(ReadOnlyToken)
def _read_only(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(403, str(exc))


@api.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, exc: Exception) -> HttpResponse:
    assert isinstance(exc, RateLimited)
    return problem(429, str(exc), headers={"Retry-After": str(exc.retry_after)})


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(403, str(exc) or MSG_NOT_ALLOWED)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(404, str(exc))


@api.exception_handler(KeyringLocked)
def _locked(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(423, str(exc))


@api.exception_handler(RequestDataTooBig)
def _too_large(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(413, MSG_TOO_LARGE)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: Exception) -> HttpResponse:
    assert isinstance(exc, ValidationError)
    return problem(400, MSG_REQUEST_INVALID, errors=field_errors(exc))


@api.exception_handler(SchemaError)
def _schema_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    assert isinstance(exc, SchemaError)
    return problem(400, MSG_REQUEST_INVALID, errors=[_schema_entry(e) for e in exc.errors])


def _schema_entry(error: dict[str, Any]) -> dict[str, str]:
    """A pydantic error as a problem entry: the field's path without its source ("body",
    "query", the parameter's name), pydantic's code and message."""
    location = [str(part) for part in error.get("loc", ())]
    path = location[2:] if len(location) > 2 and location[0] in ("body", "query") else location[1:]
    field = ""
    for part in path:
        field += f"[{part}]" if part.isdigit() else (f".{part}" if field else part)
    return {
        "field": field,
        "code": str(error.get("type", "invalid")),
        "message": error.get("msg", ""),
    }


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    assert isinstance(exc, HttpError)
    return problem(exc.status_code, str(exc))


@api.exception_handler(Exception)
def _failed(request: HttpRequest, exc: Exception) -> HttpResponse:
    """Anything else is Dozor's fault: logged with its traceback (never the request's body),
    answered as a problem a program can read rather than the HTML error page."""
    logger.exception("API request failed: %s %s", request.method, request.path)
    return problem(500, MSG_FAILED)
