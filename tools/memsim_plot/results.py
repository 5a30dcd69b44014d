"""Reading memsim result JSON (proto/result.proto, docs/results.md), checked: every field a
plot uses must be there with the right type, else PlotError naming the file and the field.

64-bit integers may be JSON strings (protobuf's JSON mapping) or numbers; both are read."""
import json
import os

from .common import PlotError

OVERHEAD_FIELDS = ("ram_bytes", "static_bytes", "descriptor_live_bytes", "slab_bytes",
                   "slab_waste_bytes", "hvo_saved_bytes", "final_bytes", "peak_bytes",
                   "peak_percent_of_ram", "final_percent_of_ram")
ACCESS_FIELDS = ("accesses", "line_accesses", "l1_misses", "l2_misses", "llc_misses",
                 "dram_local", "dram_remote", "dram_remote_socket", "coherence_transfers")
OWNER_FIELDS = ("static_bytes", "descriptor_live_bytes", "hvo_saved_bytes")
# LatencySources, in proto order (docs/results.md, "Where the latency goes").
SOURCE_FIELDS = ("l1_ns", "l2_ns", "llc_ns", "dram_local_ns", "dram_remote_node_ns",
                 "dram_remote_socket_ns", "dram_cpu_less_ns", "coherence_ns", "compute_ns",
                 "copy_ns")


class _Reader:
    def __init__(self, path):
        self.path = path

    def fail(self, where, what):
        raise PlotError(f"{self.path}: {where}: {what}")

    def obj(self, parent, key, where):
        here = f"{where}.{key}" if where else key
        if key not in parent:
            self.fail(here, "missing")
        v = parent[key]
        if not isinstance(v, dict):
            self.fail(here, f"expected an object, got {type(v).__name__}")
        return v

    def lst(self, parent, key, where, optional=False):
        here = f"{where}.{key}" if where else key
        if key not in parent:
            if optional:
                return []
            self.fail(here, "missing")
        v = parent[key]
        if not isinstance(v, list):
            self.fail(here, f"expected a list, got {type(v).__name__}")
        return v

    def number(self, v, here):
        if isinstance(v, bool) or not isinstance(v, (int, float, str)):
            self.fail(here, f"expected a number, got {json.dumps(v)[:40]}")
        try:
            return float(v)
        except ValueError:
            self.fail(here, f"expected a number, got {json.dumps(v)[:40]}")

    def num(self, parent, key, where):
        here = f"{where}.{key}" if where else key
        if key not in parent:
            self.fail(here, "missing")
        return self.number(parent[key], here)

    def nums(self, parent, keys, where):
        return {k: self.num(parent, k, where) for k in keys}

    def text(self, parent, key, where, default=""):
        v = parent.get(key, default)
        if not isinstance(v, str):
            self.fail(f"{where}.{key}", f"expected a string, got {json.dumps(v)[:40]}")
        return v


def optional_figures(rd, parent, key, where):
    """An OverheadFigures that results before described/whole existed lack: None then."""
    if key not in parent:
        return None
    here = f"{where}.{key}"
    figures = rd.nums(rd.obj(parent, key, where), OVERHEAD_FIELDS, here)
    figures["pages"] = rd.number(parent[key].get("pages", 0), f"{here}.pages")
    figures["final_bytes_per_page"] = rd.number(parent[key].get("final_bytes_per_page", 0),
                                                f"{here}.final_bytes_per_page")
    return figures


def optional_sources(rd, parent, where):
    """A LatencySources that results before it existed lack: None then. A field protobuf
    left out (older writers drop zeros) reads as 0."""
    if "latency_sources" not in parent:
        return None
    here = f"{where}.latency_sources" if where else "latency_sources"
    src = rd.obj(parent, "latency_sources", where)
    return {k: rd.number(src.get(k, 0), f"{here}.{k}") for k in SOURCE_FIELDS}


