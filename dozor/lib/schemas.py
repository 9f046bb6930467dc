"""Data files checked against declared models, their mistakes put in the words of the file's author.

Every data file Dozor reads (mappings, the commitments catalogue, the vocabularies, the response
event rules, the press cues) is declared as a pydantic model. :func:`load_model` checks what YAML
or JSON gave against one and turns *every* error into one line a person can act on::

    partner.yaml: fields.date.type: expected one of text, integer, date; found str 'datum'.
    commitments.yaml: commitments[2].indicators[1].label.ru: expected a text; found nothing.

The key is dotted, list items are counted from 1, and unknown keys name the keys allowed there.
Nothing here imports Django: the wording is a :class:`Wording` of plain ``%``-format strings that a
caller may replace with translated ones (``Wording(mismatch=str(MSG_...), ...)``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    ValidationError,
    ValidatorFunctionWrapHandler,
)
from pydantic import model_validator as _model_validator
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

__all__ = [
    "EXPECTED",
    "Location",
    "Schema",
    "SchemaError",
    "Text",
    "Wording",
    "error_messages",
    "expected",
    "load_model",
    "refused",
    "without_tags",
    "yaml_parse",
]

Model = TypeVar("Model", bound=BaseModel)

# Dozor's own data files (vocabularies, catalogue, cues, words, places) are read by libyaml's C
# parser where PyYAML has it: eight times faster than the Python parser, with the same result,
# and every process reads the vocabularies. A person's file (a mapping) keeps the Python parser,
# whose errors quote the line with a caret under the mistake.
_DATA_FILE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Location = tuple[int | str, ...]

# What a key takes, for pydantic's own kinds of error; ``{…}`` are filled from the error's context.
EXPECTED: Mapping[str, str] = {
    "bool_type": "true or false",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "string_type": "a text",
    "string_too_short": "a non-empty text",
    "string_too_long": "a text of at most {max_length} characters",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
    "list_type": "a list",
    "tuple_type": "a list",
    "too_short": "at least {min_length} item(s)",
    "literal_error": "one of {expected}",
    "union_tag_invalid": "one of {expected_tags}",
    "union_tag_not_found": "a value",
    "greater_than_equal": "a number of at least {ge}",
    "greater_than": "a number greater than {gt}",
    "less_than_equal": "a number of at most {le}",
    "extra_forbidden": "no such key",
    "missing": "a value",
}


class SchemaError(ValueError):
    """A data file that does not follow its model: one message per mistake, each naming the file
    and the key. Each kind of file has its own subclass (MappingError, CatalogueError, …)."""

    def __init__(self, messages: str | Sequence[str]) -> None:
        self.messages = (messages,) if isinstance(messages, str) else tuple(messages)
        super().__init__("\n".join(self.messages))


@dataclasses.dataclass(frozen=True)
class Wording:
    """The texts of the messages, as ``%``-format strings; translated ones may be passed in.

    ``mismatch`` takes file, key, expected and found; ``unknown_key`` file, key and allowed;
    ``own`` words the caller's own kinds of error (raised with :func:`refused`), given file, key
    and the error's context; ``missing`` says what a key takes when it is absent, by key name.
    """

    mismatch: str = "%(file)s: %(key)s: expected %(expected)s; found %(found)s."
    unknown_key: str = "%(file)s: %(key)s: unknown key; the keys allowed here are %(allowed)s."
    nothing: str = "nothing"
    top_level: str = "(top level)"
    expected: Mapping[str, str] = dataclasses.field(default_factory=lambda: dict(EXPECTED))
    missing: Mapping[str, str] = dataclasses.field(default_factory=dict)
    own: Mapping[str, str] = dataclasses.field(default_factory=dict)


def expected(text: str, *, at: str = "", found: Any = ...) -> PydanticCustomError:
    """Raise it in a validator for a value that is not what the key takes: "KEY: expected TEXT;
    found VALUE". ``at`` names a key below the one validated; ``found`` replaces the value."""
    context: dict[str, Any] = {"expected": text, "at": at}
    if found is not ...:
        context["found"] = found
    return PydanticCustomError("expected", "expected {expected}", context)


def refused(kind: str, *, at: str = "", **context: Any) -> PydanticCustomError:
    """Raise it in a validator for a mistake the caller words itself (``Wording.own[kind]``)."""
    return PydanticCustomError(kind, kind, {"at": at, **context})


def _not_blank(value: str) -> str:
    if not value.strip():
        raise expected("a non-empty text")
    return value


# A text with something in it besides spaces.
Text = Annotated[str, AfterValidator(_not_blank)]


