"""Report charts as PNG, for inline email images and the PDF.

Outlook shows neither SVG nor JavaScript, so charts are plain PNGs drawn with matplotlib's Agg
backend (no screen needed). Imported inside tasks only: matplotlib takes a while to import.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from council_social.reporting.model import Chart

#: The council palette: readable in print and for common colour blindness.
COLOURS = ("#1d4f91", "#e07b00", "#2e8540", "#b00020", "#6f4e9c", "#5a5a5a")
RAG_COLOURS = {"red": "#b00020", "amber": "#e07b00", "green": "#2e8540", "grey": "#8c8c8c"}
_NAME = re.compile(r"[A-Za-z0-9_-]+")


def _figure(width: float = 6.4, height: float = 2.6):
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width, height), dpi=110)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#e0e0e0", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=8)
    return plt, fig, ax


def _png(plt, fig) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def _check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValueError(f"chart name {name!r} must be letters, digits, '-' or '_' (it is an email content id)")
    return name


def line_chart(name: str, title: str, series: Mapping[str, Sequence[tuple[date, float | None]]], *,
               y_label: str = "", target: float | None = None, alt: str = "") -> Chart:
    """One line per series over time (weekly trends); an optional dashed target line."""
    plt, fig, ax = _figure()
    for colour, (label, points) in zip(COLOURS * 4, series.items(), strict=False):
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        ax.plot(xs, ys, marker="o", markersize=3, linewidth=1.6, color=colour, label=label)
    if target is not None:
        ax.axhline(target, color=RAG_COLOURS["grey"], linestyle="--", linewidth=1, label="target")
    ax.set_title(title, fontsize=10, loc="left")
    if y_label:
        ax.set_ylabel(y_label, fontsize=8)
    if len(series) > 1 or target is not None:
        ax.legend(fontsize=7, frameon=False)
    fig.autofmt_xdate()
    return Chart(_check_name(name), title, _png(plt, fig), alt or title)


def bar_chart(name: str, title: str, labels: Sequence[str], values: Sequence[float], *,
              colours: Sequence[str] | None = None, horizontal: bool = False, alt: str = "",
              annotate: bool = True) -> Chart:
    """Counts by category (findings by severity, mentions by platform, top authors)."""
    plt, fig, ax = _figure(height=max(2.2, 0.28 * len(labels) + 0.8) if horizontal else 2.6)
    colours = list(colours) if colours else [COLOURS[0]] * len(labels)
    if horizontal:
        bars = ax.barh(list(labels)[::-1], list(values)[::-1], color=colours[::-1])
        ax.grid(axis="x", color="#e0e0e0", linewidth=0.8)
        ax.grid(axis="y", visible=False)
    else:
        bars = ax.bar(list(labels), list(values), color=colours)
    if annotate:
        ax.bar_label(bars, fmt="%g", fontsize=7, padding=2)
    ax.set_title(title, fontsize=10, loc="left")
    return Chart(_check_name(name), title, _png(plt, fig), alt or title)


def describe(points: Sequence[tuple[Any, float | None]]) -> str:
    """Alt text for a series: first and last value, so the chart's message survives without images."""
    known = [(x, y) for x, y in points if y is not None]
    if not known:
        return "no data"
    (x0, y0), (x1, y1) = known[0], known[-1]
    return f"{y0:g} on {x0} to {y1:g} on {x1}"
