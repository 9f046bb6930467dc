"""Response events a mapping reads from a row (``response_events:``), kept until an incident exists.

An import stores reports, never incidents: an official response read from a row (the Toronto
file's ARREST_MADE, say) is kept in the report's fields under ``_response_events``. When the
report becomes part of an incident (the intake and linkage services link it, then call
dozor.responses.services.events_from_reports), each becomes a response event on that incident's
timeline, once.

    response_events:
      - when: arrest_made      # a field of this mapping; the event is made when it is true
        kind: detained         # a code of the response_event_kind vocabulary
        date: reported_on      # a date field of this mapping: the event's date
        note: The source gives no arrest date; dated with the day the occurrence was reported.

``equals: VALUE`` makes the event when the field holds VALUE instead of when it is true;
``present: true`` when the field holds any value at all (an arrest date, a case number): not
empty, not false, not an empty list.
"""

from __future__ import annotations

from collections.abc import Mapping as MappingABC
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from dozor.records.report_schema import PENDING_RESPONSE_EVENTS
from dozor.responses.vocab import response_vocabulary

PENDING_KEY = PENDING_RESPONSE_EVENTS
EVENT_KEYS = {"when", "equals", "present", "kind", "date", "note"}
NOTE_MAX_LENGTH = 500

MSG_EVENTS_NOT_A_LIST = _("%(file)s: response_events: expected a list of events; found %(found)s.")
MSG_EVENT_NOT_A_MAPPING = _(
    "%(file)s: response_events, event %(number)s: expected keys when, kind and date; found "
    "%(found)s."
)
MSG_EVENT_UNKNOWN_KEY = _(
    "%(file)s: response_events, event %(number)s: unknown key “%(key)s”; allowed: %(allowed)s."
)
MSG_EVENT_NO_FIELD = _(
    "%(file)s: response_events, event %(number)s: %(key)s: “%(value)s” is not a field of this "
    "mapping; its fields are %(fields)s."
)
MSG_EVENT_NOT_A_DATE = _(
    "%(file)s: response_events, event %(number)s: date: “%(value)s” is a %(type)s field; expected "
    "a date field."
)
MSG_EVENT_UNKNOWN_KIND = _(
    "%(file)s: response_events, event %(number)s: kind: “%(value)s” is not a response event kind; "
    "expected one of %(kinds)s."
)
MSG_EVENT_PRESENT = _(
    "%(file)s: response_events, event %(number)s: present: expected true (an event whenever the "
    "field holds a value); found %(found)s."
)
MSG_EVENT_EQUALS_AND_PRESENT = _(
    "%(file)s: response_events, event %(number)s: expected equals or present, not both."
)
MSG_EVENT_NOTE = _(
    "%(file)s: response_events, event %(number)s: note: expected a text of at most %(limit)s "
    "characters."
)


class ResponseEventsError(ValueError):
    """A mapping's response_events section is wrong; the message names the event and key."""


@dataclass(frozen=True)
class EventRule:
    when: str
    kind: str
    date: str
    equals: Any = None
    note: str = ""
    present: bool = False

    def applies(self, fields: MappingABC[str, Any]) -> bool:
        value = fields.get(self.when)
        if self.present:
            return not (value is None or value is False or value in ("", [], {}))
        return value is True if self.equals is None else value == self.equals


def event_rules_parse(
    raw: Any, *, file: str, field_types: MappingABC[str, str]
) -> tuple[EventRule, ...]:
    """Check a mapping's ``response_events`` against its fields and the event vocabulary."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ResponseEventsError(str(MSG_EVENTS_NOT_A_LIST) % {"file": file, "found": repr(raw)})
    kinds = response_vocabulary("response_event_kind")
    rules = []
    for number, spec in enumerate(raw, start=1):
        where = {"file": file, "number": number}
        if not isinstance(spec, dict) or not {"when", "kind", "date"} <= set(spec):
            raise ResponseEventsError(str(MSG_EVENT_NOT_A_MAPPING) % {**where, "found": spec})
        for key in spec:
            if key not in EVENT_KEYS:
                raise ResponseEventsError(
                    str(MSG_EVENT_UNKNOWN_KEY)
                    % {**where, "key": key, "allowed": ", ".join(sorted(EVENT_KEYS))}
                )
        for key in ("when", "date"):
            if spec[key] not in field_types:
                raise ResponseEventsError(
                    str(MSG_EVENT_NO_FIELD)
                    % {**where, "key": key, "value": spec[key], "fields": ", ".join(field_types)}
                )
        if field_types[spec["date"]] != "date":
            raise ResponseEventsError(
                str(MSG_EVENT_NOT_A_DATE)
                % {**where, "value": spec["date"], "type": field_types[spec["date"]]}
            )
        if spec["kind"] not in kinds:
            raise ResponseEventsError(
                str(MSG_EVENT_UNKNOWN_KIND)
                % {**where, "value": spec["kind"], "kinds": ", ".join(kinds.codes)}
            )
        if "present" in spec and spec["present"] is not True:
            raise ResponseEventsError(
                str(MSG_EVENT_PRESENT) % {**where, "found": repr(spec["present"])}
            )
        if "present" in spec and "equals" in spec:
            raise ResponseEventsError(str(MSG_EVENT_EQUALS_AND_PRESENT) % where)
        note = spec.get("note", "")
        if not isinstance(note, str) or len(note) > NOTE_MAX_LENGTH:
            raise ResponseEventsError(str(MSG_EVENT_NOTE) % {**where, "limit": NOTE_MAX_LENGTH})
        rules.append(
            EventRule(
                when=spec["when"],
                kind=spec["kind"],
                date=spec["date"],
                equals=spec.get("equals"),
                note=note.strip(),
                present=spec.get("present", False),
            )
        )
    return tuple(rules)


def pending_events(
    rules: tuple[EventRule, ...], fields: MappingABC[str, Any], *, source: str
) -> list[dict[str, str]]:
    """The events a row's fields call for, as kept in the report until it joins an incident."""
    events = []
    for rule in rules:
        date = fields.get(rule.date)
        if rule.applies(fields) and isinstance(date, str) and date:
            events.append(
                {
                    "kind": rule.kind,
                    "date": date,
                    "source": f"{source} ({rule.when})"[:500],
                    "note": rule.note,
                }
            )
    return events
