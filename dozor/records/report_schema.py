"""The standard fields of a report: what imports write and what linkage and incidents read.

A report's parsed fields (``Report.fields``) are whatever its mapping gave, but these names mean
one thing everywhere: a mapping that writes ``victims`` must write the list of people described
here, linkage compares ``date``, ``region`` and ``victims`` and nothing else by those names, and an
incident made from reports takes its date, place, people and counts from them. Any other field a
mapping declares is kept in the report as an extra field, shown with it and read by nobody else.

No Django here: the table is plain data so that the mapping schema, the linkage frame, the
incident builder and docs/import.md all read the same one.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The mapping types (docs/import.md, "Field types").
TEXT = "text"
INTEGER = "integer"
BOOLEAN = "boolean"
DATE = "date"
CODE = "code"
CODES = "codes"
REGION = "region"
COUNTRY = "country"
PEOPLE = "people"


@dataclass(frozen=True)
class StandardField:
    """One standard field: the mapping type that writes it and who reads it."""

    name: str
    type: str
    description: str
    vocabulary: str | None = None
    linkage: bool = False  # compared by linkage
    incident: bool = False  # taken by an incident made from the report
    written_by: str | None = None  # set by another field's type (the date's precision and end)


STANDARD_FIELDS: tuple[StandardField, ...] = (
    StandardField(
        "date",
        DATE,
        "when it happened: the first day of the day, month or year the source gives",
        linkage=True,
        incident=True,
    ),
    StandardField(
        "date_precision",
        CODE,
        "day, month, year or range, as the matched format says; written with the date",
        vocabulary="date_precision",
        linkage=True,
        incident=True,
        written_by="date",
    ),
    StandardField(
        "date_end",
        DATE,
        "the last possible day of a range; written with the date",
        incident=True,
        written_by="date",
    ),
    StandardField("country", COUNTRY, "ISO 3166-1 alpha-2 code", linkage=True, incident=True),
    StandardField("region", REGION, "ISO 3166-2 code", linkage=True, incident=True),
    StandardField("locality", TEXT, "town, village or district", linkage=True, incident=True),
    StandardField(
        "incident_type",
        CODE,
        "what happened",
        vocabulary="incident_type",
        linkage=True,
        incident=True,
    ),
    StandardField(
        "bias_motivations",
        CODES,
        "the bias motivations the source gives",
        vocabulary="bias_motivation",
        linkage=True,
        incident=True,
    ),
    StandardField(
        "victims",
        PEOPLE,
        "the people attacked: name, sex, age, perceived group, harm",
        linkage=True,
        incident=True,
    ),
    StandardField(
        "perpetrators",
        PEOPLE,
        "the attackers: name, sex, age",
        incident=True,
    ),
    StandardField("killed", INTEGER, "people killed", linkage=True, incident=True),
    StandardField("injured", INTEGER, "people injured", linkage=True, incident=True),
    StandardField(
        "target_organisation",
        TEXT,
        "the organisation attacked, raided or searched, by name",
        linkage=True,
        incident=True,
    ),
    StandardField(
        "defender_targeted",
        BOOLEAN,
        "whether a human-rights defender or organisation was targeted",
        incident=True,
    ),
    StandardField("title", TEXT, "a headline", linkage=True, incident=True),
    StandardField("summary", TEXT, "what the source says happened", linkage=True, incident=True),
    StandardField(
        "summary_language",
        TEXT,
        "the language of the title and summary: ru or en (read from the text when absent)",
        incident=True,
    ),
    StandardField("source_url", TEXT, "where the source published it"),
)

STANDARD = {f.name: f for f in STANDARD_FIELDS}

# Official responses an import read from a row (an arrest, say) wait in the report's fields under
# this key until the report joins an incident; the service that links it then makes them events
# of the incident's timeline (dozor.intake.response_events writes them, dozor.responses reads them).
PENDING_RESPONSE_EVENTS = "_response_events"

# What linkage compares, grouped as a mapping's warning names them: a mapping that gives none of
# these leaves linkage nothing but counts and types to go on.
LINKAGE_ESSENTIALS = {
    "date": ("date",),
    "place": ("region", "locality"),
    "victims' names": ("victims",),
}

# The keys of one person in ``victims`` or ``perpetrators``. A person may also hold texts under
# ``custom_<key>``: values for the organisation's own fields on people (records.custom_fields),
# kept as texts and read by incidents made from the report, never by linkage.
PERSON_KEYS = ("name", "sex", "age", "perceived_group", "harm")
# A report field (or a person's key) of this prefix and a custom field's key fills that field.
CUSTOM_PREFIX = "custom_"
CUSTOM_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
SEXES = ("male", "female", "other", "unknown")
HARMS = ("killed", "injured", "unhurt", "unknown")
PRECISIONS = ("day", "month", "year", "range", "unknown")
SUMMARY_LANGUAGES = ("ru", "en")
AGE_MAX = 120


def person_empty() -> dict[str, Any]:
    return {"name": "", "sex": "unknown", "age": None, "perceived_group": "", "harm": "unknown"}


@dataclass(frozen=True)
class FieldProblem:
    """A standard field whose value is not what the schema says: left out, with the reason."""

    field: str
    value: str
    expected: str


def _iso_date(value: Any) -> datetime.date | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def standard_values(fields: Any) -> tuple[dict[str, Any], list[FieldProblem]]:
    """The standard fields of a report that read as the schema says, and why any others do not.

    Readers of reports (linkage, incidents made from reports) call this instead of trusting the
    stored fields: reports stored by an older mapping, or one that named a field ``date`` without
    making it a date, must leave out that field of that report, never stop the others.
    """
    if not isinstance(fields, Mapping):
        return {}, []
    good: dict[str, Any] = {}
    problems: list[FieldProblem] = []

    def bad(name: str, expected: str) -> None:
        problems.append(FieldProblem(name, repr(fields.get(name))[:80], expected))

    for spec in STANDARD_FIELDS:
        name = spec.name
        if name not in fields or fields[name] in (None, "", []):
            continue
        value = fields[name]
        if spec.type == DATE:
            if _iso_date(value) is None:
                bad(name, "a date written YYYY-MM-DD")
                continue
        elif spec.type == INTEGER:
            if not _whole(value):
                bad(name, "a whole number of at least 0")
                continue
        elif spec.type == BOOLEAN:
            if not isinstance(value, bool):
                bad(name, "true or false")
                continue
        elif spec.type == PEOPLE:
            people = _people(value)
            if people is None:
                bad(name, "a list of people, each with a name, sex and age")
                continue
            value = people
        elif spec.type == CODES:
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                bad(name, "a list of codes")
                continue
        elif not isinstance(value, str):
            bad(name, "a text")
            continue
        good[name] = value
    precision = good.get("date_precision")
    if precision is not None and precision not in PRECISIONS:
        bad("date_precision", ", ".join(PRECISIONS))
        good.pop("date_precision")
    if good.get("summary_language") not in (None, *SUMMARY_LANGUAGES):
        bad("summary_language", " or ".join(SUMMARY_LANGUAGES))
        good.pop("summary_language")
    if "date" in good:
        good.setdefault("date_precision", "day")
    else:
        good.pop("date_precision", None)
        good.pop("date_end", None)
    if "date_end" in good and good["date_end"] < good["date"]:
        bad("date_end", "a day on or after the date")
        good.pop("date_end")
    return good, problems


def _people(value: Any) -> list[dict[str, Any]] | None:
    if not isinstance(value, list):
        return None
    people = []
    for item in value:
        if not isinstance(item, Mapping):
            return None
        person = person_empty()
        name = item.get("name")
        person["name"] = name.strip() if isinstance(name, str) else ""
        if item.get("sex") in SEXES:
            person["sex"] = item["sex"]
        age = item.get("age")
        if isinstance(age, int) and _whole(age) and 0 < age <= AGE_MAX:
            person["age"] = age
        if isinstance(item.get("perceived_group"), str):
            person["perceived_group"] = item["perceived_group"]
        if item.get("harm") in HARMS:
            person["harm"] = item["harm"]
        person.update(_person_custom(item))
        people.append(person)
    return people


def _person_custom(item: Mapping[Any, Any]) -> dict[str, str]:
    """A person's custom values (``custom_<key>``) that are texts; any other value is left out."""
    return {
        name: value.strip()
        for name, value in item.items()
        if isinstance(name, str)
        and name.startswith(CUSTOM_PREFIX)
        and CUSTOM_KEY_PATTERN.match(name.removeprefix(CUSTOM_PREFIX))
        and isinstance(value, str)
        and value.strip()
    }
