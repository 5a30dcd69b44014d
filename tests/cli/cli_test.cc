// The memsim binary as users run it: help, flag errors, import + inspect against an
// independent count of the input, bad input, compare, and determinism of whole outputs.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "sim/cli/command.h"
#include "sim/report/result_format.h"
#include "sim/trace/trace_writer.h"
#include "sim/util/input_file.h"
#include "sim/util/version.h"
#include "tests/testing/memsim_cli.h"

namespace memsim {
namespace {

using ::memsim::test_util::CmdResult;
using ::memsim::test_util::Exists;
using ::memsim::test_util::Memsim;
using ::memsim::test_util::Slurp;

std::string Tmp(const std::string& name) { return ::memsim::test_util::TmpPath("cli_" + name); }

// "key": 123 from the flat JSON printed by inspect --json (first occurrence after `after`).
uint64_t JsonInt(const std::string& json, const std::string& key, const std::string& after = "") {
  size_t from = after.empty() ? 0 : json.find("\"" + after + "\"");
  size_t at = json.find("\"" + key + "\": ", from);
  EXPECT_NE(at, std::string::npos) << key;
  if (at == std::string::npos) return 0;
  return std::stoull(json.substr(at + key.size() + 4));
}

// Every command of the binary, from the registry it is built from.
std::vector<std::string> CommandNames() {
  cli::CommandRegistry registry;
  cli::RegisterBuiltinCommands(registry);
  std::vector<std::string> names;
  for (const cli::Command& c : registry.commands()) names.push_back(c.name);
  return names;
}

TEST(Cli, TheRegistryHoldsTheNineCommands) {
  EXPECT_EQ(absl::StrJoin(CommandNames(), " "),
            "import inspect gen machine replay compare sweep bench validate");
}

TEST(Cli, TopHelpListsEveryCommand) {
  CmdResult r = Memsim("--help");
  EXPECT_EQ(r.exit_code, 0);
  for (const std::string& c : CommandNames()) {
    EXPECT_NE(r.out.find("  " + c), std::string::npos) << c << "\n" << r.out;
  }
}

TEST(Cli, EveryCommandHasHelp) {
  for (const std::string& c : CommandNames()) {
    CmdResult r = Memsim(absl::StrCat(c, " --help"));
    EXPECT_EQ(r.exit_code, 0) << c;
    EXPECT_NE(r.out.find("Usage: memsim " + c), std::string::npos) << c << "\n" << r.out;
  }
}

// Exit codes (docs/architecture.md): per command, one usage error (the command line is
// wrong: 2) and one data error (the input is: 1), each with the message that says which.
struct ExitCase {
  std::string usage_args;  // after the command name
  std::string usage_message;
  std::string data_args;
  std::string data_message;
};

TEST(Cli, EveryCommandExits2OnAUsageErrorAnd1OnADataError) {
  const std::string machine =
      std::string(MEMSIM_SOURCE_DIR) + "/tests/replay/testdata/tiny-2s.textproto";
  const std::string not_trace = Tmp("not-a-trace.mtrace");
  std::ofstream(not_trace) << "not a trace\n";
  const std::string bad_line = Tmp("bad-line.txt");
  std::ofstream(bad_line) << "  a-1 [000] .... 10.000002: mm_page_alloc: page=0x2 pfn=zzz\n";
  const std::string bad_machine = Tmp("bad-machine.textproto");
  std::ofstream(bad_machine) << "name: \"m\"\nbogus_field: 1\n";
  const std::string bad_spec = Tmp("bad-spec.textproto");
  std::ofstream(bad_spec) << "name: \"x\"\nbase { machin: \"m\" }\n";
  const std::string out = Tmp("exit.out");
  const std::map<std::string, ExitCase> cases = {
      {"import",
       {"--from=ftrace", "expected exactly one INPUT file",
        absl::StrCat("--from=ftrace ", bad_line, " -o ", out), bad_line + ":1"}},
      {"inspect", {"", "expects exactly one FILE.mtrace", not_trace, not_trace}},
      {"gen",
       {"--workload=anon --num_events=many -o " + out, "invalid value 'many' for --num_events",
        "--workload=anon --num_events=10 -o /nonexistent/dir/x.mtrace", "/nonexistent/dir"}},
      {"machine",
       {"frobnicate", "unknown verb 'frobnicate'", "show " + bad_machine, bad_machine + ":2"}},
      {"replay",
       {absl::StrCat("--trace=", not_trace, " --machine=", machine, " --model=page16"),
        "unknown model 'page16'",
        absl::StrCat("--trace=", not_trace, " --machine=", machine, " --model=page64"), not_trace}},
      {"compare",
       {absl::StrCat("--trace=", not_trace, " --machine=", machine, " --models=page64,page16"),
        "unknown model 'page16'",
        absl::StrCat("--trace=", not_trace, " --machine=", machine, " --models=page64 --noplot"),
        not_trace}},
      {"sweep",
       {bad_spec, "--out=DIR is required", absl::StrCat(bad_spec, " --out=", Tmp("exit-sweep")),
        bad_spec + ":2:"}},
      {"bench",
       {"extra", "bench takes only flags",
        absl::StrCat("--bench_traces=", not_trace, " --synthetic_events=0 --machine=", machine),
        not_trace}},
      {"validate",
       {"", "--machine is required", absl::StrCat("--machine=", machine, " ", bad_line),
        bad_line + ":1"}},
  };
  for (const std::string& c : CommandNames()) {
    auto it = cases.find(c);
    ASSERT_NE(it, cases.end()) << "no exit-code case for command " << c;
    CmdResult usage = Memsim(absl::StrCat(c, " ", it->second.usage_args));
    EXPECT_EQ(usage.exit_code, 2) << c << ": " << usage.out;
    EXPECT_NE(usage.out.find(it->second.usage_message), std::string::npos) << c << usage.out;
    CmdResult data = Memsim(absl::StrCat(c, " ", it->second.data_args));
    EXPECT_EQ(data.exit_code, 1) << c << ": " << data.out;
    EXPECT_NE(data.out.find(it->second.data_message), std::string::npos) << c << data.out;
  }
  EXPECT_FALSE(Exists(out));
  for (const std::string& f : {not_trace, bad_line, bad_machine, bad_spec}) unlink(f.c_str());
}

TEST(Cli, UnknownCommandAndForeignFlagAreUsageErrors) {
  CmdResult r = Memsim("frobnicate");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("unknown command 'frobnicate'"), std::string::npos) << r.out;
  r = Memsim("inspect --seed=3 x.mtrace");  // --seed belongs to gen
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("unknown flag '--seed=3'"), std::string::npos) << r.out;
}

