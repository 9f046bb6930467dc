"""The state's response to each incident and the organisation's dialogue about it: an incident's
response timeline, its raisings with official bodies, the raise list and the bodies, read as
their pages show them and written through their forms' checks and the responses services.

Who may do what is asked of dozor.responses.access, as the pages ask it, before a form is read.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status

from dozor.accounts.policy import AnyUser, signed_in_user
from dozor.analysis.responses import ResponseStatus
from dozor.api.incidents import MSG_NO_INCIDENT, incident_visible
from dozor.api.problems import field_errors, form_errors, problem
from dozor.records.models import Incident
from dozor.records.redaction import free_text_for
from dozor.records.selectors import incident_get
from dozor.responses import access, selectors, services
from dozor.responses.forms import EventForm, RaiseListForm, RaisingForm
from dozor.responses.models import RaiseListEntry, Raising, ResponseEvent
from dozor.responses.status_text import problem_text, status_line
from dozor.responses.views import MSG_NOTHING_SAVED

router = Router(tags=["responses"])

MSG_NO_EVENT = _("This incident has no response event with this number.")
MSG_NO_RAISING = _("No raising with this number that you may see.")
MSG_NO_ENTRY = _("No case with this number on your raise list.")

Saved = TypeVar("Saved")


class EventOut(Schema):
    id: int
    kind: str = Field(description="A code of the response_event_kind vocabulary.")
    date: datetime.date = Field(description="The first day of the month or year it is known to.")
    date_precision: str = Field(description="day, month or year.")
    authority: str
    source: str
    note: str = Field(description="With people's names taken out unless the caller sees them.")
    articles: list[str] = Field(description="Codes of the legal_article vocabulary.")
    verdict_outcome: str
    motive_recognised: bool | None
    sentence_kind: str
    sentence_months: int | None
    sentence_suspended: bool | None
    statement_kind: str
    supersedes: int | None = Field(description="The event this one corrects.")
    superseded_by: int | None = Field(description="The event that corrects this one.")
    superseded: bool = Field(description="Corrected: kept in the history, no longer in force.")
    created_at: datetime.datetime


class TimelineOut(Schema):
    reference: str
    stage: str = Field(description="A code of the response_stage vocabulary.")
    status: str = Field(description="The case's status in one sentence, as its page says it.")
    problems: list[str] = Field(description="What in the timeline contradicts itself.")
    events: list[EventOut] = Field(description="In date order, corrected events included.")


class EventIn(Schema):
    """A response event as the timeline's form records it. A field left out is empty; on a
    correction it keeps the corrected event's value."""

    kind: str | None = Field(None, description="A code of the response_event_kind vocabulary.")
    date: str | None = Field(None, description="YYYY-MM-DD, YYYY-MM or YYYY.")
    authority: str | None = None
    source: str | None = None
    note: str | None = None
    articles: list[str] | None = Field(None, description="Codes of the legal_article vocabulary.")
    verdict_outcome: str | None = None
    motive_recognised: bool | None = None
    sentence_kind: str | None = None
    sentence_months: int | None = None
    sentence_suspended: bool | None = None
    statement_kind: str | None = None


class RaisingOut(Schema):
    id: int
    incident: str = Field(description="The incident's reference.")
    raised_on: datetime.date
    raised_by: str
    body: int = Field(description="The body's id (GET /api/v1/bodies/).")
    body_name: str
    official: str
    channel: str = Field(description="A code of the dialogue_channel vocabulary.")
    request: str = Field(description="With people's names taken out unless the caller sees them.")
    reply: str = Field(description="With people's names taken out unless the caller sees them.")
    reply_on: datetime.date | None
    follow_up_due: datetime.date | None
    status: str = Field(description="A code of the dialogue_status vocabulary.")
    open: bool = Field(description="The status still waits for something.")
    impact: str = Field(description="A code of the dialogue_impact vocabulary.")
    created_at: datetime.datetime
    updated_at: datetime.datetime


