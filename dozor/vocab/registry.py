"""Controlled vocabularies, loaded from the versioned YAML files in ``vocabularies/``.

The one registry of every vocabulary in Dozor: ``vocabularies/records/``, ``responses/`` and
``estimation/`` hold the files by the part of Dozor that uses them, and a name is unique across
all three.

Each file holds one vocabulary: a ``name``, a ``version``, an English and Russian ``label`` and a
list of ``terms`` (``code``, ``label`` in both languages, optional extra attributes such as the
ODIHR group an incident type rolls up to). The files are checked against that schema
(dozor/vocab/schema.py) when they are loaded, so a broken file stops the program with a
message for each mistake, naming the file and the key.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dozor.lib.schemas import SchemaError, load_model, yaml_parse
from dozor.vocab.schema import VocabularySpec

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
    """Read and check one vocabulary file (dozor/vocab/schema.py)."""
    try:
        raw = yaml_parse(path.read_text(encoding="utf-8"))
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


# The folders of vocabularies/, by the part of Dozor that uses them: the records' own, the
# responses' (response_event_kind, which a mapping's response events use), the estimation's.
GROUPS = ("records", "responses", "estimation")


@functools.cache
def _by_group() -> dict[str, dict[str, Vocabulary]]:
    found: dict[str, dict[str, Vocabulary]] = {}
    seen: dict[str, str] = {}
    for group in GROUPS:
        found[group] = {}
        for path in sorted((VOCABULARY_DIR / group).glob("*.yaml")):
            if path.stem in seen:
                raise VocabularyError(
                    f"{group}/{path.name}: the vocabulary '{path.stem}' is also in "
                    f"{seen[path.stem]}/; a name must be unique"
                )
            seen[path.stem] = group
            found[group][path.stem] = vocabulary_parse(path)
    return found


@functools.cache
def vocabularies() -> dict[str, Vocabulary]:
    """Every vocabulary shipped with Dozor, by name: the records' first, then the others."""
    return {name: vocab for group in _by_group().values() for name, vocab in group.items()}


def vocabularies_of(group: str) -> dict[str, Vocabulary]:
    """The vocabularies of one folder of vocabularies/ ("records", "responses", "estimation")."""
    return _by_group()[group]


def vocabulary_group(name: str) -> str:
    """The folder a vocabulary comes from, which says what part of Dozor uses it."""
    return next(group for group, found in _by_group().items() if name in found)


def vocabulary(name: str) -> Vocabulary:
    try:
        return vocabularies()[name]
    except KeyError:
        raise VocabularyError(
            f"There is no vocabulary '{name}'; known vocabularies: {', '.join(vocabularies())}"
        ) from None
