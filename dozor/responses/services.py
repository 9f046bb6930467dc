"""Writes of response events, the raise list and the dialogue log.

Each runs in one transaction and validates everything first. Response events are never changed or
deleted: event_correct() adds a new event that supersedes the old one.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dozor.accounts.models import Organisation, User
from dozor.accounts.policy import require
from dozor.audit import services as audit
from dozor.records.models import Incident, Report
from dozor.records.report_schema import PENDING_RESPONSE_EVENTS
from dozor.records.services import numbered_problem
from dozor.responses import selectors
from dozor.responses.access import events_writer_require
from dozor.responses.models import Body, RaiseListEntry, Raising, ResponseEvent

logger = logging.getLogger(__name__)

MSG_MAY_NOT_LOG_DIALOGUE = _(
    "Only your organisation's documenters, advocates and administrators can log the dialogue."
)
MSG_CORRECTS_OTHER_INCIDENT = _("The event to correct belongs to another incident.")
MSG_ALREADY_CORRECTED = _("This event has already been corrected; correct the latest version.")
MSG_ALREADY_ON_LIST = _("This case is already on your raise list.")
MSG_FUTURE_DATE = _("The date %(date)s is in the future.")


@dataclass(frozen=True)
class EventInput:
    kind: str
    date: datetime.date
    date_precision: str = "day"
    authority: str = ""
    source: str = ""
    note: str = ""
    articles: Sequence[str] = ()
    verdict_outcome: str = ""
    motive_recognised: bool | None = None
    sentence_kind: str = ""
    sentence_months: int | None = None
    sentence_suspended: bool | None = None
    statement_kind: str = ""


@dataclass(frozen=True)
class RaisingInput:
    raised_on: datetime.date
    raised_by: str
    body: Body
    channel: str
    request: str
    official: str = ""
    reply: str = ""
    reply_on: datetime.date | None = None
    follow_up_due: datetime.date | None = None
    status: str = "awaiting_reply"
    impact: str = "no_response"


def _event(
    incident: Incident, data: EventInput, user: User | None, *, many: bool = False
) -> ResponseEvent:
    """A validated event, not yet saved. ``many``, for a batch, leaves out the checks Django
    makes with a query each (the database's check and unique constraints, which it still
    enforces: a batch that breaks one is refused whole)."""
    event = ResponseEvent(
        incident=incident,
        kind=data.kind,
        date=data.date,
        date_precision=data.date_precision,
        authority=data.authority.strip(),
        source=data.source.strip(),
        note=data.note.strip(),
        articles=list(data.articles),
        verdict_outcome=data.verdict_outcome,
        motive_recognised=data.motive_recognised,
        sentence_kind=data.sentence_kind,
        sentence_months=data.sentence_months,
        sentence_suspended=data.sentence_suspended,
        statement_kind=data.statement_kind,
        created_by=user,
    )
    event.full_clean(
        exclude=["incident", "supersedes"], validate_unique=not many, validate_constraints=not many
    )
    if data.date > timezone.localdate():
        raise ValidationError(
            {"date": ValidationError(MSG_FUTURE_DATE, params={"date": data.date.isoformat()})}
        )
    return event


def _require_event_writer(user: User | None, incident: Incident) -> None:
    # No user: an import from the command line, whose operator has the database itself.
    if user is not None:
        events_writer_require(user, incident)


@transaction.atomic
def event_add(*, incident: Incident, user: User | None, data: EventInput) -> ResponseEvent:
    """Append one response event to an incident's timeline."""
    _require_event_writer(user, incident)
    event = _event(incident, data, user)
    event.save()
    _event_audit(event=event, user=user, corrected=None)
    logger.info("response event %s on %s added by %s", event.kind, incident.reference, user)
    return event


SENSITIVE_EVENT_FIELDS = frozenset({"note", "authority", "source"})
EVENT_FIELDS = (
    "kind",
    "date",
    "date_precision",
    "authority",
    "source",
    "note",
    "articles",
    "verdict_outcome",
    "motive_recognised",
    "sentence_kind",
    "sentence_months",
    "sentence_suspended",
    "statement_kind",
)


