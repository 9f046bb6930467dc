"""Charts of the reports: SVG built by hand (for the page and the PDF), PNG through matplotlib's
Agg backend, and the data behind each as CSV. Suppressed cells draw no bar and read "<5"."""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from pathlib import Path

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from dozor.records.exports import csv_text
from dozor.reporting.suppression import SUPPRESSED, is_suppressed, shown

COLOUR = "#3d5a80"
TILE_GRID = Path(__file__).parent / "data" / "ru_tile_grid.csv"


@dataclass
class Table:
    """One chart's data: a label and a count per row, already limited to what the user may see."""

    key: str
    title: str
    column: str
    rows: list[tuple[str, str, int]]  # (code, label, count)
    public: bool = False

    def cells(self) -> list[tuple[str, str, int | str]]:
        return [(code, label, shown(n, public=self.public)) for code, label, n in self.rows]

    @property
    def total(self) -> int:
        return sum(n for _c, _l, n in self.rows)


def table_csv(table: Table) -> str:
    return csv_text(["code", table.column, "count"], table.cells())


def bar_svg(table: Table, *, limit: int | None = None) -> SafeString:
    """Horizontal bars, one per row (the first ``limit``), labelled with the (suppressed) count.

    An SVG cannot break across a printed page, so long tables are cut for the chart; the CSV and
    the table keep every row."""
    rows = table.rows[:limit] if limit else table.rows
    bar, gap, width, text_width = 16, 5, 640, 230
    height = max(len(rows), 1) * (bar + gap) + gap
    peak = max((n for *_rest, n in table.rows), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" class="chart bars" data-chart="{escape(table.key)}">'
    ]
    for index, (_code, label, count) in enumerate(rows):
        y = gap + index * (bar + gap)
        hidden = is_suppressed(count, public=table.public)
        length = 0.0 if hidden else (width - text_width - 70) * count / peak
        value = SUPPRESSED if hidden else f"{count:,}"
        parts.append(
            f'<text x="{text_width - 6}" y="{y + bar * 0.75:.1f}" font-size="11" '
            f'text-anchor="end">{escape(label[:42])}</text>'
            f'<rect x="{text_width}" y="{y}" width="{length:.1f}" height="{bar}" fill="{COLOUR}"/>'
            f'<text x="{text_width + length + 5:.1f}" y="{y + bar * 0.75:.1f}" font-size="11">'
            f"{escape(value)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - labels are escaped, the rest is numeric


def bar_png(table: Table) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    labels = [label[:42] for _c, label, _n in table.rows][::-1]
    counts = [0 if is_suppressed(n, public=table.public) else n for _c, _l, n in table.rows][::-1]
    figure, axes = pyplot.subplots(figsize=(8, max(1.5, 0.28 * len(labels) + 0.8)), dpi=110)
    try:
        bars = axes.barh(labels, counts, color=COLOUR)
        for rect, (_c, _l, n) in zip(bars, table.rows[::-1], strict=True):
            text: str = SUPPRESSED if is_suppressed(n, public=table.public) else f"{n:,}"
            axes.text(
                rect.get_width(),
                rect.get_y() + rect.get_height() / 2,
                f" {text}",
                va="center",
                fontsize=8,
            )
        axes.set_title(table.title, fontsize=10)
        axes.tick_params(labelsize=8)
        axes.spines[["top", "right"]].set_visible(False)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    finally:
        pyplot.close(figure)
    return buffer.getvalue()


@functools.cache
def tile_grid() -> dict[str, tuple[int, int]]:
    """Russia's 83 federal subjects as (row, column) squares, from ru_tile_grid.csv."""
    lines = [
        line
        for line in TILE_GRID.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    return {row["code"]: (int(row["row"]), int(row["col"])) for row in csv.DictReader(lines)}


MAP_SHADES = ("#f1f3f7", "#d6e0ee", "#aec3dd", "#7f9fc9", "#4f78b0", "#2a4f86", "#14305a")


def map_svg(table: Table, *, cell: int = 34) -> SafeString:
    """The tile map, each square shaded by its count; works offline, no tiles or scripts."""
    grid = tile_grid()
    counts = {code: n for code, _label, n in table.rows}
    labels = {code: label for code, label, _n in table.rows}
    peak = max(counts.values(), default=0) or 1
    rows = max(r for r, _c in grid.values()) + 1
    cols = max(c for _r, c in grid.values()) + 1
    width, height = cols * cell, rows * cell + 28
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        'role="img" class="chart map" data-chart="map">'
    ]
    for code, (row, col) in sorted(grid.items()):
        count = counts.get(code, 0)
        hidden = is_suppressed(count, public=table.public)
        shade = 0 if count == 0 else 1 + min(int(5 * count / peak), 5)
        fill = MAP_SHADES[1] if hidden else MAP_SHADES[shade]
        ink = "#fff" if shade >= 4 and not hidden else "#1d2330"
        value = SUPPRESSED if hidden else str(count)
        title = f"{labels.get(code, code)}: {value}"
        x, y = col * cell, row * cell
        parts.append(
            f'<g data-region="{code}"><title>{escape(title)}</title>'
            f'<rect x="{x + 1}" y="{y + 1}" width="{cell - 2}" height="{cell - 2}" fill="{fill}" '
            f'stroke="#fff"/><text x="{x + cell / 2}" y="{y + cell * 0.45:.1f}" font-size="8" '
            f'text-anchor="middle" fill="{ink}">{escape(code[3:])}</text>'
            f'<text x="{x + cell / 2}" y="{y + cell * 0.8:.1f}" font-size="8" '
            f'text-anchor="middle" fill="{ink}">{escape(value)}</text></g>'
        )
    for index, colour in enumerate(MAP_SHADES[1:]):
        parts.append(
            f'<rect x="{index * 40}" y="{rows * cell + 8}" width="40" height="12" fill="{colour}"/>'
        )
    top = escape(str(shown(peak, public=table.public)))
    parts.append(
        f'<text x="0" y="{rows * cell + 28}" font-size="9">1</text>'
        f'<text x="{6 * 40}" y="{rows * cell + 28}" font-size="9" text-anchor="end">{top}</text>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - labels are escaped, the rest is numeric
