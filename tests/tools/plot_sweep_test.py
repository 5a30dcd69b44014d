#!/usr/bin/python3
"""Tests of `tools/plot sweep` (tools/memsim_plot/sweep.py) on sweep folders written here by
hand (docs/sweeps.md); bad input exits 1 with one line naming the file.

Run from anywhere with Debian's python3 (matplotlib):
  /usr/bin/python3 tests/tools/plot_sweep_test.py
Keep a folder to look at the plots:  ... plot_sweep_test.py --keep
"""
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLOT = os.path.join(ROOT, "tools", "plot")
MIB = 1024 * 1024

MODELS = ["A", "B", "C"]
NODES = [2, 4]
REMOTE = [0, 1, 2, 3, 4]
FAILED = ("B", 2, 4)   # (model, nodes, remote_ns) of the one failed point: point 14


def latency(model, nodes, x):
    """nodes=2: A = x, B = 3 - x (cross at x = 1.5, y = 1.5);
       nodes=4: A = 2x, B = 6 - x (equal at the sample x = 2, y = 4); C = 10 never crosses."""
    if model == "C":
        return 10
    if nodes == 2:
        return x if model == "A" else 3 - x
    return 2 * x if model == "A" else 6 - x


def write_sweep(directory):
    """A 3 x 2 x 5 sweep: model x nodes x remote_ns in that nesting, so point
    15 * model + 5 * node index + remote_ns; point 14 = (B, 2, 4) failed."""
    axes = [
        {"name": "model", "label": "memmap model", "numeric": False, "values": MODELS},
        {"name": "nodes", "label": "NUMA nodes", "numeric": True, "values": NODES},
        {"name": "remote_ns", "label": "remote DRAM latency (ns)", "numeric": True,
         "values": REMOTE},
    ]
    plots = [
        {"kind": "line", "title": "Fault latency", "x": "remote_ns",
         "metric": "fault_latency_mean_ns", "lines": "model", "breakeven": True,
         "file": "fault_latency"},
        {"kind": "heatmap", "title": "Final overhead", "x": "remote_ns", "y": "nodes",
         "metric": "overhead_final_bytes", "file": "overhead_heatmap"},
    ]
    metrics = ["overhead_final_bytes", "fault_latency_mean_ns", "total_llc_misses"]
    rows, point = [], 0
    with open(os.path.join(directory, "results.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["point", "status", "model", "nodes", "remote_ns"] + metrics + ["error"])
        for m in MODELS:
            for n in NODES:
                for x in REMOTE:
                    if (m, n, x) == FAILED:
                        w.writerow([point, "failed", m, n, x, "", "", "",
                                    "replay: trace.mtrace: bad chunk, at byte 12"])
                    else:
                        w.writerow([point, "ok", m, n, x, (point + 1) * MIB,
                                    latency(m, n, x), 1000 * point, ""])
                    point += 1
    with open(os.path.join(directory, "sweep.json"), "w") as f:
        json.dump({"name": "handmade", "description": "test sweep", "axes": axes,
                   "points": point, "plots": plots}, f, indent=1)
    return rows


def fmt(v):
    return str(int(v)) if v == int(v) else str(v)


def run_plot(*args):
    return subprocess.run(["/usr/bin/python3", PLOT, "sweep"] + list(args),
                          capture_output=True, text=True, timeout=240)


def read(path):
    with open(path) as f:
        return f.read()


class PlotSweepTest(unittest.TestCase):
    keep = False

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="plot-sweep-test.")
        write_sweep(self.dir)

    def tearDown(self):
        if self.keep:
            print(f"kept {self.dir}")
        else:
            shutil.rmtree(self.dir)

    def assert_texts(self, texts, svg, what):
        """Each of texts appears in the SVG (without dumping the whole SVG on failure)."""
        missing = [t for t in texts if t not in svg]
        self.assertEqual(missing, [], f"not in {what}")

    def assert_images(self, directory, name):
        png = os.path.join(directory, name + ".png")
        svg = os.path.join(directory, name + ".svg")
        with open(png, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n", png)
        self.assertGreater(os.path.getsize(png), 10000, png)
        text = read(svg)
        self.assertIn("<svg", text[:1000], svg)
        return text

    def test_plots_of_sweep_json(self):
        r = run_plot(self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        # Both panels' crossings, printed; nodes=2 interpolated, nodes=4 at a sample.
        self.assertIn("break-even fault_latency [nodes=2]: A = B at remote_ns≈1.5 "
                      "(fault_latency_mean_ns 1.5)\n", r.stdout)
        self.assertIn("break-even fault_latency [nodes=4]: A = B at remote_ns≈2 "
                      "(fault_latency_mean_ns 4)\n", r.stdout)
        self.assertEqual(r.stdout.count("break-even"), 2, r.stdout)
        self.assertEqual(read(os.path.join(self.dir, "fault_latency.breakeven.csv")),
                         "line_a,line_b,nodes,remote_ns,fault_latency_mean_ns\n"
                         "A,B,2,1.5,1.5\n"
                         "A,B,4,2,4\n")
        svg = self.assert_images(self.dir, "fault_latency")
        # Text stays text in the SVG (svg.fonttype none): labels, units, marks, footnote.
        # Crossings numbered on the plot and listed under it, with the threshold.
        self.assert_texts(["remote DRAM latency (ns)", "fault latency mean (ns)", "nodes=2",
                           "nodes=4", "1: A = B at remote_ns≈1.5, nodes=2 (fault latency mean "
                           "1.5 ns)", "2: A = B at remote_ns≈2, nodes=4 (fault latency mean "
                           "4 ns)", "Break-evens (circled) where lines cross by ≥ 2 % and ≥ 1 "
                           "ns on both sides", "Fault latency", "sweep handmade",
                           "1 of 30 points not shown (1 failed; point 14)"], svg,
                          "fault_latency.svg")
        svg = self.assert_images(self.dir, "overhead_heatmap")
        # One panel per model; colour bar in MiB (values are 1..30 MiB); cells annotated:
        # point 0 = (A, 2, 0) holds 1 MiB, point 29 = (C, 4, 4) holds 30 MiB.
        self.assert_texts(["overhead final (MiB)", "model=A", "model=B", "model=C",
                           "NUMA nodes", "remote DRAM latency (ns)", ">1<", ">30<",
                           "Final overhead", "1 of 30 points not shown (1 failed; point 14)"],
                          svg, "overhead_heatmap.svg")
        leftovers = [f for f in os.listdir(self.dir) if ".tmp" in f]
        self.assertEqual(leftovers, [])

    def test_adhoc_line_to_out_dir(self):
        out = os.path.join(self.dir, "out")
        r = run_plot(self.dir, "--metric=fault_latency_mean_ns", "--x=remote_ns",
                     "--breakeven", f"--out={out}")
        self.assertEqual(r.returncode, 0, r.stderr)
        name = "line-fault_latency_mean_ns-remote_ns"
        self.assert_images(out, name)
        self.assertEqual(read(os.path.join(out, name + ".breakeven.csv")),
                         "line_a,line_b,nodes,remote_ns,fault_latency_mean_ns\n"
                         "A,B,2,1.5,1.5\n"
                         "A,B,4,2,4\n")
        self.assertFalse(os.path.exists(os.path.join(self.dir, "fault_latency.png")))

    def test_adhoc_lines_by_nodes_no_crossing(self):
        # Lines per nodes, one panel per model: A and C grow apart or stay, B: 3-x vs 6-x
        # never meet; the CSV is the header alone.
        r = run_plot(self.dir, "--metric=fault_latency_mean_ns", "--lines=nodes",
                     "--breakeven")
        self.assertEqual(r.returncode, 0, r.stderr)
        name = "line-fault_latency_mean_ns-remote_ns"
        self.assertEqual(read(os.path.join(self.dir, name + ".breakeven.csv")),
                         "line_a,line_b,model,remote_ns,fault_latency_mean_ns\n")
        self.assertIn("break-even " + name + ": no crossing", r.stdout)
        # A: x vs 2x are equal at x = 0, the first sample: a touch at the end, not a crossing.
        # C: 10 for both node counts: one line, named for both in the legend.
        svg = self.assert_images(self.dir, name)
        self.assert_texts(["nodes=2 = nodes=4", "Break-evens (circled) where lines cross by ≥ 2 "
                           "% and ≥ 1 ns on both sides: none"], svg, name)

    def test_adhoc_heatmap(self):
        r = run_plot(self.dir, "--metric=total_llc_misses", "--heatmap=model,remote_ns")
        self.assertEqual(r.returncode, 0, r.stderr)
        svg = self.assert_images(self.dir, "heatmap-total_llc_misses-model-remote_ns")
        # Counts: point 29 = (C, 4, 4) had 29000 LLC misses, shown as 29k.
        self.assert_texts(["total llc misses (count)", "nodes=2", "nodes=4", ">29k<",
                           "memmap model"], svg, "heatmap svg")

    def test_titles_name_trace_machine_and_models(self):
        # The points' result JSON name the run: a gen trace the sweep made is synthetic.
        points = os.path.join(self.dir, "points")
        os.makedirs(points)
        for i, m in enumerate(MODELS):
            with open(os.path.join(points, f"{i:06d}.json"), "w") as f:
                json.dump({"run": {"trace_path": os.path.join(self.dir, "traces", "gen-0.mtrace"),
                                   "trace_source": "", "machine_name": "box-2s",
                                   "model": m.lower(), "model_label": m}}, f)
        r = run_plot(self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        for name in ("fault_latency", "overhead_heatmap"):
            self.assert_texts(["synthetic trace (memsim gen) on box-2s", "models: A, B, C"],
                              read(os.path.join(self.dir, name + ".svg")), name)
        with open(os.path.join(points, "000001.json"), "w") as f:
            f.write("{\"run\": 3}")
        r = run_plot(self.dir)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr, f"tools/plot: {points}/000001.json: run: missing (expected "
                                   f"a memsim result)\n")

    def test_identical_lines_and_small_differences(self):
        # D equals A everywhere: one line "A = D". E wobbles around B by 0.5 ns: under the
        # 1 ns threshold, so no break-even between B and E. A crosses B as before and E near
        # there: at nodes=2 at the same point (one mark, one note), at nodes=4 between
        # x = 1 (A - E = 2 - 5.5) and x = 2 (4 - 3.5 = 0.5, under the threshold, but the raw
        # sign change is there): x = 1 + 3.5 / 4 = 1.875, y = 2 + 0.875 * 2 = 3.75. Each
        # crossing of A is also listed for D in the CSV.
        path = os.path.join(self.dir, "results.csv")
        lines = read(path).splitlines()
        header, rows = lines[0], lines[1:]
        extra, point = [], 30
        for m in ("D", "E"):
            for n in NODES:
                for x in REMOTE:
                    y = latency("A", n, x) if m == "D" else latency("B", n, x) + (
                        0.5 if x % 2 else -0.5)
                    extra.append(f"{point},ok,{m},{n},{x},{MIB},{fmt(y)},0,")
                    point += 1
        with open(path, "w") as f:
            f.write("\n".join([header] + rows + extra) + "\n")
        sj = os.path.join(self.dir, "sweep.json")
        spec = json.loads(read(sj))
        spec["axes"][0]["values"] += ["D", "E"]
        spec["points"] = point
        with open(sj, "w") as f:
            json.dump(spec, f)
        r = run_plot(self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(read(os.path.join(self.dir, "fault_latency.breakeven.csv")),
                         "line_a,line_b,nodes,remote_ns,fault_latency_mean_ns\n"
                         "A,B,2,1.5,1.5\n"
                         "D,B,2,1.5,1.5\n"
                         "A,E,2,1.5,1.5\n"
                         "D,E,2,1.5,1.5\n"
                         "A,B,4,2,4\n"
                         "D,B,4,2,4\n"
                         "A,E,4,1.875,3.75\n"
                         "D,E,4,1.875,3.75\n")
        svg = read(os.path.join(self.dir, "fault_latency.svg"))
        self.assert_texts(["A = D", "1: A = B = D = E at remote_ns≈1.5, nodes=2",
                           "2: A = B = D at remote_ns≈2, nodes=4",
                           "3: A = D = E at remote_ns≈1.88, nodes=4"], svg, "fault_latency.svg")
        self.assertNotIn("B = E", svg)

    def test_garbled_results_csv(self):
        path = os.path.join(self.dir, "results.csv")
        with open(path, "a") as f:
            f.write("30,ok,A,2\n")
        r = run_plot(self.dir)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr, f"tools/plot: {path}:32: 4 fields, header has 9\n")
        self.assertEqual([f for f in os.listdir(self.dir) if f.endswith(".png")], [])

    def test_non_numeric_metric(self):
        path = os.path.join(self.dir, "results.csv")
        text = read(path).replace("\n0,ok,A,2,0,1048576,", "\n0,ok,A,2,0,lots,")
        with open(path, "w") as f:
            f.write(text)
        r = run_plot(self.dir)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr, f"tools/plot: {path}:2: overhead_final_bytes 'lots' is "
                                   f"not a number\n")

    def test_missing_and_garbled_sweep_json(self):
        path = os.path.join(self.dir, "sweep.json")
        with open(path, "w") as f:
            f.write("{\"axes\": [")
        r = run_plot(self.dir)
        self.assertEqual(r.returncode, 1)
        self.assertTrue(r.stderr.startswith(f"tools/plot: {path}: not JSON: "), r.stderr)
        os.remove(path)
        r = run_plot(self.dir)
        self.assertEqual(r.returncode, 1)
        self.assertTrue(r.stderr.startswith(f"tools/plot: {path}: missing"), r.stderr)

    def test_missing_results_csv(self):
        path = os.path.join(self.dir, "results.csv")
        os.remove(path)
        r = run_plot(self.dir)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr, f"tools/plot: {path}: missing (run `memsim sweep "
                                   f"--collect {self.dir}`)\n")

    def test_unknown_metric_and_axis(self):
        r = run_plot(self.dir, "--metric=nope_ns")
        self.assertEqual(r.returncode, 1)
        self.assertIn("metric 'nope_ns' is not a column of results.csv", r.stderr)
        r = run_plot(self.dir, "--metric=total_llc_misses", "--x=latency")
        self.assertEqual(r.returncode, 1)
        self.assertIn(os.path.join(self.dir, "sweep.json") + ": plot "
                      "'line-total_llc_misses-latency': no axis named 'latency' "
                      "(axes: model, nodes, remote_ns)", r.stderr)


class BreakevenTest(unittest.TestCase):
    """breakeven_points() itself, from tools/memsim_plot/sweep.py."""

    @classmethod
    def setUpClass(cls):
        sys.dont_write_bytecode = True   # no __pycache__ in the source tree
        sys.path.insert(0, os.path.join(ROOT, "tools"))
        from memsim_plot import sweep
        cls.plot = sweep

    def test_cases(self):
        bp = self.plot.breakeven_points
        self.assertEqual(bp([0, 1, 2, 3], [0, 1, 2, 3], [3, 2, 1, 0]), [(1.5, 1.5)])
        # Unequal spacing: d = -2 at x=10, +6 at x=50 -> t = 0.25, x = 20, y = 1 + 0.25*8 = 3.
        self.assertEqual(bp([10, 50], [1, 9], [3, 3]), [(20.0, 3.0)])
        # Equal over a stretch between opposite signs: they meet at its first sample.
        self.assertEqual(bp([0, 1, 2, 3], [0, 5, 5, 9], [4, 5, 5, 1]), [(1, 5)])
        # Touch without crossing, equal at the ends, never equal: nothing.
        self.assertEqual(bp([0, 1, 2], [1, 2, 1], [2, 2, 2]), [])
        self.assertEqual(bp([0, 1, 2], [0, 1, 2], [0, 2, 4]), [])
        self.assertEqual(bp([0, 1], [1, 1], [2, 2]), [])
        # Two crossings.
        self.assertEqual(bp([0, 1, 2], [0, 2, 0], [1, 1, 1]), [(0.5, 1.0), (1.5, 1.0)])

    def test_threshold(self):
        bp = self.plot.breakeven_points
        # 0.1 ns either side of equal: not a break-even with a 1 ns floor, one without.
        self.assertEqual(bp([0, 1], [100.1, 99.9], [100, 100], 0.02, 1.0), [])
        self.assertEqual(len(bp([0, 1], [100.1, 99.9], [100, 100])), 1)
        # 3 % apart on both sides: a break-even, placed where the raw lines cross, even if a
        # sample in between differs by less than the threshold (d = -3, -0.5, +3 at 0, 1, 2:
        # crosses between 1 and 2 at 1 + 0.5 / 3.5).
        (x, y), = bp([0, 1, 2], [97, 99.5, 103], [100, 100, 100], 0.02, 1.0)
        self.assertAlmostEqual(x, 1 + 0.5 / 3.5)
        self.assertAlmostEqual(y, 99.5 + 3.5 * 0.5 / 3.5)
        # Relative only (a count): 1 % apart is equal, 5 % is not.
        self.assertEqual(bp([0, 1], [99, 101], [100, 100], 0.02, 0.0), [])
        self.assertEqual(bp([0, 1], [95, 105], [100, 100], 0.02, 0.0), [(0.5, 100.0)])
        # On a log y axis the lines are straight in log(y): 1 -> 100 meets 10 halfway, at 10
        # (linear: at x = 9 / 99, y = 10).
        (x, y), = bp([0, 1], [1, 100], [10, 10], 0.02, 1.0, log=True)
        self.assertAlmostEqual(x, 0.5)
        self.assertAlmostEqual(y, 10.0)
        (x, y), = bp([0, 1], [1, 100], [10, 10], 0.02, 1.0)
        self.assertAlmostEqual(x, 9 / 99)
        self.assertAlmostEqual(y, 10.0)
        # The threshold applies to the values, not their logs: 100 vs 100.5 is equal.
        self.assertEqual(bp([0, 1], [100.5, 99.5], [100, 100], 0.02, 1.0, log=True), [])
        self.assertEqual(self.plot.breakeven_threshold("alloc_mean_ns"), (0.02, 1.0))
        self.assertEqual(self.plot.breakeven_threshold("total_llc_misses"), (0.02, 0.0))


if __name__ == "__main__":
    if "--keep" in sys.argv:
        sys.argv.remove("--keep")
        PlotSweepTest.keep = True
    unittest.main(verbosity=2)