def _event_values(event: ResponseEvent) -> dict[str, object]:
    return {name: getattr(event, name) for name in EVENT_FIELDS}


def _event_audit(
    *,
    event: ResponseEvent,
    user: User | None,
    corrected: ResponseEvent | None,
    report: Report | None = None,
) -> None:
    """A new event is a creation; a correction is a change of the event it supersedes, with
    what differs. Notes and who said what are sealed, so the trail says only that they changed.
    An event read from a report names the report it came from."""
    if corrected is None:
        audit.audit_record(
            action=audit.Action.CREATE,
            user=user,
            target=event,
            changes={
                "incident": event.incident.reference,
                **({"from_report": report.pk} if report is not None else {}),
                **audit.changes_between({}, _event_values(event), sensitive=SENSITIVE_EVENT_FIELDS),
            },
        )
        return
    audit.audit_record(
        action=audit.Action.UPDATE,
        user=user,
        target=corrected,
        changes={
            "incident": corrected.incident.reference,
            "superseded_by": event.pk,
            **audit.changes_between(
                _event_values(corrected), _event_values(event), sensitive=SENSITIVE_EVENT_FIELDS
            ),
        },
    )


@transaction.atomic
def events_from_report(*, incident: Incident, report: Report, user: User | None) -> int:
    """Turn the response events an import read from a report into events of its incident.

    They wait in the report's fields (dozor.intake.response_events) until the report joins an
    incident; each is added once (same kind, date and source), and one that does not validate
    is logged and left out. Returns how many were added.
    """
    pending = (
        report.fields.get(PENDING_RESPONSE_EVENTS) if isinstance(report.fields, dict) else None
    )
    added = 0
    for item in pending or []:
        try:
            data = EventInput(
                kind=str(item["kind"]),
                date=datetime.date.fromisoformat(str(item["date"])),
                source=str(item.get("source", "")),
                note=str(item.get("note", "")),
            )
            if ResponseEvent.objects.filter(
                incident=incident, kind=data.kind, date=data.date, source=data.source
            ).exists():
                continue
            event = _event(incident, data, user)
        except (KeyError, ValueError, ValidationError) as error:
            logger.warning("report %s: a response event was left out: %s", report.pk, error)
            continue
        event.save()
        _event_audit(event=event, user=user, corrected=None, report=report)
        added += 1
    if added:
        logger.info("%s response events from report %s on %s", added, report.pk, incident.reference)
    return added


@transaction.atomic
def events_from_reports(*, incident: Incident, reports: Iterable[Report], user: User | None) -> int:
    """The response events of each report just linked to ``incident`` (:func:`events_from_report`).

    Called by the services that link reports (intake, linkage) once the links are made: linking in
    dozor.records knows nothing of responses. Returns how many events were added.
    """
    return sum(events_from_report(incident=incident, report=r, user=user) for r in reports)


@transaction.atomic
def event_correct(*, event: ResponseEvent, user: User | None, data: EventInput) -> ResponseEvent:
    """Record a correction: a new event that supersedes ``event``, which stays in the history."""
    locked = ResponseEvent.objects.select_for_update().select_related("incident").get(pk=event.pk)
    _require_event_writer(user, locked.incident)
    if ResponseEvent.objects.filter(supersedes=locked).exists():
        raise ValidationError(MSG_ALREADY_CORRECTED)
    correction = _event(locked.incident, data, user)
    correction.supersedes = locked
    correction.save()
    _event_audit(event=correction, user=user, corrected=locked)
    logger.info("response event %s corrected by %s", locked.pk, user)
    return correction


