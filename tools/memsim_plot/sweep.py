"""tools/plot sweep DIR: plots of a `memsim sweep --out=DIR` folder (docs/sweeps.md).

DIR/sweep.json names the axes and the plots; DIR/results.csv holds one row per point:
point,status,<axis names...>,<metric columns...>,error. DIR/points/*.json, the points' result
JSON, name the trace, machine and models the titles show."""
import csv
import glob
import itertools
import json
import math
import os
import re
import sys

import matplotlib.pyplot as plt
import matplotlib.ticker

from .common import (MIB, RC, PlotError, fmt_count, fmt_num, fmt_short, fmt_tick, save_figure,
                     write_text_atomic)
from .common import group_identical, group_label, style
from .results import listing, trace_text

PANEL_W_IN = 3.25   # one subplot of a multi-panel figure: two fill a 6.5 in text width
PANEL_H_IN = 2.8
SINGLE_SIZE_IN = (6.5, 4.0)
MAX_PANELS_PER_FIGURE = 6   # more combinations of the other axes: one file each

# A crossing of two lines is a break-even only where they differ meaningfully on both sides:
# by at least BREAKEVEN_REL of the larger value and, for latencies (_ns), by at least
# BREAKEVEN_ABS_NS. Closer than that the lines are taken as equal (no sign); a 0.1 ns wobble
# between two nearly equal curves is not a design answer.
BREAKEVEN_REL = 0.02
BREAKEVEN_ABS_NS = 1.0




def _title_and_name(fig, spec, sweep, title, fixed, group):
    """Sets a figure's title (plot title, sweep, fixed axes, the one facet if there is only
    one) and returns the file name: the spec's, plus that facet's values when there is one."""
    sub = sweep["_about"] + (f"\n{fixed}" if fixed else "")
    single = group[0][1] if len(group) == 1 and group[0][1] else ""
    fig.suptitle(f"{title}\n{sub}" + (f"\n{single}" if single else ""))
    if not single:
        return spec["file"]
    name = spec["file"] + "--" + single.replace(", ", "--").replace("=", "-")
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def read_sweep_json(directory):
    """DIR/sweep.json, checked: axes with name/label/numeric/values, plots with known keys."""
    path = os.path.join(directory, "sweep.json")
    try:
        with open(path) as f:
            sweep = json.load(f)
    except FileNotFoundError:
        raise PlotError(f"{path}: missing (is {directory} a `memsim sweep --out` folder?)")
    except (OSError, UnicodeDecodeError) as e:
        raise PlotError(f"{path}: cannot read: {e}")
    except json.JSONDecodeError as e:
        raise PlotError(f"{path}: not JSON: {e}")
    if not isinstance(sweep, dict) or not isinstance(sweep.get("axes"), list):
        raise PlotError(f"{path}: expected an object with an \"axes\" list")
    names = set()
    for i, ax in enumerate(sweep["axes"]):
        if (not isinstance(ax, dict) or not isinstance(ax.get("name"), str)
                or not isinstance(ax.get("values"), list) or not ax["values"]):
            raise PlotError(f"{path}: axes[{i}]: expected {{\"name\": str, \"label\": str, "
                             f"\"numeric\": bool, \"values\": [...]}} with at least one value")
        if ax["name"] in names or ax["name"] in ("point", "status", "error"):
            raise PlotError(f"{path}: axes[{i}]: axis name '{ax['name']}' repeated or reserved")
        names.add(ax["name"])
        ax.setdefault("label", ax["name"])
        ax["numeric"] = bool(ax.get("numeric", False))
        if ax["numeric"]:
            try:
                ax["values"] = [float(v) for v in ax["values"]]
            except (TypeError, ValueError):
                raise PlotError(f"{path}: axes[{i}] '{ax['name']}' is numeric but has values "
                                 f"{ax['values']!r}")
        else:
            ax["values"] = [str(v) for v in ax["values"]]
    plots = sweep.setdefault("plots", [])
    if not isinstance(plots, list):
        raise PlotError(f"{path}: \"plots\" must be a list")
    for i, pl in enumerate(plots):
        if not isinstance(pl, dict) or pl.get("kind") not in ("line", "heatmap"):
            raise PlotError(f"{path}: plots[{i}]: expected \"kind\": \"line\" or \"heatmap\"")
        for key in ("x", "metric", "file") + (("y",) if pl["kind"] == "heatmap" else ()):
            if not isinstance(pl.get(key), str) or not pl[key]:
                raise PlotError(f"{path}: plots[{i}]: \"{key}\" missing")
        if "/" in pl["file"] or pl["file"].startswith("."):
            raise PlotError(f"{path}: plots[{i}]: \"file\" must be a plain basename, "
                             f"got '{pl['file']}'")
    sweep.setdefault("name", os.path.basename(os.path.normpath(directory)))
    sweep["_path"] = path
    return sweep


