"""Readers of the values partners write: dates, places, countries, people.

Plain Python (no Django): each reader takes a cell's text and returns what it means, or a
:class:`Refusal` that says why it cannot, as a problem code and its parameters. The mapping turns
a refusal into a problem of the row (dozor/intake/problems.py words it for people).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

PUNCTUATION = re.compile(r"[\s.,;:!?()\[\]{}«»\"'’‘`“”„/\\\-‐‑‒–—―_]+")


@dataclass(frozen=True)
class Refusal:
    """Why a value cannot be read: a problem code (dozor/intake/problems.py) and its details."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


def normalised(value: str) -> str:
    """How values are compared: NFC, case-folded, inner whitespace collapsed, ends trimmed."""
    return " ".join(unicodedata.normalize("NFC", value).casefold().split())


def folded(value: str) -> str:
    """Compared as a word: :func:`normalised`, ё read as е."""
    return normalised(value).replace("ё", "е")


def name_words(value: str) -> tuple[str, ...]:
    """The words of a name: :func:`folded`, punctuation and hyphens as spaces."""
    return tuple(word for word in PUNCTUATION.split(folded(value)) if word)


def split_on(text: str, separators: tuple[str, ...]) -> list[str]:
    """A cell holding several values, split on any of the separators."""
    if not separators:
        return [text]
    pattern = "|".join(re.escape(separator) for separator in separators)
    return re.split(pattern, text)
