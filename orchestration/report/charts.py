"""Trend charts as inline SVG: the report's HTML stays one file that asks the network for nothing.

A chart is bars of the realisasi per period with the target as a dashed mark on each bar; a
provisional period (still running) is drawn lighter. Every text in it is escaped.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from orchestration.report.data import Figure
from orchestration.report.wording import nilai, periode_singkat

WIDTH, HEIGHT = 360, 150
TOP, BOTTOM, LEFT, RIGHT = 18, 26, 8, 8
BAR, BAR_PROVISIONAL, TARGET = "#2f5d8a", "#9db7d3", "#c62828"


def trend_svg(figures: list[Figure], satuan: str, title: str) -> str:
    """An SVG of `figures` (oldest first); a note instead of a chart when none has a value."""
    values = [f.value for f in figures if f.value is not None] + [
        f.target for f in figures if f.target is not None
    ]
    if not figures or not any(f.value is not None for f in figures):
        return '<p class="no-chart">Belum ada data untuk grafik tren.</p>'
    top = max([Decimal(0), *values]) or Decimal(1)
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / len(figures)
    bar_w = min(48.0, slot * 0.6)

    def y(value: Decimal) -> float:
        return TOP + plot_h * (1 - float(value / top))

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="#999"/>',
    ]
    for i, figure in enumerate(figures):
        cx = LEFT + slot * (i + 0.5)
        if figure.value is not None:
            top_y = y(figure.value)
            colour = BAR if figure.is_complete else BAR_PROVISIONAL
            parts.append(
                f'<rect x="{cx - bar_w / 2:.1f}" y="{top_y:.1f}" width="{bar_w:.1f}" '
                f'height="{TOP + plot_h - top_y:.1f}" fill="{colour}"/>'
            )
            parts.append(
                f'<text x="{cx:.1f}" y="{top_y - 3:.1f}" text-anchor="middle" font-size="9">'
                f"{escape(nilai(figure.value, satuan))}</text>"
            )
        if figure.target is not None:
            ty = y(figure.target)
            parts.append(
                f'<line x1="{cx - bar_w / 2 - 4:.1f}" y1="{ty:.1f}" x2="{cx + bar_w / 2 + 4:.1f}" '
                f'y2="{ty:.1f}" stroke="{TARGET}" stroke-width="2" stroke-dasharray="4 2"/>'
            )
        parts.append(
            f'<text x="{cx:.1f}" y="{HEIGHT - 10}" text-anchor="middle" font-size="10">'
            f"{escape(periode_singkat(figure.period_id))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
