// replay's access dump (AccessDumpWriter, `memsim replay --dump-accesses`): the dumped stream,
// run through a tiny independent LRU L1 written here, misses exactly as often as memsim's L1d
// did. One trace CPU on tiny-2s (L1d 4 KiB, 4 ways, 64-B lines: 16 sets), so core 0's L1d
// sees only this stream (no other core invalidates it; L1d and L2 are non-inclusive, the LLC
// too, so nothing below evicts from the L1d).
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <list>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "sim/replay/access_dump_writer.h"
#include "tests/replay/replay_test_util.h"
#include "tests/testing/memsim_cli.h"
#include "tests/testing/temp_dir.h"

namespace memsim {
namespace {

using testing::Alloc;
using testing::Fault;
using testing::Replay;
using testing::WriteTrace;

// A set-associative LRU cache of `sets` x `ways` lines, set = line % sets.
class TinyLru {
 public:
  TinyLru(uint64_t sets, size_t ways) : sets_(sets), ways_(ways), lines_(sets) {}
  // True on a hit.
  bool Access(uint64_t line) {
    std::list<uint64_t>& set = lines_[line % sets_];
    for (auto it = set.begin(); it != set.end(); ++it) {
      if (*it == line) {
        set.erase(it);
        set.push_front(line);
        return true;
      }
    }
    set.push_front(line);
    if (set.size() > ways_) set.pop_back();
    return false;
  }

 private:
  uint64_t sets_;
  size_t ways_;
  std::vector<std::list<uint64_t>> lines_;
};

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

// Faults on 300 pages in a scattered order (more struct pages than the L1d holds, so lines
// are evicted and come back), then allocs and frees of order 0..3 blocks.
std::string MakeTrace() {
  std::vector<Event> events;
  uint64_t t = 1000, x = 7;
  for (int i = 0; i < 2000; ++i) {
    x = (x * 1103515245 + 12345) % 2147483648;
    events.push_back(Fault(t += 100, 0, 100 + (x >> 8) % 300));
  }
  for (uint32_t order = 0; order <= 3; ++order) {
    for (uint64_t b = 0; b < 20; ++b) {
      events.push_back(Alloc(t += 100, 0, 8192 + (order * 20 + b) * 8, order, trace::OWNER_ANON));
    }
  }
  for (uint32_t order = 0; order <= 3; ++order) {
    for (uint64_t b = 0; b < 20; ++b) {
      Event e = Alloc(t += 100, 0, 8192 + (order * 20 + b) * 8, order, trace::OWNER_ANON);
      e.kind = trace::EVENT_FREE;
      events.push_back(e);
    }
  }
  return WriteTrace("dump", {SnapshotRun{100, 300, trace::OWNER_ANON, 0, 0}}, events, 524288,
                    /*cpus=*/1);
}

struct Counts {
  uint64_t accesses = 0, line_accesses = 0, l1_misses = 0;
};

// Summed over event kinds.
Counts Totals(const result::Result& r) {
  Counts c;
  for (const auto& k : r.events()) {
    c.accesses += k.accesses().accesses();
    c.line_accesses += k.accesses().line_accesses();
    c.l1_misses += k.accesses().l1_misses();
  }
  return c;
}

result::Result ReplayWithDump(const std::string& trace, const std::string& path,
                              replay::DumpFormat format) {
  Replay replay(trace, "page64");
  auto w = replay::AccessDumpWriter::Create(path, format, 64);
  EXPECT_TRUE(w.ok()) << w.status();
  replay.job.options.access_sink = w->get();
  result::Result r = replay.Run();
  EXPECT_TRUE((*w)->Finish().ok());
  return r;
}

TEST(AccessDump, DinStreamReplaysToMemsimsL1Misses) {
  const std::string trace = MakeTrace();
  const std::string din = test_util::TmpPath("dump.din");
  const result::Result r = ReplayWithDump(trace, din, replay::DumpFormat::kDin);
  const Counts total = Totals(r);
  const std::vector<std::string> lines = Lines(din);
  EXPECT_EQ(lines.size(), total.line_accesses);
  TinyLru l1(16, 4);
  uint64_t misses = 0, writes = 0;
  for (const std::string& l : lines) {
    std::vector<std::string> f = absl::StrSplit(l, ' ');
    ASSERT_EQ(f.size(), 2u) << l;
    ASSERT_TRUE(f[0] == "0" || f[0] == "1") << l;
    ASSERT_EQ(f[1].find_first_not_of("0123456789abcdef"), std::string::npos) << l;
    uint64_t address = 0;
    ASSERT_TRUE(absl::SimpleHexAtoi(f[1], &address)) << l;
    if (!l1.Access(address / 64)) ++misses;
    if (f[0] == "1") ++writes;
  }
  EXPECT_EQ(misses, total.l1_misses);
  EXPECT_GT(misses, 300u);  // evictions happened: more misses than distinct struct pages
  EXPECT_GT(writes, 0u);
  unlink(trace.c_str());
}

TEST(AccessDump, CsvRowsAreTheAccessesWithTheirEventKinds) {
  const std::string trace = MakeTrace();
  const std::string csv = test_util::TmpPath("dump.csv");
  const result::Result r = ReplayWithDump(trace, csv, replay::DumpFormat::kCsv);
  const Counts total = Totals(r);
  const std::vector<std::string> lines = Lines(csv);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], "time_ns,cpu,address,size,kind,event_kind");
  EXPECT_EQ(lines.size() - 1, total.accesses);
  TinyLru l1(16, 4);
  uint64_t misses = 0, line_accesses = 0, faults = 0, allocs = 0, frees = 0;
  double last_time = -1;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string> f = absl::StrSplit(lines[i], ',');
    ASSERT_EQ(f.size(), 6u) << lines[i];
    double time = 0;
    ASSERT_TRUE(absl::SimpleAtod(f[0], &time)) << lines[i];
    EXPECT_GE(time, last_time);  // one core: its events run in order
    last_time = time;
    EXPECT_EQ(f[1], "0");
    ASSERT_EQ(f[2].substr(0, 2), "0x");
    uint64_t address = 0, size = 0;
    ASSERT_TRUE(absl::SimpleHexAtoi(f[2].substr(2), &address)) << lines[i];
    ASSERT_TRUE(absl::SimpleAtoi(f[3], &size)) << lines[i];
    ASSERT_TRUE(f[4] == "read" || f[4] == "write" || f[4] == "atomic") << lines[i];
    faults += f[5] == "fault";
    allocs += f[5] == "alloc";
    frees += f[5] == "free";
    for (uint64_t line = address / 64; line <= (address + size - 1) / 64; ++line) {
      ++line_accesses;
      if (!l1.Access(line)) ++misses;
    }
  }
  EXPECT_EQ(faults + allocs + frees, total.accesses);
  EXPECT_GT(faults, 0u);
  EXPECT_GT(allocs, 0u);
  EXPECT_GT(frees, 0u);
  EXPECT_EQ(line_accesses, total.line_accesses);
  EXPECT_EQ(misses, total.l1_misses);
  unlink(trace.c_str());
}