class RaisingIn(Schema):
    """A raising as its form records it. A field left out takes the form's value: on a new
    raising today, the caller's name, awaiting a reply; on a change, the raising's own."""

    raised_on: datetime.date | None = None
    raised_by: str | None = None
    body: int | None = Field(None, description="A body's id (GET /api/v1/bodies/).")
    official: str | None = None
    channel: str | None = Field(None, description="A code of the dialogue_channel vocabulary.")
    request: str | None = None
    reply: str | None = None
    reply_on: datetime.date | None = None
    follow_up_due: datetime.date | None = None
    status: str | None = Field(None, description="A code of the dialogue_status vocabulary.")
    impact: str | None = Field(None, description="A code of the dialogue_impact vocabulary.")


class RaiseListEntryOut(Schema):
    id: int
    incident: str = Field(description="The incident's reference.")
    title: str
    priority: str = Field(description="A code of the raise_priority vocabulary.")
    reason: str = Field(description="With people's names taken out unless the caller sees them.")
    stage: str = Field(description="A code of the response_stage vocabulary.")
    status: str = Field(description="The case's status in one sentence, as the list says it.")
    added_at: datetime.datetime


class RaiseListIn(Schema):
    incident: str = Field(description="The reference of an incident the caller may see.")
    priority: str | None = Field(None, description="A code of raise_priority; medium if left out.")
    reason: str | None = None


class BodyOut(Schema):
    id: int
    name: str
    kind: str = Field(description="A code of the body_kind vocabulary.")
    country: str
    raised: int = Field(description="How many of the caller's organisation's raisings it has.")


def _form_data(
    form_class: type[forms.Form], given: Mapping[str, Any], initial: Mapping[str, Any]
) -> MultiValueDict[str, Any]:
    """A form's POST data: the values given over the form's initial ones, as a browser would
    send them (a list as repeated values, a yes/no choice as "yes" or "no", a record as its id)."""
    unbound = form_class(initial=dict(initial))
    data: MultiValueDict[str, Any] = MultiValueDict()
    for name, field in unbound.fields.items():
        value = given[name] if name in given else unbound.get_initial_for_field(field, name)
        if value is None and isinstance(field, forms.MultipleChoiceField):
            value = []
        if isinstance(value, list | tuple):
            data.setlist(name, [_form_value(item) for item in value])
        else:
            data[name] = _form_value(value)
    return data


def _form_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _saved(form: forms.Form, save: Callable[[], Saved]) -> Saved | HttpResponse:
    """The service's result once the form is valid, or the problem naming what the form or the
    service refused (nothing is stored)."""
    if not form.is_valid():
        return problem(400, MSG_NOTHING_SAVED, errors=form_errors(form))
    try:
        return save()
    except ValidationError as error:
        return problem(400, MSG_NOTHING_SAVED, errors=field_errors(error))


def _language() -> str:
    return get_language() or "en"


def _event(
    user: AnyUser, incident: Incident, event: ResponseEvent, *, superseded_by: int | None = None
) -> dict[str, Any]:
    return {
        **{
            name: getattr(event, name)
            for name in EventOut.model_fields
            if name not in ("note", "articles", "supersedes", "superseded_by", "superseded")
        },
        "note": str(free_text_for(user, incident, event.note or "")),
        "articles": list(event.articles or []),
        "supersedes": event.supersedes_id,
        "superseded_by": superseded_by,
        "superseded": bool(getattr(event, "is_superseded", False)),
    }


@router.get("incidents/{reference}/events/", response=TimelineOut, url_name="event_list")
def event_list(request: HttpRequest, reference: str) -> Any:
    """The incident's response timeline as its page shows it to the caller: every event,
    corrections beside the events they correct, notes with names only for those who see them."""
    incident = incident_visible(request, reference)
    timeline = selectors.timeline(incident)
    corrected_by = {row.supersedes_id: row.pk for row in timeline.events if row.supersedes_id}
    return {
        "reference": incident.reference,
        **_status(timeline.status),
        "problems": [problem_text(code) for code in timeline.status.problems],
        "events": [
            _event(request.user, incident, row, superseded_by=corrected_by.get(row.pk))
            for row in timeline.events
        ],
    }