@transaction.atomic
def raise_list_add(*, incident: Incident, user: User, priority: str, reason: str) -> RaiseListEntry:
    require(user, "dialogue.write", incident, message=MSG_MAY_NOT_LOG_DIALOGUE)
    entry = RaiseListEntry(
        organisation_id=selectors.organisation_of(user),
        incident=incident,
        priority=priority,
        reason=reason.strip(),
        added_by=user,
    )
    entry.full_clean(exclude=["organisation", "incident"])
    if RaiseListEntry.objects.filter(
        organisation_id=selectors.organisation_of(user), incident=incident
    ).exists():
        raise ValidationError({"incident": MSG_ALREADY_ON_LIST})
    entry.save()
    audit.audit_record(
        action=audit.Action.CREATE,
        user=user,
        target=entry,
        changes={
            "incident": incident.reference,
            # The reason is free text that can name someone: only that it was given.
            **audit.changes_between(
                {}, {"priority": entry.priority, "reason": entry.reason}, sensitive={"reason"}
            ),
        },
    )
    return entry


@transaction.atomic
def raise_list_remove(*, entry: RaiseListEntry, user: User) -> None:
    require(user, "dialogue.write", entry.incident, message=MSG_MAY_NOT_LOG_DIALOGUE)
    if entry.organisation_id != user.organisation_id:
        raise PermissionDenied(MSG_MAY_NOT_LOG_DIALOGUE)
    audit.audit_record(
        action=audit.Action.DELETE,
        user=user,
        target=entry,
        changes={"incident": entry.incident.reference, "priority": entry.priority},
    )
    entry.delete()


@transaction.atomic
def body_create(*, name: str, kind: str, country: str = "", user: User | None = None) -> Body:
    """A body or official cases are raised with; ``user`` is who added it (None: a command),
    and their organisation the one whose administrators may correct it."""
    body = Body(
        name=name.strip(),
        kind=kind,
        country=country.strip().upper(),
        organisation_id=user.organisation_id if user is not None else None,
    )
    _body_clean(body)
    body.save()
    audit.audit_write(
        user=user, target=body, after={"name": body.name, "kind": kind, "country": body.country}
    )
    return body


MSG_BODY_NAME_TAKEN = _(
    "There is already a body named “%(name)s”; bodies are shared by every organisation, so "
    "choose it when you log a raising, or give this one a name that tells them apart."
)


def _body_clean(body: Body) -> None:
    """full_clean, with the name's clash in words that say what to do."""
    try:
        body.full_clean()
    except ValidationError as error:
        errors = error.error_dict
        if any(e.code == "unique" for e in errors.get("name", [])):
            errors["name"] = [
                ValidationError(MSG_BODY_NAME_TAKEN, code="unique", params={"name": body.name})
            ]
        raise ValidationError(errors) from None


@transaction.atomic
def body_update(*, body: Body, user: User | None, name: str, kind: str, country: str = "") -> Body:
    """Correct a body's name, kind or country. With a ``user``: an administrator of the
    organisation that added it (``organisation.administer``); the raisings logged with it keep
    pointing at it."""
    body = Body.objects.select_for_update().get(pk=body.pk)
    if user is not None:
        require(user, "organisation.administer", body)
    before = {"name": body.name, "kind": body.kind, "country": body.country}
    body.name, body.kind, body.country = name.strip(), kind, country.strip().upper()
    _body_clean(body)
    body.save(update_fields=["name", "kind", "country"])
    audit.audit_write(
        user=user,
        target=body,
        before=before,
        after={"name": body.name, "kind": body.kind, "country": body.country},
    )
    return body


def _raising_fields(raising: Raising, data: RaisingInput) -> None:
    raising.raised_on = data.raised_on
    raising.raised_by = data.raised_by.strip()
    raising.body = data.body
    raising.official = data.official.strip()
    raising.channel = data.channel
    raising.request = data.request.strip()
    raising.reply = data.reply.strip()
    raising.reply_on = data.reply_on
    raising.follow_up_due = data.follow_up_due
    raising.status = data.status
    raising.impact = data.impact


@transaction.atomic
def raising_log(*, incident: Incident, user: User, data: RaisingInput) -> Raising:
    """Log one time a case was raised with a body or official."""
    require(user, "dialogue.write", incident, message=MSG_MAY_NOT_LOG_DIALOGUE)
    raising = Raising(
        organisation_id=selectors.organisation_of(user), incident=incident, created_by=user
    )
    _raising_fields(raising, data)
    raising.full_clean(exclude=["organisation", "incident"])
    raising.save()
    audit.audit_write(
        user=user,
        target=raising,
        after={"incident": incident.reference, **_raising_values(raising)},
        sensitive=SENSITIVE_RAISING_FIELDS,
    )
    logger.info("case %s raised with body %s, logged by %s", incident.reference, data.body, user)
    return raising


