from __future__ import annotations

import datetime

from dozor.responses.models import ResponseEvent
from tests.factories import IncidentFactory
from tests.responses.factories import ResponseEventFactory


def incident_with_events(organisation: object, day: int, *events: tuple[str, int, dict]) -> object:
    """An incident on 2008-03-<day> and events (kind, days after it, extra fields)."""
    incident = IncidentFactory(organisation=organisation, date_start=datetime.date(2008, 3, day))
    for kind, after, extra in events:
        ResponseEventFactory(
            incident=incident,
            kind=kind,
            date=incident.date_start + datetime.timedelta(days=after),
            **extra,
        )
    return incident


__all__ = ["ResponseEvent", "incident_with_events"]
