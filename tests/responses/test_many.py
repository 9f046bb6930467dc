"""The bulk forms of the response services: the same validation and trail as one at a time."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dozor.audit.models import AuditEntry
from dozor.responses.models import RaiseListEntry, Raising, ResponseEvent
from dozor.responses.services import (
    EventInput,
    EventItem,
    RaiseListItem,
    RaisingInput,
    events_create_many,
    raise_list_add_many,
    raisings_log_many,
)
from tests.conftest import Cast
from tests.responses.factories import BodyFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2009, 1, 20)


def test_many_events_are_stored_with_their_corrections_and_an_entry_each(cast: Cast) -> None:
    items = [
        EventItem(cast.incident, EventInput(kind="reported_to_police", date=DAY)),
        EventItem(cast.incident, EventInput(kind="case_opened", date=DAY)),
        EventItem(cast.incident, EventInput(kind="refusal_to_open", date=DAY), corrects=1),
        EventItem(cast.incident, EventInput(kind="case_opened", date=DAY), corrects=2),
    ]
    events = events_create_many(user=cast.owner, items=items)
    assert [event.supersedes for event in events] == [None, None, events[1], events[2]]
    assert ResponseEvent.objects.count() == 4
    entries = AuditEntry.objects.filter(action="create", target_type="responses.responseevent")
    assert sorted(int(entry.target_id) for entry in entries) == sorted(e.pk for e in events)


def test_every_bad_event_is_named_and_none_is_stored(cast: Cast) -> None:
    items = [
        EventItem(cast.incident, EventInput(kind="case_opened", date=DAY)),
        EventItem(cast.incident, EventInput(kind="verdict", date=DAY)),
        EventItem(cast.incident, EventInput(kind="case_opened", date=DAY), corrects=3),
        EventItem(cast.incident, EventInput(kind="charged", date=DAY), corrects=0),
        EventItem(cast.incident, EventInput(kind="charged", date=DAY), corrects=0),
    ]
    with pytest.raises(ValidationError) as raised:
        events_create_many(user=cast.owner, items=items)
    messages = raised.value.messages
    assert [text.split(":")[0] for text in messages] == [
        "Event 2 of 5",
        "Event 3 of 5",
        "Event 5 of 5",
    ]
    assert "does not come before it" in messages[1] and "corrected twice" in messages[2]
    assert not ResponseEvent.objects.exists()


def test_an_outsider_records_no_events_in_bulk(cast: Cast) -> None:
    items = [EventItem(cast.incident, EventInput(kind="case_opened", date=DAY))]
    with pytest.raises(PermissionDenied):
        events_create_many(user=cast.outsider, items=items)
    assert not ResponseEvent.objects.exists()


def test_the_raise_list_refuses_a_case_twice_in_one_batch(cast: Cast) -> None:
    items = [
        RaiseListItem(cast.incident, "high", "Убийство"),
        RaiseListItem(cast.incident, "low", "Снова"),
    ]
    with pytest.raises(ValidationError) as raised:
        raise_list_add_many(organisation=cast.organisation, user=cast.owner, items=items)
    assert raised.value.messages[0].startswith("Entry 2 of 2")
    assert not RaiseListEntry.objects.exists()


def test_raisings_in_bulk_are_validated_and_in_the_trail(cast: Cast) -> None:
    body = BodyFactory()
    good = RaisingInput(
        raised_on=DAY, raised_by="Owner", body=body, channel="meeting", request="Qualify"
    )
    bad = RaisingInput(
        raised_on=DAY,
        raised_by="Owner",
        body=body,
        channel="meeting",
        request="Qualify",
        reply_on=DAY - datetime.timedelta(days=1),
    )
    with pytest.raises(ValidationError):
        raisings_log_many(
            organisation=cast.organisation,
            user=cast.owner,
            items=[(cast.incident, good), (cast.incident, bad)],
        )
    assert not Raising.objects.exists()
    [raising] = raisings_log_many(
        organisation=cast.organisation, user=cast.owner, items=[(cast.incident, good)]
    )
    entry = AuditEntry.objects.get(target_type="responses.raising", target_id=str(raising.pk))
    assert entry.changes["request"] == "changed" and entry.actor == cast.owner.username
