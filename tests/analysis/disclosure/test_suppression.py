"""Suppression on tables worked out by hand."""

from __future__ import annotations

from dozor.analysis.disclosure import PRIMARY, SECONDARY, SHOWN, suppress

S, P, X = SHOWN, PRIMARY, SECONDARY


def test_a_table_without_small_cells_is_shown_whole() -> None:
    table = suppress([[10, 20], [30, 40]])
    assert table.cell_status == [[S, S], [S, S]]
    assert (table.row_totals, table.column_totals, table.grand_total) == ([30, 70], [40, 60], 100)


def test_zero_is_shown() -> None:
    assert suppress([[0, 20], [30, 40]]).cell_status == [[S, S], [S, S]]


def test_a_small_cell_and_its_complements_are_suppressed() -> None:
    # Row 0: 3 is primary; 7 (smallest other non-zero in the row) hides it from the row total.
    # Column 1: 3 alone would be 12 - 9, so 9 goes; column 2: 7 alone would be 19 - 12, so 12.
    # Row 1 then has 9 and 12 hidden: two, safe. Totals stay shown.
    table = suppress([[10, 3, 7], [8, 9, 12]])
    assert table.cell_status == [[S, P, X], [S, X, X]]
    assert table.row_total_status == [S, S] and table.column_total_status == [S, S, S]


def test_a_one_row_table_hides_a_second_cell_from_its_total() -> None:
    table = suppress([[10, 3, 7]])
    assert table.cell_status == [[S, P, X]]
    assert table.column_totals is None


def test_a_one_column_table_hides_a_second_cell_from_its_total() -> None:
    table = suppress([[12], [2], [6]])
    assert [row[0] for row in table.cell_status] == [S, P, X]


def test_a_small_total_is_suppressed_and_protected_in_the_totals_row() -> None:
    # Column 0 totals 1 + 2 = 3: both cells and the column total are primary. The totals row
    # (3, 20 | 23) then has one hidden entry, so the 20 goes too; column 1 then needs a cell.
    table = suppress([[1, 10], [2, 10]])
    assert table.cell_status[0][0] == P and table.cell_status[1][0] == P
    assert table.column_total_status == [P, X]
    assert X in (table.cell_status[0][1], table.cell_status[1][1])


def test_no_line_is_left_with_a_single_hidden_entry() -> None:
    table = suppress([[1, 6, 7, 8], [9, 2, 11, 12], [13, 14, 3, 16]])
    rows = [
        [*cells, total]
        for cells, total in zip(table.cell_status, table.row_total_status or [], strict=True)
    ]
    rows.append([*(table.column_total_status or []), table.grand_total_status])
    columns = list(zip(*rows, strict=True))
    for line in [*rows, *columns]:
        assert sum(status != S for status in line) != 1


def test_given_totals_are_used_for_overlapping_categories() -> None:
    # One incident with two bias motivations: the row total counts it once.
    table = suppress([[6, 6]], row_totals=[11])
    assert table.row_totals == [11]
