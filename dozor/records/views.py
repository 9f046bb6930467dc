"""Incident pages: parse the request, call one selector or service, render."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from dozor.accounts.models import User
from dozor.accounts.policy import require, requires
from dozor.audit import selectors as audit_selectors
from dozor.audit import services as audit
from dozor.records import custom_field_selectors, local_terms, paging, selectors, services
from dozor.records.custom_field_forms import initial_values
from dozor.records.custom_fields import CustomField, FieldTarget
from dozor.records.forms import (
    BiasFormSet,
    IncidentFilterForm,
    IncidentForm,
    PersonFormSet,
    bias_form_kwargs,
    incident_input,
)
from dozor.records.models import Incident
from dozor.records.paging import CappedPaginator
from dozor.security.crypto import KeyringLocked
from dozor.security.keyring import keyring
from dozor.vocab import geography

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
MSG_FORM_TOO_LARGE = gettext_lazy(
    "The form was too large to accept (over %(limit)s MB). A title holds at most 300 characters "
    "and a summary at most 20,000; nothing was saved."
)
MSG_FORM_HAS_ERRORS = gettext_lazy("Nothing was saved: correct the fields marked below.")
# A long list's length (exact counts are in the template, up to paging.EXACT_COUNT_LIMIT).
MSG_COUNT_ESTIMATE = gettext_lazy(
    "About %(total)s incidents (an estimate: a list this long is not counted exactly)"
)
MSG_COUNT_MORE_THAN = gettext_lazy("More than %(limit)s incidents")
MSG_PAGES_END = gettext_lazy(
    "The pages of a list this long end here, after the first %(rows)s incidents. To reach the "
    "others, narrow the list with the filters or change the sort (“Oldest first” for the "
    "earliest)."
)
MSG_PAGES_END_ASKED = gettext_lazy(
    "That page is past the end: a list this long is shown up to page %(pages)s (the first "
    "%(rows)s incidents), and this is that page. To reach the others, narrow the list with the "
    "filters or change the sort (“Oldest first” for the earliest)."
)
MSG_LOCKED_FORM = gettext_lazy(
    "Incidents cannot be recorded or changed while Dozor is locked: summaries and the names of "
    "the people involved are stored encrypted, and without the key they can be neither shown in "
    "the form nor saved."
)


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    form = IncidentFilterForm(
        request.GET or None,
        custom_fields=custom_field_selectors.filterable_fields(request.user),
    )
    filters = form.filters()
    paginator = list_paginator(list_incidents(request.user, filters), filters)
    asked = request.GET.get("page")
    page = paginator.get_page(asked)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "records/incident_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "count_text": _count_text(paginator),
            "pages_note": _pages_note(paginator, page.number, asked),
        },
    )


def list_incidents(
    user: User | AnonymousUser, filters: selectors.IncidentFilters
) -> selectors.ListFound:
    """The list that list_paginator pages: only its first rows are ever read (its count's limit
    and one), which a search may then read alone, and give (selectors.incident_list_read)."""
    first = _count_limit(filters) + 1
    return selectors.incident_list_read(user=user, filters=filters, first=first)


def _count_limit(filters: selectors.IncidentFilters) -> int:
    """How far the list is counted and paged: a search less far than a list (paging)."""
    searched = bool(filters.text.strip())
    return paging.SEARCH_COUNT_LIMIT if searched else paging.EXACT_COUNT_LIMIT


def list_paginator(
    found: selectors.ListFound, filters: selectors.IncidentFilters
) -> CappedPaginator:
    """The list's pages. A search's length is never estimated: the planner's estimate comes
    from statistics over every organisation's tokens, names included, which the search itself
    may not touch. A search's count and page come from one read of its first ids (each query
    of a search looks its words up again), or from the ids the search has read already."""
    searched = bool(filters.text.strip())
    return CappedPaginator(
        found.incidents,
        PAGE_SIZE,
        limit=_count_limit(filters),
        rows=selectors.list_rows,
        estimated=not searched,
        ids_first=searched,
        first_ids=found.first_ids,
    )


def _count_text(paginator: CappedPaginator) -> str:
    """How many incidents a long list holds, labelled an estimate ("" for a list counted
    exactly: the template says how many)."""
    if not paginator.capped:
        return ""
    if paginator.estimate is not None:
        return MSG_COUNT_ESTIMATE % {"total": intcomma(paginator.estimate)}
    return MSG_COUNT_MORE_THAN % {"limit": intcomma(paginator.limit)}


def _pages_note(paginator: CappedPaginator, number: int, asked: str | None) -> str:
    """On the last page of a long list (or when a page past it was asked for): where the pages
    end and how to reach the rest."""
    if not paginator.capped or number < paginator.num_pages:
        return ""
    past = asked is not None and asked.isdigit() and int(asked) > paginator.num_pages
    message = MSG_PAGES_END_ASKED if past else MSG_PAGES_END
    return message % {"pages": intcomma(paginator.num_pages), "rows": intcomma(paginator.limit)}


@login_required
def incident_detail(request: HttpRequest, reference: str) -> HttpResponse:
    incident = _visible_incident(request, reference)
    people = selectors.people_shown(request.user, incident)
    custom = custom_field_selectors.incident_custom_shown(request.user, incident)
    people_custom = custom_field_selectors.people_custom_shown(request.user, incident)
    people = [
        replace(shown, custom=tuple(people_custom.get(shown.person.pk, ()))) for shown in people
    ]
    named = [shown for shown in people if shown.named]
    # A sensitive field's value is read like a name: the trail records that it was shown.
    sealed_shown = sum(
        1
        for shown in [*custom, *(item for person in people for item in person.custom)]
        if shown.sensitive and not shown.hidden
    )
    if named or sealed_shown:
        audit.audit_record(
            action=audit.Action.VIEW_NAMES,
            user=request.user,
            target=incident,
            changes={"names_shown": len(named)}
            | ({"sensitive_fields_shown": sealed_shown} if sealed_shown else {}),
        )
    return render(
        request,
        "records/incident_detail.html",
        {
            "incident": incident,
            "can_edit": selectors.incident_can_edit(request.user, incident),
            "victims": [shown for shown in people if shown.person.role == "victim"],
            "others": [shown for shown in people if shown.person.role != "victim"],
            "custom": custom,
            "links": incident.report_links.all(),
            "disagreements": selectors.incident_disagreements(incident),
            "biases": local_terms.biases_shown(
                incident,
                viewer_organisation_id=getattr(request.user, "organisation_id", None),
                language=get_language() or "en",
            ),
        },
    )


@requires("incident.create")
def incident_create(request: HttpRequest) -> HttpResponse:
    return _incident_form(request, incident=None)


@login_required
def incident_edit(request: HttpRequest, reference: str) -> HttpResponse:
    incident = _visible_incident(request, reference)
    require(request.user, "incident.write", incident)
    return _incident_form(request, incident=incident)


@login_required
def incident_history(request: HttpRequest, reference: str) -> HttpResponse:
    incident = _visible_incident(request, reference)
    return render(
        request,
        "audit/incident_history.html",
        {"incident": incident, "versions": audit_selectors.incident_versions(incident=incident)},
    )


def _visible_incident(request: HttpRequest, reference: str) -> Incident:
    try:
        return selectors.incident_get(user=request.user, reference=reference)
    except Incident.DoesNotExist:
        raise Http404(_("No incident with this reference that you may see.")) from None


def _incident_form(request: HttpRequest, *, incident: Incident | None) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if keyring().locked:
        # Refused before anyone types into a form that could not be saved.
        raise KeyringLocked(str(MSG_LOCKED_FORM))
    if request.method == "POST":
        try:
            post = request.POST
        except RequestDataTooBig:
            logger.warning("incident form refused: request body too large, from %s", user)
            return _render_form(
                request,
                incident,
                *_unbound_forms(incident, user),
                errors=[MSG_FORM_TOO_LARGE % {"limit": 2}],
                status=413,
            )
        fields, person_fields = _custom_fields(user)
        form = IncidentForm(post, custom_fields=fields)
        biases = BiasFormSet(
            post, prefix="bias", form_kwargs=bias_form_kwargs(_organisation_of(incident, user))
        )
        people = PersonFormSet(post, prefix="person", form_kwargs={"custom_fields": person_fields})
        row_errors: dict[str, list[str]] = {}
        if form.is_valid() and biases.is_valid() and people.is_valid():
            data = incident_input(form, biases, people)
            try:
                if incident is None:
                    assert user.organisation is not None
                    saved = services.incident_create(
                        organisation=user.organisation, user=user, data=data
                    )
                else:
                    saved = services.incident_update(incident=incident, user=user, data=data)
            except ValidationError as error:
                row_errors = _attach(form, error)
            else:
                return redirect("records:incident_detail", reference=saved.reference)
        rejected = sorted(form.errors) + ["biases"] * bool(biases.total_error_count())
        rejected += ["people"] * bool(people.total_error_count())
        logger.info("incident form rejected for %s: fields %s", user, rejected)
        return _render_form(
            request,
            incident,
            form,
            biases,
            people,
            errors=[MSG_FORM_HAS_ERRORS],
            row_errors=row_errors,
            status=400,
        )
    return _render_form(request, incident, *_unbound_forms(incident, user))


def _custom_fields(user: User) -> tuple[list[CustomField], list[CustomField]]:
    """The active fields of the user's organisation on incidents and on people. Only its own
    documenters write its incidents, so these are the incident's organisation's too."""
    return (
        list(custom_field_selectors.own_fields(user)),
        list(custom_field_selectors.own_fields(user, FieldTarget.PERSON)),
    )


def _organisation_of(incident: Incident | None, user: User) -> int | None:
    """The organisation whose own bias indicators the form offers: the incident's, or the
    user's for a new one."""
    return incident.organisation_id if incident is not None else user.organisation_id