def read_sweep_results(directory, sweep):
    """DIR/results.csv as a list of rows {point, status, axes, metrics, error} and the metric
    column names. Axis values are floats on numeric axes, strings otherwise; metrics are floats
    (None where the cell is empty, as on failed points)."""
    path = os.path.join(directory, "results.csv")
    axes = sweep["axes"]
    try:
        with open(path, newline="") as f:
            lines = list(csv.reader(f))
    except FileNotFoundError:
        raise PlotError(f"{path}: missing (run `memsim sweep --collect {directory}`)")
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise PlotError(f"{path}: cannot read: {e}")
    if not lines:
        raise PlotError(f"{path}: empty, expected a header line")
    header = lines[0]
    want = ["point", "status"] + [a["name"] for a in axes]
    if header[:len(want)] != want:
        raise PlotError(f"{path}:1: header starts {','.join(header[:len(want)])}, expected "
                         f"{','.join(want)} (the axes of sweep.json)")
    has_error = header[-1] == "error"
    metric_cols = header[len(want):len(header) - (1 if has_error else 0)]
    rows = []
    for n, cells in enumerate(lines[1:], start=2):
        if not cells:
            continue
        if len(cells) != len(header):
            raise PlotError(f"{path}:{n}: {len(cells)} fields, header has {len(header)}")
        where = f"{path}:{n}"
        try:
            point = int(cells[0])
        except ValueError:
            raise PlotError(f"{where}: point '{cells[0]}' is not an integer")
        status = cells[1]
        if status not in ("ok", "failed"):
            raise PlotError(f"{where}: status '{status}', expected ok or failed")
        row = {"point": point, "status": status, "axes": {}, "raw": {}, "metrics": {},
               "error": cells[-1] if has_error else ""}
        for a, cell in zip(axes, cells[2:2 + len(axes)]):
            row["raw"][a["name"]] = cell
            if a["numeric"]:
                try:
                    row["axes"][a["name"]] = float(cell)
                except ValueError:
                    raise PlotError(f"{where}: axis {a['name']} value '{cell}' is not a number")
            else:
                row["axes"][a["name"]] = cell
        for col, cell in zip(metric_cols, cells[len(want):]):
            if cell == "":
                row["metrics"][col] = None
                continue
            try:
                row["metrics"][col] = float(cell)
            except ValueError:
                raise PlotError(f"{where}: {col} '{cell}' is not a number")
        rows.append(row)
    expected = sweep.get("points")
    if isinstance(expected, int) and expected != len(rows):
        print(f"tools/plot: warning: {path}: {len(rows)} rows, sweep.json says {expected} "
              f"points", file=sys.stderr)
    return rows, metric_cols



def metric_unit(metric, values):
    """(divisor, unit text) for a metric column from its name suffix; bytes scale to the
    largest binary unit that keeps the plotted values >= 1."""
    if metric.endswith("_ns"):
        return 1.0, "ns"
    if metric.endswith("_percent"):
        return 1.0, "% of RAM"
    if metric.endswith("_bytes"):
        big = max((abs(v) for v in values if v is not None), default=0.0)
        for div, unit in ((1024.0 ** 3, "GiB"), (MIB, "MiB"), (1024.0, "KiB")):
            if big >= div:
                return div, unit
        return 1.0, "bytes"
    return 1.0, "count"


def metric_label(metric, unit):
    name = metric
    for suffix in ("_ns", "_percent", "_bytes"):
        if name.endswith(suffix):
            name = name[:-len(suffix)]
    return f"{name.replace('_', ' ')} ({unit})"


def axis_by_name(sweep, name, what):
    for a in sweep["axes"]:
        if a["name"] == name:
            return a
    raise PlotError(f"{sweep['_path']}: {what}: no axis named '{name}' (axes: "
                     f"{', '.join(a['name'] for a in sweep['axes'])})")


