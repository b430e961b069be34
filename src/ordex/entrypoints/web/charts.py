"""Small server-side SVG charts: no JavaScript needed to see the shape of the backlog."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

WIDTH, BAR_H, GAP, LABEL_W = 560, 22, 8, 150
PALETTE = ("#2563eb", "#16a34a", "#dc2626", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#4b5563")


def bar_chart(values: dict[str, int], *, title: str) -> Markup:
    """A horizontal bar chart of labelled counts, as inline SVG."""
    if not values:
        return Markup('<p class="empty">Nothing open — every queue is clear.</p>')
    top = max(values.values()) or 1
    height = len(values) * (BAR_H + GAP) + 30
    parts = [f'<svg role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {height}" '
             f'width="100%" class="chart"><title>{escape(title)}</title>']
    for i, (label, n) in enumerate(sorted(values.items(), key=lambda kv: -kv[1])):
        y = 10 + i * (BAR_H + GAP)
        w = max(2, int((WIDTH - LABEL_W - 60) * n / top))
        parts.append(
            f'<text x="{LABEL_W - 8}" y="{y + 16}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{LABEL_W}" y="{y}" width="{w}" height="{BAR_H}" rx="3" '
            f'fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(label)}: {n}</title></rect>'
            f'<text x="{LABEL_W + w + 6}" y="{y + 16}">{n:,}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