def _unbound_forms(incident: Incident | None, user: User) -> tuple[IncidentForm, Any, Any]:
    fields, person_fields = _custom_fields(user)
    person_kwargs = {"custom_fields": person_fields}
    bias_kwargs = bias_form_kwargs(_organisation_of(incident, user))
    if incident is None:
        return (
            IncidentForm(custom_fields=fields),
            BiasFormSet(prefix="bias", form_kwargs=bias_kwargs),
            PersonFormSet(prefix="person", form_kwargs=person_kwargs),
        )
    custom_initial = initial_values(custom_field_selectors.incident_custom_values(incident))
    people_initial = custom_field_selectors.people_custom_initial(incident)
    return (
        IncidentForm(
            initial=IncidentForm.initial_from(incident) | custom_initial, custom_fields=fields
        ),
        BiasFormSet(
            prefix="bias",
            form_kwargs=bias_kwargs,
            initial=[
                {"motivation": b.motivation, "indicators": b.indicators, "note": b.note}
                for b in incident.biases.all()
            ],
        ),
        PersonFormSet(
            prefix="person",
            form_kwargs=person_kwargs,
            initial=[
                {
                    "name": selectors.person_name(user, p, incident),
                    **{
                        name: getattr(p, name)
                        for name in (
                            "role",
                            "pseudonym",
                            "sex",
                            "age",
                            "perceived_group",
                            "harm",
                            "group_affiliation",
                            "count",
                        )
                    },
                    **people_initial.get(p.pk, {}),
                }
                for p in incident.people.all()
            ],
        ),
    )


def _attach(form: IncidentForm, error: ValidationError) -> dict[str, list[str]]:
    """Put the service's errors beside the fields they concern; return those of the row groups."""
    row_errors: dict[str, list[str]] = {"biases": [], "people": []}
    for field, messages in error.message_dict.items():
        if field in form.fields:
            form.add_error(field, messages)
        elif field in row_errors:
            row_errors[field].extend(messages)
        else:
            form.add_error(None, messages)
    return row_errors


def _render_form(
    request: HttpRequest,
    incident: Incident | None,
    form: IncidentForm,
    biases: Any,
    people: Any,
    *,
    errors: list[Any] | None = None,
    row_errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    language = request.LANGUAGE_CODE if hasattr(request, "LANGUAGE_CODE") else "en"
    return render(
        request,
        "records/incident_form.html",
        {
            "incident": incident,
            "form": form,
            "biases": biases,
            "people": people,
            "errors": errors or [],
            "row_errors": row_errors or {},
            "regions": [
                (region.code, region.name(language))
                for region in geography.russian_regions().values()
            ],
        },
        status=status,
    )