// Issue 2: counts in `inspect --json` match an independent count of the input. The count
// here is a plain scan for each tracepoint name; the importer's documented drops (duplicate
// free reports, pte pairs of one folio) are read back from its counters and must add up.
TEST(Cli, ImportedCountsMatchAnIndependentCountOfTheCapture) {
  const std::string src = std::string(MEMSIM_SOURCE_DIR) + "/traces/mixed-compaction.ftrace.zst";
  std::map<std::string, uint64_t> lines;
  {
    auto f = InputFile::Open(src);
    ASSERT_TRUE(f.ok());
    LineReader reader(std::move(*f));
    std::string_view line;
    while (*reader.Next(&line)) {
      for (const char* name : {"mm_page_alloc", "mm_page_free", "mm_page_free_batched",
                               "page_fault_user", "mm_migrate_pages_start", "mm_migrate_pages",
                               "set_migration_pte", "remove_migration_pte", "mm_compaction_begin",
                               "mm_compaction_end", "mm_compaction_isolate_migratepages",
                               "mm_compaction_isolate_freepages", "mm_compaction_migratepages"}) {
        if (line.find(absl::StrCat(" ", name, ": ")) != std::string_view::npos) ++lines[name];
      }
    }
  }
  const std::string out = Tmp("mc.mtrace");
  CmdResult imp = Memsim(absl::StrCat("import --from=ftrace ", src, " -o ", out));
  ASSERT_EQ(imp.exit_code, 0) << imp.out;
  CmdResult ins = Memsim(absl::StrCat("inspect --json ", out));
  ASSERT_EQ(ins.exit_code, 0) << ins.out;
  const std::string& j = ins.out;
  EXPECT_EQ(JsonInt(j, "alloc", "events"), lines["mm_page_alloc"]);
  EXPECT_EQ(JsonInt(j, "fault", "events"), lines["page_fault_user"]);
  EXPECT_EQ(JsonInt(j, "migrate_batch", "events"), lines["mm_migrate_pages"]);
  EXPECT_EQ(JsonInt(j, "compaction_scan", "events"),
            lines["mm_compaction_isolate_migratepages"] + lines["mm_compaction_isolate_freepages"]);
  EXPECT_EQ(JsonInt(j, "compaction", "events"),
            lines["mm_compaction_begin"] + lines["mm_compaction_end"]);
  EXPECT_EQ(JsonInt(j, "free", "events") + JsonInt(j, "dropped_duplicate_free_batched") +
                JsonInt(j, "dropped_free_of_free"),
            lines["mm_page_free"] + lines["mm_page_free_batched"]);
  // Inferred compaction migrations come from frees, not pte records (docs/trace-import.md).
  EXPECT_EQ(JsonInt(j, "migrate", "events") - JsonInt(j, "migration_inferred_events") +
                JsonInt(j, "migration_pte_same_folio"),
            lines["set_migration_pte"]);
  EXPECT_EQ(lines["set_migration_pte"], lines["remove_migration_pte"]);
  EXPECT_EQ(JsonInt(j, "skipped"), 0u);
  unlink(out.c_str());
}