def read_result(path):
    """One result file as a plain dict of floats and strings:
    {file, label, model, trace, trace_source, machine,
     overhead: {machine, nodes, owners, described, whole, rule},
     events: [{kind, count, total_ns, mean_ns, max_ns, percentiles, accesses, sources}],
     total, sources}.
    `described` and `whole` (and a node's) are None in results written before they existed;
    then `rule` is "". So are `sources` (latency by source)."""
    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
    except OSError as e:
        raise PlotError(f"{path}: cannot read: {e.strerror or e}")
    except UnicodeDecodeError as e:
        raise PlotError(f"{path}: not UTF-8 text: {e}")
    except json.JSONDecodeError as e:
        raise PlotError(f"{path}: not JSON: {e}")
    rd = _Reader(path)
    if not isinstance(raw, dict):
        raise PlotError(f"{path}: expected a memsim result (a JSON object with run, overhead, "
                        f"events, total), got a {type(raw).__name__}")
    run = rd.obj(raw, "run", "")
    out = {"file": path,
           "model": rd.text(run, "model", "run"),
           "trace": rd.text(run, "trace_path", "run"),
           "trace_source": rd.text(run, "trace_source", "run"),
           "machine": rd.text(run, "machine_name", "run")}
    out["label"] = rd.text(run, "model_label", "run") or out["model"] or "?"
    ov = rd.obj(raw, "overhead", "")
    out["overhead"] = {"machine": rd.nums(rd.obj(ov, "machine", "overhead"), OVERHEAD_FIELDS,
                                          "overhead.machine"),
                       "nodes": [], "owners": [],
                       "described": optional_figures(rd, ov, "described", "overhead"),
                       "whole": optional_figures(rd, ov, "whole", "overhead"),
                       "rule": rd.text(ov, "undescribed_rule", "overhead")}
    for i, n in enumerate(rd.lst(ov, "nodes", "overhead")):
        where = f"overhead.nodes[{i}]"
        if not isinstance(n, dict):
            rd.fail(where, "expected an object")
        node = rd.nums(rd.obj(n, "figures", where), OVERHEAD_FIELDS, f"{where}.figures")
        node["node"] = int(rd.number(n.get("node", 0), f"{where}.node"))
        node["described"] = optional_figures(rd, n, "described", where)
        node["whole"] = optional_figures(rd, n, "whole", where)
        out["overhead"]["nodes"].append(node)
    for i, o in enumerate(rd.lst(ov, "owners", "overhead", optional=True)):
        where = f"overhead.owners[{i}]"
        if not isinstance(o, dict):
            rd.fail(where, "expected an object")
        owner = rd.nums(o, OWNER_FIELDS, where)
        owner["owner"] = rd.text(o, "owner", where) or "?"
        owner["pages"] = rd.number(o.get("pages", 0), f"{where}.pages")
        # bytes_per_page: absent in older results (then 0: the plot leaves the owner out).
        owner["bytes_per_page"] = rd.number(o.get("bytes_per_page", 0), f"{where}.bytes_per_page")
        out["overhead"]["owners"].append(owner)
    out["events"] = []
    for i, e in enumerate(rd.lst(raw, "events", "")):
        where = f"events[{i}]"
        if not isinstance(e, dict):
            rd.fail(where, "expected an object")
        kind = rd.text(e, "kind", where)
        if not kind:
            rd.fail(f"{where}.kind", "missing")
        lat = rd.obj(e, "latency", where)
        ev = {"kind": kind, "count": rd.num(e, "count", where)}
        ev.update({k: rd.num(lat, k, f"{where}.latency")
                   for k in ("total_ns", "mean_ns", "max_ns")})
        pct = rd.lst(lat, "percentiles_ns", f"{where}.latency")
        if len(pct) not in (0, 99):
            rd.fail(f"{where}.latency.percentiles_ns", f"expected 99 values (1st to 99th "
                    f"percentile) or none, got {len(pct)}")
        ev["percentiles"] = [rd.number(v, f"{where}.latency.percentiles_ns[{j}]")
                             for j, v in enumerate(pct)]
        ev["accesses"] = rd.nums(rd.obj(e, "accesses", where), ACCESS_FIELDS,
                                 f"{where}.accesses")
        ev["sources"] = optional_sources(rd, e, where)
        out["events"].append(ev)
    if not out["events"]:
        rd.fail("events", "empty (a result lists every event kind)")
    out["total"] = rd.nums(rd.obj(raw, "total", ""), ACCESS_FIELDS, "total")
    out["sources"] = optional_sources(rd, raw, "")
    return out


def _order(path):
    """compare writes <index>-<model>.json: plot in that order."""
    head = os.path.basename(path).split("-", 1)[0]
    return (int(head) if head.isdigit() else 1 << 30, os.path.basename(path))


def read_compare_dir(directory):
    """Every *.json in a `memsim compare --out` folder, each a result, in model order."""
    if not os.path.isdir(directory):
        raise PlotError(f"{directory}: not a directory (expected a `memsim compare --out` "
                        f"folder)")
    paths = sorted((os.path.join(directory, n) for n in os.listdir(directory)
                    if n.endswith(".json")), key=_order)
    if not paths:
        raise PlotError(f"{directory}: no result JSON (*.json) in it; is it a `memsim compare "
                        f"--out` folder?")
    results = [read_result(p) for p in paths]
    kinds = [e["kind"] for e in results[0]["events"]]
    for r in results[1:]:
        if [e["kind"] for e in r["events"]] != kinds:
            raise PlotError(f"{r['file']}: events: kinds {[e['kind'] for e in r['events']]} "
                            f"differ from {results[0]['file']}'s {kinds}")
    return results


def trace_text(r):
    """How a title names the trace: its source when the header had one (a synthetic trace
    says so), else the file's name."""
    src = r["trace_source"]
    base = os.path.basename(r["trace"]) or "?"
    if src.startswith("gen"):
        return f"synthetic trace ({src})"
    if src:
        return f"{base} ({src} capture)"
    return base


def describe(results):
    """'<trace> on <machine>; models: a, b, c' for titles."""
    traces = list(dict.fromkeys(trace_text(r) for r in results))
    machines = list(dict.fromkeys(r["machine"] or "?" for r in results))
    labels = list(dict.fromkeys(r["label"] for r in results))
    return (f"{listing(traces, 'traces')} on {listing(machines, 'machines')}; "
            f"models: {', '.join(labels)}")


def listing(values, plural):
    if len(values) == 1:
        return values[0]
    if len(values) <= 3:
        return " / ".join(values)
    return f"{len(values)} {plural}"
