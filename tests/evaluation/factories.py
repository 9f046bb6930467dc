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


def timelines_of_2008(organisation: object) -> None:
    """Four incidents of March 2008 with events, worked out by hand in test_indicators.py:

    A: reported on day 1, case opened on day 10, charged on day 40 with the motive qualified;
    B: reported on day 2, case opened on day 30, charged on day 90, motive not qualified;
    C: reported on day 3, nothing else;   D: a case opened on day 50 without a report.
    """
    incident_with_events(
        organisation,
        1,
        ("reported_to_police", 1, {}),
        ("case_opened", 10, {}),
        ("motive_qualified", 11, {}),
        ("charged", 40, {}),
    )
    incident_with_events(
        organisation,
        2,
        ("reported_to_police", 2, {}),
        ("case_opened", 30, {}),
        ("motive_not_qualified", 31, {}),
        ("charged", 90, {}),
    )
    incident_with_events(organisation, 3, ("reported_to_police", 3, {}))
    incident_with_events(organisation, 4, ("case_opened", 50, {}))


__all__ = ["ResponseEvent", "incident_with_events", "timelines_of_2008"]
