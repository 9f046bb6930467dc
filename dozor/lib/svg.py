"""Pieces of the charts Dozor draws as inline SVG: no script, no external file, no Django.

The statistics page, the response funnel, the annual report and the estimate pages each draw their
own charts; what they share is here: the opening tag every chart carries (an image with a role,
for screen readers), a labelled horizontal bar, a polyline's points, round axis maxima and ticks.
Every text that goes into a chart passes :func:`escape`; the rest is numbers. The callers in the
apps mark the result safe for their templates.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from html import escape

__all__ = [
    "axis_max",
    "escape",
    "fitted",
    "labelled_bar",
    "points",
    "spaced_labels",
    "svg_open",
    "text_width",
    "thin_number",
    "ticks",
]

# An average glyph's width as a share of the font size: wide enough for digits and Cyrillic in
# the sans-serif fonts the charts are drawn in, so an estimate made with it does not fall short.
GLYPH_WIDTH = 0.62

SVG_NAMESPACE = "http://www.w3.org/2000/svg"


def svg_open(
    width: int,
    height: float,
    *,
    css_class: str,
    label: str,
    shown_width: str = "100%",
    attributes: str = "",
) -> str:
    """The `<svg>` tag of a chart and its `<title>`: ``label`` says what the chart shows, for
    those who cannot see it (screen readers read it as the image's name).

    ``attributes`` is markup already made safe by the caller (presentation attributes, a
    ``data-chart`` key that went through :func:`escape`).
    """
    extra = f" {attributes}" if attributes else ""
    tag = (
        f'<svg xmlns="{SVG_NAMESPACE}" viewBox="0 0 {width} {height}" width="{shown_width}" '
        f'role="img" aria-label="{escape(label)}" class="{css_class}"{extra}>'
    )
    return tag + f"<title>{escape(label)}</title>"


def labelled_bar(
    *,
    left: int,
    y: float,
    length: float,
    height: int,
    fill: str,
    label: str,
    value: str,
    label_size: int = 11,
    value_size: int = 11,
    label_gap: int = 6,
    value_gap: int = 5,
    baseline: float = 0.75,
    min_length: float = 0.0,
) -> str:
    """A horizontal bar starting at ``left``: its label right-aligned before it, its value after.

    ``label`` and ``value`` are plain text (escaped here); ``baseline`` places the text within the
    bar's height; ``min_length`` keeps an empty bar visible as a sliver.
    """
    text_y = y + height * baseline
    return (
        f'<text x="{left - label_gap}" y="{text_y:.1f}" font-size="{label_size}" '
        f'text-anchor="end">{escape(label)}</text>'
        f'<rect x="{left}" y="{y}" width="{max(length, min_length):.1f}" height="{height}" '
        f'fill="{fill}"/>'
        f'<text x="{left + length + value_gap:.1f}" y="{text_y:.1f}" font-size="{value_size}">'
        f"{escape(value)}</text>"
    )


def points(coordinates: Iterable[tuple[float, float]]) -> str:
    """A polyline's ``points`` attribute, to a tenth of a unit."""
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)


def axis_max(value: float) -> float:
    """The round number an axis ends at: the first of 1, 2, 2.5, 5, 10 times a power of ten that
    is at least ``value``."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def ticks(top: float, count: int = 5) -> list[float]:
    """``count`` equal steps from 0 to ``top``, both ends included."""
    return [top * i / count for i in range(count + 1)]


def thin_number(value: float) -> str:
    """A whole number with thin spaces between the thousands (12 345), as print and Russian
    typography write it."""
    return f"{value:,.0f}".replace(",", "\u202f")


def text_width(text: str, font_size: float) -> float:
    """How wide a line of text is drawn, estimated from its length (an SVG has no measure)."""
    return len(text) * font_size * GLYPH_WIDTH


def spaced_labels(labels: list[str], *, span: float, font_size: float, gap: float = 8) -> list[int]:
    """The indices of the labels to draw under evenly spaced points across ``span`` units so
    that no two overlap: every n-th, counted back from the last, which is always drawn (on a
    year axis the latest year is the one a reader looks for). ``gap`` is the least space left
    between two labels."""
    if len(labels) <= 1:
        return list(range(len(labels)))
    widest = max(text_width(label, font_size) for label in labels) + gap
    spacing = span / (len(labels) - 1)
    step = max(1, math.ceil(widest / spacing))
    return sorted(range(len(labels) - 1, -1, -step))


def fitted(text: str, width: float, font_size: float) -> str:
    """The text, cut with an ellipsis where it would be wider than ``width`` when drawn."""
    if text_width(text, font_size) <= width:
        return text
    room = max(int(width / (font_size * GLYPH_WIDTH)) - 1, 0)
    return text[:room].rstrip() + "…"
