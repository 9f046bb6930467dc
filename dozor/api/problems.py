"""Errors a program can act on: problem details (RFC 9457), in the request's language.

Every refusal and error of the API is ``application/problem+json`` with ``type``, ``title``,
``status`` and ``detail``; a refused input adds ``errors``, one ``{"field", "code", "message"}``
per problem, carrying the very messages the web forms show (``Accept-Language`` picks English or
Russian, as for the pages).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

PROBLEM_TYPE = "https://dozor.invalid/problems/"
CONTENT_TYPE = "application/problem+json"

TITLES: Mapping[int, Any] = {
    400: _("The request is not valid"),
    401: _("A valid API token is needed"),
    403: _("Not allowed"),
    404: _("Not found"),
    405: _("Method not allowed"),
    413: _("The request is too large"),
    422: _("The request conflicts with an earlier one"),
    423: _("Dozor is locked"),
    429: _("Too many requests"),
    500: _("Dozor failed to answer"),
}
CODES: Mapping[int, str] = {
    400: "invalid",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    413: "too-large",
    422: "idempotency-key-reused",
    423: "locked",
    429: "rate-limited",
    500: "server-error",
}


def problem(
    status: int,
    detail: Any = "",
    *,
    errors: Iterable[Mapping[str, str]] = (),
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    """A problem-details response; ``detail`` and the titles are translated when rendered."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + CODES.get(status, "error"),
        "title": str(TITLES.get(status, "")),
        "status": status,
        "detail": str(detail),
    }
    listed = [dict(error) for error in errors]
    if listed:
        body["errors"] = listed
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=CONTENT_TYPE
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def field_errors(error: ValidationError, *, prefix: str = "") -> list[dict[str, str]]:
    """One entry per message of a Django validation error, each naming its field ("" for the
    whole input) and the message's code ("invalid" where the validator gave none)."""
    entries: list[dict[str, str]] = []
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            name = "" if field == "__all__" else field
            for item in errors:
                entries.extend(_entries(item, f"{prefix}{name}" if name else prefix.rstrip(".")))
        return entries
    return _entries(error, prefix.rstrip("."))


def _entries(error: ValidationError, field: str) -> list[dict[str, str]]:
    return [
        {"field": field, "code": item.code or "invalid", "message": str(next(iter(item)))}
        for item in error.error_list
    ]


def form_errors(form: Any, *, prefix: str = "") -> list[dict[str, str]]:
    """The errors of a bound, invalid Django form, as the form itself words them."""
    entries: list[dict[str, str]] = []
    for field, errors in form.errors.as_data().items():
        name = "" if field == "__all__" else field
        for item in errors:
            entries.extend(_entries(item, f"{prefix}{name}" if name else prefix.rstrip(".")))
    return entries


# The statuses each operation may answer with a problem, beside its success: documented in the
# schema so that a client (and schemathesis) knows every answer's shape.
PROBLEM_STATUSES = (400, 401, 403, 404, 413, 423, 429)
# An operation marked idempotent (an Idempotency-Key header) may also refuse a key sent before
# with other content.
IDEMPOTENT = "x-dozor-idempotent"
IDEMPOTENT_STATUSES = (422,)
PROBLEM_SCHEMA = {
    "type": "object",
    "title": "Problem",
    "description": "Problem details (RFC 9457), in the language of Accept-Language.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "code", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
    },
}


def documented(schema: Any) -> Any:
    """The OpenAPI schema with the problem responses of every operation of the API (not the
    schema's own and the reference page's, which answer no problem)."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    reference = {"$ref": "#/components/schemas/Problem"}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            statuses = PROBLEM_STATUSES + (IDEMPOTENT_STATUSES if operation.get(IDEMPOTENT) else ())
            for status in statuses:
                responses.setdefault(
                    str(status),
                    {
                        "description": str(TITLES[status]),
                        "content": {CONTENT_TYPE: {"schema": reference}},
                    },
                )
    return schema
