"""/api/v1/incidents/: the incident list with the list page's filters, sorts and pages; an
incident as its page shows it; recording and changing one through the incident form's checks."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, InvalidPage
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status

from dozor.accounts.models import User
from dozor.accounts.policy import require
from dozor.api.problems import field_errors, form_errors, problem
from dozor.audit import services as audit
from dozor.records import selectors, services
from dozor.records.custom_field_forms import form_name, initial_values, values_given
from dozor.records.custom_field_selectors import (
    incident_custom,
    incident_custom_values,
    own_fields,
    people_custom_initial,
    people_custom_values,
    sealed_fields,
)
from dozor.records.custom_fields import MSG_VALUE_UNKNOWN_FIELD, CustomField, FieldTarget
from dozor.records.forms import (
    BiasFormSet,
    IncidentFilterForm,
    IncidentForm,
    PersonFormSet,
    incident_input,
)
from dozor.records.models import Incident
from dozor.records.redaction import free_text_for
from dozor.records.views import (
    MSG_FORM_HAS_ERRORS,
    MSG_LOCKED_FORM,
    list_incidents,
    list_paginator,
)
from dozor.security.crypto import KeyringLocked
from dozor.security.keyring import keyring

router = Router(tags=["incidents"])

MSG_NO_INCIDENT = _("No incident with this reference that you may see.")
MSG_NO_PAGE = _("There is no page %(page)s: the list has %(pages)s.")
MSG_FILTERS_INVALID = _("The filters are not valid: correct the fields named.")


class IncidentFilterQuery(Schema):
    """The incident list's filters, as the list page reads them from its address."""

    q: str | None = Field(None, description="Words of the title, summary or people's names.")
    date_from: str | None = Field(None, description="From this date (YYYY-MM-DD).")
    date_to: str | None = Field(None, description="Up to this date (YYYY-MM-DD).")
    country: str | None = Field(None, description="ISO 3166-1 alpha-2 code.")
    region: str | None = Field(None, description="ISO 3166-2 code of a Russian region.")
    bias: str | None = Field(None, description="A code of the bias_motivation vocabulary.")
    type: str | None = Field(None, description="A code of the incident_type vocabulary.")
    status: str | None = Field(None, description="A code of the verification_status vocabulary.")
    defenders: str | None = Field(None, description="yes or no: defenders targeted.")
    sort: str | None = Field(None, description="As the list page: -date (default), date, …")


class IncidentQuery(IncidentFilterQuery):
    page: int = Field(1, ge=1, description="The page, from 1; 50 incidents a page.")


class BiasOut(Schema):
    motivation: str
    indicators: list[str]
    note: str


class PersonOut(Schema):
    role: str
    label: str = Field(description="The name where the caller may see names, else a pseudonym.")
    pseudonym: str = Field(
        description="The person's pseudonym, which an update's person names to keep the "
        "person's custom fields (PersonIn.pseudonym)."
    )
    named: bool
    sex: str
    age: int | None
    perceived_group: str
    harm: str
    group_affiliation: str
    count: int
    custom_fields: dict[str, Any] = Field(
        description="The organisation's own fields on people, as the incident's custom_fields."
    )


class IncidentReportOut(Schema):
    """A report the incident was made from. Its own name: the schema's components are named by
    their classes, and a second ReportOut would stand for /reports/{id}/'s."""

    source_list: str
    external_id: str
    revision: int
    received_on: datetime.date | None
    linked_at: datetime.datetime
    kind: str


class IncidentRow(Schema):
    reference: str
    url: str
    title: str
    date_start: datetime.date | None
    date_end: datetime.date | None
    date_precision: str
    country: str
    region: str
    incident_type: str
    defender_targeted: bool
    killed: int
    injured: int
    verification_status: str
    bias_motivations: list[str]