def axis_values(axis, rows):
    """The axis's values in sweep.json order, then any others met in results.csv."""
    vals = list(axis["values"])
    for r in rows:
        v = r["axes"][axis["name"]]
        if v not in vals:
            vals.append(v)
    return vals


def value_text(axis, v):
    if axis["numeric"]:
        return fmt_num(v)
    # Config files (a model or machine axis) read better by their stem:
    # configs/models/memdesc-cpu-node.textproto -> memdesc-cpu-node.
    if "/" in v or v.endswith((".textproto", ".xml", ".mtrace")):
        base = os.path.basename(v)
        for ext in (".textproto", ".xml", ".mtrace"):
            if base.endswith(ext):
                return base[: -len(ext)]
        return base
    return v


def line_label(axis, v):
    if axis is None:
        return ""
    if axis["name"] == "model":
        return value_text(axis, v)
    return f"{axis['name']}={value_text(axis, v)}"


def other_axes(sweep, rows, used):
    """Axes not drawn on the plot itself that take more than one value: one panel each
    combination of theirs."""
    return [a for a in sweep["axes"] if a["name"] not in used and len(axis_values(a, rows)) > 1]


def fixed_axes_text(sweep, rows, used):
    parts = [f"{a['name']}={value_text(a, axis_values(a, rows)[0])}" for a in sweep["axes"]
             if a["name"] not in used and len(axis_values(a, rows)) == 1]
    return ", ".join(parts)


def combinations(others, rows):
    """[(combo dict name->value, title)] over the other axes, in sweep.json order."""
    if not others:
        return [({}, "")]
    out = []
    for vals in itertools.product(*(axis_values(a, rows) for a in others)):
        combo = {a["name"]: v for a, v in zip(others, vals)}
        title = ", ".join(f"{a['name']}={value_text(a, v)}" for a, v in zip(others, vals))
        out.append((combo, title))
    return out


def matches(row, combo):
    return all(row["axes"][k] == v for k, v in combo.items())


def footnote_text(rows, metric):
    """Footnote naming the points that have no value of the metric (failed or empty)."""
    missing = [r["point"] for r in rows
               if r["status"] != "ok" or r["metrics"].get(metric) is None]
    if not missing:
        return ""
    failed = sum(1 for r in rows if r["status"] != "ok")
    shown = ", ".join(str(p) for p in missing[:12]) + (", ..." if len(missing) > 12 else "")
    return (f"{len(missing)} of {len(rows)} points not shown ({failed} failed; "
            f"point {shown})")


def panel_grid(n):
    """(rows, cols, figure size in inches): at most two panels across, so a figure scaled
    to a 6.5 in text width keeps its 9 pt labels."""
    cols = 1 if n == 1 else 2
    rows = (n + cols - 1) // cols
    size = SINGLE_SIZE_IN if n == 1 else (PANEL_W_IN * cols, PANEL_H_IN * rows + 0.6)
    return rows, cols, size


def breakeven_points(xs, ya, yb, rel=0.0, abs_min=0.0, log=False):
    """Crossings of two lines sampled at the same increasing xs. A difference ya - yb smaller
    than abs_min or than rel times the larger |value| counts as none (the lines are equal
    there). A crossing is a change of sign between two samples with a difference; it is
    placed where the raw differences change sign between them: linearly interpolated (x, y)
    between adjacent samples of opposite sign, or the first sample where they are exactly
    equal. Touches (back to the same sign) and equal stretches at the ends are not
    crossings. log: interpolate log(y), as a plot with a log y axis draws the lines (needs
    values > 0; else linear)."""
    log = log and all(v > 0 for v in list(ya) + list(yb))
    ta, tb = ([math.log(v) for v in ya], [math.log(v) for v in yb]) if log else (ya, yb)
    raw = [a - b for a, b in zip(ta, tb)]   # same signs as ya - yb
    d = [0 if di == 0 or abs(di) < abs_min or abs(di) < rel * max(abs(a), abs(b))
         else di for di, a, b in ((a - b, a, b) for a, b in zip(ya, yb))]
    out = []
    last_nz = None   # index of the last sample with a meaningful difference
    for i, di in enumerate(d):
        if di == 0:
            continue
        if last_nz is not None and (d[last_nz] < 0) != (di < 0):
            for k in range(last_nz, i):
                if raw[k + 1] == 0:   # exactly equal at a sample: they meet there
                    out.append((xs[k + 1], ya[k + 1]))
                    break
                if raw[k] != 0 and (raw[k] < 0) != (raw[k + 1] < 0):
                    t = raw[k] / (raw[k] - raw[k + 1])
                    y = ta[k] + t * (ta[k + 1] - ta[k])
                    out.append((xs[k] + t * (xs[k + 1] - xs[k]), math.exp(y) if log else y))
                    break
        last_nz = i
    return out


