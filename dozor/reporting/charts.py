"""Charts of the reports: SVG built by hand (for the page and the PDF), PNG through matplotlib's
Agg backend, and the data behind each as CSV. Suppressed cells draw no bar and read "<5" (under
5) or "x" (hidden so that a total shown beside them does not give a "<5" away); bars and map
shades are scaled to the largest count shown, never to a hidden one."""

from __future__ import annotations

import csv
import functools
import io
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.utils.safestring import SafeString, mark_safe

from dozor.analysis.disclosure import SHOWN, column_statuses, shown_value
from dozor.lib.csv_safety import csv_text
from dozor.lib.svg import escape, fitted, labelled_bar, svg_open

COLOUR = "#3d5a80"
TILE_GRID = Path(__file__).parent / "data" / "ru_tile_grid.csv"

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass
class Table:
    """One chart's data: a label and a count per row, already limited to what the user may see.

    A public table's cells are suppressed against ``published_total``, the count shown elsewhere
    in the report that its rows add up to (or at least to), by the secondary rule of
    dozor.analysis.disclosure; with no such total only the primary rule applies.
    """

    key: str
    title: str
    column: str
    rows: list[tuple[str, str, int]]  # (code, label, count)
    public: bool = False
    published_total: int | None = None
    status: list[str] | None = None

    def publish(self, *, total: int | None, keep_order: bool = False) -> None:
        """Mark the table public and decide what it hides. Hidden rows then move after the shown
        ones, in label order (unless ``keep_order``, for months): listed by size, a hidden row
        between a 9 and a 7 would be known to be 7 to 9."""
        self.public = True
        self.published_total = total
        status, _total_status = column_statuses([n for *_rest, n in self.rows], total=total)
        paired = list(zip(self.rows, status, strict=True))
        if not keep_order:
            paired = [p for p in paired if p[1] == SHOWN] + sorted(
                (p for p in paired if p[1] != SHOWN), key=lambda p: (p[0][1], p[0][0])
            )
        self.rows = [row for row, _status in paired]
        self.status = [status for _row, status in paired]

    def statuses(self) -> list[str]:
        if not self.public:
            return [SHOWN] * len(self.rows)
        if self.status is None or len(self.status) != len(self.rows):
            self.status = column_statuses(
                [n for *_rest, n in self.rows], total=self.published_total
            )[0]
        return self.status

    def hidden(self) -> list[bool]:
        return [status != SHOWN for status in self.statuses()]

    def cells(self) -> list[tuple[str, str, int | str]]:
        return [
            (code, label, shown_value(n, status))
            for (code, label, n), status in zip(self.rows, self.statuses(), strict=True)
        ]

    @property
    def peak_shown(self) -> int:
        """The largest count a reader sees, which bars and shades are scaled to."""
        return max(
            (n for (*_rest, n), hide in zip(self.rows, self.hidden(), strict=True) if not hide),
            default=0,
        )

    @property
    def total(self) -> int:
        return sum(n for _c, _l, n in self.rows)


def table_csv(table: Table) -> str:
    return csv_text(["code", table.column, "count"], table.cells())


def bar_svg(table: Table, *, limit: int | None = None) -> SafeString:
    """Horizontal bars, one per row (the first ``limit``), labelled with the (suppressed) count.

    An SVG cannot break across a printed page, so long tables are cut for the chart; the CSV and
    the table keep every row."""
    hidden_rows = table.hidden()
    rows = table.rows[:limit] if limit else table.rows
    bar, gap, width, text_width = 16, 5, 640, 230
    height = max(len(rows), 1) * (bar + gap) + gap
    peak = table.peak_shown or 1
    parts = [
        svg_open(
            width,
            height,
            css_class="chart bars",
            label=table.title,
            attributes=f'data-chart="{escape(table.key)}"',
        )
    ]
    cells = table.cells()
    for index, (_code, label, count) in enumerate(rows):
        hidden = hidden_rows[index]
        length = 0.0 if hidden else (width - text_width - 70) * count / peak
        parts.append(
            labelled_bar(
                left=text_width,
                y=gap + index * (bar + gap),
                length=length,
                height=bar,
                fill=COLOUR,
                # Right-aligned before the bar: a longer label would run off the chart's edge.
                label=fitted(label, text_width - 10, 11),
                value=str(cells[index][2]) if hidden else f"{count:,}",
            )
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - labels are escaped, the rest is numeric


# A PNG bar label wraps at this many characters onto at most PNG_LABEL_LINES lines; a longer one
# ends in an ellipsis. Matplotlib's left margin grows to the widest line, so this keeps the bars
# their room on an 8-inch chart.
PNG_LABEL_WIDTH = 34
PNG_LABEL_LINES = 3


def png_label(label: str) -> str:
    """A bar's label for the PNG: whole words on at most three lines, an ellipsis if longer."""
    return textwrap.fill(
        " ".join(label.split()),
        width=PNG_LABEL_WIDTH,
        max_lines=PNG_LABEL_LINES,
        placeholder=" …",
        break_long_words=True,
    )


def bar_figure(table: Table) -> Figure:
    """The table as a matplotlib figure of horizontal bars, first row at the top. Each bar has a
    position of its own, so two rows whose labels read alike are still two bars."""
    # Imported here: matplotlib takes a third of a second to load, and only PNG downloads need it.
    # A Figure of its own (no pyplot) keeps no global state between threads.
    from matplotlib.figure import Figure

    labels = [png_label(label) for _c, label, _n in table.rows][::-1]
    hidden_rows = table.hidden()[::-1]
    shown_cells = [shown for _c, _l, shown in table.cells()][::-1]
    counts = [
        0 if hide else n for (_c, _l, n), hide in zip(table.rows[::-1], hidden_rows, strict=True)
    ]
    lines = sum(label.count("\n") + 1 for label in labels)
    figure = Figure(figsize=(8, max(1.5, 0.2 * lines + 0.1 * len(labels) + 0.8)), dpi=110)
    axes = figure.subplots()
    positions = list(range(len(labels)))
    bars = axes.barh(positions, counts, color=COLOUR)
    axes.set_yticks(positions, labels)
    for rect, hide, value in zip(bars, hidden_rows, shown_cells, strict=True):
        text: str = str(value) if hide else f"{value:,}"
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
    return figure


def bar_png(table: Table) -> bytes:
    buffer = io.BytesIO()
    bar_figure(table).savefig(buffer, format="png")
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
    hidden_codes = {
        code for (code, _l, _n), hide in zip(table.rows, table.hidden(), strict=True) if hide
    }
    shown_cells = {code: shown for code, _label, shown in table.cells()}
    peak = table.peak_shown or 1
    rows = max(r for r, _c in grid.values()) + 1
    cols = max(c for _r, c in grid.values()) + 1
    width, height = cols * cell, rows * cell + 28
    parts = [
        svg_open(
            width, height, css_class="chart map", label=table.title, attributes='data-chart="map"'
        )
    ]
    for code, (row, col) in sorted(grid.items()):
        count = counts.get(code, 0)
        hidden = code in hidden_codes
        shade = 0 if count == 0 or hidden else 1 + min(int(5 * count / peak), 5)
        fill = MAP_SHADES[1] if hidden else MAP_SHADES[shade]
        ink = "#fff" if shade >= 4 else "#1d2330"
        value = str(shown_cells[code]) if hidden else str(count)
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
    top = escape(str(peak))
    parts.append(
        f'<text x="0" y="{rows * cell + 28}" font-size="9">1</text>'
        f'<text x="{6 * 40}" y="{rows * cell + 28}" font-size="9" text-anchor="end">{top}</text>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - labels are escaped, the rest is numeric
