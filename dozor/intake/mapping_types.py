"""The field types of a mapping, declared as models: the keys each takes, and how it reads a row.

Each type is a pydantic model (unknown keys refused, values checked as they are declared) with a
``read`` method that turns the row's cells into the report's fields, or into problems of the row.
The words of an error (file, key, what was expected, what was found) are made in
dozor/intake/mapping.py from the custom errors raised here.
"""

from __future__ import annotations

import datetime
import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)
from pydantic_core import PydanticCustomError

from dozor.intake.problems import Problem
from dozor.intake.values import Refusal, folded, normalised, split_on
from dozor.intake.values.dates import (
    DAY,
    DEFAULT_FORMATS,
    DateRead,
    DateReader,
    format_problem,
)
from dozor.intake.values.people import (
    DEFAULT_SEPARATORS,
    PeopleWords,
    age_read,
    people_from_cell,
    people_words,
    sex_read,
)
from dozor.intake.values.places import (
    country_exists,
    country_read,
    country_synonyms,
    region_exists,
    region_read,
    region_synonyms,
)
from dozor.records.report_schema import SEXES, person_empty
from dozor.records.vocab import Vocabulary, vocabularies
from dozor.responses.vocab import response_vocabularies

DEFAULT_TEXT_MAX_LENGTH = 10_000
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
RESERVED_FIELDS = frozenset({"flags", "unmapped", "_import"})
GROUP_NUMBER = "{n}"
# A region the mapping could not place, kept as the locality with `unmatched: keep`.
NOT_PLACED_FLAG = "region_not_placed"
PLACE_NAME_MAX_LENGTH = 200


# ---- errors ----------------------------------------------------------------------------------


def expected(text: str, *, at: str = "", found: Any = ...) -> PydanticCustomError:
    """A value that is not what the key takes: "KEY: expected TEXT; found VALUE"."""
    context: dict[str, Any] = {"expected": text, "at": at}
    if found is not ...:
        context["found"] = found
    return PydanticCustomError("mapping_expected", "expected {expected}", context)


def refused(kind: str, *, at: str = "", **context: Any) -> PydanticCustomError:
    """A mistake worded by its own message in dozor/intake/mapping.py (``kind`` names it)."""
    return PydanticCustomError(kind, kind, {"at": at, **context})


@functools.cache
def mapping_vocabularies() -> dict[str, Vocabulary]:
    """The vocabularies a code or codes field may use: the records' and the responses'."""
    return {**vocabularies(), **response_vocabularies()}


# ---- declared value types --------------------------------------------------------------------


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise expected("a non-empty text")
    return value


def _any_text(value: Any) -> str:
    if not isinstance(value, str):
        raise expected("a text")
    return value


def _text_list(value: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str | int | float) else value
    if not isinstance(items, list | tuple):
        raise expected("a text or a list of texts")
    for item in items:
        if isinstance(item, bool):
            raise expected(
                "a text or a list of texts (YAML reads yes, no, true, false, on and off without "
                "quotes as true or false: write them in quotes)",
                found=item,
            )
        if not isinstance(item, str | int | float):
            raise expected("a text or a list of texts", found=item)
    return tuple(str(item) for item in items)


def _separators(value: Any) -> tuple[str, ...]:
    separators = _text_list(value)
    if not separators or any(not separator for separator in separators):
        raise expected("a separator or a list of separators, none of them empty")
    return separators


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise expected("true or false")
    return value


