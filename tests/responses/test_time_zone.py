"""What "today" is follows the configured time zone (DOZOR_TIME_ZONE), not UTC (issue 12).

In Moscow (UTC+3) it is already the next day between 00:00 and 03:00 while UTC is still on the
day before; an event dated that Moscow day was refused as "in the future".
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.urls import reverse

from dozor.responses.models import ResponseEvent
from dozor.responses.services import MSG_FUTURE_DATE
from tests.conftest import Cast

# 21:30 UTC of the real day, which is 00:30 of the next day in Moscow. The day is the real one so
# that code still reading the system clock in UTC would take it for "today", as in production.
UTC_TODAY = datetime.datetime.now(tz=datetime.UTC).date()
HALF_PAST_MIDNIGHT_IN_MOSCOW = datetime.datetime.combine(
    UTC_TODAY, datetime.time(21, 30), tzinfo=datetime.UTC
)
MOSCOW_TODAY = UTC_TODAY + datetime.timedelta(days=1)


@pytest.fixture
def half_past_midnight_in_moscow(settings: Any) -> Iterator[None]:
    settings.TIME_ZONE = "Europe/Moscow"
    with mock.patch("django.utils.timezone.now", return_value=HALF_PAST_MIDNIGHT_IN_MOSCOW):
        yield


def post_event(cast: Cast, date: datetime.date) -> Any:
    url = reverse("responses:timeline", args=[cast.incident.reference])
    return cast.client("owner").post(
        url, {"kind": "case_opened", "date": date.isoformat(), "authority": "СК"}
    )


@pytest.mark.usefixtures("half_past_midnight_in_moscow")
def test_an_event_dated_today_in_moscow_is_accepted_at_half_past_midnight(cast: Cast) -> None:
    response = post_event(cast, MOSCOW_TODAY)
    assert response.status_code == 302, response.content.decode()
    assert ResponseEvent.objects.get().date == MOSCOW_TODAY


@pytest.mark.usefixtures("half_past_midnight_in_moscow")
def test_an_event_dated_tomorrow_in_moscow_is_still_refused_as_in_the_future(cast: Cast) -> None:
    tomorrow = MOSCOW_TODAY + datetime.timedelta(days=1)
    response = post_event(cast, tomorrow)
    assert response.status_code == 400
    assert str(MSG_FUTURE_DATE % {"date": tomorrow.isoformat()}) in response.content.decode()
    assert not ResponseEvent.objects.exists()
