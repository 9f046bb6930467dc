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
from typing import Annotated, Any

from django.utils.translation import gettext_lazy as _
from pydantic import Field, ValidationInfo, field_validator, model_validator

from dozor.lib.schemas import Schema, SchemaError, load_model, refused
from dozor.records.report_schema import PENDING_RESPONSE_EVENTS
from dozor.records.schema_wording import schema_wording
from dozor.responses.vocab import response_vocabulary

PENDING_KEY = PENDING_RESPONSE_EVENTS
NOTE_MAX_LENGTH = 500

# Mistakes in a mapping's response_events, each naming the file and the key.
MSG_EVENT_NO_FIELD = _(
    "%(file)s: %(key)s: “%(value)s” is not a field of this mapping; its fields are %(fields)s."
)
MSG_EVENT_NOT_A_DATE = _(
    "%(file)s: %(key)s: “%(value)s” is a %(type)s field; expected a date field."
)
MSG_EVENT_UNKNOWN_KIND = _(
    "%(file)s: %(key)s: “%(value)s” is not a response event kind; expected one of %(kinds)s."
)
MSG_EVENT_PRESENT = _(
    "%(file)s: %(key)s: expected true (an event whenever the field holds a value); found %(found)s."
)
MSG_EVENT_EQUALS_AND_PRESENT = _("%(file)s: %(key)s: expected equals or present, not both.")
EVENT_MESSAGES = {
    "event_no_field": MSG_EVENT_NO_FIELD,
    "event_not_a_date": MSG_EVENT_NOT_A_DATE,
    "event_unknown_kind": MSG_EVENT_UNKNOWN_KIND,
    "event_present": MSG_EVENT_PRESENT,
    "event_equals_and_present": MSG_EVENT_EQUALS_AND_PRESENT,
}
# What a key of an event takes when it is missing.
EVENT_MISSING = {
    "when": _("a field of this mapping"),
    "kind": _("a response event kind"),
    "date": _("a date field"),
}


class ResponseEventsError(SchemaError):
    """A mapping's response_events section is wrong; each message names the event and key."""


def _field_types(info: ValidationInfo) -> MappingABC[str, str]:
    return dict((info.context or {}).get("field_types", {}))


class EventRuleSpec(Schema):
    """One rule: the event ``kind``, dated by ``date``, made when ``when`` is true (or holds
    ``equals``, or with ``present: true`` any value)."""

    when: str = Field(description="a field of this mapping: the event is made when it is true")
    kind: str = Field(description="a code of `dozor vocab response_event_kind`")
    date: str = Field(description="a date field of this mapping: the event's date")
    equals: Any = Field(default=None, description="the event is made when `when` holds this value")
    present: bool = Field(
        default=False, description="`true`: the event is made when `when` holds any value"
    )
    note: Annotated[str, Field(max_length=NOTE_MAX_LENGTH)] = Field(
        default="", description="a note kept with the event"
    )

    @field_validator("when", "date")
    @classmethod
    def _a_field(cls, value: str, info: ValidationInfo) -> str:
        types = _field_types(info)
        if value not in types:
            raise refused("event_no_field", value=value, fields=", ".join(types))
        if info.field_name == "date" and types[value] != "date":
            raise refused("event_not_a_date", value=value, type=types[value])
        return value

    @field_validator("kind")
    @classmethod
    def _a_kind(cls, value: str, info: ValidationInfo) -> str:
        kinds = (info.context or {}).get("kinds", ())
        if value not in kinds:
            raise refused("event_unknown_kind", value=value, kinds=", ".join(kinds))
        return value

    @field_validator("present")
    @classmethod
    def _true_or_absent(cls, value: bool) -> bool:
        if value is not True:
            raise refused("event_present", found=repr(value))
        return value

    @model_validator(mode="after")
    def _equals_or_present(self) -> EventRuleSpec:
        if self.present and "equals" in self.model_fields_set:
            raise refused("event_equals_and_present")
        return self


class EventRulesSpec(Schema):
    response_events: list[EventRuleSpec] | None = None


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
    spec = load_model(
        EventRulesSpec,
        {"response_events": raw},
        source=file,
        wording=schema_wording(missing=EVENT_MISSING, own=EVENT_MESSAGES),
        error=ResponseEventsError,
        context={
            "field_types": field_types,
            "kinds": response_vocabulary("response_event_kind").codes,
        },
    )
    return tuple(
        EventRule(
            when=rule.when,
            kind=rule.kind,
            date=rule.date,
            equals=rule.equals,
            note=rule.note.strip(),
            present=rule.present,
        )
        for rule in spec.response_events or ()
    )


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
