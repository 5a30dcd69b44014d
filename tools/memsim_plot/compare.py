"""tools/plot compare DIR: the plots of a `memsim compare --out=DIR` folder (one result JSON
per model), written to DIR as <plot>.png and .svg:

  overhead           metadata bytes per model (memmap array, descriptors, slab waste, HVO
                     savings): for the memory the trace described first, then the whole
                     machine under the results' rule for the rest, and, on a scale of their
                     own, the descriptors
  overhead_by_node   the same per NUMA node
  overhead_by_owner  per owner type (anon, file, slab, ...): bytes per page, then bytes
  latency_cdf        per event kind: the CDF from the 1st percentile to the maximum, and the
                     tail (1 - CDF, log scale)
  latency_breakdown  metadata latency by event kind, and where each kind's metadata line
                     accesses were served (L1 ... local DRAM, remote DRAM, HITM)
  latency_sources    where the latency went in ns, per model and kernel path (event kind):
                     cache hits, local DRAM, remote DRAM, coherence, non-memory work, copy
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
         "latency_breakdown", "latency_sources", "misses")


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
    return tick_labels_of(results, [values_of(r) for r in results])


def tick_labels_of(results, values):
    """tick_labels with the plotted values given as a list, one per result."""
    labels = []
    for i, r in enumerate(results):
        same = [q["label"] for j, q in enumerate(results[:i]) if values[j] == values[i]]
        labels.append(r["label"] + (f"\n= {same[0]}" if same else ""))
    return labels


def label_bars(ax, xs, tops, texts, fontsize=7):
    for x, top, t in zip(xs, tops, texts):
        ax.annotate(t, (x, top), xytext=(0, 2), textcoords="offset points", ha="center",
                    va="bottom", fontsize=fontsize)


RULE_TEXT = {"extrapolate": "undescribed memory extrapolated",
             "free": "undescribed memory as free"}


def whole_title(results):
    """The whole-machine panels' title: the rule for memory the trace never described."""
    rule = results[0]["overhead"]["rule"]
    return f"whole machine, {RULE_TEXT.get(rule, rule)}" if rule else "whole machine"


def has_described(results):
    return all(r["overhead"]["described"] is not None for r in results)


def draw_stack(ax, results, figs, title, labels):
    """Stacked bars per model: memmap array, descriptors in use, slab waste (HVO savings
    below zero), each bar labelled with labels(figures)."""
    x = list(range(len(results)))
    static = [f["static_bytes"] for f in figs]
    live = [f["descriptor_live_bytes"] for f in figs]
    waste = [f["slab_waste_bytes"] for f in figs]
    hvo = [f["hvo_saved_bytes"] for f in figs]
    div, unit = byte_unit([s + w + d for s, w, d in zip(static, live, waste)])
    ax.bar(x, [s / div for s in static], label="memmap array (struct page / words)",
           color="#4c72b0")
    ax.bar(x, [d / div for d in live], bottom=[s / div for s in static],
           label="descriptors in use", color="#dd8452")
    ax.bar(x, [w / div for w in waste], bottom=[(s + d) / div for s, d in zip(static, live)],
           label="descriptor slab waste", color="#c44e52")
    if any(hvo):
        ax.bar(x, [-h / div for h in hvo], label="HVO savings", color="#55a868")
    tops = [(s + d + w) / div for s, d, w in zip(static, live, waste)]
    label_bars(ax, x, tops, [labels(f) for f in figs])
    ax.set_ylim(top=max(tops) * 1.35 if max(tops) > 0 else 1)
    ax.set_xticks(x)
    ax.set_xticklabels(tick_labels_of(results, figs))
    ax.set_ylabel(f"metadata at end of trace ({unit})")
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize=7)


