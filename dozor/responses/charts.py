"""The statistics page's charts as inline SVG: no JavaScript, no external files."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from dozor.lib.svg import escape, labelled_bar, points, spaced_labels, svg_open
from dozor.responses.funnel import STAGES

COLOURS = ("#1d2330", "#3d5a80", "#5b8e7d", "#c9a227", "#b5651d", "#7a1f1f")


def funnel_svg(row: Any, labels: Sequence[str]) -> SafeString:
    """One horizontal bar per stage, its length the share of documented incidents."""
    width, bar, gap, text_width = 720, 26, 8, 230
    height = len(STAGES) * (bar + gap) + gap
    total = row.counts["documented"] or 1
    label = _("How many of the documented incidents reached each stage of the state's response")
    parts = [svg_open(width, height, css_class="chart funnel", label=label)]
    for index, (stage, label) in enumerate(zip(STAGES, labels, strict=True)):
        count = row.counts[stage]
        length = (width - text_width - 90) * count / total
        share = 100 * count / total
        parts.append(
            labelled_bar(
                left=text_width,
                y=gap + index * (bar + gap),
                length=length,
                min_length=1,
                height=bar,
                fill=COLOURS[index % len(COLOURS)],
                label=label,
                value=f"{count:,} ({share:.1f}%)",
                label_size=13,
                value_size=12,
                label_gap=8,
                value_gap=6,
                baseline=0.68,
            )
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - labels are escaped, the rest is numeric


def trend_svg(rows: Sequence[Any], stages: Sequence[str], labels: Sequence[str]) -> SafeString:
    """One line per stage over the years: how many incidents of each year reached it."""
    years = [row.group for row in rows if row.group is not None]
    if not years:
        return mark_safe("")
    width, height, left, bottom, top, right = 760, 300, 50, 40, 14, 190
    peak = max(max(row.counts[stage] for stage in stages) for row in rows) or 1
    span = max(len(rows) - 1, 1)

    def x(index: int) -> float:
        return left + (width - left - right) * index / span

    def y(value: int) -> float:
        return top + (height - top - bottom) * (1 - value / peak)

    parts = [
        svg_open(
            width,
            height,
            css_class="chart trend",
            label=_("How many incidents of each year reached each stage of the state's response"),
        ),
        f'<line x1="{left}" y1="{y(0):.1f}" x2="{width - right}" y2="{y(0):.1f}" stroke="#999"/>',
        f'<text x="{left - 6}" y="{y(peak) + 4:.1f}" font-size="11" text-anchor="end">'
        f"{peak:,}</text>",
        f'<text x="{left - 6}" y="{y(0) + 4:.1f}" font-size="11" text-anchor="end">0</text>',
    ]
    groups = [str(row.group) for row in rows]
    for index in spaced_labels(groups, span=width - left - right, font_size=11):
        parts.append(
            f'<text x="{x(index):.1f}" y="{height - bottom + 16}" font-size="11" '
            f'text-anchor="middle">{escape(groups[index])}</text>'
        )
    for number, (stage, label) in enumerate(zip(stages, labels, strict=True)):
        colour = COLOURS[number % len(COLOURS)]
        line = points((x(i), y(row.counts[stage])) for i, row in enumerate(rows))
        parts.append(
            f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>'
            f'<rect x="{width - right + 12}" y="{top + number * 20}" width="12" height="12" '
            f'fill="{colour}"/><text x="{width - right + 30}" y="{top + number * 20 + 10}" '
            f'font-size="11">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - labels are escaped, the rest is numeric