@transaction.atomic
def raising_update(*, raising: Raising, user: User, data: RaisingInput) -> Raising:
    """Record the reply, the follow-up and the outcome of a raising."""
    require(user, "dialogue.write", raising.incident, message=MSG_MAY_NOT_LOG_DIALOGUE)
    if raising.organisation_id != user.organisation_id:
        raise PermissionDenied(MSG_MAY_NOT_LOG_DIALOGUE)
    before = _raising_values(raising)
    _raising_fields(raising, data)
    raising.full_clean(exclude=["organisation", "incident"])
    raising.save()
    audit.audit_write(
        user=user,
        target=raising,
        before=before,
        after=_raising_values(raising),
        sensitive=SENSITIVE_RAISING_FIELDS,
    )
    return raising


# What was asked and answered, and by whom, is sealed: the trail says only that it changed.
SENSITIVE_RAISING_FIELDS = frozenset({"raised_by", "official", "request", "reply"})
RAISING_FIELDS = (
    "raised_on",
    "raised_by",
    "body",
    "official",
    "channel",
    "request",
    "reply",
    "reply_on",
    "follow_up_due",
    "status",
    "impact",
)


def _raising_values(raising: Raising) -> dict[str, object]:
    values = {name: getattr(raising, name) for name in RAISING_FIELDS}
    values["body"] = raising.body_id
    return values


# Many at once: for timelines and dialogue brought in from elsewhere (the demo's, an
# organisation's history moving into Dozor), with the validation and trail of the one-by-one
# services. ``user`` None is the operator of a command, who has the database itself.

MSG_EVENT_PROBLEM = _("Event %(number)s of %(count)s: %(problem)s")
MSG_CORRECTS_LATER = _("it corrects event %(corrects)s, which does not come before it")
MSG_CORRECTED_TWICE = _("event %(corrects)s is corrected twice")
MSG_ENTRY_PROBLEM = _("Entry %(number)s of %(count)s: %(problem)s")


@dataclass(frozen=True)
class EventItem:
    """One event of a batch; ``corrects`` is the position (from 0) of an earlier event of the
    same batch that this one supersedes."""

    incident: Incident
    data: EventInput
    corrects: int | None = None


@transaction.atomic
def events_create_many(*, user: User | None, items: Sequence[EventItem]) -> list[ResponseEvent]:
    """Append many response events, corrections included; every problem is reported at once,
    naming the event by its place, and nothing is stored unless all are valid. The trail gets
    an entry per event, as event_add and event_correct give."""
    for incident in {item.incident.pk: item.incident for item in items}.values():
        _require_event_writer(user, incident)
    events: list[ResponseEvent] = []
    problems: list[ValidationError] = []
    corrected: set[int] = set()

    def problem(number: int, text: ValidationError | str) -> None:
        problems.append(
            numbered_problem(MSG_EVENT_PROBLEM, number=number, count=len(items), problem=text)
        )

    for position, item in enumerate(items):
        try:
            events.append(_event(item.incident, item.data, user, many=True))
        except ValidationError as error:
            problem(position + 1, error)
            events.append(ResponseEvent(incident=item.incident))
        if item.corrects is None:
            continue
        if not 0 <= item.corrects < position:
            problem(position + 1, str(MSG_CORRECTS_LATER % {"corrects": item.corrects + 1}))
        elif item.corrects in corrected:
            problem(position + 1, str(MSG_CORRECTED_TWICE % {"corrects": item.corrects + 1}))
        elif items[item.corrects].incident.pk != item.incident.pk:
            problem(position + 1, str(MSG_CORRECTS_OTHER_INCIDENT))
        corrected.add(item.corrects)
    if problems:
        raise ValidationError(problems)
    # An event is inserted after the one it corrects: in rounds, each the events whose
    # corrected event has its id.
    waiting = list(range(len(items)))
    while waiting:
        ready = []
        for position in waiting:
            corrects = items[position].corrects
            if corrects is None:
                ready.append(position)
            elif events[corrects].pk:
                events[position].supersedes = events[corrects]
                ready.append(position)
        ResponseEvent.objects.bulk_create([events[position] for position in ready], batch_size=1000)
        done = set(ready)
        waiting = [position for position in waiting if position not in done]
    audit.audit_records(
        action=audit.Action.CREATE,
        user=user,
        items=[
            (
                event,
                {
                    "incident": item.incident.reference,
                    **({"supersedes": event.supersedes_id} if item.corrects is not None else {}),
                    **audit.changes_between(
                        {}, _event_values(event), sensitive=SENSITIVE_EVENT_FIELDS
                    ),
                },
            )
            for event, item in zip(events, items, strict=True)
        ],
    )
    logger.info("%s response events added by %s", len(events), user)
    return events