def plot_overhead(results, out_dir, sub):
    """Described memory first (the pages the snapshot or an event gave a state: what the
    trace measured), then the whole machine under the results' rule for the rest, then the
    descriptors alone on their own scale. Results without described figures: the machine
    figures and the descriptors."""
    x = list(range(len(results)))
    m = [r["overhead"]["machine"] for r in results]
    panels = []
    if has_described(results):
        d = [r["overhead"]["described"] for r in results]
        pages = d[0]["pages"]
        panels.append((d, f"described memory ({fmt_short(pages)} pages, "
                          f"{fmt_bytes(pages * 4096)})",
                       lambda f: (f"{fmt_bytes(f['final_bytes'])}\n"
                                  f"{f['final_bytes_per_page']:.1f} B/page\n"
                                  f"{f['peak_percent_of_ram']:.4g} % (peak)")))
        panels.append(([r["overhead"]["whole"] for r in results], whole_title(results),
                       lambda f: (f"{fmt_bytes(f['final_bytes'])}\n"
                                  f"{f['peak_percent_of_ram']:.4g} % of RAM\n(peak)")))
    else:
        panels.append((m, "all metadata",
                       lambda f: (f"{fmt_bytes(f['final_bytes'])}\n"
                                  f"{f['peak_percent_of_ram']:.4g} % of RAM\n(peak)")))
    fig, axes = plt.subplots(1, len(panels) + 1, figsize=(5 * len(panels) + 4.5, 4.6),
                             gridspec_kw={"width_ratios": [1.2] * len(panels) + [1]})
    for ax, (figs, title, labels) in zip(axes, panels):
        draw_stack(ax, results, figs, title, labels)
    bx = axes[-1]
    # The descriptors are MiB next to GiB of memmap array: their own panel and scale. They
    # belong to described memory (the machine's as replayed).
    live = [f["descriptor_live_bytes"] for f in m]
    waste = [f["slab_waste_bytes"] for f in m]
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
    bx.legend(loc="upper left", fontsize=7)
    for a in axes:
        a.grid(axis="y", alpha=0.3)
        a.set_axisbelow(True)
    fig.suptitle(f"Metadata overhead by memmap model\n{sub}")
    return save_figure(fig, out_dir, "overhead")


def plot_overhead_by_node(results, out_dir, sub):
    """Per NUMA node: described memory's overhead (labels: bytes per described page), the
    whole node under the results' rule (labels: % of the node's RAM) and, on its own
    scale, the descriptor slabs. Results without described figures: the last two, with the
    node as replayed."""
    nodes = sorted({n["node"] for r in results for n in r["overhead"]["nodes"]})
    if not nodes:
        return []

    def node_of(r, node):
        return next((n for n in r["overhead"]["nodes"] if n["node"] == node), None)

    def value(r, node, part, key):
        n = node_of(r, node)
        if n is None:
            return 0.0
        f = n if part == "figures" else n[part]
        return f[key] if f is not None else 0.0

    described = has_described(results) and all(
        n["described"] is not None for r in results for n in r["overhead"]["nodes"])
    panels = []
    if described:
        panels.append(("described", "final_bytes", "described memory (labels: B per "
                       "described page)",
                       lambda r, n: (f"{value(r, n, 'described', 'final_bytes_per_page'):.3g} B"
                                     if value(r, n, "described", "pages") else "none")))
        panels.append(("whole", "final_bytes", f"{whole_title(results).replace('machine', 'node')}"
                       " (labels: % of the node's RAM)",
                       lambda r, n: f"{value(r, n, 'whole', 'final_percent_of_ram'):.3g}%"))
    else:
        panels.append(("figures", "final_bytes", "all metadata (labels: % of the node's RAM)",
                       lambda r, n: f"{value(r, n, 'figures', 'final_percent_of_ram'):.3g}%"))
    panels.append(("figures", "slab_bytes", "descriptors only (slab bytes, waste included)",
                   None))
    width = 0.8 / len(results)
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4.4))
    groups = group_identical(list(range(len(results))),
                             {i: r["overhead"]["nodes"] for i, r in enumerate(results)})
    for ax, (part, key, title, label) in zip(axes, panels):
        div, unit = byte_unit([value(r, n, part, key) for r in results for n in nodes])
        for i, r in enumerate(results):
            xs = [j + (i - (len(results) - 1) / 2) * width for j in range(len(nodes))]
            v = [value(r, n, part, key) / div for n in nodes]
            ax.bar(xs, v, width, color=style(i)["color"], label=r["label"])
            label_bars(ax, xs, v, [label(r, n) if label else (fmt_short(y) if y else "0")
                                   for n, y in zip(nodes, v)], fontsize=6)
        what = "descriptor slabs" if key == "slab_bytes" else "metadata"
        ax.set_ylabel(f"{what} at end of trace ({unit})")
        ax.set_title(title)
        ax.set_xticks(range(len(nodes)))
        ax.set_xticklabels([f"node {n}" for n in nodes])
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
        lo, hi = ax.get_ylim()
        ax.set_ylim(0, hi * 1.15 if hi > 0 else 1)
    same = [group_label([results[i]["label"] for i in g]) for g in groups if len(g) > 1]
    fig.legend(handles=axes[0].patches[::len(nodes)], labels=[r["label"] for r in results],
               title=("identical: " + "; ".join(same)) if same else None, title_fontsize=7,
               loc="lower center", ncol=len(results), frameon=False)
    fig.suptitle(f"Metadata overhead per NUMA node\n{sub}")
    return save_figure(fig, out_dir, "overhead_by_node", rect=(0, 0.1, 1, 1))


