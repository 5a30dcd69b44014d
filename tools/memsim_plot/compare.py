"""tools/plot compare DIR: the plots of a `memsim compare --out=DIR` folder (one result JSON
per model), written to DIR as <plot>.png and .svg:

  overhead           metadata bytes per model: the whole (memmap array, descriptors, slab
                     waste, HVO savings) and, on a scale of their own, the descriptors
  overhead_by_node   the same per NUMA node
  overhead_by_owner  per owner type (anon, file, slab, ...)
  latency_cdf        per event kind: the CDF from the 1st percentile to the maximum, and the
                     tail (1 - CDF, log scale)
  latency_breakdown  metadata latency by event kind, and where each kind's metadata line
                     accesses were served (L1 ... local DRAM, remote DRAM, HITM)
  misses             misses per cache level and remote/coherence traffic, one linear panel
                     each, values on the bars

Models whose results are identical for a panel are drawn once and named together
("memdesc = allocatee")."""
import matplotlib.pyplot as plt
import matplotlib.ticker

from .common import (MIB, RC, fmt_count, fmt_short, fmt_tick, group_identical, group_label,
                     save_figure, style)
from .results import describe, read_compare_dir

PLOTS = ("overhead", "overhead_by_node", "overhead_by_owner", "latency_cdf",
         "latency_breakdown", "misses")


def byte_unit(values):
    big = max((abs(v) for v in values), default=0.0)
    for div, unit in ((1024.0 ** 3, "GiB"), (MIB, "MiB"), (1024.0, "KiB")):
        if big >= div:
            return div, unit
    return 1.0, "bytes"


def fmt_bytes(v):
    div, unit = byte_unit([v])
    return f"{v / div:.3g} {unit}" if div > 1 else f"{v:.0f} B"


def tick_labels(results, values_of):
    """Model names for the x axis; a model whose plotted values equal an earlier model's
    says so ("allocatee\n= memdesc") since its bars cannot be told apart otherwise."""
    labels = []
    for i, r in enumerate(results):
        same = [q["label"] for q in results[:i] if values_of(q) == values_of(r)]
        labels.append(r["label"] + (f"\n= {same[0]}" if same else ""))
    return labels


def label_bars(ax, xs, tops, texts, fontsize=7):
    for x, top, t in zip(xs, tops, texts):
        ax.annotate(t, (x, top), xytext=(0, 2), textcoords="offset points", ha="center",
                    va="bottom", fontsize=fontsize)


def plot_overhead(results, out_dir, sub):
    m = [r["overhead"]["machine"] for r in results]
    x = list(range(len(results)))
    static = [f["static_bytes"] for f in m]
    live = [f["descriptor_live_bytes"] for f in m]
    waste = [f["slab_waste_bytes"] for f in m]
    hvo = [f["hvo_saved_bytes"] for f in m]
    div, unit = byte_unit([s + w + d for s, w, d in zip(static, live, waste)])
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 4.4),
                                 gridspec_kw={"width_ratios": [1.2, 1]})
    ax.bar(x, [s / div for s in static], label="memmap array (struct page / words)",
           color="#4c72b0")
    ax.bar(x, [d / div for d in live], bottom=[s / div for s in static],
           label="descriptors in use", color="#dd8452")
    ax.bar(x, [w / div for w in waste], bottom=[(s + d) / div for s, d in zip(static, live)],
           label="descriptor slab waste", color="#c44e52")
    if any(hvo):
        ax.bar(x, [-h / div for h in hvo], label="HVO savings", color="#55a868")
    tops = [(s + d + w) / div for s, d, w in zip(static, live, waste)]
    label_bars(ax, x, tops, [f"{fmt_bytes(f['final_bytes'])}\n{f['peak_percent_of_ram']:.4g} % "
                             f"of RAM\n(peak)" for f in m])
    ax.set_ylim(top=max(tops) * 1.3 if max(tops) > 0 else 1)
    ax.set_xticks(x)
    ax.set_xticklabels(tick_labels(results, lambda r: r["overhead"]["machine"]))
    ax.set_ylabel(f"metadata at end of trace ({unit})")
    ax.set_title("all metadata")
    ax.legend(loc="upper right")
    # The descriptors are MiB next to GiB of memmap array: their own panel and scale.
    ddiv, dunit = byte_unit(live + [d + w for d, w in zip(live, waste)])
    bx.bar(x, [d / ddiv for d in live], color="#dd8452", label="descriptors in use")
    bx.bar(x, [w / ddiv for w in waste], bottom=[d / ddiv for d in live], color="#c44e52",
           label="descriptor slab waste")
    dtops = [(d + w) / ddiv for d, w in zip(live, waste)]
    label_bars(bx, x, dtops, [fmt_bytes(d + w) if d + w else "none" for d, w in
                              zip(live, waste)])
    bx.set_ylim(top=max(dtops) * 1.2 if max(dtops) > 0 else 1)
    bx.set_xticks(x)
    bx.set_xticklabels(tick_labels(results, lambda r: r["overhead"]["machine"]))
    bx.set_ylabel(f"descriptor slabs at end of trace ({dunit})")
    bx.set_title("descriptors only (separately allocated, in slabs)")
    bx.legend(loc="upper left")
    for a in (ax, bx):
        a.grid(axis="y", alpha=0.3)
        a.set_axisbelow(True)
    fig.suptitle(f"Metadata overhead by memmap model\n{sub}")
    return save_figure(fig, out_dir, "overhead")


