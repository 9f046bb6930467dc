"""Small-cell suppression for published tables (plain Python, no Django)."""

from dozor.analysis.disclosure.suppression import (
    LABELS,
    PRIMARY,
    SECONDARY,
    SHOWN,
    SuppressedTable,
    column_statuses,
    primary_status,
    shown_value,
    suppress,
)

__all__ = [
    "LABELS",
    "PRIMARY",
    "SECONDARY",
    "SHOWN",
    "SuppressedTable",
    "column_statuses",
    "primary_status",
    "shown_value",
    "suppress",
]