class IncidentOut(IncidentRow):
    organisation: str
    confidentiality: str
    custom_fields: dict[str, Any] = Field(
        description=(
            "The organisation's own fields by key, for its own users (removed fields too): "
            "several choices as a list of codes, the others as text (a number, YYYY-MM-DD, yes "
            "or no, an option's code). A sensitive field's only for those who see names."
        ),
    )
    summary: str = Field(description="With people's names taken out unless the caller sees them.")
    summary_language: str
    locality: str
    location_precision: str
    latitude: Decimal | None
    longitude: Decimal | None
    target_kind: str
    biases: list[BiasOut]
    people: list[PersonOut]
    reports: list[IncidentReportOut]
    created_at: datetime.datetime
    updated_at: datetime.datetime


class IncidentPage(Schema):
    count: int = Field(description="Incidents in the list, counted up to `count_limit`.")
    count_limit: int
    count_capped: bool = Field(description="True when the list holds more than `count_limit`.")
    count_estimate: int | None = Field(description="The database's estimate of a longer list.")
    page: int
    pages: int
    next: str | None
    previous: str | None
    results: list[IncidentRow]


class BiasIn(Schema):
    motivation: str
    indicators: list[str] = []
    note: str = ""


class PersonIn(Schema):
    role: str = "victim"
    name: str = ""
    pseudonym: str = ""
    sex: str = "unknown"
    age: int | None = None
    perceived_group: str = ""
    harm: str = "unknown"
    group_affiliation: str = ""
    count: int = 1
    custom_fields: dict[str, Any] | None = Field(
        None,
        description=(
            "The organisation's own fields on people by key, checked as the form's person rows "
            "check them; the keys given replace the person's values, the others are kept from "
            'the incident\'s person of the same pseudonym (null or "" empties one).'
        ),
    )


# PersonIn's fields that are the person row's own form fields (custom_fields are the row's
# custom_<key> fields, filled apart).
PERSON_ROW_FIELDS = tuple(name for name in PersonIn.model_fields if name != "custom_fields")
# A person row's custom field as the form names it, and as the API does: custom_fields.<key>.
PERSON_CUSTOM_ERROR = re.compile(r"^(people\[\d+\])\.custom_(?P<key>[a-z][a-z0-9_]*)$")


class IncidentIn(Schema):
    """An incident as the form records it; a field left out takes the form's default (on a
    change: the incident's current value). ``biases`` and ``people``, when given, replace the
    incident's own."""

    title: str | None = None
    summary: str | None = None
    summary_language: str | None = None
    date_precision: str | None = None
    date_start: datetime.date | None = None
    date_end: datetime.date | None = None
    country: str | None = None
    region: str | None = None
    locality: str | None = None
    location_precision: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    incident_type: str | None = None
    target_kind: str | None = None
    killed: int | None = None
    injured: int | None = None
    verification_status: str | None = None
    confidentiality: str | None = None
    defender_targeted: bool | None = None
    biases: list[BiasIn] | None = None
    people: list[PersonIn] | None = None
    custom_fields: dict[str, Any] | None = Field(
        None,
        description=(
            "The organisation's own fields by key, checked as the form checks them; the keys "
            'given replace the incident\'s values (null or "" empties one).'
        ),
    )


def _url(request: HttpRequest, incident: Incident) -> str:
    return request.build_absolute_uri(
        reverse("api-v1:incident_get", kwargs={"reference": incident.reference})
    )


def _row(request: HttpRequest, incident: Incident, biases: Iterable[str]) -> dict[str, Any]:
    return {
        "reference": incident.reference,
        "url": _url(request, incident),
        **{name: getattr(incident, name) for name in IncidentRow.model_fields if _plain(name)},
        "bias_motivations": list(biases),
    }


def _plain(name: str) -> bool:
    return name not in ("reference", "url", "bias_motivations")


