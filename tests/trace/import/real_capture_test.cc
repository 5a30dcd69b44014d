// End to end on real captures (tests/trace/import/testdata/ and the shipped traces/):
// the event counts after import must match an independent count of the input's lines per
// event name, and no page may be freed twice in the imported trace.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <unordered_map>

#include "absl/strings/str_split.h"
#include "import_test_util.h"
#include "sim/util/input_file.h"

namespace memsim {
namespace {

using testing::Imported;
using testing::SourcePath;

struct Capture {
  std::string importer;  // "ftrace" or "tracecmd"
  std::string input;     // relative to the source root
  std::string text;      // the text to count lines in (the input itself, or a .dat's report)
};

// gtest prints a capture by its importer and input (not its bytes).
void PrintTo(const Capture& c, std::ostream* os) { *os << c.importer << " " << c.input; }

std::vector<Capture> Captures() {
  return {
      {"ftrace", "tests/trace/import/testdata/capture_6.18.trace_pipe.txt.zst",
       "tests/trace/import/testdata/capture_6.18.trace_pipe.txt.zst"},
      {"ftrace", "tests/trace/import/testdata/capture_6.18.report.txt.zst",
       "tests/trace/import/testdata/capture_6.18.report.txt.zst"},
      {"tracecmd", "tests/trace/import/testdata/capture_6.18.dat.zst",
       "tests/trace/import/testdata/capture_6.18.report.txt.zst"},
      {"ftrace", "traces/mixed-compaction.ftrace.zst", "traces/mixed-compaction.ftrace.zst"},
      {"ftrace", "traces/thp-anon.report.txt.zst", "traces/thp-anon.report.txt.zst"},
      {"tracecmd", "traces/thp-anon.dat.zst", "traces/thp-anon.report.txt.zst"},
      {"ftrace", "traces/no-pte-compaction.ftrace.zst", "traces/no-pte-compaction.ftrace.zst"},
  };
}

// Independent of the importer: the event name is the word between the first ": " after
// the "[cpu]" field and the next ':'.
struct LineCounts {
  std::map<std::string, uint64_t> by_event;
  uint64_t failed_allocs = 0;  // mm_page_alloc printing pfn 0 (no page)
};

LineCounts CountLines(const std::string& text) {
  LineCounts c;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    size_t bracket = line.find("] ");
    if (line.empty() || line[0] == '#' || bracket == absl::string_view::npos) continue;
    size_t ts_end = line.find(": ", bracket);
    if (ts_end == absl::string_view::npos) continue;
    size_t start = line.find_first_not_of(' ', ts_end + 2);
    size_t colon = line.find(':', start);
    std::string name(line.substr(start, colon - start));
    ++c.by_event[name];
    if (name == "mm_page_alloc" && (line.find(" pfn=0x0 ") != absl::string_view::npos ||
                                    line.find(" pfn=0 ") != absl::string_view::npos)) {
      ++c.failed_allocs;
    }
  }
  return c;
}

class RealCaptureTest : public ::testing::TestWithParam<Capture> {};

TEST_P(RealCaptureTest, CountsMatchAnIndependentCountOfTheInput) {
  const Capture& cap = GetParam();
  ASSERT_TRUE(std::filesystem::exists(SourcePath(cap.input))) << cap.input << " missing";
  absl::StatusOr<std::string> text = ReadMaybeCompressedFile(SourcePath(cap.text));
  ASSERT_TRUE(text.ok()) << text.status();
  LineCounts lines = CountLines(*text);
  absl::StatusOr<Imported> r = testing::RunImporter(cap.importer, SourcePath(cap.input));
  ASSERT_TRUE(r.ok()) << r.status();
  auto n = [&](const char* name) {
    auto it = lines.by_event.find(name);
    return it == lines.by_event.end() ? uint64_t{0} : it->second;
  };
  EXPECT_EQ(r->kind("alloc"), n("mm_page_alloc") - lines.failed_allocs);
  EXPECT_EQ(r->stat("failed_alloc"), lines.failed_allocs);
  // Every free line is either an event or dropped by the documented dedupe.
  EXPECT_EQ(
      r->kind("free") + r->stat("dropped_duplicate_free_batched") + r->stat("dropped_free_of_free"),
      n("mm_page_free") + n("mm_page_free_batched"));
  EXPECT_EQ(r->kind("fault"), n("page_fault_user"));
  EXPECT_EQ(r->kind("migrate_batch"), n("mm_migrate_pages"));
  EXPECT_EQ(r->stat("consumed_migrate_pages_start"), n("mm_migrate_pages_start"));
  EXPECT_EQ(r->kind("compaction"), n("mm_compaction_begin") + n("mm_compaction_end"));
  EXPECT_EQ(r->kind("compaction_scan"),
            n("mm_compaction_isolate_migratepages") + n("mm_compaction_isolate_freepages"));
  EXPECT_EQ(r->stat("consumed_compaction_migratepages"), n("mm_compaction_migratepages"));
  // Each set_migration_pte is consumed by pairing; each remove becomes a migrate event or
  // one of the counted outcomes.
  EXPECT_EQ(r->stat("migration_pte_undecodable"), 0u);
  EXPECT_EQ(r->stat("consumed_set_migration_pte"), n("set_migration_pte"));
  // Inferred migrations (docs/trace-import.md) come from frees, not from pte records.
  EXPECT_EQ(r->kind("migrate") - r->stat("migration_inferred_events") +
                r->stat("migration_pte_same_folio") + r->stat("migration_pte_restored") +
                r->stat("migration_pte_unpaired_remove"),
            n("remove_migration_pte"));
  uint64_t unknown = 0;
  for (const auto& [name, count] : lines.by_event) {
    static const std::set<std::string> kKnown = {"mm_page_alloc",
                                                 "mm_page_free",
                                                 "mm_page_free_batched",
                                                 "page_fault_user",
                                                 "mm_migrate_pages_start",
                                                 "mm_migrate_pages",
                                                 "set_migration_pte",
                                                 "remove_migration_pte",
                                                 "mm_compaction_begin",
                                                 "mm_compaction_end",
                                                 "mm_compaction_isolate_migratepages",
                                                 "mm_compaction_isolate_freepages",
                                                 "mm_compaction_migratepages"};
    if (!kKnown.count(name)) unknown += count;
  }
  EXPECT_EQ(r->stat("skipped"), unknown);
  EXPECT_EQ(r->stat("skipped_malformed"), 0u);
  uint64_t total = 0;
  for (const auto& [kind, count] : r->footer.events_by_kind()) total += count;
  EXPECT_EQ(total, r->events.size());
}

TEST_P(RealCaptureTest, NoPageIsFreedTwice) {
  const Capture& cap = GetParam();
  ASSERT_TRUE(std::filesystem::exists(SourcePath(cap.input))) << cap.input << " missing";
  absl::StatusOr<Imported> r = testing::RunImporter(cap.importer, SourcePath(cap.input));
  ASSERT_TRUE(r.ok()) << r.status();
  // Per pfn: absent = never allocated in the trace; true = allocated; false = freed after
  // an allocation. A migration destination becomes allocated (compaction takes it off the
  // free lists without mm_page_alloc).
  std::unordered_map<uint64_t, bool> allocated;
  uint64_t double_frees = 0, frees_checked = 0;
  for (const Event& e : r->events) {
    const uint64_t pages = uint64_t{1} << e.order;
    if (e.kind == trace::EVENT_ALLOC) {
      for (uint64_t p = e.pfn; p < e.pfn + pages; ++p) allocated[p] = true;
    } else if (e.kind == trace::EVENT_MIGRATE) {
      for (uint64_t p = e.end_pfn; p < e.end_pfn + pages; ++p) allocated[p] = true;
    } else if (e.kind == trace::EVENT_FREE) {
      for (uint64_t p = e.pfn; p < e.pfn + pages; ++p) {
        auto it = allocated.find(p);
        if (it == allocated.end()) continue;
        ++frees_checked;
        if (!it->second) ++double_frees;
        it->second = false;
      }
    }
  }
  EXPECT_EQ(double_frees, 0u);
  EXPECT_GT(frees_checked, 0u);
}

INSTANTIATE_TEST_SUITE_P(Captures, RealCaptureTest, ::testing::ValuesIn(Captures()),
                         [](const ::testing::TestParamInfo<Capture>& info) {
                           std::string name = info.param.input;
                           name = name.substr(name.rfind('/') + 1);
                           for (char& ch : name) {
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return info.param.importer + "_" + name;
                         });

}  // namespace
}  // namespace memsim
