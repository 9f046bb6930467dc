"""Exceptions and warning categories of the multiple systems estimation package."""

from __future__ import annotations


class MSEError(Exception):
    """Base class of every error raised by :mod:`dozor.analysis.mse`."""


class CaptureDataError(MSEError, ValueError):
    """The capture histories are malformed (wrong columns, values or counts)."""


class TooFewListsError(MSEError):
    """Fewer lists than the method needs."""


class DegenerateDataError(MSEError):
    """The data cannot support an estimate (e.g. no overlap at all between lists)."""


class ModelFitError(MSEError):
    """A model could not be fitted (no maximum-likelihood estimate, no convergence)."""


class MSEWarning(UserWarning):
    """A caution about the data or the estimate that a reader of the result should see."""
