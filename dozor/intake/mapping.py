"""Mapping files: which column becomes which field of a report, and how its values are read.

A mapping is YAML (see docs/import.md). :func:`mapping_parse` checks it against the schema and
names the file and key of every problem; :meth:`Mapping.apply` turns one raw row into parsed fields
or a list of problems, never both. Nothing here touches the database.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from typing import Any

import yaml
from django.utils.translation import gettext_lazy as _

from dozor.intake.response_events import (
    PENDING_KEY,
    EventRule,
    ResponseEventsError,
    event_rules_parse,
    pending_events,
)
from dozor.records.vocab import vocabularies

MAPPING_VERSION = 1
FIELD_TYPES = ("text", "integer", "date", "boolean", "code", "codes")
UNMATCHED_ACTIONS = ("quarantine", "empty")
CHECK_ACTIONS = ("quarantine", "flag")
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
RESERVED_FIELDS = frozenset({"flags", "unmapped", "_import"})
EXTERNAL_ID_MAX_LENGTH = 200
DEFAULT_TEXT_MAX_LENGTH = 10_000

# Problems in a mapping file. Each names the file and the key; `expected` says what would do.
MSG_MAPPING_NOT_YAML = _("%(file)s: not valid YAML: %(error)s")
MSG_MAPPING_KEY = _("%(file)s: %(key)s: expected %(expected)s; found %(found)s.")
MSG_MAPPING_UNKNOWN_KEY = _(
    "%(file)s: %(key)s: unknown key; the keys allowed here are %(allowed)s."
)
MSG_MAPPING_UNKNOWN_CODE = _(
    "%(file)s: %(key)s: “%(code)s” is not a code of the vocabulary “%(vocabulary)s”; "
    "expected one of %(codes)s."
)
MSG_MAPPING_SYNONYM_TWICE = _(
    "%(file)s: %(key)s: the value “%(value)s” is given for both “%(first)s” and “%(second)s”."
)

# Problems in a row. The code is stored with the quarantined row; the text is shown to people.
PROBLEM_MESSAGES = {
    "required": _("a value is required here"),
    "not_integer": _("expected a whole number"),
    "not_date": _("expected a date written as %(formats)s"),
    "not_boolean": _("expected one of %(allowed)s"),
    "not_in_mapping": _("expected one of the values the mapping lists: %(allowed)s"),
    "rejected": _("the mapping rejects this value: %(reason)s"),
    "too_long": _("expected at most %(limit)s characters, found %(length)s"),
    "missing_column": _("the file has no such column"),
    "cell_count": _("the row has %(found)s cells where the header has %(expected)s"),
    "not_an_object": _("expected a JSON object on this line"),
    "nul_character": _(
        "the cell holds a NUL character, which cannot be stored; it is shown here as \\x00"
    ),
    "not_json": _("expected a line of JSON: %(error)s"),
    "too_deep": _(
        "expected a row of values; this line nests lists and objects more than %(limit)s deep, "
        "so it is kept as text and not read"
    ),
    "id_too_long": _("the identifier is longer than %(limit)s characters"),
    "id_twice": _(
        "the identifier appears again on this row with different values (first: row %(first)s)"
    ),
    "date_order": _("expected %(later)s on or after %(earlier)s"),
    "date_gap": _("expected %(later)s at most %(days)s days after %(earlier)s"),
}


class MappingError(ValueError):
    """A mapping file that does not follow the schema; the message names the file and the key."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one row: where, what was found, what was expected."""

    row: int
    column: str
    value: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self) -> str:
        return str(PROBLEM_MESSAGES[self.code]) % self.params

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "code": self.code,
            "params": self.params,
            "expected": self.message(),
        }


def normalised(value: str) -> str:
    """How values are compared: NFC, case-folded, inner whitespace collapsed, ends trimmed."""
    return " ".join(unicodedata.normalize("NFC", value).casefold().split())


