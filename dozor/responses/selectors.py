"""Reads of responses and of the dialogue, filtered by what the asking user may see.

Response events are part of an incident: whoever sees the incident sees its timeline. The raise
list and the dialogue log belong to the organisation that keeps them, even for public incidents:
who raised what with whom is the organisation's own business.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, Count, IntegerField, QuerySet, Value, When
from django.utils import timezone

from dozor.accounts.models import User
from dozor.accounts.policy import may
from dozor.analysis.responses import Event, ResponseStatus, response_status
from dozor.records.local_terms import hate_articles_by_organisation
from dozor.records.models import Incident
from dozor.records.selectors import incident_can_edit, incidents_visible
from dozor.responses.hate import LocalHateArticles, event_rules_of
from dozor.responses.models import Body, RaiseListEntry, Raising, ResponseEvent
from dozor.responses.vocab import response_vocabulary


def incident_visible_to(user: User | AnonymousUser, incident: Incident) -> bool:
    return incidents_visible(user).filter(pk=incident.pk).exists()


def incident_responses_can_edit(user: User | AnonymousUser, incident: Incident) -> bool:
    return incident_can_edit(user, incident)


def organisation_of(user: User) -> int:
    """The id of the user's organisation; callers have checked dialogue_can_read()."""
    assert user.organisation_id is not None
    return user.organisation_id


def dialogue_can_read(user: User | AnonymousUser) -> bool:
    return may(user, "dialogue.read")


def dialogue_can_write(user: User | AnonymousUser) -> bool:
    return may(user, "dialogue.write")


def events_of(incident: Incident) -> QuerySet[ResponseEvent]:
    """The whole timeline, corrections and corrected events alike, in date order."""
    return (
        ResponseEvent.objects.filter(incident=incident)
        .select_related("created_by", "supersedes")
        .order_by("date", "id")
    )


def as_event(row: ResponseEvent) -> Event:
    return Event(
        id=row.pk,
        kind=row.kind,
        date=row.date,
        supersedes=row.supersedes_id,
        articles=tuple(row.articles or ()),
        verdict_outcome=row.verdict_outcome,
        motive_recognised=row.motive_recognised,
    )


def today() -> datetime.date:
    return timezone.localdate()


def incident_status(
    incident: Incident,
    events: list[ResponseEvent] | None = None,
    *,
    local_hate: LocalHateArticles | None = None,
) -> ResponseStatus:
    """The derived status of ``incident``'s response, its organisation's own hate-motive
    articles counted (``local_hate``: hate_articles_by_organisation read once for many)."""
    rows = list(events_of(incident)) if events is None else events
    articles = [code for row in rows for code in row.articles or ()]
    return response_status(
        [as_event(row) for row in rows],
        rules=event_rules_of(incident.organisation_id, articles, local_hate),
        incident_date=incident.date_start,
        today=today(),
        stall_months=settings.RESPONSE_STALL_MONTHS,
    )


@dataclass(frozen=True)
class Timeline:
    """An incident's events in date order, corrected ones included, each marked
    ``is_superseded`` where a correction replaced it; and the status the events in force make."""

    events: list[ResponseEvent]
    status: ResponseStatus


def timeline(incident: Incident) -> Timeline:
    rows = list(events_of(incident))
    status = incident_status(incident, rows)
    for row in rows:
        row.is_superseded = row.pk in status.superseded  # type: ignore[attr-defined]
    return Timeline(events=rows, status=status)


def raise_list(user: User | AnonymousUser) -> QuerySet[RaiseListEntry]:
    if not dialogue_can_read(user):
        return RaiseListEntry.objects.none()
    assert isinstance(user, User)
    visible = incidents_visible(user).values("pk")
    priority_order = {code: n for n, code in enumerate(response_vocabulary("raise_priority").codes)}
    entries = RaiseListEntry.objects.filter(
        organisation_id=organisation_of(user), incident__in=visible
    ).select_related("incident", "added_by")
    return entries.order_by(*_ordered_by("priority", priority_order), "incident__reference")


def raise_list_statuses(
    user: User | AnonymousUser,
) -> list[tuple[RaiseListEntry, ResponseStatus]]:
    """The raise list with each case's response status, as its page and the API show it."""
    entries = list(raise_list(user))
    local_hate = hate_articles_by_organisation(
        {entry.incident.organisation_id for entry in entries}
    )
    return [(entry, incident_status(entry.incident, local_hate=local_hate)) for entry in entries]


def _ordered_by(field: str, order: dict[str, int]) -> list[Case]:
    return [
        Case(
            *(When(**{field: code}, then=Value(rank)) for code, rank in order.items()),
            default=Value(len(order)),
            output_field=IntegerField(),
        )
    ]


def raisings_visible(user: User | AnonymousUser) -> QuerySet[Raising]:
    if not dialogue_can_read(user):
        return Raising.objects.none()
    assert isinstance(user, User)
    return Raising.objects.filter(
        organisation_id=organisation_of(user), incident__in=incidents_visible(user).values("pk")
    ).select_related("incident", "body")


def raisings_of(user: User | AnonymousUser, incident: Incident) -> QuerySet[Raising]:
    return raisings_visible(user).filter(incident=incident).order_by("raised_on", "id")


def open_statuses() -> list[str]:
    return [
        term.code
        for term in response_vocabulary("dialogue_status").terms
        if term.attributes.get("open")
    ]


def follow_ups(
    user: User | AnonymousUser, *, on: datetime.date, horizon_days: int = 30
) -> tuple[list[Raising], list[Raising]]:
    """Open raisings whose follow-up is overdue, and those due within ``horizon_days``."""
    pending = raisings_visible(user).filter(status__in=open_statuses(), follow_up_due__isnull=False)
    overdue = list(pending.filter(follow_up_due__lt=on).order_by("follow_up_due", "id"))
    due = list(
        pending.filter(
            follow_up_due__gte=on, follow_up_due__lte=on + datetime.timedelta(days=horizon_days)
        ).order_by("follow_up_due", "id")
    )
    return overdue, due


def bodies_with_counts(user: User | AnonymousUser) -> list[tuple[Body, int]]:
    counts = dict(
        raisings_visible(user)
        .order_by()
        .values("body_id")
        .annotate(n=Count("id"))
        .values_list("body_id", "n")
    )
    return [(body, counts.get(body.pk, 0)) for body in Body.objects.order_by("name")]


def body_raisings(user: User | AnonymousUser, body: Body) -> QuerySet[Raising]:
    return raisings_visible(user).filter(body=body).order_by("-raised_on", "-id")