def breakeven_threshold(metric):
    """(rel, abs_min) below which two lines count as equal: BREAKEVEN_REL always, and
    BREAKEVEN_ABS_NS for latencies."""
    return BREAKEVEN_REL, (BREAKEVEN_ABS_NS if metric.endswith("_ns") else 0.0)


def place_labels(ax, points, size_pt=(9, 9)):
    """Offsets (in points) for small labels at points (data coordinates) such that no two
    labels overlap: each label tries positions around its point and takes the first free
    one."""
    fig_w, fig_h = ax.figure.get_size_inches()
    pos = ax.get_position()
    w_pt, h_pt = pos.width * fig_w * 72, pos.height * fig_h * 72
    ax.get_xlim(), ax.get_ylim()   # settle the autoscaled limits transData maps with
    to_axes = ax.transAxes.inverted()
    placed, out = [], []
    tries = [(4, 3), (4, -12), (-13, 3), (-13, -12), (6, 16), (-15, 16), (6, -25), (-15, -25),
             (18, 3), (-27, 3), (18, -12), (-27, -12)]
    for x, y in points:
        fx, fy = to_axes.transform(ax.transData.transform((x, y)))
        px, py = fx * w_pt, fy * h_pt
        chosen = tries[-1]
        for dx, dy in tries:
            box = (px + dx, py + dy, px + dx + size_pt[0], py + dy + size_pt[1])
            if all(box[2] <= b[0] or box[0] >= b[2] or box[3] <= b[1] or box[1] >= b[3]
                   for b in placed):
                chosen = (dx, dy)
                break
        placed.append((px + chosen[0], py + chosen[1], px + chosen[0] + size_pt[0],
                       py + chosen[1] + size_pt[1]))
        out.append(chosen)
    return out


def check_metric(sweep, metric_cols, metric, what):
    if metric not in metric_cols:
        raise PlotError(f"{sweep['_path']}: {what}: metric '{metric}' is not a column of "
                         f"results.csv (columns: {', '.join(metric_cols)})")


