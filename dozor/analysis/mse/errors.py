"""Exceptions and warning categories of the multiple systems estimation package.

Every refusal carries a ``code`` (one of :data:`~dozor.analysis.mse.codes.REFUSAL_CODES`) and
``params`` (numbers, strings and lists of them) so that an interface can say it in its own words;
``str(error)`` stays the English message.
"""

from __future__ import annotations

from typing import Any, TypeVar

from .codes import REFUSAL_CODES, REFUSAL_TEMPLATES, english
from .results import jsonable


class MSEError(Exception):
    """Base class of every error raised by :mod:`dozor.analysis.mse`."""

    def __init__(self, message: str, *, code: str, params: dict[str, Any] | None = None) -> None:
        if code not in REFUSAL_CODES:
            raise ValueError(f"unknown refusal code {code!r}")
        super().__init__(message)
        self.code = code
        self.params: dict[str, Any] = dict(params or {})

    def to_dict(self) -> dict[str, Any]:
        """``{"code": ..., "params": ...}``, ready for JSON."""
        return {"code": self.code, "params": jsonable(self.params)}


class CaptureDataError(MSEError, ValueError):
    """The capture histories are malformed (wrong columns, values or counts)."""


class TooFewListsError(MSEError):
    """Fewer lists than the method needs."""


class DegenerateDataError(MSEError):
    """The data cannot support an estimate (e.g. no overlap at all between lists)."""


class ModelFitError(MSEError):
    """A model could not be fitted (no maximum-likelihood estimate, no convergence)."""


class MSEWarning(UserWarning):
    """A caution about data that is not tied to one estimate (e.g. strata left out).

    ``caution`` holds the same thing as a :class:`~dozor.analysis.mse.results.Caution`.
    """

    def __init__(self, message: str, caution: Any = None) -> None:
        super().__init__(message)
        self.caution = caution


_E = TypeVar("_E", bound=MSEError)


def refusal(cls: type[_E], code: str, **params: Any) -> _E:
    """An error of class ``cls`` with ``code``, ``params`` and the English message of the code."""
    return cls(english(REFUSAL_TEMPLATES, code, params), code=code, params=params)
