"""Server-rendered inline SVG charts for the dashboard: no script, no chart library. Every bar
carries its figure as a text label and a <title>, so a reader (and a test) can read the numbers
without hovering. All text is escaped here, since the SVG is handed to the template as markup."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

HEIGHT, TOP, LEFT, BOTTOM = 90, 14, 8, 30


@dataclass(frozen=True)
class Bar:
    label: str  # under the bar
    parts: tuple[tuple[str, int], ...]  # (series, count), stacked bottom-up

    @property
    def total(self) -> int:
        return sum(n for _, n in self.parts)


def bar_chart(bars: Sequence[Bar], *, title: str, css_class: str, step: int = 44,
              label_every: int = 1) -> Markup:
    """Stacked bars scaled to the largest total; each bar's total is written above it."""
    peak = max((b.total for b in bars), default=0) or 1
    width = LEFT * 2 + len(bars) * step
    out = [f'<svg class="chart {escape(css_class)}" viewBox="0 0 {width} {TOP + HEIGHT + BOTTOM}" role="img" '
           f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
           f'<line class="axis" x1="{LEFT}" y1="{TOP + HEIGHT}" x2="{width - LEFT}" y2="{TOP + HEIGHT}"/>']
    for i, bar in enumerate(bars):
        x = LEFT + i * step + 2
        y = TOP + HEIGHT
        detail = ", ".join(f"{n} {series}" for series, n in bar.parts if n) or "none"
        out.append(f'<g class="bar" data-label="{escape(bar.label)}" data-total="{bar.total}">'
                   f'<title>{escape(bar.label)}: {bar.total} ({escape(detail)})</title>')
        for series, n in bar.parts:
            if n:
                h = max(n * HEIGHT / peak, 1)
                y -= h
                name = escape(series)
                out.append(f'<rect class="part {name}" data-series="{name}" data-count="{n}" '
                           f'x="{x}" y="{y:.1f}" width="{step - 4}" height="{h:.1f}"/>')
        out.append(f'<text class="total" x="{x + (step - 4) / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle">'
                   f'{bar.total}</text>')
        if i % label_every == 0 or i == len(bars) - 1:
            out.append(f'<text class="label" x="{x + (step - 4) / 2:.1f}" y="{TOP + HEIGHT + 14}" '
                       f'text-anchor="middle">{escape(bar.label)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return Markup("".join(out))
