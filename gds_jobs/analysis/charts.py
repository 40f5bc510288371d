"""Inline SVG charts for the report: matplotlib (Agg) when installed, plain hand-made SVG otherwise."""

from __future__ import annotations

import html
import io
import math
from collections.abc import Sequence

import pandas as pd

PALETTE = ("#1f5f8b", "#d9822b", "#3d8b5a", "#8b3d6b", "#6b6b6b", "#b8a02e", "#2e8bb8", "#8b2e2e")


def _mpl():
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)
        matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: smaller, faster, searchable
        matplotlib.rcParams["svg.hashsalt"] = "klynge"  # stable ids: the same data gives the same SVG
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    return plt


def _finite(v: object) -> float:
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return f


def bar_chart(labels: Sequence[str], values: Sequence[float], *, low: Sequence[float] | None = None,
              high: Sequence[float] | None = None, title: str = "", ylabel: str = "",
              annotations: Sequence[str] | None = None) -> str:
    """A bar chart (optionally with CI error bars and per-bar annotations such as ``n=…``) as SVG text."""
    vals = [0.0 if math.isnan(_finite(v)) else _finite(v) for v in values]
    plt = _mpl()
    if plt is None:
        return _hand_bars(labels, vals, title, ylabel, annotations)
    fig, ax = plt.subplots(figsize=(6.4, 3.4), dpi=100)
    try:
        x = range(len(vals))
        colors = [PALETTE[i % len(PALETTE)] for i in x]
        yerr = None
        if low is not None and high is not None:
            lo = [max(0.0, v - _finite(a)) if not math.isnan(_finite(a)) else 0.0
                  for v, a in zip(vals, low, strict=True)]
            hi = [max(0.0, _finite(b) - v) if not math.isnan(_finite(b)) else 0.0
                  for v, b in zip(vals, high, strict=True)]
            yerr = [lo, hi]
        ax.bar(list(x), vals, color=colors, yerr=yerr, capsize=4, ecolor="#333333")
        ax.set_xticks(list(x))
        many = len(vals) > 6
        ticks = [(str(lbl) if many else _wrap(lbl)) + (f"\n{annotations[i]}" if annotations else "")
                 for i, lbl in enumerate(labels)]
        if many:  # long category lists: slanted labels instead of overlapping ones
            ax.set_xticklabels(ticks, fontsize=7, rotation=45, ha="right", rotation_mode="anchor")
        else:
            ax.set_xticklabels(ticks, fontsize=8)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.set_title(title, fontsize=9)
        ax.axhline(0, color="#999999", linewidth=0.6)
        ax.spines[["top", "right"]].set_visible(False)
        fig.subplots_adjust(left=0.13, right=0.98, top=0.88, bottom=0.24)  # fixed: tight_layout is slow
        buf = io.StringIO()
        fig.savefig(buf, format="svg")
    finally:
        plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.find("<svg"):]
    a, b = svg.find("<metadata>"), svg.find("</metadata>")
    if a >= 0 and b > a:  # drop the RDF block (creator, date): reports stay reproducible
        svg = svg[:a] + svg[b + len("</metadata>"):]
    return svg


def _wrap(label: str, width: int = 16) -> str:
    words, lines, cur = str(label).split(), [], ""
    for w in words:
        if len(cur) + len(w) + 1 > width and cur:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    lines.append(cur)
    return "\n".join(lines)


def _hand_bars(labels: Sequence[str], vals: Sequence[float], title: str, ylabel: str,
               annotations: Sequence[str] | None) -> str:
    w, h, pad = 640, 300, 50
    top = max([abs(v) for v in vals] + [1e-12])
    bw = (w - 2 * pad) / max(1, len(vals))
    zero = h - pad if min(vals, default=0) >= 0 else h / 2
    scale = (zero - 30) / top
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">',
             f'<text x="{w / 2}" y="18" text-anchor="middle" font-size="13">{html.escape(title)}</text>',
             f'<text x="12" y="{h / 2}" font-size="10" transform="rotate(-90 12 {h / 2})">{html.escape(ylabel)}</text>',
             f'<line x1="{pad}" y1="{zero}" x2="{w - pad}" y2="{zero}" stroke="#999"/>']
    for i, (lbl, v) in enumerate(zip(labels, vals, strict=True)):
        x = pad + i * bw + bw * 0.15
        bh = abs(v) * scale
        y = zero - bh if v >= 0 else zero
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bw * 0.7:.1f}" height="{bh:.1f}" '
                     f'fill="{PALETTE[i % len(PALETTE)]}"><title>{html.escape(str(lbl))}: {v:.4g}</title></rect>')
        parts.append(f'<text x="{x + bw * 0.35:.1f}" y="{h - pad + 14}" text-anchor="middle" font-size="10">'
                     f'{html.escape(str(lbl))[:24]}</text>')
        if annotations:
            parts.append(f'<text x="{x + bw * 0.35:.1f}" y="{h - pad + 26}" text-anchor="middle" font-size="9">'
                         f'{html.escape(annotations[i])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def comparison_chart(table: pd.DataFrame) -> str:
    """Means with bootstrap CIs per group, annotated with n."""
    return bar_chart(list(table["label"]), list(table["mean"]), low=list(table["ci_low"]),
                     high=list(table["ci_high"]), title=f"{table.attrs.get('figure', '')} "
                     f"{table.attrs.get('title', '')}"[:90], ylabel=f"mean {table.attrs.get('unit', '')}",
                     annotations=[f"n={n}" for n in table["n"]])
