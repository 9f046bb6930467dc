"""The people field type: victims, perpetrators or any list of people a partner's row names."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from collections.abc import Mapping as MappingABC
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    model_validator,
)

from dozor.intake.mapping_base import (
    TYPE_KEY,
    FieldSpec,
    KeyedTexts,
    RowReading,
    Separators,
    Spec,
    Text,
    TextList,
    allowed_values,
    cell_text,
    codes_table,
    keyed_texts,
)
from dozor.intake.values import Refusal, folded, normalised
from dozor.intake.values.people import (
    DEFAULT_SEPARATORS,
    PeopleWords,
    age_read,
    people_from_cell,
    people_words,
    sex_read,
)
from dozor.lib.schemas import expected, refused
from dozor.records.report_schema import CUSTOM_KEY_PATTERN, CUSTOM_PREFIX, SEXES, person_empty
from dozor.vocab.registry import vocabularies

GROUP_NUMBER = "{n}"


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
        return codes_table("perceived_group", self.values)


def _harm(value: Any) -> str:
    codes = vocabularies()["harm"].codes
    if value not in codes:
        raise expected(f"a code of the vocabulary harm: {', '.join(codes)}")
    return str(value)


def _sex_words(value: Any) -> dict[str, tuple[str, ...]]:
    table = keyed_texts(value)
    for sex in table:
        if sex not in SEXES:
            raise expected(f"one of {', '.join(SEXES)}", at=sex, found=sex)
    return table


def _custom_columns(value: Any) -> dict[str, str]:
    """``{key: column}``: the organisation's fields on people, by key, and the column of each."""
    if not isinstance(value, dict):
        raise expected(
            "a mapping of custom field keys to columns, such as {nationality: Nationality}"
        )
    table = {}
    for key, column in value.items():
        if not isinstance(key, str) or not CUSTOM_KEY_PATTERN.match(key):
            raise expected(
                "the key of a custom field on people (without custom_): 1 to 40 lower-case "
                "Latin letters, digits and underscores, starting with a letter",
                found=key,
            )
        if not isinstance(column, str) or not column.strip():
            raise expected("a column, a non-empty text", at=key, found=column)
        table[key] = column
    return table