def plot_overhead_by_node(results, out_dir, sub):
    """Per NUMA node: the whole overhead and, on its own scale, the descriptor slabs."""
    nodes = sorted({n["node"] for r in results for n in r["overhead"]["nodes"]})
    if not nodes:
        return []

    def fig_of(r, node, key):
        for n in r["overhead"]["nodes"]:
            if n["node"] == node:
                return n[key]
        return 0.0

    width = 0.8 / len(results)
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 4.2))
    totals = [fig_of(r, n, "final_bytes") for r in results for n in nodes]
    div, unit = byte_unit(totals)
    slabs = [fig_of(r, n, "slab_bytes") for r in results for n in nodes]
    ddiv, dunit = byte_unit(slabs)
    groups = group_identical(list(range(len(results))),
                             {i: r["overhead"]["nodes"] for i, r in enumerate(results)})
    for i, r in enumerate(results):
        xs = [j + (i - (len(results) - 1) / 2) * width for j in range(len(nodes))]
        c = style(i)["color"]
        tot = [fig_of(r, n, "final_bytes") / div for n in nodes]
        ax.bar(xs, tot, width, color=c, label=r["label"])
        label_bars(ax, xs, tot, [f"{fig_of(r, n, 'final_percent_of_ram'):.3g}%" for n in nodes],
                   fontsize=6)
        sl = [fig_of(r, n, "slab_bytes") / ddiv for n in nodes]
        bx.bar(xs, sl, width, color=c, label=r["label"])
        label_bars(bx, xs, sl, [fmt_short(v) if v else "0" for v in sl], fontsize=6)
    for a, ylabel in ((ax, f"metadata at end of trace ({unit})"),
                      (bx, f"descriptor slabs at end of trace ({dunit})")):
        a.set_xticks(range(len(nodes)))
        a.set_xticklabels([f"node {n}" for n in nodes])
        a.set_ylabel(ylabel)
        a.grid(axis="y", alpha=0.3)
        a.set_axisbelow(True)
        lo, hi = a.get_ylim()
        a.set_ylim(0, hi * 1.15 if hi > 0 else 1)
    ax.set_title("all metadata (labels: % of the node's RAM)")
    bx.set_title("descriptors only (slab bytes, waste included)")
    same = [group_label([results[i]["label"] for i in g]) for g in groups if len(g) > 1]
    fig.legend(handles=ax.patches[::len(nodes)], labels=[r["label"] for r in results],
               title=("identical: " + "; ".join(same)) if same else None, title_fontsize=7,
               loc="lower center", ncol=len(results), frameon=False)
    fig.suptitle(f"Metadata overhead per NUMA node\n{sub}")
    return save_figure(fig, out_dir, "overhead_by_node", rect=(0, 0.1, 1, 1))


