"""Small-cell suppression for published tables (plain Python, no Django)."""

from dozor.analysis.disclosure.suppression import (
    PRIMARY,
    SECONDARY,
    SHOWN,
    SuppressedTable,
    suppress,
)

__all__ = ["PRIMARY", "SECONDARY", "SHOWN", "SuppressedTable", "suppress"]
