"""Inline SVG charts for the reports page: pure functions from numbers to markup.

Each chart has a <title> and the page repeats its numbers in a table, so screen readers and
text browsers get the same facts.
"""

from __future__ import annotations

from markupsafe import Markup, escape

# Colour-blind-safe (Okabe-Ito) and readable on white.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00")
WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 16, 48


def _scale(series: dict[str, list[float | None]]) -> float:
    peak = max((v for vals in series.values() for v in vals if v is not None), default=0.0)
    return peak * 1.1 if peak > 0 else 1.0


def _axes(top: float, unit: str) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    parts = []
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            'stroke="#d0d4da" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#333">{value:.3g}</text>'
        )
    parts.append(
        f'<text x="12" y="{TOP + plot_h / 2:.1f}" font-size="11" fill="#333" '
        f'transform="rotate(-90 12 {TOP + plot_h / 2:.1f})" text-anchor="middle">'
        f"{escape(unit)}</text>"
    )
    return parts


def _legend(names: list[str]) -> list[str]:
    out = []
    for i, name in enumerate(names):
        x = LEFT + i * 120
        out.append(
            f'<rect x="{x}" y="{HEIGHT - 16}" width="10" height="10" '
            f'fill="{COLOURS[i % len(COLOURS)]}"/>'
            f'<text x="{x + 14}" y="{HEIGHT - 7}" font-size="11" fill="#222">'
            f"{escape(name)}</text>"
        )
    return out


def _svg(title: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def bars(title: str, groups: list[str], series: dict[str, list[float | None]], unit: str) -> Markup:
    """Grouped bars: one group per label, one bar per series (missing values leave a gap)."""
    top = _scale(series)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(groups), 1)
    bar_w = slot * 0.8 / max(len(series), 1)
    body = _axes(top, unit)
    for g, group in enumerate(groups):
        x0 = LEFT + g * slot + slot * 0.1
        for s, (name, values) in enumerate(series.items()):
            value = values[g]
            if value is None:
                continue
            h = plot_h * value / top
            body.append(
                f'<rect x="{x0 + s * bar_w:.1f}" y="{TOP + plot_h - h:.1f}" '
                f'width="{bar_w - 1:.1f}" height="{h:.1f}" fill="{COLOURS[s % len(COLOURS)]}">'
                f"<title>{escape(group)} {escape(name)}: {value:.3g} {escape(unit)}</title></rect>"
            )
        body.append(
            f'<text x="{LEFT + g * slot + slot / 2:.1f}" y="{TOP + plot_h + 14}" '
            f'text-anchor="middle" font-size="11" fill="#222">{escape(group)}</text>'
        )
    return _svg(title, body + _legend(list(series)))


def lines(
    title: str, labels: list[str], series: dict[str, list[float | None]], unit: str
) -> Markup:
    """One polyline per series over the labelled points (gaps where a value is missing)."""
    top = _scale(series)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(labels) - 1, 1)
    body = _axes(top, unit)
    every = max(len(labels) // 8, 1)
    for i, text in enumerate(labels):
        if i % every == 0:
            body.append(
                f'<text x="{LEFT + i * step:.1f}" y="{TOP + plot_h + 14}" text-anchor="middle" '
                f'font-size="11" fill="#222">{escape(text)}</text>'
            )
    for s, (name, values) in enumerate(series.items()):
        colour = COLOURS[s % len(COLOURS)]
        points = [
            (LEFT + i * step, TOP + plot_h - plot_h * v / top)
            for i, v in enumerate(values)
            if v is not None
        ]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            body.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        body += [
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"><title>'
            f"{escape(name)}</title></circle>"
            for x, y in points
        ]
    return _svg(title, body + _legend(list(series)))
