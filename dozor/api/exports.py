"""/api/v1/exports/: the files the web app's downloads give — the incident list (CSV or JSON,
with the list's filters) and the organisation's ODIHR submission (XLSX or CSV) — made by the
same functions, with the same names rule and audit entry."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from dozor.accounts.policy import signed_in_user
from dozor.api.incidents import MSG_FILTERS_INVALID, IncidentFilterQuery
from dozor.api.problems import form_errors, problem
from dozor.exports import writers
from dozor.exports.forms import OdihrForm
from dozor.exports.views import incident_list_file, odihr_file, signed_in_member
from dozor.records.forms import IncidentFilterForm

router = Router(tags=["exports"])


def _file(types: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The schema's answer of an operation that sends a file (not a JSON document of its own)."""
    return {"responses": {200: {"description": "The file.", "content": types}}}


TEXT = {"type": "string"}
BINARY = {"type": "string", "format": "binary"}


@router.get(
    "/incidents/{file_format}/",
    url_name="export_incidents",
    openapi_extra=_file(
        {
            "text/csv": {"schema": TEXT},
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
        }
    ),
)
def export_incidents(
    request: HttpRequest, file_format: Literal["csv", "json"], query: Query[IncidentFilterQuery]
) -> Any:
    """The incident list with the list's filters as a file, as its download on the list page:
    one row per incident the caller may see, names only with the grant; in the audit trail."""
    user = signed_in_user(request)
    form = IncidentFilterForm(query.model_dump(exclude_none=True))
    if not form.is_valid():
        return problem(400, MSG_FILTERS_INVALID, errors=form_errors(form))
    return incident_list_file(user, form.filters(), file_format)


class OdihrQuery(Schema):
    country: str = Field("RU", description="ISO 3166-1 alpha-2 code.")
    year: int = Field(description="The report year.")
    lang: str | None = Field(None, description="en or ru: the language of the file's words.")


@router.get(
    "/odihr/{file_format}/",
    url_name="export_odihr",
    openapi_extra=_file(
        {
            writers.XLSX_TYPE: {"schema": BINARY},
            "text/csv": {"schema": TEXT},
        }
    ),
)
def export_odihr(
    request: HttpRequest, file_format: Literal["xlsx", "csv"], query: Query[OdihrQuery]
) -> Any:
    """The organisation's ODIHR hate crime report submission for a country and year: the
    incidents marked for it, in ODIHR's columns, as the ODIHR page's download."""
    user = signed_in_member(request)
    form = OdihrForm(query.model_dump(exclude_none=True))
    if not form.is_valid():
        return problem(400, MSG_FILTERS_INVALID, errors=form_errors(form))
    return odihr_file(user, form, file_format)