def cell_text(value: Any) -> str:
    """A cell as text, whatever the reader gave (XLSX cells can be numbers or dates)."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _tidy(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).split())


def row_fingerprint(raw: MappingABC[str, Any]) -> str:
    """The identity of a row without an id column: SHA-256 of its cells, NFC, spaces collapsed."""
    cells = sorted((_tidy(str(key)), _tidy(cell_text(value))) for key, value in raw.items())
    digest = hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode("utf-8")).hexdigest()
    return f"sha256:{digest}"


@dataclass(frozen=True)
class ColumnRule:
    column: str
    values: dict[str, str]  # normalised source value -> target
    any_value: str | None = None  # every non-empty value maps to this code


@dataclass(frozen=True)
class FieldRule:
    name: str
    type: str
    columns: tuple[ColumnRule, ...]
    required: bool = False
    default: Any = None
    empty_values: frozenset[str] = frozenset({""})
    formats: tuple[str, ...] = ("%Y-%m-%d",)
    vocabulary: str | None = None
    separator: str | None = None
    unmatched: str = "quarantine"
    reject: dict[str, str] = field(default_factory=dict)
    max_length: int = DEFAULT_TEXT_MAX_LENGTH


@dataclass(frozen=True)
class CheckRule:
    earlier: str
    later: str
    min_days: int = 0
    max_days: int | None = None
    action: str = "quarantine"
    flag: str = ""


@dataclass(frozen=True)
class RowResult:
    fields: dict[str, Any] | None
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class Mapping:
    name: str
    description: str
    id_column: str | None
    delimiter: str | None
    encoding: str | None
    sheet: str | None
    fields: tuple[FieldRule, ...]
    checks: tuple[CheckRule, ...]
    text: str
    response_events: tuple[EventRule, ...] = ()

    @property
    def columns(self) -> set[str]:
        used = {rule.column for f in self.fields for rule in f.columns}
        if self.id_column:
            used.add(self.id_column)
        return used

    def apply(self, raw: MappingABC[str, Any], row: int) -> RowResult:
        """Parsed fields for one row, or every problem with it."""
        problems: list[Problem] = []
        fields: dict[str, Any] = {}
        unmapped: dict[str, str] = {}
        for rule in self.fields:
            value = _apply_field(rule, raw, row, problems, unmapped)
            fields[rule.name] = value
        flags: list[str] = []
        for check in self.checks:
            _apply_check(check, fields, row, problems, flags)
        if problems:
            # Two fields read from one column find the same problem once.
            unique = {(p.column, p.code, p.value): p for p in reversed(problems)}
            return RowResult(None, tuple(reversed(unique.values())))
        if unmapped:
            fields["unmapped"] = unmapped
        if flags:
            fields["flags"] = flags
        if self.response_events:
            events = pending_events(self.response_events, fields, source=self.name)
            if events:
                fields[PENDING_KEY] = events
        return RowResult(fields, ())

    def identity(self, raw: MappingABC[str, Any], row: int) -> tuple[str, Problem | None]:
        if not self.id_column:
            return row_fingerprint(raw), None
        text = cell_text(raw.get(self.id_column)).strip()
        if not text:
            return "", Problem(row, self.id_column, "", "required")
        if len(text) > EXTERNAL_ID_MAX_LENGTH:
            problem = Problem(
                row, self.id_column, text[:80], "id_too_long", {"limit": EXTERNAL_ID_MAX_LENGTH}
            )
            return "", problem
        return text, None


def _allowed(values: MappingABC[str, str], limit: int = 12) -> str:
    shown = sorted(set(values))[:limit]
    more = "" if len(set(values)) <= limit else ", …"
    return ", ".join(f"“{value}”" for value in shown) + more


def _apply_field(
    rule: FieldRule,
    raw: MappingABC[str, Any],
    row: int,
    problems: list[Problem],
    unmapped: dict[str, str],
) -> Any:
    if rule.type == "codes":
        return _apply_codes(rule, raw, row, problems, unmapped)
    if not rule.columns:
        return rule.default
    column = rule.columns[0]
    if column.column not in raw:
        problems.append(Problem(row, column.column, "", "missing_column"))
        return None
    text = cell_text(raw[column.column])
    key = normalised(text)
    if key in rule.empty_values:
        if rule.required and rule.default is None:
            problems.append(Problem(row, column.column, text, "required"))
        return rule.default
    if key in rule.reject:
        problems.append(Problem(row, column.column, text, "rejected", {"reason": rule.reject[key]}))
        return None
    if rule.type == "text":
        stripped = text.strip()
        if len(stripped) > rule.max_length:
            problems.append(
                Problem(
                    row,
                    column.column,
                    text[:80],
                    "too_long",
                    {"limit": rule.max_length, "length": len(stripped)},
                )
            )
            return None
        return stripped
    if rule.type == "integer":
        if re.fullmatch(r"[+-]?\d{1,15}", text.strip()):
            return int(text.strip())
        problems.append(Problem(row, column.column, text[:80], "not_integer"))
        return None
    if rule.type == "date":
        for form in rule.formats:
            try:
                return datetime.datetime.strptime(text.strip(), form).date().isoformat()  # noqa: DTZ007
            except ValueError:
                continue
        problems.append(
            Problem(row, column.column, text[:80], "not_date", {"formats": ", ".join(rule.formats)})
        )
        return None
    # boolean and code: a value list
    if key in column.values:
        target = column.values[key]
        return target == "true" if rule.type == "boolean" else target
    if rule.type == "code" and rule.unmatched == "empty":
        unmapped[rule.name] = text
        return rule.default
    code = "not_boolean" if rule.type == "boolean" else "not_in_mapping"
    problems.append(
        Problem(row, column.column, text[:80], code, {"allowed": _allowed(column.values)})
    )
    return None


def _apply_codes(
    rule: FieldRule,
    raw: MappingABC[str, Any],
    row: int,
    problems: list[Problem],
    unmapped: dict[str, str],
) -> list[str]:
    codes: list[str] = []
    left_out: list[str] = []
    for column in rule.columns:
        if column.column not in raw:
            problems.append(Problem(row, column.column, "", "missing_column"))
            continue
        text = cell_text(raw[column.column])
        parts = text.split(rule.separator) if rule.separator else [text]
        for part in parts:
            key = normalised(part)
            if key in rule.empty_values:
                continue
            if key in rule.reject:
                problems.append(
                    Problem(row, column.column, part, "rejected", {"reason": rule.reject[key]})
                )
            elif key in column.values:
                codes.append(column.values[key])
            elif column.any_value:
                codes.append(column.any_value)
            elif rule.unmatched == "empty":
                left_out.append(f"{column.column}: {part.strip()}")
            else:
                problems.append(
                    Problem(
                        row,
                        column.column,
                        part.strip()[:80],
                        "not_in_mapping",
                        {"allowed": _allowed(column.values)},
                    )
                )
    if left_out:
        unmapped[rule.name] = "; ".join(left_out)
    result = list(dict.fromkeys(codes))
    if not result and rule.required:
        problems.append(Problem(row, ", ".join(c.column for c in rule.columns), "", "required"))
    return result


def _apply_check(
    check: CheckRule,
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


# ---- the schema ----------------------------------------------------------------------------

TOP_KEYS = {
    "version",
    "name",
    "description",
    "id_column",
    "format",
    "fields",
    "checks",
    "response_events",
}
FORMAT_KEYS = {"delimiter", "encoding", "sheet"}
FIELD_KEYS = {
    "type",
    "column",
    "columns",
    "required",
    "default",
    "empty_values",
    "formats",
    "vocabulary",
    "values",
    "any",
    "separator",
    "unmatched",
    "reject",
    "max_length",
    "true",
    "false",
}
COLUMN_KEYS = {"values", "any"}
CHECK_KEYS = {"earlier", "later", "min_days", "max_days", "action", "flag"}


class _Schema:
    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, key: str, expected: str, found: Any) -> MappingError:
        shown = "nothing" if found is None else f"{type(found).__name__} {found!r}"[:120]
        return MappingError(
            str(MSG_MAPPING_KEY)
            % {"file": self.file, "key": key, "expected": expected, "found": shown}
        )

    def keys(self, raw: dict[str, Any], allowed: set[str], where: str) -> None:
        for key in raw:
            if key not in allowed:
                raise MappingError(
                    str(MSG_MAPPING_UNKNOWN_KEY)
                    % {
                        "file": self.file,
                        "key": f"{where}.{key}" if where else str(key),
                        "allowed": ", ".join(sorted(allowed)),
                    }
                )

    def text(self, raw: Any, key: str, *, optional: bool = False) -> str | None:
        if raw is None and optional:
            return None
        if not isinstance(raw, str) or not raw.strip():
            raise self.fail(key, "a non-empty text", raw)
        return raw

    def mapping(self, raw: Any, key: str) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise self.fail(key, "a mapping of keys to values", raw)
        return raw

    def text_list(self, raw: Any, key: str) -> list[str]:
        if isinstance(raw, str):
            return [raw]
        if not isinstance(raw, list) or not all(isinstance(v, str | int | float) for v in raw):
            raise self.fail(key, "a text or a list of texts", raw)
        return [str(v) for v in raw]

    def whole(self, raw: Any, key: str, minimum: int = 0) -> int:
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < minimum:
            raise self.fail(key, f"a whole number of at least {minimum}", raw)
        return raw

    def code(self, vocabulary: str, code: Any, key: str) -> str:
        vocab = vocabularies()[vocabulary]
        if code not in vocab:
            raise MappingError(
                str(MSG_MAPPING_UNKNOWN_CODE)
                % {
                    "file": self.file,
                    "key": key,
                    "code": code,
                    "vocabulary": vocabulary,
                    "codes": ", ".join(vocab.codes),
                }
            )
        return str(code)


def _value_map(
    schema: _Schema, raw: Any, key: str, vocabulary: str | None, targets: tuple[str, ...] = ()
) -> dict[str, str]:
    """`{target: [source values]}` read into `{normalised source value: target}`."""
    table = schema.mapping(raw, key)
    result: dict[str, str] = {}
    for target, sources in table.items():
        where = f"{key}.{target}"
        if vocabulary:
            schema.code(vocabulary, target, where)
        elif targets and target not in targets:
            raise schema.fail(where, f"one of {', '.join(targets)}", target)
        for source in schema.text_list(sources, where):
            value = normalised(source)
            if value in result and result[value] != target:
                raise MappingError(
                    str(MSG_MAPPING_SYNONYM_TWICE)
                    % {
                        "file": schema.file,
                        "key": key,
                        "value": source,
                        "first": result[value],
                        "second": target,
                    }
                )
            result[value] = str(target)
    return result


def _vocabulary_terms(vocabulary: str) -> dict[str, str]:
    """Each code matches itself and its English and Russian labels."""
    terms: dict[str, str] = {}
    for term in vocabularies()[vocabulary].terms:
        for text in (term.code, *term.labels.values()):
            terms.setdefault(normalised(text), term.code)
    return terms


def _field(schema: _Schema, name: str, raw: Any) -> FieldRule:
    where = f"fields.{name}"
    if not isinstance(name, str) or not FIELD_NAME.match(name) or name in RESERVED_FIELDS:
        raise schema.fail(
            where,
            "a field name of lower-case letters, digits and _ (not flags, unmapped or _import)",
            name,
        )
    raw = schema.mapping(raw, where)
    schema.keys(raw, FIELD_KEYS, where)
    kind = raw.get("type", "text")
    if kind not in FIELD_TYPES:
        raise schema.fail(f"{where}.type", f"one of {', '.join(FIELD_TYPES)}", kind)
    vocabulary = raw.get("vocabulary")
    if kind in ("code", "codes"):
        if vocabulary not in vocabularies():
            raise schema.fail(
                f"{where}.vocabulary", f"one of {', '.join(vocabularies())}", vocabulary
            )
    elif vocabulary is not None:
        raise schema.fail(f"{where}.vocabulary", "no vocabulary for this type", vocabulary)
    if "column" in raw and "columns" in raw:
        raise schema.fail(where, "either column or columns, not both", "both")
    if "columns" in raw and kind != "codes":
        raise schema.fail(f"{where}.columns", "columns only for type codes", raw["columns"])
    if kind == "boolean" and "values" in raw:
        raise schema.fail(f"{where}.values", "true and false lists for a boolean", raw["values"])

    def column_values(raw_values: Any, key: str) -> dict[str, str]:
        if kind == "boolean":
            return {}
        if raw_values is None:
            return _vocabulary_terms(vocabulary) if vocabulary else {}
        own = _value_map(schema, raw_values, key, vocabulary)
        return {**(_vocabulary_terms(vocabulary) if vocabulary else {}), **own}

    columns: list[ColumnRule] = []
    if "column" in raw:
        column = schema.text(raw["column"], f"{where}.column")
        assert column is not None
        values = column_values(raw.get("values"), f"{where}.values")
        if kind == "boolean":
            true = [normalised(v) for v in schema.text_list(raw.get("true"), f"{where}.true")]
            false = [normalised(v) for v in schema.text_list(raw.get("false"), f"{where}.false")]
            if set(true) & set(false):
                raise schema.fail(f"{where}.false", "values not also listed under true", false)
            values = {**dict.fromkeys(true, "true"), **dict.fromkeys(false, "false")}
        any_value = None
        if "any" in raw:
            if kind != "codes":
                raise schema.fail(f"{where}.any", "any only for type codes", raw["any"])
            any_value = schema.code(str(vocabulary), raw["any"], f"{where}.any")
        columns.append(ColumnRule(column, values, any_value))
    elif "columns" in raw:
        table = raw["columns"]
        if isinstance(table, list):
            table = dict.fromkeys(table)
        table = schema.mapping(table, f"{where}.columns")
        if not table:
            raise schema.fail(f"{where}.columns", "at least one column", table)
        for column, options in table.items():
            key = f"{where}.columns.{column}"
            options = {} if options is None else schema.mapping(options, key)
            schema.keys(options, COLUMN_KEYS, key)
            any_value = None
            if "any" in options:
                any_value = schema.code(str(vocabulary), options["any"], f"{key}.any")
            values = column_values(options.get("values", raw.get("values")), f"{key}.values")
            columns.append(ColumnRule(str(column), values, any_value))
    elif "default" not in raw:
        raise schema.fail(where, "a column, columns or a default", None)
    elif kind == "codes":
        raise schema.fail(where, "column or columns for type codes", None)

    default = raw.get("default")
    if default is not None:
        if kind in ("code",):
            schema.code(str(vocabulary), default, f"{where}.default")
        elif kind == "boolean" and not isinstance(default, bool):
            raise schema.fail(f"{where}.default", "true or false", default)
        elif kind == "integer" and (isinstance(default, bool) or not isinstance(default, int)):
            raise schema.fail(f"{where}.default", "a whole number", default)
        elif kind in ("text", "date") and not isinstance(default, str | datetime.date):
            raise schema.fail(f"{where}.default", "a text", default)
        if isinstance(default, datetime.date):
            default = default.isoformat()
        if kind == "codes":
            raise schema.fail(f"{where}.default", "no default for type codes", default)
    required = raw.get("required", False)
    if not isinstance(required, bool):
        raise schema.fail(f"{where}.required", "true or false", required)
    empty = {""} | {
        normalised(v)
        for v in schema.text_list(raw.get("empty_values", []), f"{where}.empty_values")
    }
    formats = tuple(schema.text_list(raw.get("formats", ["%Y-%m-%d"]), f"{where}.formats"))
    if "formats" in raw and kind != "date":
        raise schema.fail(f"{where}.formats", "formats only for type date", raw["formats"])
    for form in formats:
        if "%" not in form:
            raise schema.fail(f"{where}.formats", "strftime formats such as %d.%m.%Y", form)
    separator = raw.get("separator")
    if separator is not None and (
        kind != "codes" or not isinstance(separator, str) or not separator
    ):
        raise schema.fail(f"{where}.separator", "a non-empty text, only for type codes", separator)
    unmatched = raw.get("unmatched", "quarantine")
    if unmatched not in UNMATCHED_ACTIONS:
        raise schema.fail(f"{where}.unmatched", f"one of {', '.join(UNMATCHED_ACTIONS)}", unmatched)
    if unmatched != "quarantine" and kind not in ("code", "codes"):
        raise schema.fail(
            f"{where}.unmatched", "unmatched only for types code and codes", unmatched
        )
    reject_raw = schema.mapping(raw.get("reject", {}), f"{where}.reject")
    reject = {}
    for value, reason in reject_raw.items():
        reject[normalised(str(value))] = schema.text(reason, f"{where}.reject.{value}") or ""
    max_length = schema.whole(
        raw.get("max_length", DEFAULT_TEXT_MAX_LENGTH), f"{where}.max_length", minimum=1
    )
    return FieldRule(
        name=name,
        type=kind,
        columns=tuple(columns),
        required=required,
        default=default,
        empty_values=frozenset(empty),
        formats=formats,
        vocabulary=vocabulary,
        separator=separator,
        unmatched=unmatched,
        reject=reject,
        max_length=max_length,
    )


def _check(schema: _Schema, position: int, raw: Any, fields: dict[str, FieldRule]) -> CheckRule:
    where = f"checks[{position}]"
    raw = schema.mapping(raw, where)
    schema.keys(raw, CHECK_KEYS, where)
    names = []
    for key in ("earlier", "later"):
        name = raw.get(key)
        if name not in fields or fields[name].type != "date":
            dates = [f.name for f in fields.values() if f.type == "date"]
            raise schema.fail(f"{where}.{key}", f"a date field ({', '.join(dates)})", name)
        names.append(name)
    action = raw.get("action", "quarantine")
    if action not in CHECK_ACTIONS:
        raise schema.fail(f"{where}.action", f"one of {', '.join(CHECK_ACTIONS)}", action)
    flag = raw.get("flag", "")
    if action == "flag" and not (isinstance(flag, str) and FIELD_NAME.match(flag)):
        raise schema.fail(f"{where}.flag", "a flag name of lower-case letters and _", flag)
    max_days = raw.get("max_days")
    return CheckRule(
        earlier=names[0],
        later=names[1],
        min_days=schema.whole(raw.get("min_days", 0), f"{where}.min_days"),
        max_days=None if max_days is None else schema.whole(max_days, f"{where}.max_days"),
        action=action,
        flag=flag,
    )


def mapping_parse(text: str, file: str = "mapping") -> Mapping:
    """Read and check a mapping; a MappingError names the file, the key and what was expected."""
    schema = _Schema(file)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise MappingError(str(MSG_MAPPING_NOT_YAML) % {"file": file, "error": error}) from None
    raw = schema.mapping(raw, "(top level)")
    schema.keys(raw, TOP_KEYS, "")
    version = raw.get("version")
    if version != MAPPING_VERSION:
        raise schema.fail("version", str(MAPPING_VERSION), version)
    name = schema.text(raw.get("name"), "name")
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise schema.fail("description", "a text", description)
    id_column = schema.text(raw.get("id_column"), "id_column", optional=True)
    file_format = schema.mapping(raw.get("format", {}), "format")
    schema.keys(file_format, FORMAT_KEYS, "format")
    delimiter = file_format.get("delimiter")
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise schema.fail("format.delimiter", "one character", delimiter)
    encoding = schema.text(file_format.get("encoding"), "format.encoding", optional=True)
    if encoding is not None:
        try:
            "".encode(encoding)
        except LookupError:
            raise schema.fail(
                "format.encoding", "an encoding such as utf-8 or cp1251", encoding
            ) from None
    sheet = schema.text(file_format.get("sheet"), "format.sheet", optional=True)
    raw_fields = schema.mapping(raw.get("fields"), "fields")
    if not raw_fields:
        raise schema.fail("fields", "at least one field", raw_fields)
    fields = {str(name): _field(schema, name, spec) for name, spec in raw_fields.items()}
    raw_checks = raw.get("checks", [])
    if not isinstance(raw_checks, list):
        raise schema.fail("checks", "a list of checks", raw_checks)
    checks = tuple(_check(schema, i, spec, fields) for i, spec in enumerate(raw_checks, start=1))
    try:
        response_events = event_rules_parse(
            raw.get("response_events"),
            file=file,
            field_types={key: rule.type for key, rule in fields.items()},
        )
    except ResponseEventsError as error:
        raise MappingError(str(error)) from None
    assert name is not None
    return Mapping(
        name=name,
        description=description,
        id_column=id_column,
        delimiter=delimiter,
        encoding=encoding,
        sheet=sheet,
        fields=tuple(fields.values()),
        checks=checks,
        text=text,
        response_events=response_events,
    )