@router.get("/", response=IncidentPage, url_name="incident_list")
def incident_list(request: HttpRequest, query: Query[IncidentQuery]) -> Any:
    """The incidents the caller may see, filtered, sorted and paged as on the list page."""
    values = query.model_dump(exclude_none=True)
    number = values.pop("page")
    form = IncidentFilterForm(values)
    if not form.is_valid():
        return problem(400, MSG_FILTERS_INVALID, errors=form_errors(form))
    filters = form.filters()
    paginator = list_paginator(list_incidents(request.user, filters), filters)
    try:
        page = paginator.page(number)
    except EmptyPage:
        return problem(404, MSG_NO_PAGE % {"page": number, "pages": paginator.num_pages})
    except InvalidPage:  # pragma: no cover - the schema admits whole numbers from 1 only
        return problem(400, MSG_NO_PAGE % {"page": number, "pages": paginator.num_pages})

    def link(to: int) -> str:
        params = request.GET.copy()
        params["page"] = str(to)
        return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")

    return {
        "count": paginator.count,
        "count_limit": paginator.limit,
        "count_capped": paginator.capped,
        "count_estimate": paginator.estimate,
        "page": page.number,
        "pages": paginator.num_pages,
        "next": link(page.number + 1) if page.has_next() else None,
        "previous": link(page.number - 1) if page.has_previous() else None,
        "results": [_row(request, row.incident, row.biases) for row in page.object_list],
    }


def incident_visible(request: HttpRequest, reference: str) -> Incident:
    """The incident of this reference if the caller may see it; else 404, whether it does not
    exist or belongs to an organisation that keeps it from them."""
    try:
        return selectors.incident_get(user=request.user, reference=reference)
    except Incident.DoesNotExist:
        raise Http404(MSG_NO_INCIDENT) from None


@router.get("/{reference}/", response=IncidentOut, url_name="incident_get")
def incident_get(request: HttpRequest, reference: str) -> Any:
    """An incident as its page shows it to the caller: names only with the grant (each answer
    that shows names is in the audit trail, as the page's is)."""
    return _detail(request, incident_visible(request, reference))


