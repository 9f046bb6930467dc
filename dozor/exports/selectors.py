"""Reads for exports, always within what the asking user may see."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, QuerySet

from dozor.accounts.models import User
from dozor.accounts.policy import may
from dozor.records.models import Incident
from dozor.records.selectors import incidents_visible
from dozor.responses.models import ResponseEvent


def odihr_can_export(user: User | AnonymousUser) -> bool:
    """A submission speaks for an organisation: its members may build it."""
    return isinstance(user, User) and user.is_active and user.organisation_id is not None


def odihr_incidents(*, user: User | AnonymousUser, country: str, year: int) -> QuerySet[Incident]:
    """The user's organisation's incidents marked for the given report year, that the user may
    see (a reader does not get the confidential ones), in date order."""
    if not odihr_can_export(user):
        return Incident.objects.none()
    assert isinstance(user, User) and user.organisation_id is not None
    return (
        incidents_visible(user)
        .filter(
            organisation_id=user.organisation_id,
            country=country,
            odihr_submission__year=year,
        )
        .prefetch_related(
            "biases",
            "people",
            # The response timelines in one query, in the order events_of() gives them.
            Prefetch("response_events", queryset=ResponseEvent.objects.order_by("date", "id")),
        )
        .order_by("date_start", "reference")
    )


def odihr_can_mark(user: User | AnonymousUser, incident: Incident) -> bool:
    return may(user, "incident.write", incident)
