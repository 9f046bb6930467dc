"""The schema of a vocabulary file, declared: what dozor/vocab/registry.py checks each file against.

No Django here (the vocabularies are the project's library): the models are read through
dozor.lib.schemas, whose messages name the file and the key (``harm.yaml: terms[3].label.ru:
expected a value; found nothing.``).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from dozor.lib.schemas import Schema, Text, expected

# The keys of a term besides its code and label: attributes some vocabularies give their terms.
TERM_ATTRIBUTES = ("odihr_group", "against_defenders", "hate_motive", "open", "stage", "terminal")


class LabelSpec(Schema):
    en: Text = Field(description="the label in English")
    ru: Text = Field(description="the label in Russian")


def _code(value: Any) -> Any:
    if isinstance(value, str) and (not value or value != value.strip() or " " in value):
        raise expected("a code of letters, digits and _, without spaces")
    return value


class TermSpec(Schema):
    """One term: its code, its label, and the attributes its vocabulary gives."""

    code: Annotated[str, Field(description="the code stored and typed in mappings")]
    label: LabelSpec
    odihr_group: str | None = Field(default=None, description="incident_type: its ODIHR group")
    against_defenders: bool | None = Field(
        default=None, description="incident_type: an act against human-rights defenders"
    )
    hate_motive: bool | None = Field(
        default=None, description="legal_article: the article punishes the hate motive"
    )
    open: bool | None = Field(default=None, description="dialogue_status: the dialogue goes on")
    stage: int | None = Field(default=None, description="response_event_kind: its procedural step")
    terminal: bool | None = Field(
        default=None, description="response_event_kind: it ends the case's course"
    )

    @field_validator("code", mode="before")
    @classmethod
    def _code_written(cls, value: Any) -> Any:
        return _code(value)

    def attributes(self) -> dict[str, Any]:
        """The attributes the file gives this term (and only those)."""
        return {key: getattr(self, key) for key in TERM_ATTRIBUTES if key in self.model_fields_set}


class VocabularySpec(Schema):
    """One vocabulary file: ``name`` (the file's name), ``version``, ``label``, ``terms``."""

    name: str = Field(description="the vocabulary's name, the file's name without .yaml")
    version: Annotated[int, Field(ge=1, description="raised when a code changes meaning")]
    label: LabelSpec
    terms: Annotated[list[TermSpec], Field(min_length=1)]

    @field_validator("name")
    @classmethod
    def _name_is_the_files(cls, value: str, info: ValidationInfo) -> str:
        stem = (info.context or {}).get("stem")
        if stem is not None and value != stem:
            raise expected(f"the file's name, {stem}")
        return value

    @model_validator(mode="after")
    def _codes_once(self) -> VocabularySpec:
        seen: set[str] = set()
        for position, term in enumerate(self.terms, start=1):
            if term.code in seen:
                raise expected(
                    "a code no other term has", at=f"terms[{position}].code", found=term.code
                )
            seen.add(term.code)
        return self
