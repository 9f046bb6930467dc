"""The words of words.yaml: month names, sex, age and the texts that stand for no name."""

from __future__ import annotations

import functools
from pathlib import Path

from pydantic import BaseModel, ConfigDict, model_validator

from dozor.intake.values import folded
from dozor.lib.schemas import yaml_parse

WORDS_FILE = Path(__file__).with_name("words.yaml")
SEXES = ("male", "female", "unknown")


def word_key(word: str) -> str:
    """A word as it is compared: folded, without the full stop of an abbreviation."""
    return folded(word).rstrip(".").strip()


class Words(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    months: dict[int, list[str]]
    year_words: list[str]
    day_suffixes: list[str]
    sex: dict[str, list[str]]
    age_words: list[str]
    unnamed: list[str]

    @model_validator(mode="after")
    def _each_word_once(self) -> Words:
        if sorted(self.months) != list(range(1, 13)):
            raise ValueError("months: expected the months 1 to 12")
        if set(self.sex) != set(SEXES):
            raise ValueError(f"sex: expected {', '.join(SEXES)}")
        for table in (self.months, self.sex):
            seen: dict[str, object] = {}
            for meaning, forms in table.items():
                for form in forms:
                    if seen.setdefault(word_key(form), meaning) != meaning:
                        raise ValueError(
                            f"“{form}” means both {seen[word_key(form)]} and {meaning}"
                        )
        return self

    @functools.cached_property
    def month_of(self) -> dict[str, int]:
        return {word_key(form): month for month, forms in self.months.items() for form in forms}

    @functools.cached_property
    def sex_of(self) -> dict[str, str]:
        return {word_key(form): sex for sex, forms in self.sex.items() for form in forms}


@functools.cache
def known_words() -> Words:
    """words.yaml, checked; a broken file stops the program with what is wrong in it."""
    raw = yaml_parse(WORDS_FILE.read_text(encoding="utf-8"))
    return Words.model_validate(raw)
