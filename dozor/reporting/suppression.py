"""Small-cell suppression: in anything marked public, a count from 1 to 4 is shown as "<5".

A small count can point at one victim in one town; zero says nothing about anyone.
"""

from __future__ import annotations

SUPPRESS_BELOW = 5
SUPPRESSED = "<5"


def shown(count: int, *, public: bool) -> int | str:
    if public and 0 < count < SUPPRESS_BELOW:
        return SUPPRESSED
    return count


def is_suppressed(count: int, *, public: bool) -> bool:
    return public and 0 < count < SUPPRESS_BELOW