def plot_overhead_by_owner(results, out_dir, sub):
    """Stacked bars per model: the metadata each owner type accounts for at the end of the
    trace (its share of the memmap array, solid, plus its descriptors, hatched; HVO savings
    of hugetlb subtracted). Left: all memory; right: memory allocated to a known owner type
    only, where the models' descriptors show (free pages, pages of unknown state and
    allocated pages of unknown owner hold most of the array)."""
    if not any(r["overhead"]["owners"] for r in results):
        return []  # results from before overhead.owners existed
    owners = list(dict.fromkeys(o["owner"] for r in results for o in r["overhead"]["owners"]))
    not_known = {"free", "state_unknown", "unknown"}
    colors = plt.get_cmap("tab20").colors
    color = {o: colors[i % len(colors)] for i, o in enumerate(owners)}
    x = list(range(len(results)))

    def figures(r, owner):
        for o in r["overhead"]["owners"]:
            if o["owner"] == owner:
                return ((o["static_bytes"] - o["hvo_saved_bytes"]) / MIB,
                        o["descriptor_live_bytes"] / MIB)
        return 0.0, 0.0

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6))
    for ax, subset, title in ((axes[0], owners, "all memory"),
                              (axes[1], [o for o in owners if o not in not_known],
                               "allocated, owner type known")):
        bottom = [0.0] * len(results)
        for owner in subset:
            static = [figures(r, owner)[0] for r in results]
            desc = [figures(r, owner)[1] for r in results]
            ax.bar(x, static, bottom=bottom, color=color[owner], label=owner)
            bottom = [b + s for b, s in zip(bottom, static)]
            if any(d > 0 for d in desc):
                ax.bar(x, desc, bottom=bottom, color=color[owner], hatch="//",
                       edgecolor="white", linewidth=0)
                bottom = [b + d for b, d in zip(bottom, desc)]
        ax.set_xticks(x)
        ax.set_xticklabels(tick_labels(results, lambda r: r["overhead"]["owners"]))
        if max(bottom) > 0:
            ax.set_ylim(top=max(bottom) * 1.35)  # room for the legend
        ax.set_ylabel("metadata at end of trace (MiB)")
        ax.set_title(title)
        ax.legend(fontsize=7, ncol=2)
    fig.suptitle("Metadata overhead by model and owner type (solid: memmap array share, "
                 f"hatched: descriptors)\n{sub}")
    return save_figure(fig, out_dir, "overhead_by_owner")


def latency_kinds(results):
    """Kinds the models act on; the others (migrate_batch, compaction, faults without a pfn)
    are counted with latency 0 and would only add empty panels."""
    kinds = [e["kind"] for e in results[0]["events"]]
    return [k for k in kinds
            if any(e["kind"] == k and e["max_ns"] > 0 and e["percentiles"]
                   for r in results for e in r["events"])]


def event(r, kind):
    return next(e for e in r["events"] if e["kind"] == kind)


def log_ticks(ax):
    """Enough labelled ticks on a log x axis that spans only a decade or two."""
    lo, hi = ax.get_xlim()
    if lo > 0 and hi / lo < 8:
        ax.xaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1, 1.5, 2, 3, 5, 7)))
    elif lo > 0 and hi / lo < 80:
        ax.xaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1, 2, 5)))


