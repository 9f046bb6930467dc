"""A chart's CSV is as safe to open in a spreadsheet as every other CSV Dozor writes."""

from __future__ import annotations

from dozor.reporting.charts import Table, table_csv


def test_a_label_a_spreadsheet_would_run_is_written_as_text() -> None:
    table = Table(
        key="places",
        title="Places",
        column="locality",
        rows=[("x", "=cmd|' /C calc'!A0", 7), ("y", "Казань", 12)],
        public=False,
    )
    lines = table_csv(table).splitlines()
    assert lines == ["code,locality,count", "x,'=cmd|' /C calc'!A0,7", "y,Казань,12"]
