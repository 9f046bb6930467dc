"""Incident type, bias motivations and indicators from the cue vocabulary in data/cues.yaml.

The file is declared as pydantic models (:class:`CueFile`) and read through dozor.lib.schemas
(pydantic, no Django), so a broken file names every mistake by its key.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import Field, ValidationInfo, field_validator, model_validator

from dozor.lib.schemas import Schema, SchemaError, Text, expected, load_model, yaml_parse
from dozor.vocab.registry import vocabulary

CUES_FILE = Path(__file__).parent / "data" / "cues.yaml"
CUE_GROUPS = {
    "incident_type": "incident_type",
    "bias_motivation": "bias_motivation",
    "bias_indicator": "bias_indicator",
}
LANGUAGES = ("ru", "en")


class CueError(SchemaError):
    """The cue file does not follow its schema; each message names the file and the key."""


@dataclass(frozen=True)
class CueMatch:
    group: str  # incident_type, bias_motivation, bias_indicator or defender_targeted
    code: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Cues:
    precedence: tuple[str, ...]
    patterns: dict[tuple[str, str, str], re.Pattern[str]]  # (group, code, language) -> pattern


# ---- the schema of the file -------------------------------------------------------------------

CueList = Annotated[list[Text], Field(min_length=1)]


class CueWords(Schema):
    """The cue words of one code, in each language: the beginnings of the words that signal it."""

    ru: CueList = Field(description="cues in Russian (ё read as е)")
    en: CueList = Field(description="cues in English")


def _known_codes(group: str, entries: dict[str, CueWords], info: ValidationInfo) -> None:
    codes = (info.context or {}).get("codes", {}).get(group)
    if codes is None:
        return
    for code in entries:
        if code not in codes:
            raise expected(
                f"a code of the {CUE_GROUPS[group]} vocabulary ({', '.join(codes)})",
                at=code,
                found=code,
            )


class CueFile(Schema):
    """data/cues.yaml: cue words by incident type, bias motivation and bias indicator, the cues of
    an act against defenders, and the order in which incident types win."""

    name: str
    version: Annotated[int, Field(ge=1)]
    precedence: list[str] = Field(
        description="every incident type that has cues, once, the most serious first"
    )
    incident_type: dict[str, CueWords]
    bias_motivation: dict[str, CueWords]
    bias_indicator: dict[str, CueWords]
    defender_targeted: CueWords

    @field_validator("incident_type", "bias_motivation", "bias_indicator")
    @classmethod
    def _codes_of_the_vocabulary(
        cls, entries: dict[str, CueWords], info: ValidationInfo
    ) -> dict[str, CueWords]:
        _known_codes(str(info.field_name), entries, info)
        return entries

    @model_validator(mode="after")
    def _precedence_of_every_type(self) -> CueFile:
        typed = list(self.incident_type)
        if sorted(self.precedence) != sorted(typed):
            missing = [code for code in typed if code not in self.precedence]
            twice = sorted({code for code in self.precedence if self.precedence.count(code) > 1})
            unknown = [code for code in self.precedence if code not in typed]
            raise expected(
                "every incident type that has cues, once (missing: "
                f"{', '.join(missing) or 'none'}; twice: {', '.join(twice) or 'none'}; "
                f"without cues: {', '.join(unknown) or 'none'})",
                at="precedence",
                found=self.precedence,
            )
        return self


def _pattern(cues: list[str]) -> re.Pattern[str]:
    alternatives = sorted(
        (r"\w*\s+".join(re.escape(word) for word in cue.replace("ё", "е").split()) for cue in cues),
        key=len,
        reverse=True,
    )
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")\w*", re.IGNORECASE)


def cues_load(path: Path) -> Cues:
    """A cue file, checked: every code in its vocabulary, every list non-empty, the precedence
    complete; a CueError names every mistake by its key."""
    try:
        data = yaml_parse(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise CueError(f"{path.name}: not valid YAML: {error}") from None
    codes = {group: vocabulary(name).codes for group, name in CUE_GROUPS.items()}
    spec = load_model(CueFile, data, source=path.name, error=CueError, context={"codes": codes})
    patterns: dict[tuple[str, str, str], re.Pattern[str]] = {}
    groups = {
        "incident_type": spec.incident_type,
        "bias_motivation": spec.bias_motivation,
        "bias_indicator": spec.bias_indicator,
        "defender_targeted": {"yes": spec.defender_targeted},
    }
    for group, entries in groups.items():
        for code, words in entries.items():
            for language in LANGUAGES:
                patterns[(group, code, language)] = _pattern(getattr(words, language))
    return Cues(tuple(spec.precedence), patterns)


@functools.cache
def cues() -> Cues:
    """The cues Dozor ships (data/cues.yaml), checked once."""
    return cues_load(CUES_FILE)


def find_cues(text: str, *, language: str) -> list[CueMatch]:
    """Every cue in the text, in reading order."""
    folded = text.replace("ё", "е").replace("Ё", "Е")
    found = []
    for (group, code, cue_language), pattern in cues().patterns.items():
        if cue_language != language:
            continue
        for match in pattern.finditer(folded):
            found.append(
                CueMatch(group, code, match.start(), match.end(), text[match.start() : match.end()])
            )
    return sorted(found, key=lambda cue: (cue.start, cue.group))


def incident_type_of(matches: list[CueMatch]) -> str:
    present = {cue.code for cue in matches if cue.group == "incident_type"}
    return next((code for code in cues().precedence if code in present), "")
