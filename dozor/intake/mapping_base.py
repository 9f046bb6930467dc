"""What every field type of a mapping shares: the declared value types, errors worded for the
file's author, and the reading of one row.

A mapping's parts are pydantic models (unknown keys refused, values checked as they are declared);
the errors raised here (dozor.lib.schemas.expected and refused) are put in words by
dozor.lib.schemas: the file, the key, what was expected, what was found.
"""

from __future__ import annotations

import datetime
import functools
import json
from collections.abc import Callable, Iterable
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from dozor.intake.problems import Problem
from dozor.intake.values import Refusal, normalised
from dozor.lib.schemas import Schema, expected
from dozor.responses.vocab import response_vocabularies
from dozor.vocab.registry import Vocabulary, vocabularies

# The descriptions of the keys every field type has, for the key reference in docs/import.md.
TYPE_KEY = (
    "`text` (default), `integer`, `date`, `boolean`, `code`, `codes`, `region`, `country`, `people`"
)
DEFAULT_KEY = (
    "the value when the cell is empty, or when there is no column; checked when the mapping is read"
)


@functools.cache
def mapping_vocabularies() -> dict[str, Vocabulary]:
    """The vocabularies a code or codes field may use: the records' and the responses'."""
    return {**vocabularies(), **response_vocabularies()}


# ---- declared value types --------------------------------------------------------------------


def non_empty_text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise expected("a non-empty text")
    return value


def any_text(value: Any) -> str:
    if not isinstance(value, str):
        raise expected("a text")
    return value


def text_list(value: Any) -> tuple[str, ...]:
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


def separators_list(value: Any) -> tuple[str, ...]:
    separators = text_list(value)
    if not separators or any(not separator for separator in separators):
        raise expected("a separator or a list of separators, none of them empty")
    return separators


def flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise expected("true or false")
    return value


def whole_number(minimum: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise expected(f"a whole number of at least {minimum}")
        return int(value)

    return check


def one_of(*choices: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in choices:
            raise expected(f"one of {', '.join(choices)}")
        return str(value)

    return check


def keyed_texts(value: Any) -> dict[str, tuple[str, ...]]:
    """``{target: [source values]}``: the targets are texts (codes), the values texts."""
    if not isinstance(value, dict):
        raise expected("a mapping of codes to lists of values, such as {antisemitic: [Jewish]}")
    table = {}
    for target, sources in value.items():
        if not isinstance(target, str):
            raise expected("codes as keys", at=str(target), found=target)
        try:
            table[target] = text_list(sources)
        except PydanticCustomError as error:
            wanted = str((error.context or {}).get("expected", "a text or a list of texts"))
            raise expected(wanted, at=target, found=sources) from None
    return table


def reject_table(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise expected("a mapping of values to reasons")
    table = {}
    for source, reason in value.items():
        if not isinstance(reason, str) or not reason.strip():
            raise expected("a reason, a non-empty text", at=str(source), found=reason)
        table[normalised(str(source))] = reason
    return table


Text = Annotated[str, BeforeValidator(non_empty_text)]
AnyText = Annotated[str, BeforeValidator(any_text)]
TextList = Annotated[tuple[str, ...], BeforeValidator(text_list)]
Separators = Annotated[tuple[str, ...], BeforeValidator(separators_list)]
Flag = Annotated[bool, BeforeValidator(flag)]
KeyedTexts = Annotated[dict[str, tuple[str, ...]], BeforeValidator(keyed_texts)]
Reject = Annotated[dict[str, str], BeforeValidator(reject_table)]


class Spec(Schema):
    """A part of a mapping: unknown keys refused with the keys allowed (dozor.lib.schemas)."""


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
    # Where each person's custom values were read: (field, position in its list) -> {key: column}.
    person_columns: dict[tuple[str, int], dict[str, str]] = field(default_factory=dict)

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


def codes_table(
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


def allowed_values(values: Iterable[str], limit: int = 12) -> str:
    shown = sorted(set(values))[:limit]
    more = "" if len(set(values)) <= limit else ", …"
    return ", ".join(f"“{value}”" for value in shown) + more


# ---- the field types -------------------------------------------------------------------------


class FieldSpec(Spec):
    """What every field type takes: a column, whether it is required, which values mean empty,
    which values send the row to quarantine."""

    TYPE: ClassVar[str]
    column: Text | None = Field(default=None, description="the column to read")
    required: Flag = Field(
        default=False,
        description="`true`: an empty cell is a problem (unless a `default` is given)",
    )
    empty_values: TextList = Field(
        default=(),
        description='cell values that mean "empty" (e.g. `None`, `NA`), compared ignoring case',
    )
    reject: Reject = Field(
        default={},
        description="`{value: reason}`: values that send the row to quarantine with that reason",
    )

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
