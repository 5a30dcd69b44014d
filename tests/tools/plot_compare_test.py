#!/usr/bin/python3
"""Tests of `tools/plot compare` on compare folders written here by hand (docs/results.md).

Run from anywhere with Debian's python3 (matplotlib):
  /usr/bin/python3 tests/tools/plot_compare_test.py [--keep]   (--keep: keep the folder)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLOT = os.path.join(ROOT, "tools", "plot")
GIB = 1024 ** 3
MIB = 1024 ** 2
PLOTS = ["overhead", "overhead_by_node", "overhead_by_owner", "latency_cdf",
         "latency_breakdown", "latency_sources", "misses"]
SOURCE_FIELDS = ("l1_ns", "l2_ns", "llc_ns", "dram_local_ns", "dram_remote_node_ns",
                 "dram_remote_socket_ns", "dram_cpu_less_ns", "coherence_ns", "compute_ns",
                 "copy_ns")


def sources(**ns):
    """A LatencySources with the given fields, the others 0."""
    return {k: float(ns.get(k, 0)) for k in SOURCE_FIELDS}


def add_sources(a, b):
    return {k: a[k] + b[k] for k in SOURCE_FIELDS}


def figures(static, live, slab, ram=64 * GIB):
    final = static + slab
    return {"ram_bytes": str(ram), "pages": str(ram // 4096),
            "final_bytes_per_page": final / (ram // 4096) if ram else 0.0,
            "static_bytes": str(static),
            "descriptor_live_bytes": str(live), "slab_bytes": str(slab),
            "slab_waste_bytes": str(slab - live), "hvo_saved_bytes": "0",
            "final_bytes": str(final), "peak_bytes": str(final), "mean_bytes": final,
            "final_percent_of_ram": 100.0 * final / ram if ram else 0.0,
            "peak_percent_of_ram": 100.0 * final / ram if ram else 0.0,
            "mean_percent_of_ram": 100.0 * final / ram if ram else 0.0}


def accesses(lines, l1, l2, llc, local, remote, hitm):
    # Integers as JSON numbers here, as strings in figures(): tools/plot reads both.
    return {"accesses": lines, "line_accesses": lines, "reads": lines, "writes": 0,
            "atomics": 0, "l1_misses": l1, "l2_misses": l2, "llc_misses": llc,
            "dram_local": local, "dram_remote": remote, "dram_remote_socket": remote,
            "coherence_transfers": hitm, "remote_invalidations": 0}


def result(model, scale):
    """A two-node result: model 'a' has a 1 GiB memmap array and no descriptors; 'b' and 'c'
    (identical) 128 MiB of array plus 3 MiB of descriptors in 4 MiB of slabs, all on node 0.
    The trace described 4 GiB (1/16 of the pages), all on node 0: a 64 MiB share of the
    array, 64 B per page, for 'a'; 8 MiB + 4 MiB of slabs, 12 B per page, for 'b'; the whole
    machine extrapolated holds 16 times the slabs (64 MiB) for 'b'.
    Alloc latencies: percentile q is q * scale ns, the maximum 100 * scale * 50."""
    static = GIB if model == "a" else 128 * MIB
    live, slab = (0, 0) if model == "a" else (3 * MIB, 4 * MIB)
    described = figures(static // 16, live, slab, ram=4 * GIB)
    whole = figures(static, 16 * live, 16 * slab)
    nodes = [{"node": 0, "figures": figures(static // 2, live, slab),
              "described": figures(static // 16, live, slab, ram=4 * GIB),
              "whole": figures(static // 2, 8 * live, 8 * slab, ram=32 * GIB),
              "undescribed_pages": str(7 * GIB // 4096)},
             {"node": 1, "figures": figures(static // 2, 0, 0, ram=32 * GIB),
              "described": figures(0, 0, 0, ram=0),
              "whole": figures(static // 2, 8 * live, 8 * slab, ram=32 * GIB),
              "undescribed_pages": str(8 * GIB // 4096)}]

    def ev(kind, count, pct, mx, acc, src):
        return {"kind": kind, "count": str(count), "pages": str(count), "copy_bytes": "0",
                "latency": {"total_ns": sum(pct) / 99 * count, "mean_ns": sum(pct) / 99,
                            "max_ns": mx, "p50_ns": pct[49], "p90_ns": pct[89],
                            "p99_ns": pct[98], "percentiles_ns": pct},
                "accesses": acc, "latency_sources": src}

    # Alloc's latency, 5000 ns for a, 10,000 ns for b and c, by source: a 40 % remote DRAM
    # of the other socket and 10 % coherence; b and c 5 % remote DRAM of the same socket.
    alloc_src = (sources(l1_ns=1000, dram_local_ns=1500, dram_remote_socket_ns=2000,
                         coherence_ns=500) if model == "a"
                 else sources(l1_ns=4000, dram_local_ns=5000, dram_remote_node_ns=500,
                              compute_ns=500))
    free_src = sources(l1_ns=350)

    alloc_acc = (accesses(1000, 800, 700, 600, 100, 490, 10) if model == "a"
                 else accesses(2000, 400, 300, 200, 50, 148, 2))
    events = [ev("alloc", 100, [q * scale for q in range(1, 100)], 100 * scale * 50,
                 alloc_acc, alloc_src),
              ev("free", 50, [7.0] * 99, 7.0, accesses(50, 0, 0, 0, 0, 0, 0), free_src),
              ev("compaction", 3, [0] * 99, 0, accesses(0, 0, 0, 0, 0, 0, 0), sources())]
    return {"run": {"trace_path": "/traces/mixed.mtrace", "trace_source": "ftrace",
                    "machine_path": "m.textproto", "machine_name": "two-node-box",
                    "model": model, "model_label": model},
            "overhead": {"machine": figures(static, live, slab), "nodes": nodes,
                         "described": described, "whole": whole,
                         "undescribed_rule": "extrapolate",
                         "undescribed_pages": str(15 * GIB // 4096),
                         "owners": [{"owner": "anon", "pages": "10",
                                     "static_bytes": str(static // 4), "descriptors": "2",
                                     "descriptor_live_bytes": str(live),
                                     "hvo_saved_bytes": "0",
                                     "final_bytes": str(static // 4 + live),
                                     "bytes_per_page": 88.0 if model != "a" else 64.0},
                                    {"owner": "free", "pages": "30",
                                     "static_bytes": str(static - static // 4),
                                     "descriptors": "0", "descriptor_live_bytes": "0",
                                     "hvo_saved_bytes": "0",
                                     "final_bytes": str(static - static // 4),
                                     "bytes_per_page": 8.0 if model != "a" else 64.0}]},
            "events": events, "total": dict(alloc_acc), "simulated_time_ns": 1e6,
            "latency_sources": add_sources(alloc_src, free_src),
            "num_events": "153"}


def write_compare(directory):
    paths = []
    for i, (model, scale) in enumerate((("a", 1.0), ("b", 2.0), ("c", 2.0))):
        path = os.path.join(directory, f"{i}-{model}.json")
        with open(path, "w") as f:
            json.dump(result(model, scale), f, indent=1)
        paths.append(path)
    return paths


def run_plot(*args):
    return subprocess.run(["/usr/bin/python3", PLOT, "compare"] + list(args),
                          capture_output=True, text=True, timeout=240)


def read(path):
    with open(path) as f:
        return f.read()


class PlotCompareTest(unittest.TestCase):
    keep = False

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="plot-compare-test.")
        self.paths = write_compare(self.dir)

    def tearDown(self):
        if self.keep:
            print(f"kept {self.dir}")
        else:
            shutil.rmtree(self.dir)

    def svg(self, name):
        png = os.path.join(self.dir, name + ".png")
        with open(png, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n", png)
        self.assertGreater(os.path.getsize(png), 10000, png)
        text = read(os.path.join(self.dir, name + ".svg"))
        self.assertIn("<svg", text[:1000], name)
        return text

    def assert_texts(self, texts, svg, what):
        missing = [t for t in texts if t not in svg]
        self.assertEqual(missing, [], f"not in {what}")

    def test_every_plot(self):
        r = run_plot(self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        title = "mixed.mtrace (ftrace capture) on two-node-box; models: a, b, c"
        for name in PLOTS:
            self.assert_texts([title], self.svg(name), name)
        # Overhead: 1 GiB (1.562 % of 64 GiB) for a, 12 MiB of described memory for b; the
        # descriptors on their own panel and scale (4 MiB of slabs: 3 MiB in use + 1 MiB
        # waste); c's bars say they equal b's.
        self.assert_texts(["1 GiB", "1.562 % of RAM", "12 MiB", "descriptors only",
                           "none", "4 MiB", "= b"], self.svg("overhead"), "overhead")
        # Described memory first: 4 GiB of it (1.05M pages); a's 64 B per page, b's 12 B
        # (8 + 4 MiB over 1048576 pages); then the whole machine with its rule.
        self.assert_texts(["described memory (1.05M pages, 4 GiB)", "64.0 B/page",
                           "12.0 B/page", "whole machine, undescribed memory extrapolated",
                           "192 MiB"], self.svg("overhead"), "overhead")
        # Per node: all descriptors on node 0 (4 MiB of slabs), none on node 1; node 1
        # describes nothing.
        self.assert_texts(["node 0", "node 1", "identical: b = c", ">4<",
                           "described memory (labels: B per described page)", "none",
                           "whole node, undescribed memory extrapolated"],
                          self.svg("overhead_by_node"), "overhead_by_node")
        # By owner: bytes per page first (anon 64 for a, 88 for b and c).
        self.assert_texts(["per page of each owner type (described memory)", ">88<", ">64<",
                           "described memory (solid"], self.svg("overhead_by_owner"),
                          "overhead_by_owner")
        # CDF: alloc and free have latencies (compaction has none: no panel); b and c are one
        # line, named together; the maximum is drawn: a's 5000 ns, b's 10,000 ns.
        svg = self.svg("latency_cdf")
        self.assert_texts(["alloc (100 events): CDF to the maximum", "free: tail",
                           "b = c", "10,000"], svg, "latency_cdf")
        self.assertNotIn("compaction", svg)
        # Breakdown: a's alloc accesses: 200 L1 hits ... 490 remote DRAM of another socket,
        # 10 HITM: 50 % off-socket; b: (148 + 2) / 2000 = 7.5 % -> 8 %. Mean latencies.
        self.assert_texts(["latency by event kind", "alloc: where accesses were served",
                           "50% off-socket", "8% off-socket", "L1 hit",
                           "remote DRAM, other socket", "HITM (other socket's cache)",
                           "mean ns: 50, 100, 100"], self.svg("latency_breakdown"),
                          "latency_breakdown")
        # Where the latency goes, in ns by source: all events (a: 5350 ns, 2000 of them
        # remote, 37 %, and 500 coherence, 9 %), then alloc (a: 40 % and 10 %; b and c: 5 %
        # remote, same socket) and free (350 ns of L1 hits); compaction has no latency.
        svg = self.svg("latency_sources")
        self.assert_texts(["Where metadata latency goes, by kernel path",
                           "all events (153 events)", "alloc (100 events)", "free (50 events)",
                           "5.35 µs", "remote 37%", "coh. 9%", "remote 40%", "coh. 10%",
                           "remote 5%", "350 ns", "= b", "L1 hit", "local DRAM",
                           "remote DRAM, same socket", "remote DRAM, other socket (link incl.)",
                           "coherence (HITM, invalidations)", "non-memory work"],
                          svg, "latency_sources")
        self.assertNotIn("compaction", svg)
        self.assertNotIn("data copy", svg)
        # Misses on linear panels with values and ratios to a: L1 400 = 0.50x of 800.
        self.assert_texts(["L1 misses", "0.50×", "800", "HITM (coherence transfers)", "0.20×"],
                          self.svg("misses"), "misses")
        self.assertEqual([f for f in os.listdir(self.dir) if ".tmp" in f], [])

    def expect_error(self, message):
        r = run_plot(self.dir)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(r.stderr, f"tools/plot: {message}\n")
        self.assertEqual([f for f in os.listdir(self.dir) if f.endswith(".png")], [])

    def rewrite(self, index, change):
        r = result("abc"[index], 1.0)
        change(r)
        with open(self.paths[index], "w") as f:
            json.dump(r, f)

    def test_results_without_described_figures(self):
        """Results from before overhead.described existed: the machine figures, as before."""
        for i in range(3):
            def old(r):
                for key in ("described", "whole", "undescribed_rule", "undescribed_pages"):
                    r["overhead"].pop(key)
                for n in r["overhead"]["nodes"]:
                    n.pop("described")
                    n.pop("whole")
                for o in r["overhead"]["owners"]:
                    o.pop("bytes_per_page")
            self.rewrite(i, old)
        r = run_plot(self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_texts(["all metadata", "1.562 % of RAM"], self.svg("overhead"), "overhead")
        self.assertNotIn("described memory (", self.svg("overhead"))
        self.assert_texts(["all metadata (labels: % of the node's RAM)"],
                          self.svg("overhead_by_node"), "overhead_by_node")
        self.assertNotIn("per page of each owner type", self.svg("overhead_by_owner"))

    def test_results_without_latency_sources(self):
        """Results from before latency_sources existed: every other plot, not this one."""
        for i in range(3):
            def old(r):
                r.pop("latency_sources")
                for e in r["events"]:
                    e.pop("latency_sources")
            self.rewrite(i, old)
        r = run_plot(self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "latency_sources.png")))
        self.svg("latency_breakdown")

    def test_missing_field(self):
        self.rewrite(1, lambda r: r["overhead"]["machine"].pop("static_bytes"))
        self.expect_error(f"{self.paths[1]}: overhead.machine.static_bytes: missing")

    def test_missing_section(self):
        self.rewrite(2, lambda r: r.pop("events"))
        self.expect_error(f"{self.paths[2]}: events: missing")

    def test_wrong_types(self):
        self.rewrite(0, lambda r: r["events"][1]["latency"].update(max_ns="lots"))
        self.expect_error(f"{self.paths[0]}: events[1].latency.max_ns: expected a number, "
                          f"got \"lots\"")
        self.rewrite(0, lambda r: r["events"][0]["latency"].update(percentiles_ns=[1, 2]))
        self.expect_error(f"{self.paths[0]}: events[0].latency.percentiles_ns: expected 99 "
                          f"values (1st to 99th percentile) or none, got 2")
        self.rewrite(0, lambda r: r["total"].update(llc_misses=None))
        self.expect_error(f"{self.paths[0]}: total.llc_misses: expected a number, got null")
        self.rewrite(0, lambda r: r.update(overhead=[]))
        self.expect_error(f"{self.paths[0]}: overhead: expected an object, got list")

    def test_event_kinds_differ(self):
        self.rewrite(1, lambda r: r["events"].pop())
        self.expect_error(f"{self.paths[1]}: events: kinds ['alloc', 'free'] differ from "
                          f"{self.paths[0]}'s ['alloc', 'free', 'compaction']")

    def test_not_json_and_not_an_object(self):
        with open(self.paths[0], "w") as f:
            f.write("{\"run\": ")
        r = run_plot(self.dir)
        self.assertEqual(r.returncode, 1)
        self.assertTrue(r.stderr.startswith(f"tools/plot: {self.paths[0]}: not JSON: "),
                        r.stderr)
        self.assertNotIn("Traceback", r.stderr)
        with open(self.paths[0], "w") as f:
            f.write("[1, 2]")
        self.expect_error(f"{self.paths[0]}: expected a memsim result (a JSON object with run, "
                          f"overhead, events, total), got a list")

    def test_empty_and_missing_folder(self):
        for p in self.paths:
            os.remove(p)
        self.expect_error(f"{self.dir}: no result JSON (*.json) in it; is it a `memsim compare "
                          f"--out` folder?")
        gone = os.path.join(self.dir, "nope")
        r = run_plot(gone)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr, f"tools/plot: {gone}: not a directory (expected a `memsim "
                                   f"compare --out` folder)\n")

    def test_usage_error_exits_2(self):
        r = subprocess.run(["/usr/bin/python3", PLOT, "compare"], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 2)
        self.assertIn("the following arguments are required: dir", r.stderr)


if __name__ == "__main__":
    if "--keep" in sys.argv:
        sys.argv.remove("--keep")
        PlotCompareTest.keep = True
    unittest.main(verbosity=2)