TEST(Cli, MalformedLineNamesFileAndLineAndWritesNothing) {
  const std::string in = Tmp("bad.txt");
  std::ofstream(in) << "  a-1 [000] .... 10.000001: mm_page_alloc: page=0x1 pfn=0x1 order=0 "
                       "migratetype=1 gfp_flags=GFP_KERNEL\n"
                       "  a-1 [000] .... 10.000002: mm_page_alloc: page=0x2 pfn=zzz order=0\n";
  const std::string out = Tmp("bad.mtrace");
  CmdResult r = Memsim(absl::StrCat("import --from=ftrace ", in, " -o ", out));
  EXPECT_EQ(r.exit_code, 1);  // a data error
  EXPECT_NE(r.out.find(in + ":2"), std::string::npos) << r.out;
  EXPECT_FALSE(Exists(out));
  unlink(in.c_str());
}

TEST(Cli, CorruptTraceIsReportedWithItsOffset) {
  const std::string src = std::string(MEMSIM_SOURCE_DIR) + "/traces/mixed-compaction.ftrace.zst";
  const std::string t = Tmp("c.mtrace");
  ASSERT_EQ(Memsim(absl::StrCat("import --from=ftrace ", src, " -o ", t)).exit_code, 0);
  std::string bytes = Slurp(t);
  bytes[bytes.size() / 2] ^= 0x55;
  std::ofstream(t, std::ios::binary) << bytes;
  CmdResult r = Memsim("inspect " + t);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("corrupt trace at byte"), std::string::npos) << r.out;
  unlink(t.c_str());
}

TEST(Cli, ReplayTwiceGivesIdenticalResults) {
  const std::string src = std::string(MEMSIM_SOURCE_DIR) + "/traces/thp-anon.dat.zst";
  const std::string t = Tmp("thp.mtrace");
  ASSERT_EQ(Memsim(absl::StrCat("import --from=tracecmd ", src, " -o ", t)).exit_code, 0);
  std::string first;
  for (int i = 0; i < 2; ++i) {
    const std::string out = Tmp(absl::StrCat("r", i, ".json"));
    CmdResult r = Memsim(absl::StrCat("replay --trace=", t, " --machine=", MEMSIM_SOURCE_DIR,
                                      "/configs/machines/skylake-sp-2s-gold6140.textproto",
                                      " --model=memdesc --out=", out));
    ASSERT_EQ(r.exit_code, 0) << r.out;
    auto parsed = report::ResultFromJson(Slurp(out));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    auto json = report::ResultToJson(report::WithoutHostFields(*parsed));
    ASSERT_TRUE(json.ok());
    if (i == 0)
      first = *json;
    else
      EXPECT_EQ(*json, first);
    unlink(out.c_str());
  }
  unlink(t.c_str());
}

