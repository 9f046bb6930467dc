"""The field types of a mapping, declared as models: the keys each takes, and how it reads a row.

Each type is a pydantic model with a ``read`` method that turns the row's cells into the report's
fields, or into problems of the row. People are in dozor/intake/mapping_people.py; what all types
share in dozor/intake/mapping_base.py.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Mapping as MappingABC
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BeforeValidator,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from dozor.intake.mapping_base import (
    DEFAULT_KEY,
    TYPE_KEY,
    AnyText,
    Cell,
    FieldSpec,
    Flag,
    KeyedTexts,
    RowReading,
    Separators,
    Spec,
    Text,
    TextList,
    allowed_values,
    any_text,
    cell_text,
    codes_table,
    mapping_vocabularies,
    non_empty_text,
    one_of,
    whole_number,
)
from dozor.intake.mapping_people import PeopleField
from dozor.intake.values import Refusal, normalised, split_on
from dozor.intake.values.dates import (
    DAY,
    DEFAULT_FORMATS,
    DateRead,
    DateReader,
    format_problem,
)
from dozor.intake.values.places import (
    country_exists,
    country_read,
    country_synonyms,
    region_exists,
    region_read,
    region_synonyms,
)
from dozor.lib.schemas import expected, refused

DEFAULT_TEXT_MAX_LENGTH = 10_000
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
RESERVED_FIELDS = frozenset({"flags", "unmapped", "_import"})
# A region the mapping could not place, kept as the locality with `unmatched: keep`.
NOT_PLACED_FLAG = "region_not_placed"
PLACE_NAME_MAX_LENGTH = 200


def _date_default(value: Any) -> str:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return non_empty_text(value)


class TextField(FieldSpec):
    TYPE = "text"
    type: Literal["text"] = Field(default="text", description=TYPE_KEY)
    default: AnyText | None = Field(default=None, description=DEFAULT_KEY)
    max_length: Annotated[int, BeforeValidator(whole_number(1))] = Field(
        default=DEFAULT_TEXT_MAX_LENGTH, description="longer text is a problem"
    )

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
    type: Literal["integer"] = Field(description=TYPE_KEY)
    default: Annotated[int, BeforeValidator(whole_number(-(10**15)))] | None = Field(
        default=None, description=DEFAULT_KEY
    )

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
    type: Literal["boolean"] = Field(description=TYPE_KEY)
    # `true` and `false` are the keys a person writes; they cannot be attribute names.
    true_values: TextList | None = Field(
        default=None,
        alias="true",
        description=(
            "the source values meaning yes; anything not listed under `true` or `false` is a "
            "problem"
        ),
    )
    false_values: TextList | None = Field(
        default=None, alias="false", description="the source values meaning no"
    )
    default: Flag | None = Field(default=None, description=DEFAULT_KEY)

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
        allowed = allowed_values({*(self.true_values or ()), *(self.false_values or ())})
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
    type: Literal["date"] = Field(description=TYPE_KEY)
    columns: DateColumns | None = Field(
        default=None, description="the date from separate columns: `{year: …, month: …, day: …}`"
    )
    formats: TextList = Field(
        default=DEFAULT_FORMATS, description="`strftime` formats tried in turn"
    )
    month_names: Flag = Field(default=True, description="`false`: only the formats, no month names")
    ranges: Flag = Field(default=True, description="`false`: no ranges of two dates")
    default: Annotated[str, BeforeValidator(_date_default)] | None = Field(
        default=None, description=DEFAULT_KEY
    )

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

    vocabulary: Annotated[str, BeforeValidator(any_text)] = Field(
        description=(
            "a vocabulary of `dozor vocab` (e.g. `bias_motivation`, `incident_type`, "
            "`legal_article`)"
        )
    )
    values: KeyedTexts | None = Field(
        default=None,
        description=(
            "`{code: [synonym, ...]}`: source values for each code; each code's own name and its "
            "English and Russian labels match too"
        ),
    )
    separator: Separators = Field(
        default=(),
        description=(
            'splits a cell holding several values: a text or a list, e.g. `[";", ",", "/"]`'
        ),
    )
    unmatched: Annotated[str, BeforeValidator(one_of("quarantine", "empty"))] = Field(
        default="quarantine",
        description=(
            "a value no code matches: `quarantine`, or `empty`: the value is kept under `unmapped`"
        ),
    )

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
        return codes_table(self.vocabulary, self.values)

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
    type: Literal["code"] = Field(description=TYPE_KEY)
    several: Annotated[str, BeforeValidator(one_of("quarantine", "first", "order"))] = Field(
        default="quarantine",
        description="a cell giving several codes: `quarantine`, `first`, or `order`",
    )
    order: TextList = Field(
        default=(), description="with `several: order`: codes, the most serious first"
    )
    default: Annotated[str, BeforeValidator(any_text)] | None = Field(
        default=None, description=DEFAULT_KEY
    )

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
                    column, part.strip(), "not_in_mapping", {"allowed": allowed_values(self.table)}
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
    any: Annotated[str, BeforeValidator(any_text)] | None = None


def _codes_columns(value: Any) -> Any:
    if isinstance(value, list):
        value = dict.fromkeys(value)
    if not isinstance(value, dict) or not value:
        raise expected("at least one column: a list of columns, or columns with their values")
    return {column: {} if options is None else options for column, options in value.items()}


class CodesField(_Coded):
    """A list of codes of a vocabulary, from one column or several."""

    TYPE = "codes"
    type: Literal["codes"] = Field(description=TYPE_KEY)
    columns: Annotated[dict[str, CodesColumn], BeforeValidator(_codes_columns)] | None = Field(
        default=None, description="several columns, each with its own `values` or `any`"
    )
    any: Annotated[str, BeforeValidator(any_text)] | None = Field(
        default=None, description="every non-empty value of the column maps to this code"
    )

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
                codes_table(self.vocabulary, options.values)
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
                        column, part.strip(), "not_in_mapping", {"allowed": allowed_values(table)}
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
    type: Literal["region"] = Field(description=TYPE_KEY)
    country: Annotated[str, BeforeValidator(_country_code)] | None = Field(
        default=None, description="the country of the region: an ISO 3166-1 code"
    )
    values: KeyedTexts | None = Field(
        default=None,
        description="`{code: [name, ...]}`: the mapping's own names of codes, looked up first",
    )
    unmatched: Annotated[str, BeforeValidator(one_of("quarantine", "keep"))] = Field(
        default="quarantine",
        description="a name it cannot place: `quarantine`, or `keep`: kept as the locality",
    )
    default: Annotated[str, BeforeValidator(any_text)] | None = Field(
        default=None, description=DEFAULT_KEY
    )

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
    type: Literal["country"] = Field(description=TYPE_KEY)
    values: KeyedTexts | None = Field(
        default=None,
        description="`{code: [name, ...]}`: the mapping's own names of codes, looked up first",
    )
    default: Annotated[str, BeforeValidator(non_empty_text)] | None = Field(
        default=None, description=DEFAULT_KEY
    )

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
    return str(value.get("type", "text")) if isinstance(value, dict) else None


def _known_type(value: Any) -> Any:
    """A field is a mapping whose ``type`` (text when absent) is one of FIELD_TYPES."""
    if not isinstance(value, dict):
        raise expected("a mapping of keys to values")
    kind = value.get("type", "text")
    if not (isinstance(kind, str) and kind in FIELD_TYPES):
        raise expected(f"one of {', '.join(FIELD_TYPES)}", at="type", found=kind)
    return value


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
    Discriminator(_field_type),
    BeforeValidator(_known_type),
]


def _field_name(value: Any) -> str:
    if not isinstance(value, str) or not FIELD_NAME.match(value) or value in RESERVED_FIELDS:
        raise expected(
            "a field name of lower-case letters, digits and _ (not flags, unmapped or _import)"
        )
    return value


FieldName = Annotated[str, BeforeValidator(_field_name)]
