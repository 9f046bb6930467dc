"""Mapping files: which column becomes which field of a report, and how its values are read.

A mapping is YAML (see docs/import.md). :func:`mapping_parse` checks it against the declared
schema (pydantic models: :class:`MappingSpec` here, the field types in
dozor/intake/mapping_types.py) and names the file and key of the first problem;
:meth:`Mapping.apply` turns one raw row into parsed fields or a list of problems, never both.
Nothing here touches the database.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import unicodedata
from collections.abc import Collection, Sequence
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from typing import Annotated, Any

import yaml
from django.utils.translation import gettext_lazy as _
from pydantic import BeforeValidator, Field, model_validator

from dozor.intake.mapping_base import (
    AnyText,
    FieldSpec,
    RowReading,
    Spec,
    Text,
    cell_text,
    mapping_vocabularies,
)
from dozor.intake.mapping_people import GROUP_NUMBER, PeopleField
from dozor.intake.mapping_types import (
    FIELD_NAME,
    FIELD_TYPES,
    NOT_PLACED_FLAG,
    AnyField,
    CodeField,
    CodesField,
    DateField,
    FieldName,
)
from dozor.intake.problems import PROBLEM_MESSAGES, Problem
from dozor.intake.response_events import (
    PENDING_KEY,
    EventRule,
    ResponseEventsError,
    event_rules_parse,
    pending_events,
)
from dozor.intake.values import normalised
from dozor.lib.schemas import Location, SchemaError, Wording, expected, load_model, refused
from dozor.records.report_schema import CUSTOM_PREFIX, LINKAGE_ESSENTIALS, STANDARD
from dozor.records.schema_wording import (
    MSG_SCHEMA_MISMATCH,
    MSG_SCHEMA_UNKNOWN_KEY,
    schema_wording,
)

__all__ = [
    "PROBLEM_MESSAGES",
    "Mapping",
    "MappingError",
    "Problem",
    "cell_text",
    "mapping_parse",
    "normalised",
    "row_fingerprint",
]

MAPPING_VERSION = 1
CHECK_ACTIONS = ("quarantine", "flag")
EXTERNAL_ID_MAX_LENGTH = 200
# Between the cells of a composite identity ("12345 / 2"); a "/" or "\" in a cell is escaped.
ID_SEPARATOR = " / "

# Problems in a mapping file. Each names the file and the key; `expected` says what would do.
MSG_MAPPING_NOT_YAML = _("%(file)s: not valid YAML: %(error)s")
MSG_MAPPING_KEY = MSG_SCHEMA_MISMATCH
MSG_MAPPING_UNKNOWN_KEY = MSG_SCHEMA_UNKNOWN_KEY
MSG_MAPPING_UNKNOWN_CODE = _(
    "%(file)s: %(key)s: “%(code)s” is not a code of the vocabulary “%(vocabulary)s”; "
    "expected one of %(codes)s."
)
MSG_MAPPING_SYNONYM_TWICE = _(
    "%(file)s: %(key)s: the value “%(value)s” is given for both “%(first)s” and “%(second)s”; "
    "a code field takes one code: say which with `several: first` or `several: order`, or make "
    "the field type codes."
)
MSG_MAPPING_STANDARD_TYPE = _(
    "%(file)s: %(key)s: %(name)s is a standard field, read by %(readers)s as %(meaning)s; "
    "expected type %(expected)s; found %(found)s."
)
MSG_MAPPING_STANDARD_VOCABULARY = _(
    "%(file)s: %(key)s: %(name)s is a standard field, read by %(readers)s as a code of the "
    "vocabulary %(expected)s; expected vocabulary %(expected)s; found %(found)s."
)
MSG_MAPPING_WRITTEN_BY = _(
    "%(file)s: %(key)s: the date field %(date)s writes %(name)s itself (the precision of the "
    "date and the last day of a range); give this field another name."
)

# Who reads a standard field, and what it means to them (MSG_MAPPING_STANDARD_TYPE).
READERS = {
    (True, True): _("linkage and incidents"),
    (False, True): _("incidents"),
    (True, False): _("linkage"),
    (False, False): _("exports"),
}
MEANINGS = {
    "text": _("a text"),
    "integer": _("a whole number"),
    "boolean": _("true or false"),
    "date": _("a date with its precision"),
    "code": _("a code of a vocabulary"),
    "codes": _("a list of codes of a vocabulary"),
    "region": _("an ISO 3166-2 region code"),
    "country": _("an ISO 3166-1 country code"),
    "people": _("a list of people"),
}

# A mapping that gives linkage nothing of a kind it compares (LINKAGE_ESSENTIALS) is read, with
# a warning that says what linkage cannot use and what to map.
LINKAGE_WARNINGS = {
    "date": _(
        "The mapping gives no date: linkage cannot compare when things happened. Map the "
        "column that says when to the field `date` (type date)."
    ),
    "place": _(
        "The mapping gives no place: linkage cannot compare where things happened. Map the "
        "column of the region to `region` (type region), or of the town to `locality`."
    ),
    "victims' names": _(
        "The mapping gives no victims: linkage cannot compare the people attacked. Map the "
        "column (or columns) that name them to `victims` (type people)."
    ),
}

# What a key takes when it is missing, for the message.
MISSING_EXPECTED = {
    "version": str(MAPPING_VERSION),
    "name": _("a non-empty text"),
    "fields": _("a mapping of field names to fields"),
    "year": _("the column of the year"),
    "column": _("a column"),
    "earlier": _("a date field"),
    "later": _("a date field"),
}


class MappingError(SchemaError):
    """A mapping file that does not follow the schema; each message names the file and the key."""


def _tidy(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).split())


def row_fingerprint(raw: MappingABC[str, Any]) -> str:
    """The identity of a row without an id column: SHA-256 of its cells, NFC, spaces collapsed."""
    cells = sorted((_tidy(str(key)), _tidy(cell_text(value))) for key, value in raw.items())
    digest = hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode("utf-8")).hexdigest()
    return f"sha256:{digest}"


# ---- the schema of the file ------------------------------------------------------------------


def _version(value: Any) -> int:
    if isinstance(value, bool) or value != MAPPING_VERSION:
        raise expected(str(MAPPING_VERSION))
    return MAPPING_VERSION


def _id_columns(value: Any) -> tuple[str, ...]:
    columns = [value] if isinstance(value, str) else value
    if (
        not isinstance(columns, list)
        or not columns
        or not all(isinstance(column, str) and column.strip() for column in columns)
    ):
        raise expected("a column, or a list of columns that together identify a row")
    if len(set(columns)) != len(columns):
        raise expected("each column once")
    return tuple(columns)


def _delimiter(value: Any) -> str:
    if not isinstance(value, str) or len(value) != 1:
        raise expected("one character")
    return value


def _encoding(value: Any) -> str:
    try:
        "".encode(_text_value(value))
    except LookupError:
        raise expected("an encoding such as utf-8 or cp1251") from None
    return str(value)


def _text_value(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise expected("a non-empty text")
    return value


def _whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise expected("a whole number of at least 0")
    return int(value)


def _check_action(value: Any) -> str:
    if value not in CHECK_ACTIONS:
        raise expected(f"one of {', '.join(CHECK_ACTIONS)}")
    return str(value)


class FormatSpec(Spec):
    delimiter: Annotated[str, BeforeValidator(_delimiter)] | None = Field(
        default=None, description="one character; sniffed when absent"
    )
    encoding: Annotated[str, BeforeValidator(_encoding)] | None = Field(
        default=None, description="the file's encoding, such as `cp1251`; detected when absent"
    )
    sheet: Text | None = Field(
        default=None, description="XLSX: the sheet to read (the first when absent)"
    )


class CheckSpec(Spec):
    """Two date fields, the later not before the earlier (and at most ``max_days`` after)."""

    earlier: AnyText = Field(description="a date field")
    later: AnyText = Field(description="a date field, not before `earlier`")
    min_days: Annotated[int, BeforeValidator(_whole)] = Field(
        default=0, description="the days `later` must be at least after `earlier`"
    )
    max_days: Annotated[int, BeforeValidator(_whole)] | None = Field(
        default=None, description="the days `later` may be at most after `earlier`"
    )
    action: Annotated[str, BeforeValidator(_check_action)] = Field(
        default="quarantine", description="`quarantine` the row, or `flag` it and store it"
    )
    flag: AnyText = Field(
        default="", description="with `action: flag`: the flag added to the report's `flags`"
    )

    @model_validator(mode="after")
    def _flag_named(self) -> CheckSpec:
        if self.action == "flag" and not FIELD_NAME.match(self.flag):
            raise expected("a flag name of lower-case letters and _", at="flag", found=self.flag)
        return self


class MappingSpec(Spec):
    """A whole mapping file."""

    version: Annotated[int, BeforeValidator(_version)] = Field(description="always 1 for now")
    name: Text = Field(description="shown in the import's record")
    description: AnyText = Field(
        default="", description="what the mapping reads, for the people who choose it"
    )
    id_column: Annotated[tuple[str, ...], BeforeValidator(_id_columns)] = Field(
        default=(),
        description=(
            "the column that identifies a row in the source, or a list of columns: `[complaint_no, "
            "arrest_no]`"
        ),
    )
    format: FormatSpec = Field(
        default=FormatSpec(), description="how to read the file: `delimiter`, `encoding`, `sheet`"
    )
    fields: dict[FieldName, AnyField] = Field(description="the fields of each report, by name")
    checks: list[CheckSpec] = Field(default=[], description="checks across date fields")
    response_events: Any = Field(
        default=None, description='official responses read from the row (see "Response events")'
    )

    @model_validator(mode="after")
    def _across_fields(self) -> MappingSpec:
        if not self.fields:
            raise expected("at least one field", at="fields", found=self.fields)
        written = {
            derived: name
            for name, spec in self.fields.items()
            if isinstance(spec, DateField)
            for derived in spec.written(name)
        }
        for name in self.fields:
            if name in written:
                raise refused("written_by", at=f"fields.{name}", name=name, date=written[name])
        for name, spec in self.fields.items():
            _standard_check(name, spec)
        dates = [name for name, spec in self.fields.items() if isinstance(spec, DateField)]
        for position, check in enumerate(self.checks, start=1):
            for key in ("earlier", "later"):
                if getattr(check, key) not in dates:
                    raise expected(
                        f"a date field ({', '.join(dates)})",
                        at=f"checks[{position}].{key}",
                        found=getattr(check, key),
                    )
        return self


def _standard_check(name: str, spec: FieldSpec) -> None:
    """A field named as a standard field must be what linkage and incidents read by that name."""
    standard = STANDARD.get(name)
    if standard is None:
        return
    readers = str(READERS[(standard.linkage, standard.incident)])
    if standard.type != spec.TYPE:
        raise refused(
            "standard_type",
            at=f"fields.{name}.type",
            name=name,
            readers=readers,
            meaning=str(MEANINGS[standard.type]),
            expected=standard.type,
            found=spec.TYPE,
        )
    if isinstance(spec, CodeField | CodesField) and spec.vocabulary != standard.vocabulary:
        raise refused(
            "standard_vocabulary",
            at=f"fields.{name}.vocabulary",
            name=name,
            readers=readers,
            expected=standard.vocabulary,
            found=spec.vocabulary,
        )


# ---- errors in words -------------------------------------------------------------------------

OWN_MESSAGES = {
    "unknown_code": MSG_MAPPING_UNKNOWN_CODE,
    "synonym_twice": MSG_MAPPING_SYNONYM_TWICE,
    "standard_type": MSG_MAPPING_STANDARD_TYPE,
    "standard_vocabulary": MSG_MAPPING_STANDARD_VOCABULARY,
    "written_by": MSG_MAPPING_WRITTEN_BY,
}


def _location(location: Location) -> Location:
    """A field's key without the tag of its type: fields.date.formats, not fields.date.date.…"""
    if len(location) >= 3 and location[0] == "fields" and location[2] in FIELD_TYPES:
        return (*location[:2], *location[3:])
    return location


