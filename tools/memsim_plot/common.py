"""What tools/plot's compare and sweep halves share: the error type, the page style, the one
figure saver and number formatting."""
import os
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

MIB = 1024.0 * 1024.0
DPI = 200

# 9 pt text everywhere; SVG text stays text (editable, searchable).
RC = {"svg.fonttype": "none", "font.size": 9, "axes.titlesize": 9, "axes.labelsize": 9,
      "xtick.labelsize": 9, "ytick.labelsize": 9, "legend.fontsize": 8,
      "figure.titlesize": 10}

# One look per series, so that series drawn on top of each other still show: colour,
# marker and dash all change together.
COLORS = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3",
          "#8c8c8c"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
DASHES = ["-", "--", "-.", ":"]


def style(i):
    """Colour, marker and line style of the i-th series."""
    return {"color": COLORS[i % len(COLORS)], "marker": MARKERS[i % len(MARKERS)],
            "linestyle": DASHES[i % len(DASHES)]}


class PlotError(Exception):
    """Bad or missing input; the message starts with the file it is about and says what is
    wrong. tools/plot prints it and exits 1."""


def save_figure(fig, out_dir, name, footnote="", rect=None, legend=None):
    """Writes <out_dir>/<name>.png (DPI) and .svg, each to a temporary name first and then
    renamed, so a reader never sees half a file; closes the figure. Returns the paths.
    footnote: lines of text at the bottom left; rect: the figure area tight_layout fills
    (room for a figure legend); legend: (handles, labels) drawn as a strip under the title,
    where it covers no data."""
    ncol = rows = 0
    if legend and legend[0]:
        ncol = (len(legend[0]) if sum(len(t) + 6 for t in legend[1]) <= fig.get_figwidth() * 13
                else min(len(legend[0]), 3))
        rows = (len(legend[0]) + ncol - 1) // ncol
    if footnote:  # wrapped to the figure's width (8 pt text: about 15 characters an inch)
        width = int(fig.get_figwidth() * 15)
        footnote = "\n".join(textwrap.fill(line, width, subsequent_indent="    ")
                             for line in footnote.split("\n"))
    # The legend strip and the footnote add to the figure's height, not take from the panels.
    fig.set_size_inches(fig.get_figwidth(), fig.get_figheight() + 0.2 * rows + (
        0.16 * (footnote.count("\n") + 1) if footnote else 0))
    if footnote:
        fig.text(0.01, 0.01, footnote, fontsize=8, ha="left", va="bottom", color="#444444")
    bottom = (0.16 * (footnote.count("\n") + 1) + 0.08) / fig.get_figheight() if footnote else 0
    rect = list(rect or (0, bottom, 1, 1))
    title = fig._suptitle.get_text() if fig._suptitle is not None else ""
    if title:  # at the very top; tight_layout keeps the panels below it
        fig._suptitle.set_y(1 - 0.04 / fig.get_figheight())
        fig._suptitle.set_va("top")
    if legend and legend[0]:
        h = fig.get_figheight()
        title_in = 0.06 + 0.2 * (title.count("\n") + 1) if title else 0.04
        fig.legend(legend[0], legend[1], loc="upper center", ncol=ncol, frameon=False,
                   bbox_to_anchor=(0.5, 1 - title_in / h), fontsize=8)
        rect[3] = min(rect[3], 1 - (title_in + 0.18 * rows) / h)
        if title:  # tight_layout would otherwise leave room for the title only
            fig._suptitle.set_visible(False)
            fig.tight_layout(rect=rect)
            fig._suptitle.set_visible(True)
        else:
            fig.tight_layout(rect=rect)
    else:
        fig.tight_layout(rect=rect)
    written = []
    try:
        for ext in ("png", "svg"):
            path = os.path.join(out_dir, f"{name}.{ext}")
            tmp = f"{path}.tmp.{os.getpid()}.{ext}"
            try:
                fig.savefig(tmp, dpi=DPI)
                os.replace(tmp, path)
            except OSError as e:
                if os.path.exists(tmp):
                    os.remove(tmp)
                raise PlotError(f"{path}: cannot write: {e.strerror or e}")
            written.append(path)
    finally:
        plt.close(fig)
    return written


def write_text_atomic(path, text):
    tmp = f"{path}.tmp.{os.getpid()}"
    try:
        with open(tmp, "w", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise PlotError(f"{path}: cannot write: {e.strerror or e}")


def fmt_num(v):
    """Plain decimal for CSV and labels: 2.0 -> '2', 1.5 -> '1.5'."""
    if isinstance(v, str):
        return v
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.10g}"


def fmt_short(v):
    """A value on a bar or in a cell: 12.3, 456, 45.6k, 1.23M."""
    a = abs(v)
    if a >= 1e6:
        return f"{v / 1e6:.3g}M"
    if a >= 1e4:
        return f"{v / 1e3:.3g}k"
    if a >= 100:
        return f"{v:.0f}"
    return f"{v:.3g}"


def fmt_tick(v, _pos=None):
    """Tick labels without offsets or scientific notation: 0.5, 20, 1,000, 100,000."""
    if abs(v) >= 1000 and v == int(v):
        return f"{v:,.0f}"
    return f"{v:g}"


def fmt_count(v, _pos=None):
    """Count tick labels: 500, 250k, 1.5M."""
    a = abs(v)
    if a >= 1e6:
        return f"{v / 1e6:g}M"
    if a >= 1e3:
        return f"{v / 1e3:g}k"
    return f"{v:g}"


def group_identical(keys, series):
    """Groups of keys whose series (anything comparable with ==) are identical, in the order
    of keys: [[k1], [k2, k3], ...]. Identical series drawn one over the other would hide all
    but the last; plots draw each group once and name all its members."""
    groups = []
    for k in keys:
        for g in groups:
            if series[g[0]] == series[k]:
                g.append(k)
                break
        else:
            groups.append([k])
    return groups


def group_label(names):
    """'memdesc' or 'memdesc = allocatee' (identical results)."""
    return " = ".join(names)