def plot_overhead_by_owner(results, out_dir, sub):
    """Per owner type: first the bytes of metadata per page each owner type costs under each
    model (its memmap slot plus its descriptors, HVO savings subtracted: anon 64 B under
    page64, 88 B under memdesc), then stacked bars per model of what each owner type
    accounts for at the end of the trace (memmap array share solid, descriptors hatched):
    the described memory (state_unknown left out), and memory allocated to a known owner
    type only, where the models' descriptors show."""
    if not any(r["overhead"]["owners"] for r in results):
        return []  # results from before overhead.owners existed
    owners = list(dict.fromkeys(o["owner"] for r in results for o in r["overhead"]["owners"]))
    not_known = {"free", "state_unknown", "unknown"}
    colors = plt.get_cmap("tab20").colors
    color = {o: colors[i % len(colors)] for i, o in enumerate(owners)}
    x = list(range(len(results)))

    def owner_of(r, owner):
        return next((o for o in r["overhead"]["owners"] if o["owner"] == owner), None)

    def figures(r, owner):
        o = owner_of(r, owner)
        if o is None:
            return 0.0, 0.0
        return ((o["static_bytes"] - o["hvo_saved_bytes"]) / MIB,
                o["descriptor_live_bytes"] / MIB)

    described = [o for o in owners if o != "state_unknown"]
    per_page = [o for o in described
                if any((owner_of(r, o) or {}).get("pages") and owner_of(r, o)["bytes_per_page"]
                       for r in results)]
    fig, axes = plt.subplots(1, 3 if per_page else 2, figsize=(16 if per_page else 11, 4.8))
    if per_page:
        ax = axes[0]
        width = 0.8 / len(results)
        for i, r in enumerate(results):
            xs = [j + (i - (len(results) - 1) / 2) * width for j in range(len(per_page))]
            v = [(owner_of(r, o) or {}).get("bytes_per_page", 0.0) for o in per_page]
            ax.bar(xs, v, width, color=style(i)["color"], label=r["label"])
            label_bars(ax, xs, v, [f"{y:.0f}" for y in v], fontsize=5)
        ax.set_xticks(range(len(per_page)))
        ax.set_xticklabels(per_page, rotation=30, ha="right")
        ax.set_ylabel("metadata per page (bytes)")
        ax.set_title("per page of each owner type (described memory)")
        lo, hi = ax.get_ylim()
        ax.set_ylim(0, hi * 1.2 if hi > 0 else 1)
        ax.legend(fontsize=7)
    stacks = ((described, "described memory"),
              ([o for o in owners if o not in not_known], "allocated, owner type known"))
    for ax, (subset, title) in zip(axes[1:] if per_page else axes, stacks):
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
        ax.set_title(title + " (solid: memmap array share, hatched: descriptors)")
        ax.legend(fontsize=7, ncol=2)
    for a in axes:
        a.grid(axis="y", alpha=0.3)
        a.set_axisbelow(True)
    fig.suptitle(f"Metadata overhead by model and owner type\n{sub}")
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
    # Head room for the legend above the tallest bar's label (it hid one before).
    ax.set_ylim(top=max(bottom) * 1.5 if max(bottom) > 0 else 1)
    ax.set_ylabel(f"summed metadata latency ({unit})")
    ax.set_title("latency by event kind")
    ax.set_xticks(x)
    ax.set_xticklabels([r["label"] for r in results], rotation=20)
    ax.legend(fontsize=7, ncol=3, loc="upper center", columnspacing=0.8, handlelength=1.2)
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