@dataclass(frozen=True)
class RaiseListItem:
    incident: Incident
    priority: str
    reason: str


@transaction.atomic
def raise_list_add_many(
    *, organisation: Organisation, user: User | None, items: Sequence[RaiseListItem]
) -> list[RaiseListEntry]:
    """Put many cases on ``organisation``'s raise list, as raise_list_add puts one."""
    entries: list[RaiseListEntry] = []
    problems: list[ValidationError] = []
    listed = set(
        RaiseListEntry.objects.filter(organisation=organisation).values_list(
            "incident_id", flat=True
        )
    )
    for number, item in enumerate(items, start=1):
        if user is not None:
            require(user, "dialogue.write", item.incident, message=MSG_MAY_NOT_LOG_DIALOGUE)
        entry = RaiseListEntry(
            organisation=organisation,
            incident=item.incident,
            priority=item.priority,
            reason=item.reason.strip(),
            added_by=user,
        )
        try:
            entry.full_clean(exclude=["organisation", "incident", "added_by"])
            if item.incident.pk in listed:
                raise ValidationError({"incident": MSG_ALREADY_ON_LIST})
        except ValidationError as error:
            problems.append(
                numbered_problem(MSG_ENTRY_PROBLEM, number=number, count=len(items), problem=error)
            )
        listed.add(item.incident.pk)
        entries.append(entry)
    if problems:
        raise ValidationError(problems)
    RaiseListEntry.objects.bulk_create(entries)
    audit.audit_records(
        action=audit.Action.CREATE,
        user=user,
        items=[
            (
                entry,
                {
                    "incident": entry.incident.reference,
                    **audit.changes_between(
                        {},
                        {"priority": entry.priority, "reason": entry.reason},
                        sensitive={"reason"},
                    ),
                },
            )
            for entry in entries
        ],
    )
    return entries


@transaction.atomic
def raisings_log_many(
    *,
    organisation: Organisation,
    user: User | None,
    items: Sequence[tuple[Incident, RaisingInput]],
) -> list[Raising]:
    """Log many raisings of ``organisation``'s cases, as raising_log logs one."""
    raisings: list[Raising] = []
    problems: list[ValidationError] = []
    for number, (incident, data) in enumerate(items, start=1):
        if user is not None:
            require(user, "dialogue.write", incident, message=MSG_MAY_NOT_LOG_DIALOGUE)
        raising = Raising(organisation=organisation, incident=incident, created_by=user)
        _raising_fields(raising, data)
        try:
            raising.full_clean(exclude=["organisation", "incident", "created_by"])
        except ValidationError as error:
            problems.append(
                numbered_problem(MSG_ENTRY_PROBLEM, number=number, count=len(items), problem=error)
            )
        raisings.append(raising)
    if problems:
        raise ValidationError(problems)
    Raising.objects.bulk_create(raisings)
    audit.audit_records(
        action=audit.Action.CREATE,
        user=user,
        items=[
            (
                raising,
                {
                    "incident": raising.incident.reference,
                    **audit.changes_between(
                        {}, _raising_values(raising), sensitive=SENSITIVE_RAISING_FIELDS
                    ),
                },
            )
            for raising in raisings
        ],
    )
    return raisings
