"""Charts as inline SVG, written by hand: column charts, paired bars and line charts from finished numbers.

Hand-written rather than drawn by matplotlib because the charts are few and simple, and this way they stay
small (a few kilobytes), keep their text as text (searchable, selectable, and translated with the rest of the
report), print crisply, use the report's own fonts and colours, and cost no import time. Every label is
escaped: site and criterion names may come from untrusted files. The callers hand over numbers and labels;
this module only turns them into geometry.
"""

from __future__ import annotations

from typing import Sequence

from markupsafe import Markup, escape

GRADE_COLOURS = {1: "#d7301f", 2: "#fc8d59", 3: "#fdd49e", 4: "#a6d96a", 5: "#1a9641", 0: "#c9ced6"}
SERIES_COLOURS = ("#1f5fa8", "#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e")
INK, MUTED, GRID = "#1d2430", "#5b6574", "#e3e7ec"
FONT = 'font-family="DejaVu Sans, Noto Sans, Arial, sans-serif"'


def _n(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
                  f'height="{height}" role="img" aria-label="{escape(title)}" {FONT} font-size="11">'
                  f"<title>{escape(title)}</title>{''.join(body)}</svg>")


def column_chart(title: str, bars: Sequence[dict], *, width: int = 230, height: int = 150) -> Markup:
    """Vertical bars, each {label, value, text, colour}, with the value written above the bar."""
    top, bottom, left, right = 16, 22, 6, 6
    plot_h = height - top - bottom
    slot = (width - left - right) / max(1, len(bars))
    peak = max([b["value"] for b in bars] + [1])
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="{MUTED}" stroke-width="0.8"/>']
    for i, b in enumerate(bars):
        h = plot_h * b["value"] / peak
        x = left + i * slot + slot * 0.15
        w = slot * 0.7
        y = top + plot_h - h
        if h > 0:
            body.append(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="{b["colour"]}" '
                        f'stroke="#8a93a0" stroke-width="0.4"/>')
        cx = _n(x + w / 2)
        body.append(f'<text x="{cx}" y="{_n(y - 3)}" text-anchor="middle" fill="{INK}">{escape(b["text"])}</text>')
        body.append(f'<text x="{cx}" y="{height - 7}" text-anchor="middle" fill="{MUTED}">{escape(b["label"])}</text>')
    return _svg(width, height, title, body)


def paired_bars(title: str, rows: Sequence[dict], series: Sequence[dict], *, max_value: float, width: int = 640,
                label_width: int = 210) -> Markup:
    """Horizontal bars in pairs: rows of {label, values: [a, b], texts: [..]}, series of {label, colour}."""
    bar_h, gap, top, legend_h = 9, 10, 6, 22
    row_h = bar_h * len(series) + gap
    height = top + row_h * len(rows) + legend_h
    plot_w = width - label_width - 40
    body = []
    for t in range(0, int(max_value) + 1):
        x = label_width + plot_w * t / max_value
        body.append(f'<line x1="{_n(x)}" y1="{top}" x2="{_n(x)}" y2="{top + row_h * len(rows) - gap / 2}" stroke="{GRID}"/>')
        body.append(f'<text x="{_n(x)}" y="{top + row_h * len(rows) + 6}" text-anchor="middle" fill="{MUTED}" font-size="9">{t}</text>')
    for i, r in enumerate(rows):
        y0 = top + i * row_h
        body.append(f'<text x="{label_width - 6}" y="{_n(y0 + bar_h * len(series) / 2 + 4)}" text-anchor="end" '
                    f'fill="{INK}">{escape(r["label"])}</text>')
        for j, s in enumerate(series):
            v = r["values"][j]
            y = y0 + j * bar_h
            if v is None:
                continue
            w = plot_w * v / max_value
            body.append(f'<rect x="{label_width}" y="{_n(y)}" width="{_n(w)}" height="{bar_h - 1}" fill="{s["colour"]}"/>')
            body.append(f'<text x="{_n(label_width + w + 3)}" y="{_n(y + bar_h - 1.5)}" font-size="9" fill="{INK}">'
                        f'{escape(r["texts"][j])}</text>')
    ly = height - 6
    x = label_width
    for s in series:
        body.append(f'<rect x="{x}" y="{ly - 8}" width="10" height="8" fill="{s["colour"]}"/>'
                    f'<text x="{x + 14}" y="{ly}" fill="{INK}">{escape(s["label"])}</text>')
        x += 24 + 7 * len(s["label"])
    return _svg(width, height, title, body)


def line_chart(title: str, xs: Sequence[str], series: Sequence[dict], *, y_min: float, y_max: float,
               y_ticks: Sequence[tuple[float, str]], invert: bool = False, width: int = 640, height: int = 220) -> Markup:
    """Lines over categories xs; series of {label, colour, values (None = gap), texts}; invert puts y_min at the top."""
    top, bottom, left, right = 12, 46, 44, 16
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(xs) - 1) if len(xs) > 1 else 0

    def px(i: int) -> float:
        return left + (i * step if len(xs) > 1 else plot_w / 2)

    def py(v: float) -> float:
        frac = (v - y_min) / ((y_max - y_min) or 1)
        return top + (frac * plot_h if invert else plot_h - frac * plot_h)

    body = []
    for v, text in y_ticks:
        y = py(v)
        body.append(f'<line x1="{left}" y1="{_n(y)}" x2="{width - right}" y2="{_n(y)}" stroke="{GRID}"/>'
                    f'<text x="{left - 5}" y="{_n(y + 3.5)}" text-anchor="end" fill="{MUTED}" font-size="9">{escape(text)}</text>')
    for i, x in enumerate(xs):
        body.append(f'<text x="{_n(px(i))}" y="{top + plot_h + 14}" text-anchor="middle" fill="{MUTED}">{escape(x)}</text>')
    for s in series:
        pts = [(px(i), py(v)) for i, v in enumerate(s["values"]) if v is not None]
        if len(pts) > 1:
            path = " ".join(f"{'M' if k == 0 else 'L'}{_n(x)},{_n(y)}" for k, (x, y) in enumerate(pts))
            body.append(f'<path d="{path}" fill="none" stroke="{s["colour"]}" stroke-width="2"/>')
        for x, y in pts:
            body.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="2.6" fill="{s["colour"]}"/>')
        if s.get("label_last") and pts:
            last = [t for v, t in zip(s["values"], s["texts"], strict=True) if v is not None][-1]
            x, y = pts[-1]
            body.append(f'<text x="{_n(x)}" y="{_n(y - 6)}" text-anchor="middle" font-size="9" fill="{s["colour"]}">'
                        f'{escape(last)}</text>')
    lx, ly = left, height - 22 if len(series) > 3 else height - 8
    for s in series:
        step_w = 26 + 6.2 * len(s["label"])
        if lx + step_w > width and lx > left:  # wrap the legend onto a second line
            lx, ly = left, ly + 14
        body.append(f'<rect x="{lx}" y="{ly - 5}" width="12" height="3" fill="{s["colour"]}"/>'
                    f'<text x="{lx + 16}" y="{ly}" fill="{INK}">{escape(s["label"])}</text>')
        lx += step_w
    return _svg(width, height, title, body)
