"""What an incident's official response timeline adds up to: plain Python, no Django."""

from dozor.analysis.responses.status import (
    MOTIVE_OFF,
    MOTIVE_ON,
    Event,
    EventRules,
    ResponseStatus,
    effective_events,
    response_status,
)

__all__ = [
    "MOTIVE_OFF",
    "MOTIVE_ON",
    "Event",
    "EventRules",
    "ResponseStatus",
    "effective_events",
    "response_status",
]