def plot_latency_cdf(results, out_dir, sub):
    """Per event kind, two panels: the CDF from the 1st percentile to the maximum (the
    results hold the 1st..99th percentiles and the maximum; between the 99th and the
    maximum the curve is unknown: dashed) and the tail, 1 - CDF on a log scale down to
    1/count (the maximum)."""
    kinds = latency_kinds(results)
    if not kinds:
        return []
    fig, axes = plt.subplots(len(kinds), 2, figsize=(9, 2.6 * len(kinds) + 0.6),
                             squeeze=False)
    qs = [q / 100.0 for q in range(1, 100)]
    for row, kind in enumerate(kinds):
        ax, tx = axes[row]
        evs = [event(r, kind) for r in results]
        curves = {i: (tuple(e["percentiles"]), e["max_ns"], e["count"])
                  for i, e in enumerate(evs) if e["percentiles"]}
        vals = [v for c in curves.values() for v in c[0] + (c[1],)]
        pos = [v for v in vals if v > 0]
        log_x = bool(pos) and max(pos) / min(pos) > 30
        floor = min(pos) / 1.5 if log_x else 0.0
        for g in group_identical(list(curves), curves):
            p, mx, count = curves[g[0]]
            st = style(g[0])
            name = group_label([results[i]["label"] for i in g])
            xs = [max(v, floor) for v in p]
            ax.plot(xs, qs, drawstyle="steps-post", color=st["color"],
                    linestyle=st["linestyle"], label=name)
            ax.plot([xs[-1], max(mx, floor)], [0.99, 1.0], color=st["color"], linestyle=":",
                    linewidth=1)
            ax.plot([max(mx, floor)], [1.0], marker=st["marker"], color=st["color"],
                    markersize=4, linestyle="none")
            tail_q = [1 - q for q in qs[49:]]
            tx.plot(xs[49:], tail_q, drawstyle="steps-post", color=st["color"],
                    linestyle=st["linestyle"], label=name)
            if count > 0:
                tx.plot([xs[-1], max(mx, floor)], [0.01, 1.0 / count], color=st["color"],
                        linestyle=":", linewidth=1)
                tx.plot([max(mx, floor)], [1.0 / count], marker=st["marker"],
                        color=st["color"], markersize=4, linestyle="none")
        counts = sorted({int(e["count"]) for e in evs})
        ctext = f"{counts[0]:,} events" if len(counts) == 1 else "events: " + ", ".join(
            f"{c:,}" for c in counts)
        ax.set_title(f"{kind} ({ctext}): CDF to the maximum")
        tx.set_title(f"{kind}: tail, p50 to the maximum (log)")
        ax.set_ylabel("fraction of events ≤ x")
        tx.set_ylabel("fraction of events > x")
        tx.set_yscale("log")
        tx.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(
            lambda v, _p: f"{v:g}"))
        for a in (ax, tx):
            if log_x:
                a.set_xscale("log")
                log_ticks(a)
                a.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(fmt_tick))
                a.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
            else:
                a.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(fmt_tick))
            a.set_xlabel("metadata latency (ns)" + (" (0 ns drawn at the left edge)"
                                                    if log_x and min(vals) <= 0 else ""))
            a.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=7)
    fig.suptitle(f"Metadata latency per event kind (dotted: 99th percentile to the maximum, "
                 f"marker: maximum)\n{sub}")
    return save_figure(fig, out_dir, "latency_cdf")


# Where a metadata line access was served: from the AccessCounts of each event kind.
SERVED = (("L1 hit", "#9ecae1"), ("L2 hit", "#4292c6"), ("LLC hit", "#08519c"),
          ("local DRAM", "#74c476"), ("remote DRAM, same socket", "#fd8d3c"),
          ("remote DRAM, other socket", "#d94801"), ("HITM (other socket's cache)", "#cb181d"),
          ("LLC miss, other", "#969696"))


def served(a):
    """Line accesses split by where they were served (the levels of docs/results.md)."""
    other = a["llc_misses"] - a["dram_local"] - a["dram_remote"] - a["coherence_transfers"]
    return [a["line_accesses"] - a["l1_misses"], a["l1_misses"] - a["l2_misses"],
            a["l2_misses"] - a["llc_misses"], a["dram_local"],
            a["dram_remote"] - a["dram_remote_socket"], a["dram_remote_socket"],
            a["coherence_transfers"], max(other, 0.0)]


