"""The exceptions of the linkage package."""

from __future__ import annotations


class LinkageError(Exception):
    """Anything that stops linkage: bad input, an unavailable engine."""


class LinkageInputError(LinkageError, ValueError):
    """A report or decision that cannot be read; the message names it and what was expected."""


class EngineUnavailableError(LinkageError):
    """The requested engine (Spark) cannot run here; the message says why."""