# What served the latency (LatencySources, docs/results.md "Where the latency goes"): stack
# order bottom to top, name, fields, colour. Remote memory in oranges, coherence in red.
SOURCES = (("L1 hit", ("l1_ns",), "#9ecae1"), ("L2 hit", ("l2_ns",), "#4292c6"),
           ("LLC hit", ("llc_ns",), "#08519c"), ("local DRAM", ("dram_local_ns",), "#74c476"),
           ("remote DRAM, same socket", ("dram_remote_node_ns",), "#fdae6b"),
           ("remote DRAM, other socket (link incl.)", ("dram_remote_socket_ns",), "#e6550d"),
           ("CPU-less node (CXL) DRAM", ("dram_cpu_less_ns",), "#8c6d31"),
           ("coherence (HITM, invalidations)", ("coherence_ns",), "#cb181d"),
           ("non-memory work", ("compute_ns",), "#969696"),
           ("data copy (migration)", ("copy_ns",), "#bcbddc"))
REMOTE = ("dram_remote_node_ns", "dram_remote_socket_ns", "dram_cpu_less_ns")


def time_unit(big):
    return (1e6, "ms") if big >= 1e6 else (1e3, "µs") if big >= 1e3 else (1.0, "ns")


def plot_latency_sources(results, out_dir, sub):
    """Where the latency goes, in ns: one panel for all events, then one per kernel path
    (event kind) with latency; in each a stacked bar per model of the ns each source served
    (cache hits, local DRAM, remote DRAM of the same or another socket, CPU-less memory,
    coherence, non-memory work, the migration copy), labelled with the total and the shares
    of remote memory and coherence. With overlapped misses (a timing model) the split is the
    critical path's, so the parts add up to the latency. Results without latency_sources
    (older memsim) draw nothing."""
    if any(r["sources"] is None or any(e["sources"] is None for e in r["events"])
           for r in results):
        return []
    kinds = [k for k in (e["kind"] for e in results[0]["events"])
             if any(event(r, k)["total_ns"] > 0 for r in results)]
    panels = [("all events", [r["sources"] for r in results],
               [sum(e["count"] for e in r["events"]) for r in results])]
    panels += [(k, [event(r, k)["sources"] for r in results],
                [event(r, k)["count"] for r in results]) for k in kinds]
    n = len(panels)
    cols = 3 if n > 4 else 2 if n > 1 else 1
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.9 * cols, 3.3 * rows + 1.1), squeeze=False)
    x = list(range(len(results)))
    used = set()
    for j, (title, parts, counts) in enumerate(panels):
        ax = axes[j // cols][j % cols]
        stacks = [[sum(p[f] for f in fields) for _, fields, _ in SOURCES] for p in parts]
        totals = [sum(s) for s in stacks]
        div, unit = time_unit(max(totals))
        bottom = [0.0] * len(results)
        for i, (name, _fields, color) in enumerate(SOURCES):
            v = [s[i] / div for s in stacks]
            if any(v):
                ax.bar(x, v, bottom=bottom, color=color, width=0.7)
                used.add(name)
            bottom = [b + y for b, y in zip(bottom, v)]
        remote = [sum(p[f] for f in REMOTE) for p in parts]
        coherence = [p["coherence_ns"] for p in parts]
        label_bars(ax, x, bottom,
                   [f"{t / div:.3g} {unit}\nremote {100 * rm / t:.0f}%\ncoh. {100 * c / t:.0f}%"
                    if t > 0 else "0" for t, rm, c in zip(totals, remote, coherence)],
                   fontsize=6)
        ax.set_ylim(0, max(bottom) * 1.4 if max(bottom) > 0 else 1)
        ax.set_ylabel(f"summed latency ({unit})")
        events = sorted({int(c) for c in counts})
        ctext = (f"{events[0]:,} events" if len(events) == 1
                 else "events: " + ", ".join(f"{c:,}" for c in events))
        ax.set_title(f"{title} ({ctext})", fontsize=8)
        ax.set_xticks(x)
        ax.set_xticklabels(tick_labels_of(results, parts), fontsize=7)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
    for j in range(n, rows * cols):
        axes[j // cols][j % cols].axis("off")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for name, _f, c in SOURCES if name in used]
    fig.legend(handles, [name for name, _f, _c in SOURCES if name in used], loc="lower center",
               ncol=4, fontsize=7, frameon=False)
    fig.suptitle("Where metadata latency goes, by kernel path: ns by what served it "
                 f"(critical path when misses overlap)\n{sub}")
    return save_figure(fig, out_dir, "latency_sources", rect=(0, 0.08, 1, 1))


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
                     plot_latency_cdf, plot_latency_breakdown, plot_latency_sources,
                     plot_misses):
            written += draw(results, directory, sub)
    return written
