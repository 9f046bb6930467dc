"""Which language a press text is in: Russian or English, by the share of Cyrillic letters."""

from __future__ import annotations

import re

LETTER = re.compile(r"[^\W\d_]")
CYRILLIC_LETTER = re.compile(r"[А-Яа-яЁё]")
# Russian press quotes Latin names and brands; English press seldom quotes Cyrillic.
RUSSIAN_THRESHOLD = 0.3
SUPPORTED = ("ru", "en")


def detect_language(text: str) -> str:
    """ "ru" if at least 30% of the letters are Cyrillic, otherwise "en"."""
    letters = len(LETTER.findall(text))
    if letters == 0:
        return "en"
    return "ru" if len(CYRILLIC_LETTER.findall(text)) / letters >= RUSSIAN_THRESHOLD else "en"