TEST(AccessDump, FormatFromSuffixOrFlag) {
  EXPECT_EQ(*replay::AccessDumpWriter::FormatFor("a.DIN", ""), replay::DumpFormat::kDin);
  EXPECT_EQ(*replay::AccessDumpWriter::FormatFor("a.csv", ""), replay::DumpFormat::kCsv);
  EXPECT_EQ(*replay::AccessDumpWriter::FormatFor("-", "csv"), replay::DumpFormat::kCsv);
  auto bad = replay::AccessDumpWriter::FormatFor("a.txt", "");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("a.txt"), std::string::npos);
  EXPECT_EQ(replay::AccessDumpWriter::FormatFor("a.din", "xml").status().code(),
            absl::StatusCode::kInvalidArgument);
}

// The CLI writes the same bytes as the library, and refuses a dump path that is an input.
TEST(AccessDump, CliDumpAccessesFlag) {
  const std::string trace = MakeTrace();
  const std::string lib = test_util::TmpPath("lib.din");
  ReplayWithDump(trace, lib, replay::DumpFormat::kDin);
  const std::string cli = test_util::TmpPath("cli.dump");
  const std::string args = "replay --trace=" + trace + " --machine=" + testing::TinyMachinePath() +
                           " --model=page64 --placement=proportional --out=" +
                           test_util::TmpPath("r.json");  // as the library replay (Replay)
  auto ok = test_util::Memsim(args + " --dump-accesses=" + cli + " --dump-format=din");
  ASSERT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_EQ(test_util::Slurp(cli), test_util::Slurp(lib));
  auto input = test_util::Memsim(args + " --dump-accesses=" + trace);
  EXPECT_EQ(input.exit_code, 2) << input.out;
  auto suffix = test_util::Memsim(args + " --dump-accesses=" + test_util::TmpPath("x.txt"));
  EXPECT_EQ(suffix.exit_code, 2) << suffix.out;
  EXPECT_NE(suffix.out.find("--dump_format=din|csv"), std::string::npos) << suffix.out;
  const std::string bare = "replay --trace=" + trace + " --machine=" + testing::TinyMachinePath() +
                           " --model=page64 --dump-accesses=-";
  auto both = test_util::Memsim(bare + " --dump-format=din");
  EXPECT_EQ(both.exit_code, 2) << both.out;
  EXPECT_NE(both.out.find("both go to stdout"), std::string::npos) << both.out;
  unlink(trace.c_str());
}

}  // namespace
}  // namespace memsim