def _whole(minimum: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise expected(f"a whole number of at least {minimum}")
        return value

    return check


def _one_of(*choices: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in choices:
            raise expected(f"one of {', '.join(choices)}")
        return str(value)

    return check


def _keyed_texts(value: Any) -> dict[str, tuple[str, ...]]:
    """``{target: [source values]}``: the targets are texts (codes), the values texts."""
    if not isinstance(value, dict):
        raise expected("a mapping of codes to lists of values, such as {antisemitic: [Jewish]}")
    table = {}
    for target, sources in value.items():
        if not isinstance(target, str):
            raise expected("codes as keys", at=str(target), found=target)
        try:
            table[target] = _text_list(sources)
        except PydanticCustomError as error:
            wanted = str((error.context or {}).get("expected", "a text or a list of texts"))
            raise expected(wanted, at=target, found=sources) from None
    return table


def _reject(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise expected("a mapping of values to reasons")
    table = {}
    for source, reason in value.items():
        if not isinstance(reason, str) or not reason.strip():
            raise expected("a reason, a non-empty text", at=str(source), found=reason)
        table[normalised(str(source))] = reason
    return table


def _date_default(value: Any) -> str:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _text(value)


Text = Annotated[str, BeforeValidator(_text)]
AnyText = Annotated[str, BeforeValidator(_any_text)]
TextList = Annotated[tuple[str, ...], BeforeValidator(_text_list)]
Separators = Annotated[tuple[str, ...], BeforeValidator(_separators)]
Flag = Annotated[bool, BeforeValidator(_flag)]
KeyedTexts = Annotated[dict[str, tuple[str, ...]], BeforeValidator(_keyed_texts)]
Reject = Annotated[dict[str, str], BeforeValidator(_reject)]


class Spec(BaseModel):
    """A part of a mapping: unknown keys are refused, naming the keys allowed."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise expected("a mapping of keys to values")
        allowed = [info.alias or name for name, info in cls.model_fields.items()]
        for key in data:
            if key not in allowed:
                raise refused("unknown_key", at=str(key), allowed=", ".join(sorted(allowed)))
        return data


# ---- reading a row ---------------------------------------------------------------------------


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


@dataclass
class Cell:
    """One cell as read: the value the file gave, as text, and as compared."""

    value: Any
    text: str
    key: str


@dataclass
class RowReading:
    """What the fields of a mapping find in one row, as they read it."""

    raw: MappingABC[str, Any]
    row: int
    fields: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    unmapped: dict[str, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    not_placed: list[tuple[str, str]] = field(default_factory=list)

    def problem(
        self, column: str, value: Any, code: str, params: dict[str, Any] | None = None
    ) -> None:
        self.problems.append(Problem(self.row, column, str(value)[:80], code, params or {}))

    def refusal(self, column: str, value: Any, refusal: Refusal) -> None:
        self.problem(column, value, refusal.code, refusal.params)

    def cell(self, column: str) -> Cell | None:
        if column not in self.raw:
            self.problem(column, "", "missing_column")
            return None
        value = self.raw[column]
        if type(value) is str:
            return Cell(value, value, normalised(value))
        text = cell_text(value)
        empty = value is None or value == [] or value == {}
        return Cell(value, text, "" if empty else normalised(text))


def _codes_table(
    vocabulary: str | None, values: MappingABC[str, tuple[str, ...]] | None
) -> dict[str, tuple[str, ...]]:
    """Source values, as compared, to the codes they give: each code's own name and English and
    Russian labels, then the mapping's `values` over them."""
    table: dict[str, tuple[str, ...]] = {}
    if vocabulary:
        for term in mapping_vocabularies()[vocabulary].terms:
            for text in (term.code, *term.labels.values()):
                table.setdefault(normalised(text), (term.code,))
    own: dict[str, list[str]] = {}
    for code, sources in (values or {}).items():
        for source in sources:
            codes = own.setdefault(normalised(source), [])
            if code not in codes:
                codes.append(code)
    return {**table, **{key: tuple(codes) for key, codes in own.items()}}


def _allowed(values: Iterable[str], limit: int = 12) -> str:
    shown = sorted(set(values))[:limit]
    more = "" if len(set(values)) <= limit else ", …"
    return ", ".join(f"“{value}”" for value in shown) + more


# ---- the field types -------------------------------------------------------------------------


class FieldSpec(Spec):
    """What every field type takes: a column, whether it is required, which values mean empty,
    which values send the row to quarantine."""

    TYPE: ClassVar[str]
    column: Text | None = None
    required: Flag = False
    empty_values: TextList = ()
    reject: Reject = {}

    @functools.cached_property
    def empty_keys(self) -> frozenset[str]:
        return frozenset({"", *(normalised(value) for value in self.empty_values)})

    def columns_used(self) -> set[str]:
        return {self.column} if self.column else set()

    def read(self, name: str, reading: RowReading) -> None:
        raise NotImplementedError

    def _begin(self, name: str, reading: RowReading, default: Any = None) -> Cell | None:
        """The cell to read; or None when the field is settled without it (no column, an empty
        cell, a rejected value), its value written or its problem noted."""
        if not self.column:
            reading.fields[name] = default
            return None
        cell = reading.cell(self.column)
        if cell is None:
            reading.fields[name] = None
            return None
        if cell.key in self.empty_keys:
            if self.required and default is None:
                reading.problem(self.column, cell.text, "required")
            reading.fields[name] = default
            return None
        if cell.key in self.reject:
            reading.problem(self.column, cell.text, "rejected", {"reason": self.reject[cell.key]})
            reading.fields[name] = None
            return None
        return cell

    def _needs_a_source(self, *, columns: bool = False) -> None:
        if self.column is None and getattr(self, "default", None) is None:
            raise expected(
                "a column, columns or a default" if columns else "a column or a default",
                found=None,
            )


class TextField(FieldSpec):
    TYPE = "text"
    type: Literal["text"] = "text"
    default: AnyText | None = None
    max_length: Annotated[int, BeforeValidator(_whole(1))] = DEFAULT_TEXT_MAX_LENGTH

    @model_validator(mode="after")
    def _source(self) -> TextField:
        self._needs_a_source()
        return self

    def read(self, name: str, reading: RowReading) -> None:
        cell = self._begin(name, reading, self.default)
        if cell is None:
            return
        stripped = cell.text.strip()
        if len(stripped) > self.max_length:
            reading.problem(
                str(self.column),
                cell.text,
                "too_long",
                {"limit": self.max_length, "length": len(stripped)},
            )
            reading.fields[name] = None
            return
        reading.fields[name] = stripped


class IntegerField(FieldSpec):
    TYPE = "integer"
    type: Literal["integer"]
    default: Annotated[int, BeforeValidator(_whole(-(10**15)))] | None = None

    @model_validator(mode="after")
    def _source(self) -> IntegerField:
        self._needs_a_source()
        return self

    def read(self, name: str, reading: RowReading) -> None:
        cell = self._begin(name, reading, self.default)
        if cell is None:
            return
        if re.fullmatch(r"[+-]?\d{1,15}", cell.text.strip()):
            reading.fields[name] = int(cell.text.strip())
            return
        reading.problem(str(self.column), cell.text, "not_integer")
        reading.fields[name] = None


class BooleanField(FieldSpec):
    TYPE = "boolean"
    type: Literal["boolean"]
    # `true` and `false` are the keys a person writes; they cannot be attribute names.
    true_values: TextList | None = Field(None, alias="true")
    false_values: TextList | None = Field(None, alias="false")
    default: Flag | None = None

    @model_validator(mode="after")
    def _source(self) -> BooleanField:
        self._needs_a_source()
        for key, given in (("true", self.true_values), ("false", self.false_values)):
            if self.column and given is None:
                raise expected("a text or a list of texts", at=key, found=None)
        true = {normalised(value) for value in self.true_values or ()}
        false = {normalised(value) for value in self.false_values or ()}
        if true & false:
            raise expected("values not also listed under true", at="false")
        return self

    @functools.cached_property
    def table(self) -> dict[str, bool]:
        return {
            **{normalised(value): True for value in self.true_values or ()},
            **{normalised(value): False for value in self.false_values or ()},
        }

    def read(self, name: str, reading: RowReading) -> None:
        cell = self._begin(name, reading, self.default)
        if cell is None:
            return
        if cell.key in self.table:
            reading.fields[name] = self.table[cell.key]
            return
        allowed = _allowed({*(self.true_values or ()), *(self.false_values or ())})
        reading.problem(str(self.column), cell.text, "not_boolean", {"allowed": allowed})
        reading.fields[name] = None


class DateColumns(Spec):
    """A date in separate columns: a year, and a month and a day when the file has them."""

    year: Text
    month: Text | None = None
    day: Text | None = None


class DateField(FieldSpec):
    """A date: ``fields[NAME]`` its first day, ``NAME_precision`` day, month, year or range,
    ``NAME_end`` the last day of a range."""

    TYPE = "date"
    type: Literal["date"]
    columns: DateColumns | None = None
    formats: TextList = DEFAULT_FORMATS
    month_names: Flag = True
    ranges: Flag = True
    default: Annotated[str, BeforeValidator(_date_default)] | None = None

    @model_validator(mode="after")
    def _source(self) -> DateField:
        if self.column and self.columns:
            raise expected("either column or columns, not both", found="both")
        if not self.formats:
            raise expected("at least one format", at="formats")
        for form in self.formats:
            problem = format_problem(form)
            if problem:
                raise expected(problem, at="formats", found=form)
        if self.columns is None:
            self._needs_a_source(columns=True)
        if self.default is not None and isinstance(self.reader.read(self.default), Refusal):
            raise expected("a date this field reads, such as 2018-03-01", at="default")
        return self

    @functools.cached_property
    def reader(self) -> DateReader:
        return DateReader(self.formats, month_names=self.month_names, ranges=self.ranges)

    @functools.cached_property
    def default_read(self) -> DateRead | None:
        found = None if self.default is None else self.reader.read(self.default)
        return found if isinstance(found, DateRead) else None

    def columns_used(self) -> set[str]:
        if self.columns is None:
            return super().columns_used()
        parts = (self.columns.year, self.columns.month, self.columns.day)
        return {part for part in parts if part}

    def written(self, name: str) -> tuple[str, str]:
        """The other fields a date writes."""
        return f"{name}_precision", f"{name}_end"

    def read(self, name: str, reading: RowReading) -> None:
        known = len(reading.problems)
        if self.columns is not None:
            found = self._read_columns(reading)
        else:
            cell = self._begin(name, reading, self.default)
            if cell is not None and isinstance(cell.value, datetime.date):
                # A spreadsheet's date cell is a day already.
                found = DateRead(_day_of(cell.value), DAY)
            else:
                found = None if cell is None else self.reader.read(cell.text)
            if isinstance(found, Refusal):
                reading.refusal(str(self.column), cell.text if cell else "", found)
        if len(reading.problems) > known:
            found = None
        elif found is None:
            found = self.default_read
        self._write(name, reading, found if isinstance(found, DateRead) else None)

    def _read_columns(self, reading: RowReading) -> DateRead | Refusal | None:
        assert self.columns is not None
        named = {"year": self.columns.year, "month": self.columns.month, "day": self.columns.day}
        texts: dict[str, str] = {}
        for part, column in named.items():
            if column is None:
                texts[part] = ""
                continue
            cell = reading.cell(column)
            if cell is None:
                return None
            texts[part] = "" if cell.key in self.empty_keys else cell.text
        if not any(texts.values()):
            if self.required and self.default is None:
                reading.problem(self.columns.year, "", "required")
            return None
        if not texts["year"]:
            reading.problem(self.columns.year, "", "required")
            return None
        found = self.reader.read_columns(texts["year"], texts["month"], texts["day"])
        if isinstance(found, Refusal):
            part = found.params["part"]
            reading.refusal(str(named[part]), texts[part], found)
        return found

    def _write(self, name: str, reading: RowReading, found: DateRead | None) -> None:
        reading.fields[name] = found.first.isoformat() if found else None
        if found is None:
            return
        precision, end = self.written(name)
        reading.fields[precision] = found.precision
        if found.last is not None:
            reading.fields[end] = found.last.isoformat()


def _day_of(value: datetime.date) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


class _Coded(FieldSpec):
    """What code and codes share: a vocabulary, source values for its codes, separators."""

    vocabulary: Annotated[str, BeforeValidator(_any_text)]
    values: KeyedTexts | None = None
    separator: Separators = ()
    unmatched: Annotated[str, BeforeValidator(_one_of("quarantine", "empty"))] = "quarantine"

    @model_validator(mode="after")
    def _codes_known(self) -> _Coded:
        known = mapping_vocabularies()
        if self.vocabulary not in known:
            raise expected(f"one of {', '.join(known)}", at="vocabulary", found=self.vocabulary)
        for code in self.values or {}:
            self.code_check(code, f"values.{code}")
        return self

    def code_check(self, code: Any, at: str) -> None:
        vocabulary = mapping_vocabularies()[self.vocabulary]
        if code not in vocabulary:
            raise refused(
                "unknown_code",
                at=at,
                code=code,
                vocabulary=self.vocabulary,
                codes=", ".join(vocabulary.codes),
            )

    @functools.cached_property
    def table(self) -> dict[str, tuple[str, ...]]:
        return _codes_table(self.vocabulary, self.values)

    def parts(self, cell: Cell, table: MappingABC[str, Any]) -> list[str]:
        """A cell's values: a JSON list's items; the whole cell when the mapping lists it as it
        is ("ANTI-BLACK/SEXUAL ORIENTATION"); else the cell split on the separators."""
        if isinstance(cell.value, list):
            return [cell_text(item) for item in cell.value]
        if cell.key in table:
            return [cell.text]
        return split_on(cell.text, self.separator)


class CodeField(_Coded):
    """One code of a vocabulary. A cell that gives several codes is quarantined, unless
    ``several`` says which to take: ``first``, or the first of ``order``."""

    TYPE = "code"
    type: Literal["code"]
    several: Annotated[str, BeforeValidator(_one_of("quarantine", "first", "order"))] = "quarantine"
    order: TextList = ()
    default: Annotated[str, BeforeValidator(_any_text)] | None = None

    @model_validator(mode="after")
    def _rules(self) -> CodeField:
        self._needs_a_source()
        if self.default is not None:
            self.code_check(self.default, "default")
        if self.several == "order" and not self.order:
            raise expected("a list of codes, the most serious first", at="order", found=None)
        if self.order and self.several != "order":
            raise expected("order only with several: order", at="order", found=list(self.order))
        for position, code in enumerate(self.order, start=1):
            self.code_check(code, f"order[{position}]")
        if self.several == "quarantine":
            given: dict[str, str] = {}
            for code, sources in (self.values or {}).items():
                for source in sources:
                    first = given.setdefault(normalised(source), code)
                    if first != code:
                        raise refused(
                            "synonym_twice", at="values", value=source, first=first, second=code
                        )
        return self

    def read(self, name: str, reading: RowReading) -> None:
        cell = self._begin(name, reading, self.default)
        if cell is None:
            return
        column, known = str(self.column), len(reading.problems)
        codes: list[str] = []
        left_out: list[str] = []
        for part in self.parts(cell, self.table):
            key = normalised(part)
            if key in self.empty_keys:
                continue
            if key in self.reject:
                reading.problem(column, part, "rejected", {"reason": self.reject[key]})
            elif key in self.table:
                codes.extend(code for code in self.table[key] if code not in codes)
            elif self.unmatched == "empty":
                left_out.append(part.strip())
            else:
                reading.problem(
                    column, part.strip(), "not_in_mapping", {"allowed": _allowed(self.table)}
                )
        if len(reading.problems) > known:
            reading.fields[name] = None
            return
        chosen = self._choose(codes)
        if chosen is None and len(codes) > 1:
            reading.problem(column, cell.text, "several_codes", {"codes": ", ".join(codes)})
            reading.fields[name] = None
            return
        left_out += [code for code in codes if code != chosen]
        if left_out:
            reading.unmapped[name] = "; ".join(left_out)
        if chosen is None and not left_out and self.required and self.default is None:
            reading.problem(column, cell.text, "required")
        reading.fields[name] = chosen if chosen is not None else self.default

    def _choose(self, codes: list[str]) -> str | None:
        if len(codes) <= 1:
            return codes[0] if codes else None
        if self.several == "first":
            return codes[0]
        if self.several == "order":
            rank = {code: position for position, code in enumerate(self.order)}
            return min(codes, key=lambda code: (rank.get(code, len(rank)), codes.index(code)))
        return None


class CodesColumn(Spec):
    values: KeyedTexts | None = None
    any: Annotated[str, BeforeValidator(_any_text)] | None = None


def _codes_columns(value: Any) -> Any:
    if isinstance(value, list):
        value = dict.fromkeys(value)
    if not isinstance(value, dict) or not value:
        raise expected("at least one column: a list of columns, or columns with their values")
    return {column: {} if options is None else options for column, options in value.items()}


class CodesField(_Coded):
    """A list of codes of a vocabulary, from one column or several."""

    TYPE = "codes"
    type: Literal["codes"]
    columns: Annotated[dict[str, CodesColumn], BeforeValidator(_codes_columns)] | None = None
    any: Annotated[str, BeforeValidator(_any_text)] | None = None

    @model_validator(mode="after")
    def _rules(self) -> CodesField:
        if self.column and self.columns:
            raise expected("either column or columns, not both", found="both")
        if not self.column and not self.columns:
            raise expected("column or columns for type codes", found=None)
        if self.any is not None:
            if not self.column:
                raise expected("any with column (with columns, any of each column)", at="any")
            self.code_check(self.any, "any")
        for column, options in (self.columns or {}).items():
            if options.any is not None:
                self.code_check(options.any, f"columns.{column}.any")
            for code in options.values or {}:
                self.code_check(code, f"columns.{column}.values.{code}")
        return self

    def columns_used(self) -> set[str]:
        return set(self.columns) if self.columns else super().columns_used()

    @functools.cached_property
    def column_rules(self) -> list[tuple[str, dict[str, tuple[str, ...]], str | None]]:
        if self.column:
            return [(self.column, self.table, self.any)]
        return [
            (
                column,
                _codes_table(self.vocabulary, options.values)
                if options.values is not None
                else self.table,
                options.any,
            )
            for column, options in (self.columns or {}).items()
        ]

    def read(self, name: str, reading: RowReading) -> None:
        codes: list[str] = []
        left_out: list[str] = []
        for column, table, any_code in self.column_rules:
            cell = reading.cell(column)
            if cell is None:
                continue
            if cell.key in self.empty_keys:
                continue
            for part in self.parts(cell, table):
                key = normalised(part)
                if key in self.empty_keys:
                    continue
                if key in self.reject:
                    reading.problem(column, part, "rejected", {"reason": self.reject[key]})
                elif key in table:
                    codes.extend(table[key])
                elif any_code:
                    codes.append(any_code)
                elif self.unmatched == "empty":
                    left_out.append(f"{column}: {part.strip()}")
                else:
                    reading.problem(
                        column, part.strip(), "not_in_mapping", {"allowed": _allowed(table)}
                    )
        if left_out:
            reading.unmapped[name] = "; ".join(left_out)
        result = list(dict.fromkeys(codes))
        if not result and self.required:
            reading.problem(", ".join(c for c, _, _ in self.column_rules), "", "required")
        reading.fields[name] = result


def _country_code(value: Any) -> str:
    if not isinstance(value, str) or not country_exists(value):
        raise expected("an ISO 3166-1 alpha-2 country code such as RU")
    return value


class RegionField(FieldSpec):
    """A region as its ISO 3166-2 code, from a code or a name."""

    TYPE = "region"
    type: Literal["region"]
    country: Annotated[str, BeforeValidator(_country_code)] | None = None
    values: KeyedTexts | None = None
    unmatched: Annotated[str, BeforeValidator(_one_of("quarantine", "keep"))] = "quarantine"
    default: Annotated[str, BeforeValidator(_any_text)] | None = None

    @model_validator(mode="after")
    def _codes_known(self) -> RegionField:
        self._needs_a_source()
        for code, at in [
            *((c, f"values.{c}") for c in self.values or {}),
            (self.default, "default"),
        ]:
            if code is None:
                continue
            in_country = not self.country or code.startswith(f"{self.country}-")
            if not region_exists(code) or not in_country:
                where = f" of {self.country}" if self.country else ""
                raise expected(
                    f"an ISO 3166-2 region code{where}, such as RU-TA", at=at, found=code
                )
        return self

    @functools.cached_property
    def own(self) -> dict[Any, str]:
        return region_synonyms(self.values or {})

    def read(self, name: str, reading: RowReading) -> None:
        cell = self._begin(name, reading, self.default)
        if cell is None:
            return
        country = self.country
        if country is None and isinstance(reading.fields.get("country"), str):
            country = reading.fields["country"]
        found = region_read(cell.text, country=country, own=self.own)
        if isinstance(found, str):
            reading.fields[name] = found
            return
        reading.fields[name] = None
        keep = found.code in ("region_not_placed", "region_is_a_city", "region_ambiguous")
        # A cell longer than any place's name is not kept as one.
        if self.unmatched == "keep" and keep and len(cell.text) <= PLACE_NAME_MAX_LENGTH:
            reading.not_placed.append((name, " ".join(cell.text.split())))
        else:
            reading.refusal(str(self.column), cell.text, found)


class CountryField(FieldSpec):
    """A country as its ISO 3166-1 alpha-2 code, from a code or a name."""

    TYPE = "country"
    type: Literal["country"]
    values: KeyedTexts | None = None
    default: Annotated[str, BeforeValidator(_text)] | None = None

    @model_validator(mode="after")
    def _codes_known(self) -> CountryField:
        self._needs_a_source()
        for code in self.values or {}:
            if not country_exists(code):
                raise expected("an ISO 3166-1 alpha-2 country code", at=f"values.{code}")
        if self.default is not None and isinstance(country_read(self.default), Refusal):
            raise expected(
                "a country: an ISO 3166-1 code such as CA or RU, or its name", at="default"
            )
        return self

    @functools.cached_property
    def own(self) -> dict[tuple[str, ...], str]:
        return country_synonyms(self.values or {})

    @functools.cached_property
    def default_code(self) -> str | None:
        found = None if self.default is None else country_read(self.default)
        return found if isinstance(found, str) else None

    def read(self, name: str, reading: RowReading) -> None:
        cell = self._begin(name, reading, self.default_code)
        if cell is None:
            return
        found = country_read(cell.text, own=self.own)
        if isinstance(found, Refusal):
            reading.refusal(str(self.column), cell.text, found)
            reading.fields[name] = None
            return
        reading.fields[name] = found


class PersonGroups(Spec):
    """Numbered columns, one group per person: ``Victim {n} name``, ``Victim {n} age``."""

    name: Text | None = None
    sex: Text | None = None
    age: Text | None = None

    @model_validator(mode="after")
    def _numbered(self) -> PersonGroups:
        patterns = self.patterns()
        if not patterns:
            raise expected("at least one of name, sex and age", found=None)
        for part, pattern in patterns.items():
            if pattern.count(GROUP_NUMBER) != 1:
                raise expected("a column name with {n} once, such as “Victim {n} name”", at=part)
        return self

    def patterns(self) -> dict[str, str]:
        named = {"name": self.name, "sex": self.sex, "age": self.age}
        return {part: pattern for part, pattern in named.items() if pattern}

    def columns(self, number: int) -> dict[str, str]:
        return {
            part: pattern.replace(GROUP_NUMBER, str(number))
            for part, pattern in self.patterns().items()
        }


class PersonKeys(Spec):
    name: Text = "name"
    sex: Text = "sex"
    age: Text = "age"


class PerceivedGroup(Spec):
    """The perceived group of every person of a row, from a column (a perceived_group code)."""

    column: Text
    values: KeyedTexts | None = None
    empty_values: TextList = ()

    @model_validator(mode="after")
    def _codes_known(self) -> PerceivedGroup:
        vocabulary = vocabularies()["perceived_group"]
        for code in self.values or {}:
            if code not in vocabulary:
                raise refused(
                    "unknown_code",
                    at=f"values.{code}",
                    code=code,
                    vocabulary="perceived_group",
                    codes=", ".join(vocabulary.codes),
                )
        return self

    @functools.cached_property
    def table(self) -> dict[str, tuple[str, ...]]:
        return _codes_table("perceived_group", self.values)


def _harm(value: Any) -> str:
    codes = vocabularies()["harm"].codes
    if value not in codes:
        raise expected(f"a code of the vocabulary harm: {', '.join(codes)}")
    return str(value)


def _sex_words(value: Any) -> dict[str, tuple[str, ...]]:
    table = _keyed_texts(value)
    for sex in table:
        if sex not in SEXES:
            raise expected(f"one of {', '.join(SEXES)}", at=sex, found=sex)
    return table


class PeopleField(FieldSpec):
    """People: ``[{name, sex, age, perceived_group, harm}, ...]``, from a cell listing them, from
    numbered column groups, or from a JSON list."""

    TYPE = "people"
    type: Literal["people"]
    groups: PersonGroups | None = None
    separator: Separators = DEFAULT_SEPARATORS
    unnamed: TextList = ()
    sex: Annotated[dict[str, tuple[str, ...]], BeforeValidator(_sex_words)] = {}
    keys: PersonKeys = PersonKeys()
    perceived_group: PerceivedGroup | None = None
    harm: Annotated[str, BeforeValidator(_harm)] | None = None

    @model_validator(mode="after")
    def _source(self) -> PeopleField:
        if bool(self.column) == bool(self.groups):
            raise expected(
                "a column or groups (one of them)", found="both" if self.column else None
            )
        return self

    @functools.cached_property
    def words(self) -> PeopleWords:
        return people_words(self.unnamed, self.sex)

    def columns_used(self) -> set[str]:
        used = super().columns_used()
        if self.perceived_group:
            used.add(self.perceived_group.column)
        return used

    def group_columns_missing(self, header: list[str]) -> list[str]:
        """The group patterns of which the file has no column for the first person."""
        if self.groups is None or set(self.groups.columns(1).values()) & set(header):
            return []
        return [" / ".join(self.groups.patterns().values())]

    def read(self, name: str, reading: RowReading) -> None:
        known = len(reading.problems)
        people = self._people(name, reading)
        if len(reading.problems) > known or people is None:
            reading.fields[name] = None if len(reading.problems) > known else []
            return
        group = self._perceived_group(reading) if people else ""
        if group is None:
            reading.fields[name] = None
            return
        people = [
            {**person_empty(), **person, "perceived_group": group, "harm": self.harm or "unknown"}
            for person in people
        ]
        if not people and self.required:
            reading.problem(self.column or " / ".join(self._group_patterns()), "", "required")
        reading.fields[name] = people

    def _group_patterns(self) -> list[str]:
        return list(self.groups.patterns().values()) if self.groups else []

    def _people(self, name: str, reading: RowReading) -> list[dict[str, Any]] | None:
        if self.groups is not None:
            return self._people_in_groups(reading)
        cell = self._begin(name, reading)
        if cell is None:
            return None if self.column not in reading.raw else []
        found = people_from_cell(
            cell.value if isinstance(cell.value, list | dict) else cell.text,
            separators=self.separator,
            keys=self.keys.model_dump(),
            words=self.words,
        )
        if isinstance(found, Refusal):
            reading.refusal(str(self.column), cell.text, found)
            return None
        return found

    def _people_in_groups(self, reading: RowReading) -> list[dict[str, Any]] | None:
        assert self.groups is not None
        people = []
        for number, columns in self._groups_present(reading.raw):
            cells = {part: cell_text(reading.raw.get(column)) for part, column in columns.items()}
            texts = {
                part: "" if normalised(text) in self.empty_keys else text.strip()
                for part, text in cells.items()
            }
            if not any(texts.values()):
                continue
            sex = sex_read(texts.get("sex"), self.words)
            age = age_read(texts.get("age"), self.words)
            for part, found in (("sex", sex), ("age", age)):
                if isinstance(found, Refusal):
                    reading.problem(
                        columns[part], cells[part], found.code, {**found.params, "position": number}
                    )
            if isinstance(sex, Refusal) or isinstance(age, Refusal):
                continue
            name = texts.get("name", "")
            unnamed = folded(name) in self.words.unnamed
            people.append({"name": "" if unnamed else name, "sex": sex, "age": age})
        if not people and not set(self.groups.columns(1).values()) & set(reading.raw):
            reading.problem(" / ".join(self._group_patterns()), "", "missing_column")
            return None
        return people

    def _groups_present(self, raw: MappingABC[str, Any]) -> Iterator[tuple[int, dict[str, str]]]:
        assert self.groups is not None
        number = 1
        while True:
            columns = self.groups.columns(number)
            if not set(columns.values()) & set(raw):
                return
            yield number, {part: column for part, column in columns.items() if column in raw}
            number += 1

    def _perceived_group(self, reading: RowReading) -> str | None:
        """The row's perceived group code ("" when none), or None after a problem."""
        spec = self.perceived_group
        if spec is None:
            return ""
        cell = reading.cell(spec.column)
        if cell is None:
            return None
        empty = {"", *(normalised(value) for value in spec.empty_values)}
        if cell.key in empty:
            return ""
        if cell.key in spec.table:
            return spec.table[cell.key][0]
        reading.problem(spec.column, cell.text, "not_in_mapping", {"allowed": _allowed(spec.table)})
        return None


FIELD_TYPES: dict[str, type[FieldSpec]] = {
    kind.TYPE: kind
    for kind in (
        TextField,
        IntegerField,
        DateField,
        BooleanField,
        CodeField,
        CodesField,
        RegionField,
        CountryField,
        PeopleField,
    )
}


def _field_type(value: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    kind = value.get("type", "text")
    return kind if isinstance(kind, str) and kind in FIELD_TYPES else None


AnyField = Annotated[
    Union[  # noqa: UP007 (a tagged union is written with Union)
        Annotated[TextField, Tag("text")],
        Annotated[IntegerField, Tag("integer")],
        Annotated[DateField, Tag("date")],
        Annotated[BooleanField, Tag("boolean")],
        Annotated[CodeField, Tag("code")],
        Annotated[CodesField, Tag("codes")],
        Annotated[RegionField, Tag("region")],
        Annotated[CountryField, Tag("country")],
        Annotated[PeopleField, Tag("people")],
    ],
    Discriminator(
        _field_type,
        custom_error_type="field_type",
        custom_error_message="unknown field type",
    ),
]


def _field_name(value: Any) -> str:
    if not isinstance(value, str) or not FIELD_NAME.match(value) or value in RESERVED_FIELDS:
        raise expected(
            "a field name of lower-case letters, digits and _ (not flags, unmapped or _import)"
        )
    return value


FieldName = Annotated[str, BeforeValidator(_field_name)]
