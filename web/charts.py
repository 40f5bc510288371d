"""The region analysis's charts as server-side SVG (matplotlib's object API, no pyplot state).

:func:`web.analysis.figures` turns the analysis tables into :class:`Figure` specs (the one adapter
between the report's figure data and the page); :func:`svg` draws one. Means are drawn as points
with their 95 % confidence whiskers, counts as bars; every category carries its n. Numbers on the
axes and beside the bars are written the way the page's language writes them (``0,25`` in Bokmål).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import matplotlib

matplotlib.rcParams["svg.fonttype"] = "none"     # text stays text: smaller, searchable, the page's font
matplotlib.rcParams["svg.hashsalt"] = "klynge"   # stable ids: the same data gives the same SVG
from matplotlib.backends.backend_svg import FigureCanvasSVG  # noqa: E402 - after the rc settings
from matplotlib.figure import Figure as MplFigure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from web.measures import finite_number  # noqa: E402

INK, MUTED, ACCENT, LINE = "#17202e", "#5b6678", "#0f6ccf", "#cfd6e0"
PALETTE = ("#1f5f8b", "#d9822b", "#3d8b5a", "#8b3d6b", "#6b6b6b", "#b8a02e", "#2e8bb8", "#8b2e2e")


@dataclass(frozen=True)
class Figure:
    """One chart of the analysis page: what to draw, in the analysis's own words and numbers."""

    key: str                       # the table it is drawn from (its id on the page)
    number: str                    # "Fig. 8", "Table 5", "LQ"
    title: str
    kind: str                      # "ci": means with 95 % CI whiskers; "bars": counts or ratios
    labels: tuple[str, ...]
    values: tuple[float | None, ...]
    low: tuple[float | None, ...] = ()
    high: tuple[float | None, ...] = ()
    n: tuple[int | None, ...] = ()
    unit: str = ""
    notes: tuple[str, ...] = ()
    reference: tuple[float, ...] = field(default=())  # vertical guide lines (e.g. LQ 1 and 1.25)


def _wrap(text: str, width: int = 24) -> str:
    words, lines, cur = str(text).split(), [], ""
    for w in words:
        if cur and len(cur) + len(w) + 1 > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    lines.append(cur)
    return "\n".join(lines[:3])


def svg(fig: Figure, fmt: Callable[[float], str], n_label: Callable[[int], str], missing: str) -> str:
    """The chart as SVG text. ``fmt`` writes a number, ``n_label`` an n ("n = 12"), ``missing`` a category
    without a value."""
    k = len(fig.labels)
    height = max(1.5, 0.48 * k + 1.0)
    mf = MplFigure(figsize=(4.6, height), dpi=100)  # narrow: drawn at phone width, text stays legible
    FigureCanvasSVG(mf)
    ax = mf.add_subplot(1, 1, 1)
    ys = list(range(k))[::-1]
    vals = [finite_number(v) for v in fig.values]
    ticks = []
    for i, label in enumerate(fig.labels):
        n = fig.n[i] if i < len(fig.n) else None
        extra = n_label(int(n)) if n is not None else ""
        if vals[i] is None:
            extra = f"{extra} · {missing}".strip(" ·")
        ticks.append(_wrap(label) + (f"\n{extra}" if extra else ""))
    if fig.kind == "ci":
        for i, y in enumerate(ys):
            v = vals[i]
            if v is None:
                continue
            lo = finite_number(fig.low[i]) if i < len(fig.low) else None
            hi = finite_number(fig.high[i]) if i < len(fig.high) else None
            colour = PALETTE[i % len(PALETTE)]
            if lo is not None and hi is not None:
                ax.plot([lo, hi], [y, y], color=colour, linewidth=2, solid_capstyle="butt")
                ax.plot([lo, lo], [y - 0.18, y + 0.18], color=colour, linewidth=1.5)
                ax.plot([hi, hi], [y - 0.18, y + 0.18], color=colour, linewidth=1.5)
            ax.plot([v], [y], marker="o", markersize=7, color=colour, zorder=3)
            ax.annotate(fmt(v), (v, y), xytext=(0, 7), textcoords="offset points", ha="center", fontsize=9,
                        color=INK)
    else:
        for i, y in enumerate(ys):
            v = vals[i]
            if v is None:
                continue
            ax.barh([y], [v], color=PALETTE[i % len(PALETTE)], height=0.6)
            ax.annotate(fmt(v), (v, y), xytext=(4, 0), textcoords="offset points", va="center", fontsize=9,
                        color=INK)
        ax.axvline(0, color=LINE, linewidth=0.8)
    for r in fig.reference:
        ax.axvline(r, color=MUTED, linewidth=0.8, linestyle="--")
    ax.set_yticks(ys)
    ax.set_yticklabels(ticks, fontsize=9, color=INK)
    ax.set_ylim(-0.7, k - 0.3)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: fmt(x)))
    ax.tick_params(axis="x", labelsize=8, colors=MUTED)
    if fig.unit:
        ax.set_xlabel(fig.unit, fontsize=9, color=MUTED)
    ax.grid(axis="x", color="#eef1f5", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(LINE)
    longest = max((len(line) for t in ticks for line in t.split("\n")), default=10)
    left = min(0.55, 0.05 + 0.0175 * longest)
    mf.subplots_adjust(left=left, right=0.95, top=1 - 0.18 / height, bottom=0.55 / height)
    buf = io.StringIO()
    mf.savefig(buf, format="svg")
    text = buf.getvalue()
    text = text[text.find("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)  # creator and date: same data, same SVG
    return text


def numbers_of(values: Sequence[object]) -> tuple[float | None, ...]:
    return tuple(finite_number(v) for v in values)