def plot_latency_breakdown(results, out_dir, sub):
    """Where the metadata latency goes: first panel, the summed latency of each event kind
    per model (stacked); then per event kind, its metadata line accesses by where they were
    served (local caches, local DRAM, remote DRAM, another socket's cache), per model."""
    kinds = [k for k in (e["kind"] for e in results[0]["events"])
             if any(event(r, k)["accesses"]["line_accesses"] > 0 or event(r, k)["total_ns"] > 0
                    for r in results)]
    if not kinds:
        return []
    n = len(kinds) + 1
    cols = 3 if n > 4 else 2
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 3.1 * rows + 1.0), squeeze=False)
    x = list(range(len(results)))
    ax = axes[0][0]
    totals = [[event(r, k)["total_ns"] for k in kinds] for r in results]
    big = max(sum(t) for t in totals)
    div, unit = ((1e6, "ms") if big >= 1e6 else (1e3, "µs") if big >= 1e3 else (1.0, "ns"))
    kc = plt.get_cmap("tab10").colors
    bottom = [0.0] * len(results)
    for j, k in enumerate(kinds):
        v = [t[j] / div for t in totals]
        if any(v):
            ax.bar(x, v, bottom=bottom, color=kc[j % len(kc)], label=k)
        bottom = [b + y for b, y in zip(bottom, v)]
    label_bars(ax, x, bottom, [f"{b:.3g}" for b in bottom])
    ax.set_ylim(top=max(bottom) * 1.15 if max(bottom) > 0 else 1)
    ax.set_ylabel(f"summed metadata latency ({unit})")
    ax.set_title("latency by event kind")
    ax.set_xticks(x)
    ax.set_xticklabels([r["label"] for r in results], rotation=20)
    ax.legend(fontsize=7)
    used = set()
    for j, k in enumerate(kinds, start=1):
        bx = axes[j // cols][j % cols]
        parts = [served(event(r, k)["accesses"]) for r in results]
        big = max(sum(p) for p in parts)
        sdiv, sunit = (1e6, "M") if big >= 1e6 else (1e3, "k") if big >= 1e4 else (1.0, "")
        bottom = [0.0] * len(results)
        for s, (name, c) in enumerate(SERVED):
            v = [p[s] / sdiv for p in parts]
            if any(v):
                bx.bar(x, v, bottom=bottom, color=c, label=name)
                used.add(name)
            bottom = [b + y for b, y in zip(bottom, v)]
        # On each bar: the share of its accesses that left the socket (remote DRAM of another
        # socket and HITM), the costly part.
        far = [p[5] + p[6] for p in parts]
        label_bars(bx, x, bottom, [f"{100 * f / sum(p):.0f}% off-socket" if sum(p) else ""
                                   for f, p in zip(far, parts)], fontsize=6)
        bx.set_ylim(top=max(bottom) * 1.15 if max(bottom) > 0 else 1)
        bx.set_ylabel(f"metadata line accesses{f' ({sunit})' if sunit else ''}")
        mean = ", ".join(fmt_short(event(r, k)["mean_ns"]) for r in results)
        bx.set_title(f"{k}: where accesses were served\nmean ns: {mean}", fontsize=8)
        bx.set_xticks(x)
        bx.set_xticklabels([r["label"] for r in results], rotation=20)
    for j in range(n, rows * cols):
        axes[j // cols][j % cols].axis("off")
    for row in axes:
        for a in row:
            a.grid(axis="y", alpha=0.3)
            a.set_axisbelow(True)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for name, c in SERVED if name in used]
    fig.legend(handles, [name for name, _ in SERVED if name in used], loc="lower center",
               ncol=4, fontsize=8, frameon=False)
    fig.suptitle(f"Where metadata latency goes: by event kind, and by where its line accesses "
                 f"were served\n{sub}")
    return save_figure(fig, out_dir, "latency_breakdown", rect=(0, 0.07, 1, 1))


MISS_LEVELS = (("metadata line accesses", "line_accesses"), ("L1 misses", "l1_misses"),
               ("L2 misses", "l2_misses"), ("LLC misses", "llc_misses"),
               ("remote DRAM", "dram_remote"), ("HITM (coherence transfers)",
                                                "coherence_transfers"))


def plot_misses(results, out_dir, sub):
    """One linear panel per level, a bar per model with its count: a log scale would hide
    the 2-5x differences between models."""
    cols = 3
    rows = (len(MISS_LEVELS) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(10, 3.0 * rows + 0.6), squeeze=False)
    x = list(range(len(results)))
    for k, (name, key) in enumerate(MISS_LEVELS):
        ax = axes[k // cols][k % cols]
        vals = [r["total"][key] for r in results]
        ax.bar(x, vals, color=[style(i)["color"] for i in x])
        base = vals[0]
        label_bars(ax, x, vals, [fmt_short(v) + (f"\n{v / base:.2f}×" if i and base else "")
                                 for i, v in enumerate(vals)])
        ax.set_ylim(0, max(vals) * 1.25 if max(vals) > 0 else 1)
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(fmt_count))
        ax.set_title(name)
        ax.set_xticks(x)
        ax.set_xticklabels([r["label"] for r in results], rotation=20)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
    for k in range(len(MISS_LEVELS), rows * cols):
        axes[k // cols][k % cols].axis("off")
    fig.suptitle(f"Metadata cache misses and remote traffic, all events (× = relative to "
                 f"{results[0]['label']})\n{sub}")
    return save_figure(fig, out_dir, "misses")


def run(directory):
    results = read_compare_dir(directory)
    sub = describe(results)
    written = []
    with plt.rc_context(RC):
        for draw in (plot_overhead, plot_overhead_by_node, plot_overhead_by_owner,
                     plot_latency_cdf, plot_latency_breakdown, plot_misses):
            written += draw(results, directory, sub)
    return written
