#!/usr/bin/python3
"""Runs the pandas example of docs/results.md ("Reading results with pandas"), exactly as
written there, on a compare folder and a sweep folder made by the memsim binary, and checks
that every number pandas reads equals the value in the result JSON files.

Usage: /usr/bin/python3 tests/tools/pandas_example_test.py [path/to/memsim]
(default: $MEMSIM_BIN, else build/memsim). Works in a temporary directory under $TMPDIR,
removed afterwards.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOC = os.path.join(ROOT, "docs", "results.md")
MACHINE = os.path.join(ROOT, "tests", "replay", "testdata", "tiny-2s.textproto")
MEMSIM = os.environ.get("MEMSIM_BIN", os.path.join(ROOT, "build", "memsim"))
# The line of the example naming the folders; the test points it at its own.
FOLDERS_LINE = 'compare_dir, sweep_dir = Path("cmp"), Path("sweep")'
KINDS = ["alloc", "free", "fault", "migrate", "migrate_batch", "compaction_scan", "compaction"]
MODELS = ["page64", "memdesc", "allocatee"]

SWEEP_SPEC = """
name: "pandas"
base {
  gen { workload: "anon" flags { key: "num_events" value: "2000" }
        flags { key: "nodes" value: "2" } flags { key: "node_mem" value: "1GiB" } }
  machine: "%s"
  replay { back_to_back: true }
}
axis { name: "thp_share" path: "gen.thp_share" values: "0" values: "0.5" values: "1" }
axis { name: "model" path: "model" values: "page64" values: "memdesc" }
"""


def example_code():
    """The first python block after the "Reading results with pandas" heading."""
    with open(DOC) as f:
        text = f.read()
    section = text.split("\n## Reading results with pandas\n", 1)
    if len(section) != 2:
        raise AssertionError(f"{DOC}: no section 'Reading results with pandas'")
    block = re.search(r"```python\n(.*?)```", section[1], re.S)
    if block is None:
        raise AssertionError(f"{DOC}: no python block in 'Reading results with pandas'")
    return block.group(1)


def csv_value(result, column):
    """What results.csv's `column` holds for `result` (docs/results.md, "CSV columns"), read
    from the result JSON."""
    machine = result["overhead"]["machine"]
    if column == "events":
        return result["num_events"]
    if column == "simulated_time_ns":
        return result["simulated_time_ns"]
    if column in ("wall_seconds", "events_per_second"):
        return result["run"][column]
    m = re.fullmatch(r"overhead_(\w+)_percent", column)
    if m:
        return machine[m.group(1) + "_percent_of_ram"]
    if column.startswith("overhead_"):
        return machine[column[len("overhead_"):]]
    if column.startswith("total_"):
        return result["total"][column[len("total_"):]]
    residence = {"metadata_cpu_nodes_bytes": "cpu_nodes_bytes",
                 "metadata_cpu_less_nodes_bytes": "cpu_less_nodes_bytes",
                 "metadata_cpu_nodes_percent": "cpu_nodes_percent",
                 "memmap_waste_bytes": "memmap_waste_bytes"}
    if column in residence:
        return result["residence"][residence[column]]
    overhead = result["overhead"]
    if column == "described_pages":
        return overhead["described"]["pages"]
    if column == "undescribed_pages":
        return overhead["undescribed_pages"]
    m = re.fullmatch(r"(described|whole)_(\w+)", column)
    if m:
        figures, field = overhead[m.group(1)], m.group(2)
        if field == "bytes_per_page":
            return figures["final_bytes_per_page"]
        if field.endswith("_percent"):
            return figures[field + "_of_ram"]
        return figures[field]
    if column == "bytes_per_page_owner_known":
        known = [o for o in overhead["owners"]
                 if o["owner"] not in ("free", "unknown", "state_unknown")]
        pages = sum(o["pages"] for o in known)
        return sum(o["final_bytes"] for o in known) / pages if pages else 0.0
    if column.startswith("bytes_per_page_"):
        owner = column[len("bytes_per_page_"):]
        return next((o["bytes_per_page"] for o in overhead["owners"] if o["owner"] == owner),
                    0.0)
    coverage = {"events_modelled": "modelled", "events_dropped": "dropped",
                "events_dropped_percent": "dropped_percent", "state_ops": "state_ops",
                "contradictions": "contradictions",
                "contradictions_percent": "contradictions_percent"}
    if column in coverage:
        return result["coverage"][coverage[column]]
    if column.startswith("dropped_"):
        return result["coverage"][column]
    if column.startswith("contradictions_"):
        return sum(c[column[len("contradictions_"):]] for c in result["inconsistency_causes"])
    if column == "warnings":
        return len(result["warnings"])
    m = re.fullmatch(r"latency_(\w+_ns)", column)  # latency by source, all events
    if m:
        return result["latency_sources"][m.group(1)]
    m = re.fullmatch(rf"({'|'.join(KINDS)})_latency_(\w+_ns)", column)  # ... per kind
    if m:
        event = next((e for e in result["events"] if e["kind"] == m.group(1)), None)
        return event["latency_sources"][m.group(2)] if event else 0.0
    for kind in KINDS:
        stat = column[len(kind) + 1:] if column.startswith(kind + "_") else None
        if stat not in ("count", "mean_ns", "p50_ns", "p90_ns", "p99_ns", "max_ns", "llc_misses"):
            continue
        event = next((e for e in result["events"] if e["kind"] == kind), None)
        if event is None:
            return 0
        if stat == "count":
            return event["count"]
        if stat == "llc_misses":
            return event["accesses"]["llc_misses"]
        return event["latency"][stat]
    raise AssertionError(f"unknown CSV column {column}")


def is_integer_column(column):
    """Columns of uint64 fields (counts, bytes); the others are doubles."""
    doubles = ("simulated_time_ns", "overhead_mean_bytes", "wall_seconds", "events_per_second",
               "described_mean_bytes", "whole_mean_bytes")
    return not (column in doubles or column.endswith("_ns") or column.endswith("_percent")
                or "bytes_per_page" in column)


def numeric_columns(frame):
    text = {"trace", "machine", "model", "model_label", "pfn_mapping", "undescribed_rule",
            "point", "status", "thp_share", "error"}
    return [c for c in frame.columns if c not in text]


class PandasExample(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="memsim-pandas.")
        cls.compare_dir = os.path.join(cls.tmp, "cmp")
        cls.sweep_dir = os.path.join(cls.tmp, "sweep")
        trace = os.path.join(cls.tmp, "numa.mtrace")
        cls.run_memsim("gen", "--workload=numa", "--num_events=2000", "--nodes=2",
                       "--node_mem=1GiB", "-o", trace)
        cls.run_memsim("compare", f"--trace={trace}", f"--machine={MACHINE}",
                       "--models=" + ",".join(MODELS), "--noplot", f"--out={cls.compare_dir}")
        spec = os.path.join(cls.tmp, "pandas.textproto")
        with open(spec, "w") as f:
            f.write(SWEEP_SPEC % MACHINE)
        cls.run_memsim("sweep", spec, f"--out={cls.sweep_dir}", "--jobs=1", "--noplot")
        code = example_code()
        if code.count(FOLDERS_LINE) != 1:
            raise AssertionError(f"the example no longer has the line {FOLDERS_LINE!r}")
        code = code.replace(
            FOLDERS_LINE,
            f"compare_dir, sweep_dir = Path({cls.compare_dir!r}), Path({cls.sweep_dir!r})")
        cls.ns = {}
        exec(compile(code, DOC + " (pandas example)", "exec"), cls.ns)
        # The results as the test reads them itself, without pandas.
        cls.results = []
        for i, model in enumerate(MODELS):
            with open(os.path.join(cls.compare_dir, f"{i}-{model}.json")) as f:
                cls.results.append(json.load(f))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def run_memsim(cls, *args):
        r = subprocess.run([MEMSIM, *args], capture_output=True, text=True)
        if r.returncode != 0:
            raise AssertionError(f"memsim {' '.join(args)}: exit {r.returncode}\n{r.stdout}"
                                 f"{r.stderr}")

    def assert_exact(self, got, want, what, integer=False):
        # Integers stay integers (numpy int64, not text); doubles equal bit for bit.
        if integer:
            self.assertIsInstance(want, int, what)
            self.assertIsInstance(got.item() if hasattr(got, "item") else got, int, what)
        self.assertEqual(got, want, what)
        self.assertEqual(repr(float(got)), repr(float(want)), what)

    def test_compare_csv_equals_the_json(self):
        compare = self.ns["compare"]
        self.assertEqual(list(compare["model"]), MODELS)
        self.assertEqual(str(compare["events"].dtype), "int64")
        self.assertEqual(str(compare["overhead_static_bytes"].dtype), "int64")
        self.assertEqual(str(compare["simulated_time_ns"].dtype), "float64")
        columns = numeric_columns(compare)
        self.assertEqual(len(columns), 126 + 80)  # + latency by source: 10 all, 10 per kind
        for i, result in enumerate(self.results):
            for column in columns:
                self.assert_exact(compare[column][i], csv_value(result, column),
                                  f"{MODELS[i]} {column}", is_integer_column(column))
        # 6 significant digits (the old format) would not have been exact.
        self.assertTrue(any(float("%.6g" % v) != v for v in compare["simulated_time_ns"]))

    def test_compare_json_events(self):
        events = self.ns["events"]
        self.assertEqual(len(events), len(MODELS) * len(KINDS))
        self.assertEqual(str(events["count"].dtype), "int64")
        for result in self.results:
            label = result["run"]["model_label"]
            counts = [e["count"] for e in result["events"]]
            # A sum of numbers (strings would concatenate), equal to the events replayed.
            self.assert_exact(self.ns["events_by_model"][label], sum(counts), label, True)
            self.assertEqual(sum(counts), result["num_events"])
            fault = next(e for e in result["events"] if e["kind"] == "fault")
            self.assert_exact(self.ns["fault_ns"].loc["fault", label],
                              fault["latency"]["mean_ns"], label)
            self.assertGreater(fault["count"], 0)

    def test_sweep_csv_and_jsonl_equal_the_point_results(self):
        sweep, points = self.ns["sweep"], self.ns["points"]
        self.assertEqual(list(sweep["status"]), ["ok"] * 6)
        self.assertEqual(list(sweep["model"]), ["page64", "memdesc"] * 3)
        self.assertEqual(list(sweep["thp_share"]), [0, 0, 0.5, 0.5, 1, 1])
        columns = numeric_columns(sweep)
        self.assertEqual(len(columns), 124 + 80)  # the metric columns: no wall time or rate
        for row in range(len(sweep)):
            point = sweep["point"][row]
            with open(os.path.join(self.sweep_dir, "points", f"{point:06d}.json")) as f:
                result = json.load(f)
            for column in columns:
                want = csv_value(result, column)
                integer = is_integer_column(column)
                self.assert_exact(sweep[column][row], want, f"point {point} {column}", integer)
                self.assert_exact(points["metrics." + column][row], want,
                                  f"point {point} jsonl {column}", integer)
            self.assertEqual(points["axes.model"][row], sweep["model"][row])
            self.assertEqual(points["axes.thp_share"][row], sweep["thp_share"][row])
            fault = next(e for e in result["events"] if e["kind"] == "fault")
            self.assert_exact(
                self.ns["fault_by_share"].loc[sweep["thp_share"][row], sweep["model"][row]],
                fault["latency"]["mean_ns"], f"point {point} pivot")
        self.assertTrue(any(float("%.6g" % v) != v for v in sweep["simulated_time_ns"]))


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        MEMSIM = os.path.abspath(sys.argv.pop(1))
    unittest.main()
