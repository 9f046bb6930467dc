"""Incident type, bias motivations and indicators from the cue vocabulary in data/cues.yaml."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dozor.vocab.registry import vocabulary

CUES_FILE = Path(__file__).parent / "data" / "cues.yaml"
CUE_GROUPS = {
    "incident_type": "incident_type",
    "bias_motivation": "bias_motivation",
    "bias_indicator": "bias_indicator",
}
LANGUAGES = ("ru", "en")


class CueError(ValueError):
    """The cue file does not follow its schema."""


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


def _pattern(cues: list[Any], where: str) -> re.Pattern[str]:
    if not isinstance(cues, list) or not cues or not all(isinstance(c, str) and c for c in cues):
        raise CueError(f"{CUES_FILE.name}, {where}: expected a list of cue words.")
    alternatives = sorted(
        (r"\w*\s+".join(re.escape(word) for word in cue.replace("ё", "е").split()) for cue in cues),
        key=len,
        reverse=True,
    )
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")\w*", re.IGNORECASE)


def _by_language(entry: Any, where: str) -> dict[str, re.Pattern[str]]:
    if not isinstance(entry, dict) or set(entry) != set(LANGUAGES):
        raise CueError(f"{CUES_FILE.name}, {where}: give cue lists for both “ru” and “en”.")
    return {language: _pattern(entry[language], f"{where}.{language}") for language in LANGUAGES}


@functools.cache
def cues() -> Cues:
    """The cue file, checked: every code exists in its vocabulary and every list is non-empty."""
    data = yaml.safe_load(CUES_FILE.read_text(encoding="utf-8"))
    patterns: dict[tuple[str, str, str], re.Pattern[str]] = {}
    for group, vocabulary_name in CUE_GROUPS.items():
        entries = data.get(group)
        if not isinstance(entries, dict):
            raise CueError(f"{CUES_FILE.name}: the “{group}” section is missing.")
        known = vocabulary(vocabulary_name)
        for code, entry in entries.items():
            if code not in known:
                raise CueError(
                    f"{CUES_FILE.name}, {group}.{code}: not a code of the {vocabulary_name} "
                    f"vocabulary (expected one of {', '.join(known.codes)})."
                )
            for language, pattern in _by_language(entry, f"{group}.{code}").items():
                patterns[(group, code, language)] = pattern
    for language, pattern in _by_language(
        data.get("defender_targeted"), "defender_targeted"
    ).items():
        patterns[("defender_targeted", "yes", language)] = pattern
    precedence = tuple(data.get("precedence") or ())
    typed = set(data["incident_type"])
    if set(precedence) != typed:
        missing, unknown = sorted(typed - set(precedence)), sorted(set(precedence) - typed)
        raise CueError(
            f"{CUES_FILE.name}, precedence: list every incident type that has cues, once "
            f"(missing: {missing}, unknown: {unknown})."
        )
    return Cues(precedence, patterns)


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
