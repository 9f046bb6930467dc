"""Small-cell suppression with secondary suppression against recovery from totals.

The rule (docs/publication.md):

1. Primary: a cell or total counting 1 to THRESHOLD-1 incidents is suppressed (shown "<5").
   Zero is shown: it identifies no one.
2. Secondary: a table is published with its row totals, column totals and grand total, so a line
   (a row with its total, a column with its total, the totals row with the grand total) that
   holds exactly one suppressed entry would give it away by subtraction. In every such line one
   more entry is suppressed (shown "x"): the smallest non-zero cell of the line, else the
   smallest cell, else the line's total. This repeats until no line has exactly one suppressed
   entry, since each new suppression can expose a crossing line.

The same pattern is applied to every measure of the table (incidents, killed, injured), decided
on the incident counts. This is the standard heuristic; it does not solve the linear program
that would prove no suppressed value can be bounded more tightly from several lines together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

THRESHOLD = 5
SHOWN, PRIMARY, SECONDARY = "shown", "primary", "secondary"


@dataclass(frozen=True)
class SuppressedTable:
    """Cells and margins with the status of each. Margins exist only along a dimension with
    more than one entry (a one-row table's column totals would repeat its cells)."""

    cells: list[list[int]]
    row_totals: list[int] | None
    column_totals: list[int] | None
    grand_total: int
    cell_status: list[list[str]]
    row_total_status: list[str] | None
    column_total_status: list[str] | None
    grand_total_status: str


Position = tuple[int, int]  # (row, column); row == rows or column == columns is a margin


def suppress(
    cells: Sequence[Sequence[int]],
    *,
    threshold: int = THRESHOLD,
    row_totals: Sequence[int] | None = None,
    column_totals: Sequence[int] | None = None,
    grand_total: int | None = None,
) -> SuppressedTable:
    """Decide which cells and totals to suppress. Totals default to the sums; give them when a
    record can fall in several columns (bias motivations) and they are counts of distinct rows."""
    rows, columns = len(cells), len(cells[0]) if cells else 0
    if any(len(row) != columns for row in cells):
        raise ValueError("Every row of the table needs the same number of cells.")
    grid = [list(row) for row in cells]
    with_row_totals = columns > 1
    with_column_totals = rows > 1
    r_totals = list(row_totals) if row_totals is not None else [sum(row) for row in grid]
    c_totals = (
        list(column_totals)
        if column_totals is not None
        else [sum(grid[i][j] for i in range(rows)) for j in range(columns)]
    )
    grand = grand_total if grand_total is not None else sum(r_totals)

    values: dict[Position, int] = {}
    for i in range(rows):
        for j in range(columns):
            values[(i, j)] = grid[i][j]
        if with_row_totals:
            values[(i, columns)] = r_totals[i]
    if with_column_totals:
        for j in range(columns):
            values[(rows, j)] = c_totals[j]
    if with_row_totals and with_column_totals:
        values[(rows, columns)] = grand

    status = {
        position: PRIMARY if 0 < value < threshold else SHOWN for position, value in values.items()
    }

    lines: list[tuple[list[Position], Position | None]] = []
    margin_rows = range(rows + (1 if with_column_totals else 0))
    for i in margin_rows:
        members = [(i, j) for j in range(columns)]
        lines.append(
            (members, (i, columns) if with_row_totals and (i, columns) in values else None)
        )
    margin_columns = range(columns + (1 if with_row_totals else 0))
    for j in margin_columns:
        members = [(i, j) for i in range(rows)]
        lines.append((members, (rows, j) if with_column_totals and (rows, j) in values else None))

    changed = True
    while changed:
        changed = False
        for members, total in lines:
            entries = [*members, *([total] if total is not None else [])]
            entries = [position for position in entries if position in values]
            if total is None:
                continue  # nothing published to subtract from
            hidden = [position for position in entries if status[position] != SHOWN]
            if len(hidden) != 1:
                continue
            candidates = [p for p in members if p in values and status[p] == SHOWN]
            if candidates:
                nonzero = [p for p in candidates if values[p] > 0]
                pool = nonzero or candidates
                choice = min(pool, key=lambda p: (values[p], p))
            elif status[total] == SHOWN:
                choice = total
            else:
                continue
            status[choice] = SECONDARY
            changed = True

    return SuppressedTable(
        cells=grid,
        row_totals=r_totals if with_row_totals else None,
        column_totals=c_totals if with_column_totals else None,
        grand_total=grand,
        cell_status=[[status[(i, j)] for j in range(columns)] for i in range(rows)],
        row_total_status=[status[(i, columns)] for i in range(rows)] if with_row_totals else None,
        column_total_status=(
            [status[(rows, j)] for j in range(columns)] if with_column_totals else None
        ),
        grand_total_status=status.get((rows, columns), SHOWN),
    )


LABELS = {PRIMARY: "<5", SECONDARY: "x"}


def primary_status(count: int, *, threshold: int = THRESHOLD) -> str:
    """The status of a count shown on its own, with nothing published that it adds up with."""
    return PRIMARY if 0 < count < threshold else SHOWN


def shown_value(value: int, status: str) -> int | str:
    """What a reader sees of a value: the value itself, "<5" (primary) or "x" (secondary)."""
    return LABELS.get(status, value)


def column_statuses(
    counts: Sequence[int], *, total: int | None, threshold: int = THRESHOLD
) -> tuple[list[str], str]:
    """The status of each row of a one-column table, and of its total.

    ``total`` is a count published elsewhere that the rows add up to (the year's incidents beside
    a table by month), or at least add up to (bias motivations, where an incident with several
    counts in each); None when no such total is shown, and then only the primary rule applies.
    Hiding one more row wherever a line would hold exactly one hidden entry protects against
    the inequality as well as the equation: with two unknowns neither is bounded by the sum.
    """
    if total is None or len(counts) < 2:
        return [primary_status(n, threshold=threshold) for n in counts], primary_status(
            total or 0, threshold=threshold
        )
    table = suppress(
        [[n] for n in counts], threshold=threshold, column_totals=[total], grand_total=total
    )
    assert table.column_total_status is not None
    return [row[0] for row in table.cell_status], table.column_total_status[0]