def _status(status: ResponseStatus) -> dict[str, str]:
    return {"stage": status.stage, "status": status_line(status, _language())}


@router.post("incidents/{reference}/events/", response={201: EventOut}, url_name="event_add")
def event_add(request: HttpRequest, reference: str, payload: EventIn) -> Any:
    """Append one event to the incident's timeline, checked as the timeline's form checks it."""
    incident = incident_visible(request, reference)
    user = signed_in_user(request)
    access.events_writer_require(user, incident)
    form = EventForm(
        _form_data(EventForm, payload.model_dump(exclude_unset=True), {}),
        organisation_id=incident.organisation_id,
    )
    saved = _saved(
        form,
        lambda: services.event_add(incident=incident, user=user, data=form.event_input()),
    )
    if isinstance(saved, HttpResponse):
        return saved
    return Status(201, _event(user, incident, saved))


@router.post(
    "incidents/{reference}/events/{event_id}/corrections/",
    response={201: EventOut},
    url_name="event_correction_add",
)
def event_correction_add(
    request: HttpRequest, reference: str, event_id: int, payload: EventIn
) -> Any:
    """Correct an event: a new event, the given fields over the corrected one's, supersedes it;
    the corrected event stays in the timeline, marked superseded."""
    incident = incident_visible(request, reference)
    try:
        event = selectors.events_of(incident).get(pk=event_id)
    except ResponseEvent.DoesNotExist:
        raise Http404(MSG_NO_EVENT) from None
    user = signed_in_user(request)
    access.events_writer_require(user, incident)
    data = _form_data(
        EventForm, payload.model_dump(exclude_unset=True), EventForm.initial_from(event)
    )
    form = EventForm(data, organisation_id=incident.organisation_id)
    saved = _saved(
        form,
        lambda: services.event_correct(event=event, user=user, data=form.event_input()),
    )
    if isinstance(saved, HttpResponse):
        return saved
    return Status(201, _event(user, incident, saved))


def _raising(user: AnyUser, raising: Raising) -> dict[str, Any]:
    incident = raising.incident
    return {
        **{
            name: getattr(raising, name)
            for name in RaisingOut.model_fields
            if name not in ("incident", "body", "body_name", "request", "reply", "open")
        },
        "incident": incident.reference,
        "body": raising.body_id,
        "body_name": raising.body.name,
        "request": str(free_text_for(user, incident, raising.request or "")),
        "reply": str(free_text_for(user, incident, raising.reply or "")),
        "open": raising.is_open,
    }


@router.get("incidents/{reference}/raisings/", response=list[RaisingOut], url_name="raising_list")
def raising_list(request: HttpRequest, reference: str) -> Any:
    """The times the caller's organisation raised the incident with officials, as the incident's
    page lists them (none for a caller in no organisation)."""
    incident = incident_visible(request, reference)
    return [_raising(request.user, r) for r in selectors.raisings_of(request.user, incident)]


@router.post("incidents/{reference}/raisings/", response={201: RaisingOut}, url_name="raising_log")
def raising_log(request: HttpRequest, reference: str, payload: RaisingIn) -> Any:
    """Log one time the caller's organisation raised the incident with a body or official."""
    incident = incident_visible(request, reference)
    user = access.dialogue_writer(request.user)
    data = _form_data(
        RaisingForm, payload.model_dump(exclude_unset=True), RaisingForm.initial_for(user)
    )
    form = RaisingForm(data)
    saved = _saved(
        form,
        lambda: services.raising_log(incident=incident, user=user, data=form.raising_input()),
    )
    if isinstance(saved, HttpResponse):
        return saved
    return Status(201, _raising(user, saved))


def _raising_visible(request: HttpRequest, raising_id: int) -> Raising:
    user = access.dialogue_reader(request.user)
    try:
        return selectors.raisings_visible(user).get(pk=raising_id)
    except Raising.DoesNotExist:
        raise Http404(MSG_NO_RAISING) from None