def plot_sweep_line(sweep, rows, metric_cols, spec, out_dir):
    """Metric against a numeric x axis, one line per value of spec["lines"] (default model),
    one panel per combination of the other axes that vary; identical lines drawn once,
    break-evens circled, numbered and listed under the plot. Returns (written files,
    break-even rows, the other axes, the x axis)."""
    what = f"plot '{spec['file']}'"
    check_metric(sweep, metric_cols, spec["metric"], what)
    xa = axis_by_name(sweep, spec["x"], what)
    if not xa["numeric"]:
        raise PlotError(f"{sweep['_path']}: {what}: x axis '{xa['name']}' is not numeric; "
                         f"use a heatmap or make it the lines axis")
    lines_name = spec.get("lines") or "model"
    la = None
    if any(a["name"] == lines_name for a in sweep["axes"]):
        la = axis_by_name(sweep, lines_name, what)
    elif spec.get("lines"):
        axis_by_name(sweep, lines_name, what)   # raises, naming the axes
    if la is not None and la["name"] == xa["name"]:
        raise PlotError(f"{sweep['_path']}: {what}: x and lines are both '{xa['name']}'")
    used = {xa["name"]} | ({la["name"]} if la else set())
    others = other_axes(sweep, rows, used)
    combos = combinations(others, rows)
    metric = spec["metric"]
    ok_rows = [r for r in rows if r["status"] == "ok" and r["metrics"].get(metric) is not None]
    div, unit = metric_unit(metric, [r["metrics"][metric] for r in ok_rows])
    line_vals = axis_values(la, rows) if la else [None]
    title = spec.get("title") or f"{metric} vs {xa['name']}"
    fixed = fixed_axes_text(sweep, rows, used)
    footnote = footnote_text(rows, metric)
    groups = ([combos] if len(combos) <= MAX_PANELS_PER_FIGURE else [[c] for c in combos])

    threshold = breakeven_threshold(metric)
    written, crossings = [], []
    for g in groups:
        n_rows, n_cols, size = panel_grid(len(g))
        fig, axs = plt.subplots(n_rows, n_cols, figsize=size, squeeze=False)
        number, notes = 0, []   # break-evens: numbered on the plot, listed under it
        legend = {}
        for k, (combo, ctitle) in enumerate(g):
            ax = axs[k // n_cols][k % n_cols]
            series = {}
            for lv in line_vals:
                pts = sorted((r["axes"][xa["name"]], r["metrics"][metric]) for r in ok_rows
                             if matches(r, combo) and (la is None or r["axes"][la["name"]] == lv))
                if pts:
                    series[lv] = dict(pts)
            # Identical lines would hide each other: one line, named after all of them.
            lgroups = group_identical(list(series), series)
            gname = {}
            for grp in lgroups:
                pts = sorted(series[grp[0]].items())
                st = style(line_vals.index(grp[0]))
                gname[grp[0]] = group_label([line_label(la, lv) or metric for lv in grp])
                ax.plot([p[0] for p in pts], [p[1] / div for p in pts], marker=st["marker"],
                        color=st["color"], linestyle=st["linestyle"], markersize=4,
                        label=gname[grp[0]])
            marks = []
            if spec.get("breakeven") and la is not None:
                for ga, gb in itertools.combinations(lgroups, 2):
                    a, b = ga[0], gb[0]
                    xs = sorted(set(series[a]) & set(series[b]))
                    for x, y in breakeven_points(xs, [series[a][x] for x in xs],
                                                 [series[b][x] for x in xs], *threshold,
                                                 log=bool(spec.get("log_y"))):
                        for pa, pb in itertools.product(ga, gb):
                            crossings.append({"line_a": line_label(la, pa),
                                              "line_b": line_label(la, pb),
                                              "axes": {o["name"]: value_text(o, combo[o["name"]])
                                                       for o in others},
                                              "x": x, "metric": y, "panel": ctitle})
                        # Crossings at one spot (within 1 %) share a mark and a note that
                        # names every line equal there.
                        same = [m for m in marks if abs(m[0] - x) <= 0.01 * abs(x)
                                and abs(m[1] - y / div) <= 0.01 * abs(y / div)]
                        if same:
                            same[0][2].update(ga + gb)
                            continue
                        number += 1
                        marks.append((x, y / div, set(ga + gb), number,
                                      f" at {xa['name']}≈{fmt_num(float(f'{x:.3g}'))}"
                                      + (f", {ctitle}" if ctitle else "")
                                      + f" ({metric_label(metric, unit)[:-len(unit) - 3]} "
                                      f"{fmt_short(y / div)}"
                                      + ("" if unit == "count" else f" {unit}") + ")"))
            notes += [f"{m[3]}: " + " = ".join(line_label(la, lv) for lv in line_vals
                                                if lv in m[2]) + m[4] for m in marks]
            marks = [(m[0], m[1]) for m in marks]
            if marks:
                ax.plot([m[0] for m in marks], [m[1] for m in marks], linestyle="none",
                        marker="o", markersize=7, markerfacecolor="none",
                        markeredgecolor="black", markeredgewidth=1.2, zorder=5)
                first = number - len(marks) + 1
                for j, ((x, y), off) in enumerate(zip(marks, place_labels(ax, marks))):
                    # Labels pushed away from their circle by a neighbour point to it.
                    near = abs(off[0]) <= 13 and abs(off[1]) <= 12
                    ax.annotate(str(first + j), (x, y), xytext=off, textcoords="offset points",
                                fontsize=8, fontweight="bold", ha="left", va="bottom",
                                bbox={"boxstyle": "square,pad=0.1", "fc": "white",
                                      "ec": "none", "alpha": 0.8}, zorder=6,
                                arrowprops=None if near and j == 0 else
                                {"arrowstyle": "-", "color": "#333333", "linewidth": 0.6,
                                 "shrinkA": 0, "shrinkB": 4})
            ax.set_xlabel(xa["label"])
            if xa.get("scale") == "log2":  # a geometric range: equal steps on the page
                ax.set_xscale("log", base=2)
                ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(
                    lambda v, _pos: fmt_num(v)))
            ax.set_ylabel(metric_label(metric, unit))
            if spec.get("log_y"):  # values spanning decades (e.g. 4 KiB vs 2 MiB allocations)
                ax.set_yscale("log")
            # Plain tick labels, no offset or 1e5 multiplier: 1,000 ns, 250k, 1.5M.
            ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(
                fmt_count if unit == "count" else fmt_tick))
            if ctitle:
                ax.set_title(ctitle)
            ax.grid(alpha=0.3)
            if la is not None:  # one legend for the figure: every line any panel has
                for hd, lb in zip(*ax.get_legend_handles_labels()):
                    legend.setdefault(lb, hd)
        for k in range(len(g), n_rows * n_cols):
            axs[k // n_cols][k % n_cols].axis("off")
        name = _title_and_name(fig, spec, sweep, title, fixed, g)
        if spec.get("breakeven") and la is not None:
            rel, abs_min = threshold
            notes.insert(0, f"Break-evens (circled) where lines cross by ≥ {100 * rel:g} %"
                         + (f" and ≥ {abs_min:g} ns" if abs_min else "") + " on both sides"
                         + ("" if notes else ": none"))
        written += save_figure(fig, out_dir, name, "\n".join(notes + ([footnote] if footnote
                                                                       else [])),
                               legend=(list(legend.values()), list(legend)))
    return written, crossings, others, xa


def write_breakeven_csv(path, crossings, others, xa, metric):
    out = [["line_a", "line_b"] + [o["name"] for o in others] + [xa["name"], metric]]
    for c in crossings:
        out.append([c["line_a"], c["line_b"]] + [c["axes"][o["name"]] for o in others]
                   + [fmt_num(c["x"]), fmt_num(c["metric"])])
    write_text_atomic(path, "".join(",".join(csv_cell(c) for c in row) + "\n" for row in out))


def csv_cell(v):
    v = str(v)
    return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\n') else v


    return f"{v:.3g}"


def plot_sweep_heatmap(sweep, rows, metric_cols, spec, out_dir):
    """Metric over two axes, one annotated cell per point, one panel per combination of the
    other axes that vary; one colour scale across panels."""
    import numpy as np
    what = f"plot '{spec['file']}'"
    check_metric(sweep, metric_cols, spec["metric"], what)
    xa = axis_by_name(sweep, spec["x"], what)
    ya = axis_by_name(sweep, spec["y"], what)
    if xa["name"] == ya["name"]:
        raise PlotError(f"{sweep['_path']}: {what}: x and y are both '{xa['name']}'")
    metric = spec["metric"]
    used = {xa["name"], ya["name"]}
    others = other_axes(sweep, rows, used)
    combos = combinations(others, rows)
    ok_rows = [r for r in rows if r["status"] == "ok" and r["metrics"].get(metric) is not None]
    div, unit = metric_unit(metric, [r["metrics"][metric] for r in ok_rows])
    xv, yv = axis_values(xa, rows), axis_values(ya, rows)
    scaled = [r["metrics"][metric] / div for r in ok_rows]
    vmin, vmax = (min(scaled), max(scaled)) if scaled else (0.0, 1.0)
    if vmin == vmax:
        vmin, vmax = vmin - 0.5, vmax + 0.5
    title = spec.get("title") or f"{metric} over {xa['name']} and {ya['name']}"
    fixed = fixed_axes_text(sweep, rows, used)
    footnote = footnote_text(rows, metric)
    groups = ([combos] if len(combos) <= MAX_PANELS_PER_FIGURE else [[c] for c in combos])
    cmap = plt.get_cmap("viridis").copy()
    cmap.set_bad("#dddddd")
    written = []
    for g in groups:
        n_rows, n_cols, size = panel_grid(len(g))
        size = (size[0] + 0.9, size[1])   # room for the colour bar
        fig = plt.figure(figsize=size)
        # The colour bar gets a column of its own so tight_layout can place everything.
        gs = fig.add_gridspec(n_rows, n_cols + 1, width_ratios=[1] * n_cols + [0.05])
        axs = [[fig.add_subplot(gs[i, j]) for j in range(n_cols)] for i in range(n_rows)]
        cax = fig.add_subplot(gs[:, n_cols])
        im = None
        for k, (combo, ctitle) in enumerate(g):
            ax = axs[k // n_cols][k % n_cols]
            grid = np.full((len(yv), len(xv)), np.nan)
            for r in ok_rows:
                if matches(r, combo):
                    grid[yv.index(r["axes"][ya["name"]])][xv.index(r["axes"][xa["name"]])] = \
                        r["metrics"][metric] / div
            im = ax.imshow(np.ma.masked_invalid(grid), origin="lower", aspect="auto",
                           cmap=cmap, vmin=vmin, vmax=vmax)
            for i in range(len(yv)):
                for j in range(len(xv)):
                    v = grid[i][j]
                    if math.isnan(v):
                        ax.text(j, i, "—", ha="center", va="center", fontsize=9)
                        continue
                    light = (v - vmin) / (vmax - vmin) > 0.6   # viridis is light at the top
                    ax.text(j, i, fmt_short(v), ha="center", va="center", fontsize=9,
                            color="black" if light else "white")
            ax.set_xticks(range(len(xv)))
            xlabels = [value_text(xa, v) for v in xv]
            # Many labels, or a few long ones, would run into each other: slant them.
            long_labels = len(xv) <= 6 and sum(len(t) for t in xlabels) > 8 * len(xv) + 8
            ax.set_xticklabels(xlabels, rotation=30 if len(xv) > 6 else 20 if long_labels else 0,
                               ha="right" if long_labels else "center")
            ax.set_yticks(range(len(yv)))
            ax.set_yticklabels([value_text(ya, v) for v in yv])
            ax.set_xlabel(xa["label"])
            ax.set_ylabel(ya["label"])
            if ctitle:
                # Two panels across: a long title would run into its neighbour's.
                ax.set_title(ctitle.replace(", ", "\n") if n_cols > 1 and len(ctitle) > 40
                             else ctitle)
        for k in range(len(g), n_rows * n_cols):
            axs[k // n_cols][k % n_cols].axis("off")
        fig.colorbar(im, cax=cax, label=metric_label(metric, unit))
        name = _title_and_name(fig, spec, sweep, title, fixed, g)
        written += save_figure(fig, out_dir, name, footnote)
    return written


def draw_sweep_plot(sweep, rows, metric_cols, spec, out_dir):
    """One plot of sweep.json's "plots" (or an ad-hoc one of the same shape). Prints what it
    wrote and the break-even points."""
    with plt.rc_context(RC):
        if spec["kind"] == "heatmap":
            written = plot_sweep_heatmap(sweep, rows, metric_cols, spec, out_dir)
        else:
            written, crossings, others, xa = plot_sweep_line(sweep, rows, metric_cols, spec,
                                                             out_dir)
            if spec.get("breakeven"):
                path = os.path.join(out_dir, f"{spec['file']}.breakeven.csv")
                write_breakeven_csv(path, crossings, others, xa, spec["metric"])
                written.append(path)
                for c in crossings:
                    where = f" [{c['panel']}]" if c["panel"] else ""
                    print(f"break-even {spec['file']}{where}: {c['line_a']} = {c['line_b']} "
                          f"at {xa['name']}≈{fmt_num(c['x'])} "
                          f"({spec['metric']} {fmt_num(c['metric'])})")
                if not crossings:
                    print(f"break-even {spec['file']}: no crossing")
    for w in written:
        print(f"wrote {w}")


def adhoc_spec(args, sweep, metric_cols):
    """The one plot asked for by --metric/--x/--lines/--heatmap."""
    if not args.metric:
        raise PlotError("--x, --lines, --heatmap and --breakeven need --metric=COLUMN "
                         f"(columns: {', '.join(metric_cols)})")
    safe = lambda s: "".join(c if c.isalnum() or c in "-_." else "_" for c in s)  # noqa: E731
    if args.heatmap:
        parts = args.heatmap.split(",")
        if len(parts) != 2 or not all(parts):
            raise PlotError(f"--heatmap wants two axis names AX1,AX2, got '{args.heatmap}'")
        return {"kind": "heatmap", "x": parts[0], "y": parts[1], "metric": args.metric,
                "title": f"{args.metric} over {parts[0]} and {parts[1]}",
                "file": safe(f"heatmap-{args.metric}-{parts[0]}-{parts[1]}")}
    x = args.x
    if not x:
        lines = args.lines or "model"
        numeric = [a["name"] for a in sweep["axes"] if a["numeric"] and a["name"] != lines]
        if not numeric:
            raise PlotError(f"{sweep['_path']}: no numeric axis for x; pass --x=AXIS")
        x = numeric[0]
    spec = {"kind": "line", "x": x, "metric": args.metric, "breakeven": args.breakeven,
            "title": f"{args.metric} vs {x}", "file": safe(f"line-{args.metric}-{x}")}
    if args.lines:
        spec["lines"] = args.lines
    return spec


def made_traces(directory):
    """What the sweep made its traces from, as DIR/manifest.textproto (the sweep's own record
    of its spec) names it: {"gen": workload, "capture": input file name}, each only if there
    is exactly one."""
    try:
        with open(os.path.join(directory, "manifest.textproto"), encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError):
        text = ""
    gens = set(re.findall(r'gen\s*\{\s*workload:\s*"([^"]+)"', text))
    captures = {os.path.basename(p) for p in
                re.findall(r'capture\s*\{\s*input:\s*"([^"]+)"', text)}
    return {"gen": gens.pop() if len(gens) == 1 else "",
            "capture": captures.pop() if len(captures) == 1 else ""}


def describe_sweep(directory, sweep):
    """'<trace> on <machine>; models: a, b' from the points' result JSON (DIR/points/), where
    the run is named; the sweep's name when there are none yet."""
    runs = []
    for path in sorted(glob.glob(os.path.join(directory, "points", "*.json"))):
        try:
            with open(path, encoding="utf-8") as f:
                r = json.load(f)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise PlotError(f"{path}: cannot read the point's result: {e}")
        if not isinstance(r, dict) or not isinstance(r.get("run"), dict):
            raise PlotError(f"{path}: run: missing (expected a memsim result)")
        runs.append(r["run"])
    if not runs:
        return f"sweep {sweep['name']}"
    traces_dir = os.path.realpath(os.path.join(directory, "traces"))
    made = made_traces(directory)
    traces, machines, models = [], [], []
    for run in runs:
        r = {"trace": str(run.get("trace_path", "")), "trace_source":
             str(run.get("trace_source", ""))}
        t = trace_text(r)
        base = os.path.basename(r["trace"])
        # A trace the sweep made itself (DIR/traces/gen-N or capture-N.mtrace): say what from.
        if os.path.dirname(os.path.realpath(r["trace"])) == traces_dir:
            if base.startswith("gen-") and not r["trace_source"]:
                t = "synthetic trace (memsim gen" + (f" {made['gen']}" if made["gen"] else
                                                     "") + ")"
            elif base.startswith("capture-"):
                t = (f"{made['capture']} (real capture)" if made["capture"]
                     else f"{base} (imported capture)")
        traces.append(t)
        machines.append(str(run.get("machine_name", "")) or "?")
        models.append(str(run.get("model_label", "")) or str(run.get("model", "?")))
    traces, machines, models = (list(dict.fromkeys(v)) for v in (traces, machines, models))
    return (f"{listing(traces, 'traces')} on {listing(machines, 'machines')}\n"
            f"models: {listing(models, 'models') if len(models) > 6 else ', '.join(models)}")


def run(args):
    """tools/plot sweep: raises PlotError on bad input."""
    sweep = read_sweep_json(args.dir)
    rows, metric_cols = read_sweep_results(args.dir, sweep)
    sweep["_about"] = describe_sweep(args.dir, sweep)
    out_dir = args.out or args.dir
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as e:
        raise PlotError(f"{out_dir}: cannot create: {e.strerror or e}")
    if args.metric or args.x or args.lines or args.heatmap or args.breakeven:
        specs = [adhoc_spec(args, sweep, metric_cols)]
    else:
        specs = sweep["plots"]
        if not specs:
            raise PlotError(f"{sweep['_path']}: no \"plots\"; ask for one with "
                            f"--metric=COLUMN [--x=AXIS] [--lines=AXIS] [--heatmap=A,B]")
    for spec in specs:
        draw_sweep_plot(sweep, rows, metric_cols, spec, out_dir)
