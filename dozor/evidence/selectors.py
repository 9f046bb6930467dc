"""Which attachments a user may know of: those of records the user may see."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Q, QuerySet

from dozor.accounts.models import User
from dozor.evidence.models import Attachment
from dozor.evidence.services import TARGET_FIELDS
from dozor.records.models import Incident
from dozor.records.report_selectors import reports_visible
from dozor.records.selectors import incidents_visible


def attachments_visible(user: User | AnonymousUser) -> QuerySet[Attachment]:
    """Attachments of incidents, of their response events and raisings, and of reports, that
    the user may see; opening one asks more (services.may_open)."""
    return Attachment.objects.filter(
        _visible_of(user, "incident")
        | _visible_of(user, "response_event")
        | _visible_of(user, "raising")
        | _visible_of(user, "report")
    )


def _visible_of(user: User | AnonymousUser, field: str) -> Q:
    """The attachments of one kind of record (``field``, of TARGET_FIELDS) the user may see. An
    attachment has exactly one record (the evidence_attachment_one_target constraint), so
    those of one record are visible by their kind's condition alone."""
    if field == "report":
        return Q(report__in=reports_visible(user).values("pk"))
    incidents = incidents_visible(user).values("pk")
    if field == "incident":
        return Q(incident__in=incidents)
    if field == "response_event":
        return Q(response_event__incident__in=incidents)
    if field == "raising":
        return Q(raising__incident__in=incidents, raising__organisation_id=_organisation_id(user))
    raise ValueError(f"attachments have no record {field!r}")


def _organisation_id(user: User | AnonymousUser) -> int | None:
    return user.organisation_id if isinstance(user, User) else None


def attachments_of_incident(user: User | AnonymousUser, incident: Incident) -> QuerySet[Attachment]:
    """The files kept as evidence of the incident itself, oldest first."""
    return attachments_of(user, incident)


def attachments_of(user: User | AnonymousUser, target: models.Model) -> QuerySet[Attachment]:
    """The files kept as evidence of one incident, report, response event or raising, oldest
    first, each with its preview if one was made."""
    field = TARGET_FIELDS[type(target)]
    # Only its kind's condition: the four of attachments_visible took the planner a
    # millisecond and more on every incident page.
    return (
        Attachment.objects.filter(_visible_of(user, field), **{field: target})
        .select_related("received_by", field, "preview")
        .order_by("received_at", "pk")
    )


def attachments_of_events(
    user: User | AnonymousUser, incident: Incident
) -> dict[int, list[Attachment]]:
    """The files kept as evidence of each of the incident's response events, by event id: one
    query for a whole timeline."""
    found: dict[int, list[Attachment]] = defaultdict(list)
    for attachment in (
        Attachment.objects.filter(
            _visible_of(user, "response_event"), response_event__incident=incident
        )
        .select_related("received_by", "response_event__incident", "preview")
        .order_by("received_at", "pk")
    ):
        assert attachment.response_event_id is not None
        found[attachment.response_event_id].append(attachment)
    return found


def attachment_get(*, user: User | AnonymousUser, attachment_id: int) -> Attachment:
    """One attachment the user may know of, or Attachment.DoesNotExist."""
    return (
        attachments_visible(user)
        .select_related(
            "incident", "report__source_list", "response_event__incident", "raising__incident"
        )
        .get(pk=attachment_id)
    )
