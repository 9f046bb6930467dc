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

from dozor.audit import services as audit
from dozor.records.models import Incident, Report
from dozor.records.report_schema import PENDING_RESPONSE_EVENTS
from dozor.responses import selectors
from dozor.responses.models import Body, RaiseListEntry, Raising, ResponseEvent
from dozor.security.models import User
from dozor.security.policy import require

logger = logging.getLogger(__name__)

MSG_MAY_NOT_RECORD_EVENTS = _("Only the owning organisation's documenters can record responses.")
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


def _event(incident: Incident, data: EventInput, user: User | None) -> ResponseEvent:
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
    event.full_clean(exclude=["incident", "supersedes"])
    if data.date > timezone.localdate():
        raise ValidationError(
            {"date": ValidationError(MSG_FUTURE_DATE, params={"date": data.date.isoformat()})}
        )
    return event


def _require_event_writer(user: User | None, incident: Incident) -> None:
    # No user: an import from the command line, whose operator has the database itself.
    if user is not None:
        require(user, "incident.write", incident, message=MSG_MAY_NOT_RECORD_EVENTS)


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
    *, event: ResponseEvent, user: User | None, corrected: ResponseEvent | None
) -> None:
    """A new event is a creation; a correction is a change of the event it supersedes, with
    what differs. Notes and who said what are sealed, so the trail says only that they changed."""
    if corrected is None:
        audit.audit_record(
            action=audit.Action.CREATE,
            user=user,
            target=event,
            changes={
                "incident": event.incident.reference,
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
    return entry


@transaction.atomic
def raise_list_remove(*, entry: RaiseListEntry, user: User) -> None:
    require(user, "dialogue.write", entry.incident, message=MSG_MAY_NOT_LOG_DIALOGUE)
    if entry.organisation_id != user.organisation_id:
        raise PermissionDenied(MSG_MAY_NOT_LOG_DIALOGUE)
    entry.delete()


@transaction.atomic
def body_create(*, name: str, kind: str, country: str = "") -> Body:
    body = Body(name=name.strip(), kind=kind, country=country.strip().upper())
    body.full_clean()
    body.save()
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
    logger.info("case %s raised with body %s, logged by %s", incident.reference, data.body, user)
    return raising


@transaction.atomic
def raising_update(*, raising: Raising, user: User, data: RaisingInput) -> Raising:
    """Record the reply, the follow-up and the outcome of a raising."""
    require(user, "dialogue.write", raising.incident, message=MSG_MAY_NOT_LOG_DIALOGUE)
    if raising.organisation_id != user.organisation_id:
        raise PermissionDenied(MSG_MAY_NOT_LOG_DIALOGUE)
    _raising_fields(raising, data)
    raising.full_clean(exclude=["organisation", "incident"])
    raising.save()
    return raising