def _detail(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    user = request.user
    people = selectors.people_shown(user, incident)
    named = [shown for shown in people if shown.named]
    names = selectors.names_visible(user, incident)
    custom = incident_custom(user, incident, named=names)
    people_custom = people_custom_values(user, incident, named=names)
    sealed_shown = sum(1 for field in sealed_fields(incident) if field.key in custom)
    if named or sealed_shown:
        audit.audit_record(
            action=audit.Action.VIEW_NAMES,
            user=user,
            target=incident,
            changes={"names_shown": len(named)}
            | ({"sensitive_fields_shown": sealed_shown} if sealed_shown else {}),
        )
    return {
        "custom_fields": custom,
        **_row(request, incident, (bias.motivation for bias in incident.biases.all())),
        **{
            name: getattr(incident, name)
            for name in (
                "confidentiality",
                "summary_language",
                "locality",
                "location_precision",
                "latitude",
                "longitude",
                "target_kind",
                "created_at",
                "updated_at",
            )
        },
        "organisation": incident.organisation.name,
        "summary": str(free_text_for(user, incident, incident.summary or "")),
        "biases": [
            {
                "motivation": bias.motivation,
                "indicators": list(bias.indicators or []),
                "note": str(free_text_for(user, incident, bias.note or "")),
            }
            for bias in incident.biases.all()
        ],
        "people": [
            {
                "label": shown.label,
                "named": shown.named,
                **{
                    name: getattr(shown.person, name)
                    for name in PersonOut.model_fields
                    if name not in ("label", "named", "custom_fields")
                },
                "custom_fields": people_custom.get(shown.person.pk, {}),
            }
            for shown in people
        ],
        "reports": [
            {
                "source_list": link.report.source_list.name,
                "external_id": link.report.external_id,
                "revision": link.report.revision,
                "received_on": link.report.received_on,
                "linked_at": link.linked_at,
                "kind": link.kind,
            }
            for link in incident.report_links.select_related("report__source_list")
        ],
    }


@router.post("/", response={201: IncidentOut}, url_name="incident_create")
def incident_create(request: HttpRequest, payload: IncidentIn) -> Any:
    """Record an incident in the caller's organisation, checked as the incident form checks it."""
    user = _writer(request)
    require(user, "incident.create")
    saved = _save(request, user, None, payload)
    if isinstance(saved, HttpResponse):
        return saved
    return Status(201, _detail(request, saved))


@router.patch("/{reference}/", response=IncidentOut, url_name="incident_update")
def incident_update(request: HttpRequest, reference: str, payload: IncidentIn) -> Any:
    """Change an incident: the fields given replace the incident's, the rest are kept."""
    user = _writer(request)
    incident = incident_visible(request, reference)
    require(user, "incident.write", incident)
    saved = _save(request, user, incident, payload)
    if isinstance(saved, HttpResponse):
        return saved
    return _detail(request, saved)


def _writer(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    if keyring().locked:
        raise KeyringLocked(str(MSG_LOCKED_FORM))
    return user


def _save(
    request: HttpRequest, user: User, incident: Incident | None, payload: IncidentIn
) -> Incident | HttpResponse:
    """The incident form's three forms, bound to the payload over the current values, then the
    service: every message is the form's or the service's own."""
    fields = list(own_fields(user))
    person_fields = list(own_fields(user, FieldTarget.PERSON))
    unknown = _unknown_keys(payload, fields, person_fields)
    if unknown:
        return problem(400, MSG_FORM_HAS_ERRORS, errors=unknown)
    data = _form_data(user, incident, payload)
    _custom_form_data(data, fields, incident, payload.custom_fields or {})
    _people_custom_form_data(data, person_fields, incident, payload)
    form = IncidentForm(data, custom_fields=fields)
    biases = BiasFormSet(data, prefix="bias")
    people = PersonFormSet(data, prefix="person", form_kwargs={"custom_fields": person_fields})
    if not (form.is_valid() & biases.is_valid() & people.is_valid()):
        errors = form_errors(form)
        errors += _formset_errors(biases, "biases")
        errors += [_person_custom_named(entry) for entry in _formset_errors(people, "people")]
        return problem(400, MSG_FORM_HAS_ERRORS, errors=errors)
    person_problems = _people_custom_problems(people, person_fields)
    if person_problems:
        return problem(400, MSG_FORM_HAS_ERRORS, errors=person_problems)
    data_in = incident_input(form, biases, people)
    try:
        if incident is None:
            assert user.organisation is not None
            return services.incident_create(organisation=user.organisation, user=user, data=data_in)
        return services.incident_update(incident=incident, user=user, data=data_in)
    except ValidationError as error:
        return problem(400, MSG_FORM_HAS_ERRORS, errors=field_errors(error))


def _unknown_keys(
    payload: IncidentIn, fields: list[CustomField], person_fields: list[CustomField]
) -> list[dict[str, str]]:
    """A problem entry for each key the organisation has no active field for: the incident's
    ``custom_fields.KEY``, a person's ``people[i].custom_fields.KEY``."""
    keys = {field.key for field in fields}
    person_keys = {field.key for field in person_fields}
    given = [("", payload.custom_fields or {}, keys, _("incidents"))]
    for index, person in enumerate(payload.people or []):
        given.append(
            (f"people[{index}].", person.custom_fields or {}, person_keys, _("people involved"))
        )
    return [
        {
            "field": f"{prefix}custom_fields.{key}",
            "code": "unknown",
            "message": str(MSG_VALUE_UNKNOWN_FIELD % {"key": key, "target": target}),
        }
        for prefix, values, known, target in given
        for key in sorted(set(values) - known)
    ]


def _form_value(data: MultiValueDict[str, Any], name: str, value: Any) -> None:
    """One custom field's value as the form posts it."""
    if isinstance(value, bool):
        value = "yes" if value else "no"
    if isinstance(value, list):
        data.setlist(name, [str(item) for item in value])
    elif value is not None:
        data[name] = str(value)


def _custom_form_data(
    data: MultiValueDict[str, Any],
    fields: list[CustomField],
    incident: Incident | None,
    given: dict[str, Any],
) -> None:
    """The custom fields' form values: the payload's over the incident's stored ones."""
    stored = initial_values(incident_custom_values(incident)) if incident is not None else {}
    for field in fields:
        name = form_name(field)
        _form_value(data, name, given[field.key] if field.key in given else stored.get(name))


def _people_custom_form_data(
    data: MultiValueDict[str, Any],
    fields: list[CustomField],
    incident: Incident | None,
    payload: IncidentIn,
) -> None:
    """Each person row's custom values as the form's person rows post them: the payload's over
    the stored ones. With ``people`` given, a row's stored values are those of the incident's
    person of the same pseudonym (as incident_update keeps them); without, the rows are the
    incident's own people, each with its own."""
    if not fields:
        return
    stored = people_custom_initial(incident) if incident is not None else {}
    if "people" not in payload.model_fields_set:
        people = list(incident.people.all()) if incident is not None else []
        rows: list[tuple[dict[str, Any], dict[str, Any]]] = [
            ({}, stored.get(person.pk, {})) for person in people
        ]
    else:
        by_pseudonym = (
            {person.pseudonym: stored.get(person.pk, {}) for person in incident.people.all()}
            if incident is not None
            else {}
        )
        rows = [
            (row.custom_fields or {}, by_pseudonym.get(row.pseudonym, {}) if row.pseudonym else {})
            for row in payload.people or []
        ]
    for index, (given, kept) in enumerate(rows):
        for field in fields:
            name = form_name(field)
            value = given[field.key] if field.key in given else kept.get(name)
            _form_value(data, f"person-{index}-{name}", value)


def _people_custom_problems(people: Any, fields: list[CustomField]) -> list[dict[str, str]]:
    """What the service would refuse of each person row's custom values (a required one left
    empty), checked here by the same parse so that each problem names its person and key: the
    service words them as one message per row, for the form's page."""
    problems: list[dict[str, str]] = []
    if not fields:
        return problems
    for index, row in enumerate(people.forms):
        if not row.cleaned_data or row.is_blank():
            continue
        try:
            services.custom_values_parse(
                fields, values_given(row, fields), complete=True, where=str(_("people involved"))
            )
        except ValidationError as error:
            problems += [
                _person_custom_named(entry)
                for entry in field_errors(error, prefix=f"people[{index}].")
            ]
    return problems


def _person_custom_named(entry: dict[str, str]) -> dict[str, str]:
    """A person row's custom field error under the name the API gives the field."""
    named = PERSON_CUSTOM_ERROR.match(entry["field"])
    if named is None:
        return entry
    return {**entry, "field": f"{named[1]}.custom_fields.{named['key']}"}


def _formset_errors(formset: Any, name: str) -> list[dict[str, str]]:
    errors = []
    for index, form in enumerate(formset.forms):
        if form.errors:
            errors += form_errors(form, prefix=f"{name}[{index}].")
    for message in formset.non_form_errors().as_data():
        errors += field_errors(message, prefix=f"{name}.")
    return errors


def _form_data(
    user: User, incident: Incident | None, payload: IncidentIn
) -> MultiValueDict[str, Any]:
    """The incident form's POST data: the payload's values over the incident's (or the form's
    defaults), and its row groups as the form's prefixed rows."""
    given = payload.model_dump(exclude_unset=True)
    if incident is None:
        fields: dict[str, Any] = dict(IncidentForm.INITIAL)
        bias_rows: list[dict[str, Any]] = []
        person_rows: list[dict[str, Any]] = []
    else:
        fields = IncidentForm.initial_from(incident)
        bias_rows = [
            {"motivation": b.motivation, "indicators": list(b.indicators or []), "note": b.note}
            for b in incident.biases.all()
        ]
        person_rows = [
            {
                "name": selectors.person_name(user, p, incident),
                **{name: getattr(p, name) for name in PERSON_ROW_FIELDS if name != "name"},
            }
            for p in incident.people.all()
        ]
    for name in IncidentForm.base_fields:
        if name in given:
            fields[name] = given[name]
    # A row takes the form's defaults for what it leaves out.
    if "biases" in given:
        bias_rows = [row.model_dump() for row in payload.biases or []]
    if "people" in given:
        person_rows = [row.model_dump(exclude={"custom_fields"}) for row in payload.people or []]
    data: MultiValueDict[str, Any] = MultiValueDict()
    for name, value in fields.items():
        if name == "defender_targeted":
            if value:
                data[name] = "on"
            continue
        data[name] = "" if value is None else str(value)
    for prefix, rows in (("bias", bias_rows), ("person", person_rows)):
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = "0"
        for index, row in enumerate(rows):
            for name, value in row.items():
                key = f"{prefix}-{index}-{name}"
                if isinstance(value, list):
                    data.setlist(key, [str(item) for item in value])
                else:
                    data[key] = "" if value is None else str(value)
    return data
