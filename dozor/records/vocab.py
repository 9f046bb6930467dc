"""Controlled vocabularies, loaded from the versioned YAML files in ``vocabularies/``.

Each file holds one vocabulary: a ``name``, a ``version``, an English and Russian ``label`` and a
list of ``terms`` (``code``, ``label`` in both languages, optional extra attributes such as the
ODIHR group an incident type rolls up to). The files are checked against that schema
(dozor/records/vocab_schema.py) when they are loaded, so a broken file stops the program with a
message for each mistake, naming the file and the key.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dozor.lib.schemas import SchemaError, load_model
from dozor.records.vocab_schema import VocabularySpec

VOCABULARY_DIR = Path(__file__).parent / "vocabularies"
LANGUAGES = ("en", "ru")


class VocabularyError(SchemaError):
    """A vocabulary file does not follow the schema, or a code is not in a vocabulary."""


@dataclass(frozen=True)
class Term:
    code: str
    labels: dict[str, str]
    attributes: dict[str, Any] = field(default_factory=dict)

    def label(self, language: str = "en") -> str:
        return self.labels.get(language[:2], self.labels["en"])


@dataclass(frozen=True)
class Vocabulary:
    name: str
    version: int
    labels: dict[str, str]
    terms: tuple[Term, ...]

    def label(self, language: str = "en") -> str:
        return self.labels.get(language[:2], self.labels["en"])

    @functools.cached_property
    def by_code(self) -> dict[str, Term]:
        return {term.code: term for term in self.terms}

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(term.code for term in self.terms)

    def __contains__(self, code: object) -> bool:
        return code in self.by_code

    def term(self, code: str) -> Term:
        try:
            return self.by_code[code]
        except KeyError:
            raise VocabularyError(
                f"'{code}' is not a term of the vocabulary '{self.name}'; "
                f"expected one of: {', '.join(self.codes)}"
            ) from None

    def choices(self, language: str = "en") -> list[tuple[str, str]]:
        return [(term.code, term.label(language)) for term in self.terms]


def vocabulary_parse(path: Path) -> Vocabulary:
    """Read and check one vocabulary file (dozor/records/vocab_schema.py)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise VocabularyError(f"{path.name}: not valid YAML: {error}") from error
    spec = load_model(
        VocabularySpec, raw, source=path.name, error=VocabularyError, context={"stem": path.stem}
    )
    terms = tuple(
        Term(
            code=term.code,
            labels={"en": term.label.en.strip(), "ru": term.label.ru.strip()},
            attributes=term.attributes(),
        )
        for term in spec.terms
    )
    labels = {"en": spec.label.en.strip(), "ru": spec.label.ru.strip()}
    return Vocabulary(name=spec.name, version=spec.version, labels=labels, terms=terms)


@functools.cache
def vocabularies() -> dict[str, Vocabulary]:
    """Every vocabulary shipped with Dozor, by name."""
    return {path.stem: vocabulary_parse(path) for path in sorted(VOCABULARY_DIR.glob("*.yaml"))}


def vocabulary(name: str) -> Vocabulary:
    try:
        return vocabularies()[name]
    except KeyError:
        raise VocabularyError(
            f"There is no vocabulary '{name}'; known vocabularies: {', '.join(vocabularies())}"
        ) from None
