"""Which attachments a user may know of: those of records the user may see."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from dozor.accounts.models import User
from dozor.evidence.models import Attachment
from dozor.records.models import Incident
from dozor.records.report_selectors import reports_visible
from dozor.records.selectors import incidents_visible


def attachments_visible(user: User | AnonymousUser) -> QuerySet[Attachment]:
    """Attachments of incidents, of their response events and raisings, and of reports, that
    the user may see; opening one asks more (services.may_open)."""
    incidents = incidents_visible(user).values("pk")
    return Attachment.objects.filter(
        Q(incident__in=incidents)
        | Q(response_event__incident__in=incidents)
        | Q(raising__incident__in=incidents, raising__organisation_id=_organisation_id(user))
        | Q(report__in=reports_visible(user).values("pk"))
    )


def _organisation_id(user: User | AnonymousUser) -> int | None:
    return user.organisation_id if isinstance(user, User) else None


def attachments_of_incident(user: User | AnonymousUser, incident: Incident) -> QuerySet[Attachment]:
    """The files kept as evidence of the incident itself, oldest first."""
    return (
        attachments_visible(user)
        .filter(incident=incident)
        .select_related("received_by", "incident")
        .order_by("received_at", "pk")
    )


def attachment_get(*, user: User | AnonymousUser, attachment_id: int) -> Attachment:
    """One attachment the user may know of, or Attachment.DoesNotExist."""
    return (
        attachments_visible(user)
        .select_related(
            "incident", "report__source_list", "response_event__incident", "raising__incident"
        )
        .get(pk=attachment_id)
    )