// The version is CMake's project(VERSION), written into imported traces and results, which
// also name the trace's source.
TEST(Cli, VersionFromCMakeIsInTracesAndResults) {
  const std::string version(MemsimVersion());
  EXPECT_EQ(Memsim("--version").out, "memsim " + version + "\n");
  const std::string src = std::string(MEMSIM_SOURCE_DIR) + "/traces/thp-anon.dat.zst";
  const std::string t = Tmp("version.mtrace");
  ASSERT_EQ(Memsim(absl::StrCat("import --from=tracecmd ", src, " -o ", t)).exit_code, 0);
  CmdResult ins = Memsim("inspect --json " + t);
  EXPECT_NE(ins.out.find("\"memsim_version\": \"" + version + "\""), std::string::npos) << ins.out;
  const std::string out = Tmp("version.json");
  CmdResult r = Memsim(absl::StrCat("replay --trace=", t, " --machine=", MEMSIM_SOURCE_DIR,
                                    "/configs/machines/skylake-sp-2s-gold6140.textproto",
                                    " --model=page64 --out=", out));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto parsed = report::ResultFromJson(Slurp(out));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->run().memsim_version(), version);
  EXPECT_EQ(parsed->run().trace_source(), "tracecmd");
  unlink(t.c_str());
  unlink(out.c_str());
}