class Schema(BaseModel):
    """A part of a data file: typed strictly (YAML's ``"1"`` is not 1), unknown keys refused with
    the keys allowed there, frozen once read."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @_model_validator(mode="wrap")
    @classmethod
    def _unknown_keys_named(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(data)
        except ValidationError as error:
            errors = error.errors()
            if not any(_own_extra(e) for e in errors):
                raise
            keys = ", ".join(sorted(i.alias or name for name, i in cls.model_fields.items()))
            details = [_unknown_key(e, keys) if _own_extra(e) else _again(e) for e in errors]
            raise ValidationError.from_exception_data(error.title, details) from None


def _own_extra(error: ErrorDetails) -> bool:
    return error["type"] == "extra_forbidden" and len(error["loc"]) == 1


def _unknown_key(error: ErrorDetails, allowed: str) -> InitErrorDetails:
    kind = PydanticCustomError("unknown_key", "unknown key", {"allowed": allowed})
    return InitErrorDetails(type=kind, loc=error["loc"], input=error["input"])


def _again(error: ErrorDetails) -> InitErrorDetails:
    """An error of a part below, raised again beside this level's unknown keys."""
    context = dict(error.get("ctx") or {})
    kind = PydanticCustomError(error["type"], error["msg"], context)
    return InitErrorDetails(type=kind, loc=error["loc"], input=error["input"])


def _found(value: Any, wording: Wording) -> str:
    return wording.nothing if value is None else f"{type(value).__name__} {value!r}"[:120]


def _dotted(location: Location, at: str, wording: Wording) -> str:
    """The key a person reads: ``fields.date.formats``, ``checks[1].later``."""
    key = ""
    for part in [*location, *([at] if at else [])]:
        if part == "[key]":
            continue
        if isinstance(part, int):
            key += f"[{part + 1}]"
        else:
            key += f".{part}" if key else str(part)
    return key or wording.top_level


def without_tags(*tags: str) -> Callable[[Location], Location]:
    """A location without the tags of a tagged union (``Field(discriminator=…)`` puts the tag of
    the member tried in the key: commitments[1].indicators[2].computed.unit)."""

    def location(parts: Location) -> Location:
        return tuple(part for part in parts if part not in tags)

    return location


def error_message(
    error: ErrorDetails,
    *,
    source: str,
    wording: Wording,
    location: Callable[[Location], Location] = tuple,
) -> str:
    """One error in words: the file, the key, what was expected, what was found."""
    context = dict(error.get("ctx") or {})
    kind = error["type"]
    key = _dotted(location(tuple(error["loc"])), str(context.pop("at", "") or ""), wording)
    if kind in wording.own:
        return wording.own[kind] % {"file": source, "key": key, **context}
    if kind == "unknown_key":
        return wording.unknown_key % {"file": source, "key": key, **context}
    found = context.get("found", error["input"])
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        # The tag is a key of the mapping given: name it, and what it holds.
        tag = str(context.get("discriminator", "")).strip("'")
        key = f"{key}.{tag}" if key != wording.top_level else tag
        found = context.get("tag")
    if kind == "expected":
        wanted = str(context["expected"])
    elif kind == "missing":
        last = str(error["loc"][-1]) if error["loc"] else ""
        wanted = wording.missing.get(last, wording.expected["missing"])
        found = None
    else:
        template = wording.expected.get(kind, error["msg"])
        wanted = template.format(**context)
    return wording.mismatch % {
        "file": source,
        "key": key,
        "expected": wanted,
        "found": _found(found, wording),
    }


def error_messages(
    error: ValidationError,
    *,
    source: str,
    wording: Wording | None = None,
    location: Callable[[Location], Location] = tuple,
) -> list[str]:
    """Every error of a validation, in words, each once, in the order of the file."""
    wording = wording or Wording()
    messages = [
        error_message(e, source=source, wording=wording, location=location) for e in error.errors()
    ]
    return list(dict.fromkeys(messages))


def yaml_parse(text: str) -> Any:
    """The data of one of Dozor's own YAML files (raises YAMLError, as ``yaml.safe_load``)."""
    return yaml.load(text, Loader=_DATA_FILE_LOADER)  # noqa: S506 - a safe loader (C or Python)


def load_model(
    model: type[Model],
    data: Any,
    *,
    source: str,
    wording: Wording | None = None,
    error: type[SchemaError] = SchemaError,
    context: dict[str, Any] | None = None,
    location: Callable[[Location], Location] = tuple,
) -> Model:
    """``data`` (as YAML or JSON gave it) checked against ``model``; or ``error`` raised with a
    message for every mistake, each naming ``source`` and the key.

    ``context`` reaches the model's validators (``info.context``); ``location`` may tidy a key
    before it is shown (a tagged union's tag, say).
    """
    try:
        return model.model_validate(data, context=context)
    except ValidationError as problems:
        raise error(
            error_messages(problems, source=source, wording=wording, location=location)
        ) from None