@router.get("raisings/{raising_id}/", response=RaisingOut, url_name="raising_get")
def raising_get(request: HttpRequest, raising_id: int) -> Any:
    """A raising of the caller's organisation, as the incident's page shows it."""
    return _raising(request.user, _raising_visible(request, raising_id))


@router.patch("raisings/{raising_id}/", response=RaisingOut, url_name="raising_update")
def raising_update(request: HttpRequest, raising_id: int, payload: RaisingIn) -> Any:
    """Record the reply, the follow-up and the outcome: the fields given replace the raising's,
    the rest are kept."""
    raising = _raising_visible(request, raising_id)
    user = access.dialogue_writer(request.user)
    data = _form_data(
        RaisingForm, payload.model_dump(exclude_unset=True), RaisingForm.initial_from(raising)
    )
    form = RaisingForm(data)
    saved = _saved(
        form,
        lambda: services.raising_update(raising=raising, user=user, data=form.raising_input()),
    )
    if isinstance(saved, HttpResponse):
        return saved
    return _raising(user, saved)


def _entry(user: AnyUser, entry: RaiseListEntry, status: ResponseStatus) -> dict[str, Any]:
    incident = entry.incident
    return {
        "id": entry.pk,
        "incident": incident.reference,
        "title": incident.title,
        "priority": entry.priority,
        "reason": str(free_text_for(user, incident, entry.reason or "")),
        **_status(status),
        "added_at": entry.added_at,
    }


@router.get("raise-list/", response=list[RaiseListEntryOut], url_name="raise_list_entries")
def raise_list_entries(request: HttpRequest) -> Any:
    """The cases the caller's organisation means to raise, by priority, as the raise list's page
    shows them."""
    user = access.dialogue_reader(request.user)
    return [_entry(user, entry, status) for entry, status in selectors.raise_list_statuses(user)]


@router.post("raise-list/", response={201: RaiseListEntryOut}, url_name="raise_list_add")
def raise_list_add(request: HttpRequest, payload: RaiseListIn) -> Any:
    """Put an incident the caller may see on their organisation's raise list."""
    user = access.dialogue_writer(request.user)
    errors: list[dict[str, str]] = []
    try:
        incident: Incident | None = incident_get(user=user, reference=payload.incident)
    except Incident.DoesNotExist:
        incident = None
        errors.append({"field": "incident", "code": "not_found", "message": str(MSG_NO_INCIDENT)})
    given = payload.model_dump(exclude_unset=True, exclude={"incident"})
    form = RaiseListForm(_form_data(RaiseListForm, given, {}))
    if not form.is_valid():
        errors += form_errors(form)
    if errors or incident is None:
        return problem(400, MSG_NOTHING_SAVED, errors=errors)
    try:
        entry = services.raise_list_add(
            incident=incident,
            user=user,
            priority=form.cleaned_data["priority"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        return problem(400, MSG_NOTHING_SAVED, errors=field_errors(error))
    return Status(201, _entry(user, entry, selectors.incident_status(incident)))


@router.delete("raise-list/{entry_id}/", response={204: None}, url_name="raise_list_remove")
def raise_list_remove(request: HttpRequest, entry_id: int) -> Any:
    """Take a case off the caller's organisation's raise list."""
    user = access.dialogue_reader(request.user)
    try:
        entry = selectors.raise_list(user).get(pk=entry_id)
    except RaiseListEntry.DoesNotExist:
        raise Http404(MSG_NO_ENTRY) from None
    services.raise_list_remove(entry=entry, user=user)
    return Status(204, None)


@router.get("bodies/", response=list[BodyOut], url_name="body_list")
def body_list(request: HttpRequest) -> Any:
    """The bodies and officials cases are raised with, each with how often the caller's
    organisation raised a case with it, as the Bodies page lists them."""
    user = access.dialogue_reader(request.user)
    return [
        {"id": b.pk, "name": b.name, "kind": b.kind, "country": b.country, "raised": count}
        for b, count in selectors.bodies_with_counts(user)
    ]