TEST(Cli, CompareWritesResultsTableAndCsv) {
  const std::string src = std::string(MEMSIM_SOURCE_DIR) + "/traces/thp-anon.dat.zst";
  const std::string t = Tmp("cmp.mtrace");
  ASSERT_EQ(Memsim(absl::StrCat("import --from=tracecmd ", src, " -o ", t)).exit_code, 0);
  const std::string dir = Tmp("cmpdir");
  CmdResult r = Memsim(absl::StrCat("compare --trace=", t, " --machine=", MEMSIM_SOURCE_DIR,
                                    "/configs/machines/genoa-2s-epyc9224-nps2-cxl.textproto",
                                    " --models=page64,memdesc --noplot --out=", dir));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("overhead, described: peak % of its RAM"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("overhead, whole machine, undescribed extrapolated: peak % of RAM"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("vs page64"), std::string::npos) << r.out;
  EXPECT_TRUE(Exists(dir + "/0-page64.json"));
  EXPECT_TRUE(Exists(dir + "/1-memdesc.json"));
  const std::string csv = Slurp(dir + "/results.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);  // header + 2 rows
  // The plots of the compare path, overhead by model and owner type included.
  ASSERT_EQ(std::system(absl::StrCat("/usr/bin/python3 ", MEMSIM_SOURCE_DIR, "/tools/plot compare ",
                                     dir, " >/dev/null 2>&1")
                            .c_str()),
            0);
  for (const char* plot : {"overhead", "latency_cdf", "misses", "overhead_by_owner"}) {
    EXPECT_TRUE(Exists(absl::StrCat(dir, "/", plot, ".png"))) << plot;
    EXPECT_TRUE(Exists(absl::StrCat(dir, "/", plot, ".svg"))) << plot;
  }
  unlink(t.c_str());
}

// A trace of 1024 free pages (snapshot) and 10 events: 5 faults without a pfn (dropped) and 5
// allocations. 50 % of the events dropped, past the 10 % threshold (docs/results.md,
// "Uncertainty"): replay and compare warn on stderr, compare once for both models and under
// the table.
TEST(Cli, ReplayAndCompareWarnWhenEventsAreDropped) {
  const std::string t = Tmp("dropped.mtrace");
  {
    auto w = TraceWriter::Create(t);
    ASSERT_TRUE(w.ok()) << w.status();
    auto* h = (*w)->mutable_header();
    h->set_source("test");
    h->set_num_cpus(1);
    auto* n = h->add_nodes();
    n->set_end_pfn(1024);
    ASSERT_TRUE((*w)->AddSnapshotRun(SnapshotRun{0, 1024, trace::OWNER_FREE, 0, 0}).ok());
    for (uint64_t i = 0; i < 5; ++i) {
      Event fault;
      fault.kind = trace::EVENT_FAULT;
      fault.time_ns = 1000 + 2 * i;
      ASSERT_TRUE((*w)->Add(fault).ok());
      Event alloc;
      alloc.kind = trace::EVENT_ALLOC;
      alloc.time_ns = 1001 + 2 * i;
      alloc.pfn = 16 * i;
      alloc.owner = trace::OWNER_ANON;
      ASSERT_TRUE((*w)->Add(alloc).ok());
    }
    ASSERT_TRUE((*w)->Finish().ok());
  }
  const std::string machine =
      std::string(MEMSIM_SOURCE_DIR) + "/tests/replay/testdata/tiny-2s.textproto";
  const std::string warning =
      "warning: 5 of 10 events (50.0 %) dropped (0 unmapped pfn, 5 faults without pfn, 0 not "
      "applied): the figures leave them out\n";
  const std::string out = Tmp("dropped.json");
  CmdResult r = Memsim(absl::StrCat("replay --trace=", t, " --machine=", machine,
                                    " --model=memdesc --undescribed=free --out=", out));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("replay: " + warning), std::string::npos) << r.out;
  auto parsed = report::ResultFromJson(Slurp(out));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->warnings_size(), 1);
  EXPECT_EQ(parsed->overhead().undescribed_rule(), "free");
  EXPECT_EQ(parsed->coverage().dropped_fault_without_pfn(), 5u);
  const std::string dir = Tmp("droppeddir");
  r = Memsim(absl::StrCat("compare --trace=", t, " --machine=", machine,
                          " --models=page64,memdesc --noplot --out=", dir));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const size_t first = r.out.find("compare: " + warning);
  EXPECT_NE(first, std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("compare: " + warning, first + 1), std::string::npos) << r.out;
  const std::string table = Slurp(dir + "/compare.txt");
  EXPECT_NE(table.find("events: 10 read, 5 modelled, 5 dropped (50.00 %: 0 unmapped pfn, 5 "
                       "faults without pfn, 0 not applied)\n"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("\n" + warning), std::string::npos) << table;
  // The CSV says so too: events_dropped 5, warnings 1, on both rows.
  const std::vector<std::string> lines = absl::StrSplit(Slurp(dir + "/results.csv"), '\n');
  const std::vector<std::string> head = absl::StrSplit(lines[0], ',');
  const std::vector<std::string> row = absl::StrSplit(lines[2], ',');
  ASSERT_EQ(head.size(), row.size());
  std::map<std::string, std::string> cells;
  for (size_t i = 0; i < head.size(); ++i) cells[head[i]] = row[i];
  EXPECT_EQ(cells["events_dropped"], "5");
  EXPECT_EQ(cells["dropped_fault_without_pfn"], "5");
  EXPECT_EQ(cells["events_dropped_percent"], "50");
  EXPECT_EQ(cells["warnings"], "1");
  EXPECT_EQ(cells["undescribed_rule"], "extrapolate");
  unlink(t.c_str());
  unlink(out.c_str());
}

TEST(Cli, UnknownUndescribedRuleIsAUsageError) {
  CmdResult r = Memsim("replay --trace=x --machine=y --model=page64 --undescribed=snapshot");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("'snapshot' (expected extrapolate or free)"), std::string::npos) << r.out;
}

TEST(Cli, MissingRequiredFlagsAreUsageErrors) {
  CmdResult r = Memsim("replay --model=page64");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("--trace is required"), std::string::npos) << r.out;
  r = Memsim("replay --trace=x --machine=/nonexistent.textproto --model=page64");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("/nonexistent.textproto"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace memsim