def mapping_wording() -> Wording:
    """The words of a mapping's mistakes, in the active language."""
    missing = {**MISSING_EXPECTED, "vocabulary": f"one of {', '.join(mapping_vocabularies())}"}
    return schema_wording(missing=missing, own=OWN_MESSAGES)


# ---- the mapping as read ---------------------------------------------------------------------


@dataclass(frozen=True)
class RowResult:
    fields: dict[str, Any] | None
    problems: tuple[Problem, ...]
    # The column of each person's custom value (RowReading.person_columns), for the import's
    # check of those values against the organisation's fields.
    person_columns: MappingABC[tuple[str, int], dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ColumnSet:
    """Columns of a source, named or numbered: a people group's "Victim {n} passport" stands for
    "Victim 1 passport", "Victim 2 passport" and so on."""

    names: frozenset[str] = frozenset()
    patterns: tuple[re.Pattern[str], ...] = ()

    def __contains__(self, column: object) -> bool:
        return isinstance(column, str) and (
            column in self.names or any(pattern.fullmatch(column) for pattern in self.patterns)
        )


@dataclass(frozen=True)
class Mapping:
    name: str
    description: str
    id_columns: tuple[str, ...]
    delimiter: str | None
    encoding: str | None
    sheet: str | None
    fields: dict[str, FieldSpec]
    checks: tuple[CheckSpec, ...]
    text: str
    response_events: tuple[EventRule, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def id_column(self) -> str | None:
        """The id column, or the id columns named together; None when rows have no id."""
        return ", ".join(self.id_columns) or None

    @property
    def columns(self) -> set[str]:
        used = {column for spec in self.fields.values() for column in spec.columns_used()}
        return used | set(self.id_columns)

    def missing_columns(self, header: Sequence[str]) -> list[str]:
        """The columns the mapping reads that a file's header lacks (a numbered group, such as
        "Victim {n} name", is missing when the file has no column of it for the first person)."""
        missing = sorted(self.columns - set(header))
        for spec in self.fields.values():
            if isinstance(spec, PeopleField):
                missing += spec.group_columns_missing(list(header))
        return missing

    def header(self) -> list[str]:
        """The least header a table read by this mapping has: the columns it reads, and each
        numbered group's columns for the first person."""
        columns = set(self.columns)
        for spec in self.fields.values():
            if isinstance(spec, PeopleField):
                columns |= spec.first_group_columns()
        return sorted(columns)

    def person_custom_keys(self) -> dict[str, list[str]]:
        """The keys of the custom fields on people each people field fills (its ``custom``)."""
        return {
            name: list(spec.custom)
            for name, spec in self.fields.items()
            if isinstance(spec, PeopleField) and spec.custom
        }

    def custom_columns(self, keys: Collection[str]) -> ColumnSet:
        """The columns this mapping reads the custom fields of these keys from (without
        ``custom_``), on incidents and on people."""
        names: set[str] = set()
        patterns: list[re.Pattern[str]] = []
        for name, spec in self.fields.items():
            if name.startswith(CUSTOM_PREFIX) and name.removeprefix(CUSTOM_PREFIX) in keys:
                names.update(spec.columns_used())
            if not isinstance(spec, PeopleField):
                continue
            for key, column in spec.custom.items():
                if key not in keys:
                    continue
                if spec.groups is None:
                    names.add(column)
                else:
                    before, _, after = column.partition(GROUP_NUMBER)
                    patterns.append(re.compile(f"{re.escape(before)}[0-9]+{re.escape(after)}"))
        return ColumnSet(frozenset(names), tuple(patterns))

    def _reading_order(self) -> list[tuple[str, FieldSpec]]:
        # The country first: a region's name is looked up among that country's regions.
        country = [(n, s) for n, s in self.fields.items() if n == "country"]
        return country + [(n, s) for n, s in self.fields.items() if n != "country"]

    def apply(self, raw: MappingABC[str, Any], row: int) -> RowResult:
        """Parsed fields for one row, or every problem with it."""
        reading = RowReading(raw, row)
        for name, spec in self._reading_order():
            spec.read(name, reading)
        fields, problems = reading.fields, reading.problems
        flags = reading.flags
        for name, text in reading.not_placed:
            if name == "region" and not fields.get("locality"):
                fields["locality"] = text
            else:
                reading.unmapped[name] = text
            flag = NOT_PLACED_FLAG if name == "region" else f"{name}_not_placed"
            if flag not in flags:
                flags.append(flag)
        for check in self.checks:
            _apply_check(check, fields, row, problems, flags)
        if problems:
            # Two fields read from one column find the same problem once.
            unique = {(p.column, p.code, p.value): p for p in reversed(problems)}
            return RowResult(None, tuple(reversed(unique.values())))
        if reading.unmapped:
            fields["unmapped"] = reading.unmapped
        if flags:
            fields["flags"] = flags
        if self.response_events:
            events = pending_events(self.response_events, fields, source=self.name)
            if events:
                fields[PENDING_KEY] = events
        return RowResult(fields, (), reading.person_columns)

    def identity(self, raw: MappingABC[str, Any], row: int) -> tuple[str, Problem | None]:
        """A row's identity in its source list: its id cell, its id cells joined
        ("12345 / 2"), or without an id column the fingerprint of its cells."""
        if not self.id_columns:
            return row_fingerprint(raw), None
        cells = []
        for column in self.id_columns:
            text = cell_text(raw.get(column)).strip()
            if not text:
                return "", Problem(row, column, "", "required")
            cells.append(text)
        if len(cells) == 1:
            key = cells[0]
        else:
            key = ID_SEPARATOR.join(c.replace("\\", "\\\\").replace("/", "\\/") for c in cells)
        if len(key) > EXTERNAL_ID_MAX_LENGTH:
            problem = Problem(
                row,
                str(self.id_column),
                key[:80],
                "id_too_long",
                {"limit": EXTERNAL_ID_MAX_LENGTH},
            )
            return "", problem
        return key, None


def _apply_check(
    check: CheckSpec,
    fields: dict[str, Any],
    row: int,
    problems: list[Problem],
    flags: list[str],
) -> None:
    earlier, later = fields.get(check.earlier), fields.get(check.later)
    if not (isinstance(earlier, str) and isinstance(later, str)):
        return
    days = (datetime.date.fromisoformat(later) - datetime.date.fromisoformat(earlier)).days
    if days < check.min_days:
        problem = Problem(
            row, check.later, later, "date_order", {"later": check.later, "earlier": check.earlier}
        )
    elif check.max_days is not None and days > check.max_days:
        problem = Problem(
            row,
            check.later,
            later,
            "date_gap",
            {"later": check.later, "earlier": check.earlier, "days": check.max_days},
        )
    else:
        return
    if check.action == "flag":
        flags.append(check.flag)
    else:
        problems.append(problem)


def linkage_warnings(names: set[str]) -> tuple[str, ...]:
    """What linkage will be unable to use, for a mapping whose fields are ``names``."""
    return tuple(
        str(LINKAGE_WARNINGS[group])
        for group, fields in LINKAGE_ESSENTIALS.items()
        if not names & set(fields)
    )


def mapping_parse(text: str, file: str = "mapping") -> Mapping:
    """Read and check a mapping; a MappingError names the file, the key and what was expected."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise MappingError(str(MSG_MAPPING_NOT_YAML) % {"file": file, "error": error}) from None
    spec = load_model(
        MappingSpec,
        raw,
        source=file,
        wording=mapping_wording(),
        error=MappingError,
        location=_location,
    )
    try:
        response_events = event_rules_parse(
            spec.response_events,
            file=file,
            field_types={key: field.TYPE for key, field in spec.fields.items()},
        )
    except ResponseEventsError as error:
        raise MappingError(error.messages) from None
    return Mapping(
        name=spec.name,
        description=spec.description,
        id_columns=spec.id_column,
        delimiter=spec.format.delimiter,
        encoding=spec.format.encoding,
        sheet=spec.format.sheet,
        fields=dict(spec.fields),
        checks=tuple(spec.checks),
        text=text,
        response_events=response_events,
        warnings=linkage_warnings(set(spec.fields)),
    )