class PeopleField(FieldSpec):
    """People: ``[{name, sex, age, perceived_group, harm}, ...]``, from a cell listing them, from
    numbered column groups, or from a JSON list; each person also holds ``custom_<key>``, a text,
    for each of the organisation's fields on people that ``custom`` reads (checked by the import,
    which knows the organisation)."""

    TYPE = "people"
    type: Literal["people"] = Field(description=TYPE_KEY)
    groups: PersonGroups | None = Field(
        default=None, description='numbered columns: `{name: "Victim {n} name", sex: …, age: …}`'
    )
    separator: Separators = Field(
        default=DEFAULT_SEPARATORS,
        description=(
            'splits a cell holding several values: a text or a list, e.g. `[";", ",", "/"]`'
        ),
    )
    unnamed: TextList = Field(
        default=(), description='texts meaning "no name known", added to the built-in ones'
    )
    sex: Annotated[dict[str, tuple[str, ...]], BeforeValidator(_sex_words)] = Field(
        default={},
        description="`{male: [...], female: [...]}`: sex words added to the built-in ones",
    )
    keys: PersonKeys = Field(default=PersonKeys(), description="the keys of a JSON object person")
    perceived_group: PerceivedGroup | None = Field(
        default=None,
        description=(
            "`{column: …, values: {code: [...]}}`: the perceived group of every person of the row"
        ),
    )
    harm: Annotated[str, BeforeValidator(_harm)] | None = Field(
        default=None,
        description=(
            "a harm code (`killed`, `injured`, `unhurt`, `unknown`) given to every person of the "
            "row"
        ),
    )
    custom: Annotated[dict[str, str], BeforeValidator(_custom_columns)] = Field(
        default={},
        description=(
            "`{key: column}`: the organisation's custom fields on people, by key; with `groups` "
            'each column holds `{n}` ("Victim {n} nationality"), with a `column` every person '
            "of the row takes the column's value"
        ),
    )

    @model_validator(mode="after")
    def _source(self) -> PeopleField:
        if bool(self.column) == bool(self.groups):
            raise expected(
                "a column or groups (one of them)", found="both" if self.column else None
            )
        for key, column in self.custom.items():
            numbered = column.count(GROUP_NUMBER)
            if self.groups is not None and numbered != 1:
                raise expected(
                    "with groups, a column name with {n} once, such as “Victim {n} nationality”",
                    at=f"custom.{key}",
                    found=column,
                )
            if self.groups is None and numbered:
                raise expected(
                    "with a column listing the people, a column name without {n}: every person "
                    "of the row takes its value (numbered columns need groups)",
                    at=f"custom.{key}",
                    found=column,
                )
        return self

    @functools.cached_property
    def words(self) -> PeopleWords:
        return people_words(self.unnamed, self.sex)

    def columns_used(self) -> set[str]:
        used = super().columns_used()
        if self.perceived_group:
            used.add(self.perceived_group.column)
        if self.groups is None:
            used |= set(self.custom.values())
        return used

    def first_group_columns(self) -> set[str]:
        """The numbered columns of the first person: the group's and the custom fields'."""
        if self.groups is None:
            return set()
        return set(self.groups.columns(1).values()) | set(self._numbered_custom(1).values())

    def group_columns_missing(self, header: list[str]) -> list[str]:
        """The group patterns of which the file has no column for the first person, and the
        custom fields' numbered columns it lacks for the first person."""
        if self.groups is None:
            return []
        missing = [
            self.custom[key]
            for key, column in self._numbered_custom(1).items()
            if column not in header
        ]
        if not set(self.groups.columns(1).values()) & set(header):
            missing.insert(0, " / ".join(self.groups.patterns().values()))
        return missing

    def _numbered_custom(self, number: int) -> dict[str, str]:
        return {
            key: column.replace(GROUP_NUMBER, str(number)) for key, column in self.custom.items()
        }

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
        if self.groups is None and people:
            shared = self._row_custom(name, reading, len(people))
            if shared is None:
                reading.fields[name] = None
                return
            people = [{**person, **shared} for person in people]
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
            return self._people_in_groups(name, reading)
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

    def _people_in_groups(self, name: str, reading: RowReading) -> list[dict[str, Any]] | None:
        assert self.groups is not None
        people: list[dict[str, Any]] = []
        for number, columns in self._groups_present(reading.raw):
            cells = {part: cell_text(reading.raw.get(column)) for part, column in columns.items()}
            texts = {
                part: "" if normalised(text) in self.empty_keys else text.strip()
                for part, text in cells.items()
            }
            custom_columns = {
                key: column
                for key, column in self._numbered_custom(number).items()
                if column in reading.raw
            }
            custom = {
                key: self._text(reading.raw[column]) for key, column in custom_columns.items()
            }
            if not any(texts.values()) and not any(custom.values()):
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
            given = texts.get("name", "")
            unnamed = folded(given) in self.words.unnamed
            person = {"name": "" if unnamed else given, "sex": sex, "age": age}
            person.update({CUSTOM_PREFIX + key: text for key, text in custom.items() if text})
            reading.person_columns[(name, len(people))] = {
                key: custom_columns[key] for key, text in custom.items() if text
            }
            people.append(person)
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

    def _text(self, value: Any) -> str:
        text = cell_text(value)
        return "" if normalised(text) in self.empty_keys else text.strip()

    def _row_custom(self, name: str, reading: RowReading, people: int) -> dict[str, str] | None:
        """The custom values every person of the row takes (``custom_<key>``: text), or None
        after a problem (a column missing)."""
        shared = {}
        columns = {}
        for key, column in self.custom.items():
            if column not in reading.raw:
                reading.problem(column, "", "missing_column")
                return None
            text = self._text(reading.raw[column])
            if text:
                shared[CUSTOM_PREFIX + key] = text
                columns[key] = column
        for position in range(people):
            reading.person_columns[(name, position)] = columns
        return shared

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
        reading.problem(
            spec.column, cell.text, "not_in_mapping", {"allowed": allowed_values(spec.table)}
        )
        return None
