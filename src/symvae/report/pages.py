"""Page and table helpers shared by every section of the report: symbols and colours, text
wrapping, number formatting, the dof verdict of a process, a new A4 page, its header, tables
drawn on a figure and a page that is one table."""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec

from symvae.outputs.summary import dof_verdict
from symvae.plotting.style import A4_LANDSCAPE
from symvae.report.data import _ProcessSummary

_CHECK = "✓"
_CROSS = "✗"
_APPROX = "≈"
_GOOD = "#1a9641"
_BAD = "#d7191c"
_NEUTRAL = "#6b6b6b"
#: Table symbols drawn larger than the text around them (≈ is small in the fonts used).
_SYMBOL_SCALE = {_APPROX: 1.6}
#: Estimated width of an average character in units of the font size (TeX Gyre Heros).
_CHAR_WIDTH_EM = 0.48


# --------------------------------------------------------------------------- text helpers


def _plain(text: str) -> str:
    """Escape ``$`` so that user text is never parsed as mathtext."""
    return text.replace("$", r"\$")


def _wrap(text: str, width_in: float, fontsize: float) -> str:
    """Wrap ``text`` to lines that fit ``width_in`` inches at ``fontsize`` points."""
    chars = max(10, int(width_in * 72.0 / (fontsize * _CHAR_WIDTH_EM)))
    paragraphs = text.split("\n")
    return "\n".join(textwrap.fill(p, chars) if p.strip() else "" for p in paragraphs)


def _wrap_name(name: str, width_in: float, fontsize: float) -> str:
    """Wrap an identifier such as ``ee_mumu_isr`` after underscores (or anywhere if needed)."""
    chars = max(6, int(width_in * 72.0 / (fontsize * _CHAR_WIDTH_EM)))
    if len(name) <= chars:
        return name
    lines: list[str] = []
    line = ""
    for token in re.split(r"(?<=[_\-. ])", name):
        while len(token) > chars:
            if line:
                lines.append(line)
                line = ""
            lines.append(token[:chars])
            token = token[chars:]
        if len(line) + len(token) > chars and line:
            lines.append(line)
            line = ""
        line += token
    if line:
        lines.append(line)
    return "\n".join(lines)


def _fmt_float(value: Any, digits: int = 1) -> str:
    """``value`` with ``digits`` decimals; ``–`` for None, NaN and ±inf."""
    if value is None or not math.isfinite(float(value)):
        return "–"
    return f"{float(value):.{digits}f}"


#: symbol and colour of each :func:`~symvae.outputs.summary.dof_verdict`
_VERDICT_STYLE = {
    "match": (_CHECK, _GOOD),
    "approx": (_APPROX, _NEUTRAL),
    "differs": (_CROSS, _BAD),
    "unknown": ("", _NEUTRAL),
}


def _verdict(p: _ProcessSummary) -> tuple[str, str]:
    """Symbol and colour of the dof comparison of one process.

    ✓ (green) if the measured dof equals the expected one; otherwise ✗ (red) for an exact
    process, and ≈ (grey) for an approximate one, whose expected dof is only that of its
    exact limit.
    """
    return _VERDICT_STYLE[dof_verdict(p.dof_measured, p.dof_expected, p.exact)]


def _new_page() -> Figure:
    return Figure(figsize=A4_LANDSCAPE)


def _header(fig: Figure, title: str, lines: Sequence[str] = (), top: float = 0.965) -> float:
    """Write a page title and wrapped lines at the top; return the figure y below them."""
    width_in = fig.get_figwidth() * 0.92
    fig.text(0.04, top, _plain(title), fontsize=15, weight="bold", va="top", ha="left")
    y = top - 0.045
    for line in lines:
        if not line:
            continue
        wrapped = _wrap(line, width_in, 9.5)
        n = wrapped.count("\n") + 1
        fig.text(0.04, y, _plain(wrapped), fontsize=9.5, va="top", ha="left", linespacing=1.3)
        y -= n * 0.022 + 0.006
    return y


def _panels(
    fig: Figure,
    y: float,
    nrows: int,
    ncols: int,
    *,
    top: float,
    gap: float,
    bottom: float,
    right: float = 0.97,
    **kw: Any,
) -> GridSpec:
    """The grid of a page's panels, from 0.07 to ``right`` and from ``gap`` below the header
    (which ends at ``y``; at most at ``top``) down to ``bottom``."""
    return fig.add_gridspec(
        nrows, ncols, left=0.07, right=right, top=min(top, y - gap), bottom=bottom, **kw
    )


def _table(
    ax: Axes,
    rows: Sequence[Sequence[str]],
    header: Sequence[str],
    col_widths: Sequence[float],
    fontsize: float = 8.5,
    colors: Sequence[Sequence[str | None]] | None = None,
    left_cols: Sequence[int] = (),
    line_height: float | None = None,
) -> None:
    """Draw a table that fills the width of ``ax``; multi-line cells get taller rows.

    ``line_height`` is the height of one text line in axes units (default: from the font
    size); it is reduced so that the whole table fits into the axes.
    """
    ax.set_axis_off()
    if line_height is None:
        ax_h_in = ax.get_position().height * ax.get_figure().get_figheight()
        line_height = fontsize * 1.35 / 72.0 / ax_h_in
    all_rows = [list(header), *[list(r) for r in rows]]
    row_lines = [max(str(c).count("\n") + 1 for c in row) + 0.6 for row in all_rows]
    line_height = min(line_height, 1.0 / sum(row_lines))
    table = ax.table(
        cellText=all_rows,
        colWidths=list(col_widths),
        loc="upper center",
        cellLoc="center",
    )
    table.auto_set_font_size(False)
    table.set_fontsize(fontsize)
    for r, row in enumerate(all_rows):
        for c in range(len(row)):
            cell = table[r, c]
            cell.set_height(line_height * row_lines[r])
            cell.set_edgecolor("#b0b0b0")
            cell.set_linewidth(0.5)
            if r == 0:
                cell.set_facecolor("#e8ecf4")
                cell.get_text().set_weight("bold")
            elif r % 2 == 0:
                cell.set_facecolor("#f7f7f7")
            if c in left_cols and r > 0:
                cell.get_text().set_horizontalalignment("left")
                cell.PAD = 0.02
            if r > 0 and str(row[c]) in _SYMBOL_SCALE:
                cell.get_text().set_fontsize(fontsize * _SYMBOL_SCALE[str(row[c])])
            if colors is not None and r > 0:
                color = colors[r - 1][c]
                if color is not None:
                    cell.get_text().set_color(color)
                    cell.get_text().set_weight("bold")


def _fmt_rel(value: float) -> str:
    """Format a relevance value: 2 decimals, or 2 significant digits below 0.01."""
    if not np.isfinite(value):
        return "–"
    return f"{value:.2f}" if abs(value) >= 0.01 else f"{value:.1g}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _table_page(
    title: str,
    intro: Sequence[str],
    rows: Sequence[Sequence[str]],
    header: Sequence[str],
    col_widths: Sequence[float],
    left_cols: Sequence[int] = (0,),
) -> Figure:
    """A page of one table (8 pt) below its title and introduction."""
    fig = _new_page()
    y = _header(fig, title, intro)
    ax = fig.add_axes((0.04, 0.03, 0.92, max(0.1, y - 0.05)))
    _table(ax, rows, header, col_widths, fontsize=8, left_cols=left_cols)
    return fig
