"""Where two texts differ, word by word: what the pair page marks in two reports side by side.

Marking a whole summary as different says nothing a reviewer can use; two accounts of one attack
usually share most of their words, and what tells them apart is a date, a name, a street. The
texts are compared as sequences of words (difflib), regardless of case and of ё written as е; the
spaces and punctuation between words are kept as each text has them, so that each side still
reads as written, and only the words that differ (with what lies between them) are marked.

Plain text in, plain pieces out: the template escapes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

_WORD = re.compile(r"\w+(?:[-'’]\w+)*")


@dataclass(frozen=True)
class Piece:
    """A run of one text, and whether its words differ from the other text's."""

    text: str
    differs: bool


@dataclass(frozen=True)
class _Word:
    text: str  # the word as written
    after: str  # the spaces and punctuation up to the next word
    key: str  # what is compared


def _words(text: str) -> tuple[str, list[_Word]]:
    """The text before the first word, and each word with what follows it."""
    matches = list(_WORD.finditer(text))
    if not matches:
        return text, []
    words = []
    for number, match in enumerate(matches):
        end = matches[number + 1].start() if number + 1 < len(matches) else len(text)
        word = match.group()
        words.append(_Word(word, text[match.end() : end], word.casefold().replace("ё", "е")))
    return text[: matches[0].start()], words


def _pieces(lead: str, words: list[_Word], differs: list[bool]) -> list[Piece]:
    """Runs of words, each differing run ending at its last word (what follows is not marked)."""
    pieces: list[Piece] = []

    def add(text: str, differing: bool) -> None:
        if not text:
            return
        if pieces and pieces[-1].differs == differing:
            pieces[-1] = Piece(pieces[-1].text + text, differing)
        else:
            pieces.append(Piece(text, differing))

    add(lead, False)
    for number, word in enumerate(words):
        if not differs[number]:
            add(word.text + word.after, False)
            continue
        following = number + 1 < len(words) and differs[number + 1]
        if following:
            add(word.text + word.after, True)
        else:
            add(word.text, True)
            add(word.after, False)
    return pieces


def word_diff(left: str, right: str) -> tuple[list[Piece], list[Piece]]:
    """Both texts as pieces, the words that are not in the other text marked as differing."""
    left_lead, left_words = _words(left)
    right_lead, right_words = _words(right)
    left_differs = [True] * len(left_words)
    right_differs = [True] * len(right_words)
    matcher = SequenceMatcher(
        None, [w.key for w in left_words], [w.key for w in right_words], autojunk=False
    )
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            left_differs[block.a + offset] = False
            right_differs[block.b + offset] = False
    return (
        _pieces(left_lead, left_words, left_differs),
        _pieces(right_lead, right_words, right_differs),
    )
