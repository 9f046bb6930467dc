"""Charts of estimates as plain SVG built on the server: no script, no external file.

Three charts: documented against estimated per stratum (a bar for what was documented, a dot and a
line for the estimate and its interval), the posterior distribution of the total for the
Bayesian methods (a histogram with the interval shaded), and the trace of LCMCR's draws of the
total, chain by chain (the picture of whether the chains converged).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dozor.lib.svg import axis_max, escape, points, svg_open, thin_number, ticks

WIDTH = 720
ROW = 26
LEFT = 190
RIGHT = 30
TOP = 30
DOCUMENTED_COLOUR = "#9aa5b1"
ESTIMATE_COLOUR = "#1f4e79"
AXIS_COLOUR = "#ccc"
# Presentation attributes, not a <style> element: the Content-Security-Policy (style-src 'self')
# refuses inline style, and the charts are drawn into the page.
TEXT_STYLE = 'font-family="sans-serif" fill="#222"'


@dataclass(frozen=True)
class StratumBar:
    label: str
    documented: int
    estimate: float | None
    lower: float | None
    upper: float | None  # None: unbounded


def strata_chart(
    bars: Sequence[StratumBar], *, title: str, documented_label: str, estimate_label: str
) -> str:
    """Documented (bar) against estimated (dot, interval line) per stratum."""
    finite: list[float] = [float(b.documented) for b in bars]
    for bar in bars:
        finite += [v for v in (bar.estimate, bar.lower, bar.upper) if v is not None]
    top = axis_max(max(finite, default=1) * 1.05)
    height = TOP + ROW * len(bars) + 50
    plot = WIDTH - LEFT - RIGHT

    def x(value: float) -> float:
        return LEFT + plot * min(value, top) / top

    parts = [
        svg_open(
            WIDTH, height, css_class="chart", label=title, attributes=f'{TEXT_STYLE} font-size="12"'
        )
    ]
    for tick in ticks(top):
        parts.append(
            f'<line class="axis" stroke="{AXIS_COLOUR}" x1="{x(tick):.1f}" y1="{TOP - 8}" '
            f'x2="{x(tick):.1f}" y2="{TOP + ROW * len(bars)}"/>'
            f'<text x="{x(tick):.1f}" y="{TOP + ROW * len(bars) + 16}" '
            f'text-anchor="middle">{thin_number(tick)}</text>'
        )
    for row, bar in enumerate(bars):
        y = TOP + row * ROW
        parts.append(
            f'<text x="{LEFT - 8}" y="{y + 16}" text-anchor="end">{escape(bar.label)}</text>'
            f'<rect x="{LEFT}" y="{y + 5}" width="{x(bar.documented) - LEFT:.1f}" height="14" '
            f'fill="{DOCUMENTED_COLOUR}"><title>{escape(documented_label)}: '
            f"{thin_number(bar.documented)}</title></rect>"
        )
        if bar.estimate is None:
            continue
        low = bar.lower if bar.lower is not None else bar.estimate
        high = top if bar.upper is None else bar.upper
        parts.append(
            f'<line x1="{x(low):.1f}" y1="{y + 12}" x2="{x(high):.1f}" y2="{y + 12}" '
            f'stroke="{ESTIMATE_COLOUR}" stroke-width="2"'
            + (' stroke-dasharray="4 3"' if bar.upper is None else "")
            + "/>"
            f'<circle cx="{x(bar.estimate):.1f}" cy="{y + 12}" r="5" fill="{ESTIMATE_COLOUR}">'
            f"<title>{escape(estimate_label)}: {thin_number(bar.estimate)}</title></circle>"
        )
    legend_y = TOP + ROW * len(bars) + 36
    parts.append(
        f'<rect x="{LEFT}" y="{legend_y - 10}" width="14" height="10" fill="{DOCUMENTED_COLOUR}"/>'
        f'<text x="{LEFT + 20}" y="{legend_y}">{escape(documented_label)}</text>'
        f'<circle cx="{LEFT + 230}" cy="{legend_y - 5}" r="5" fill="{ESTIMATE_COLOUR}"/>'
        f'<text x="{LEFT + 242}" y="{legend_y}">{escape(estimate_label)}</text>'
        "</svg>"
    )
    return "".join(parts)


def posterior_chart(
    edges: Sequence[float],
    densities: Sequence[float],
    *,
    estimate: float,
    lower: float,
    upper: float,
    title: str,
) -> str:
    """A histogram of the posterior of the total, the credible interval shaded."""
    width, height, left, bottom = 360, 140, 10, 24
    plot_w, plot_h = width - 2 * left, height - bottom - 10
    lo, hi = edges[0], edges[-1]
    span = (hi - lo) or 1.0
    peak = max(densities, default=0) or 1.0

    def x(value: float) -> float:
        return left + plot_w * (value - lo) / span

    parts = [
        svg_open(
            width,
            height,
            css_class="chart posterior",
            label=title,
            shown_width=str(width),
            attributes=f'{TEXT_STYLE} font-size="11"',
        ),
    ]
    for start, end, density in zip(edges[:-1], edges[1:], densities, strict=True):
        inside = end > lower and start < upper
        bar_h = plot_h * density / peak
        parts.append(
            f'<rect x="{x(start):.1f}" y="{10 + plot_h - bar_h:.1f}" '
            f'width="{max(x(end) - x(start) - 0.5, 0.5):.1f}" height="{bar_h:.1f}" '
            f'fill="{ESTIMATE_COLOUR if inside else DOCUMENTED_COLOUR}"/>'
        )
    parts.append(
        f'<line x1="{x(estimate):.1f}" y1="6" x2="{x(estimate):.1f}" y2="{10 + plot_h}" '
        'stroke="#c0392b" stroke-width="2"/>'
    )
    for value, anchor in ((lo, "start"), (estimate, "middle"), (hi, "end")):
        parts.append(
            f'<text x="{x(value):.1f}" y="{height - 6}" text-anchor="{anchor}">'
            f"{thin_number(value)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


# One colour per chain: distinct in print and for the common colour blindnesses.
CHAIN_COLOURS = ("#1f4e79", "#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e")


def trace_chart(traces: Sequence[Sequence[float]], *, title: str, chain_label: str) -> str:
    """The draws of the total, chain by chain, in the order drawn: chains that have converged
    wander over the same band; chains that have not sit at different levels or drift."""
    width, height, left, bottom, top = 360, 150, 46, 20, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    values = [float(v) for chain in traces for v in chain]
    if not values:
        return ""
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    longest = max((len(chain) for chain in traces), default=1)

    def x(index: int) -> float:
        return left + plot_w * index / max(longest - 1, 1)

    def y(value: float) -> float:
        return top + plot_h * (1 - (value - lo) / span)

    parts = [
        svg_open(
            width,
            height,
            css_class="chart trace",
            label=title,
            shown_width=str(width),
            attributes=f'{TEXT_STYLE} font-size="11"',
        ),
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="{AXIS_COLOUR}"/>',
    ]
    for value, anchor_y in ((hi, top + 4), (lo, top + plot_h)):
        parts.append(
            f'<text x="{left - 4}" y="{anchor_y:.1f}" text-anchor="end">{thin_number(value)}</text>'
        )
    for number, chain in enumerate(traces):
        colour = CHAIN_COLOURS[number % len(CHAIN_COLOURS)]
        line = points((x(i), y(float(v))) for i, v in enumerate(chain))
        parts.append(
            f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="1" '
            f'stroke-opacity="0.8"><title>{escape(chain_label)} {number + 1}</title></polyline>'
        )
        parts.append(
            f'<text x="{left + 4 + 70 * number}" y="{height - 4}" fill="{colour}">'
            f"{escape(chain_label)} {number + 1}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
