#include "sim/trace/import/kpageflags_importer.h"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/trace/trace_reader.h"
#include "sim/trace/trace_writer.h"
#include "tests/testing/temp_dir.h"

namespace memsim {
namespace {

using kpf::Bit;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr uint64_t kBuddy = Bit(kpf::kBuddy);
constexpr uint64_t kHead = Bit(kpf::kCompoundHead);
constexpr uint64_t kTail = Bit(kpf::kCompoundTail);
constexpr uint64_t kAnon = Bit(kpf::kAnon);
constexpr uint64_t kThp = Bit(kpf::kThp);
constexpr uint64_t kLru = Bit(kpf::kLru);
constexpr uint64_t kMmap = Bit(kpf::kMmap);
constexpr uint64_t kSlab = Bit(kpf::kSlab);
constexpr uint64_t kPgtable = Bit(kpf::kPgtable);
constexpr uint64_t kReserved = Bit(kpf::kReserved);
constexpr uint64_t kUptodate = Bit(kpf::kUptodate);
constexpr uint64_t kActive = Bit(kpf::kActive);
constexpr uint64_t kReferenced = Bit(kpf::kReferenced);

SnapshotRun Blk(uint64_t start, uint64_t count, OwnerType owner, uint32_t order, uint64_t flags) {
  return SnapshotRun{start, count, owner, order, flags};
}

std::string TempDir() { return test_util::ProcessTempDir().path(); }

std::string Bytes(const std::vector<uint64_t>& flags) {
  std::string out;
  for (uint64_t f : flags) {
    for (int b = 0; b < 8; ++b) out.push_back(static_cast<char>((f >> (8 * b)) & 0xff));
  }
  return out;
}

// Writes a dump (and its companion .meta unless `meta` is empty); returns the dump path.
std::string WriteDump(const std::string& name, const std::string& bytes,
                      const std::string& meta = "") {
  std::string path = TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  std::remove((path + ".meta").c_str());
  if (!meta.empty()) std::ofstream(path + ".meta") << meta;
  return path;
}

struct Imported {
  std::vector<SnapshotRun> runs;
  ImportStats stats;
  trace::TraceHeader header;
};

absl::StatusOr<Imported> Import(const std::string& dump) {
  std::string out = TempDir() + "/" + dump.substr(dump.find_last_of('/') + 1) + ".mtrace";
  auto writer = TraceWriter::Create(out);
  if (!writer.ok()) return writer.status();
  Imported result;
  std::unique_ptr<Importer> importer = NewKpageflagsImporter();
  absl::Status status = importer->Import(dump, ImportOptions{}, writer->get(), &result.stats);
  if (!status.ok()) return status;
  status = (*writer)->Finish();
  if (!status.ok()) return status;
  auto reader = TraceReader::Open(out);
  if (!reader.ok()) return reader.status();
  result.header = (*reader)->header();
  std::vector<SnapshotRun> batch;
  for (;;) {
    auto more = (*reader)->NextSnapshotRuns(&batch);
    if (!more.ok()) return more.status();
    if (!*more) break;
    result.runs.insert(result.runs.end(), batch.begin(), batch.end());
  }
  return result;
}

TEST(KpageflagsImporterTest, FreeRunSplitsIntoNaturallyAlignedBlocksOfSeveralOrders) {
  // pfn 0 allocated without flags; 1..15 free: the buddy allocator holds them as the
  // blocks 1 (order 0), 2-3 (order 1), 4-7 (order 2), 8-15 (order 3).
  std::vector<uint64_t> flags(16, kBuddy);
  flags[0] = 0;
  auto r = Import(WriteDump("free_orders", Bytes(flags)));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(
      r->runs,
      ElementsAre(Blk(0, 1, trace::OWNER_UNKNOWN, 0, 0), Blk(1, 1, trace::OWNER_FREE, 0, kBuddy),
                  Blk(2, 2, trace::OWNER_FREE, 1, kBuddy), Blk(4, 4, trace::OWNER_FREE, 2, kBuddy),
                  Blk(8, 8, trace::OWNER_FREE, 3, kBuddy)));
  EXPECT_EQ(r->stats.counters["free_blocks_order_0"], 1u);
  EXPECT_EQ(r->stats.counters["free_blocks_order_1"], 1u);
  EXPECT_EQ(r->stats.counters["free_blocks_order_2"], 1u);
  EXPECT_EQ(r->stats.counters["free_blocks_order_3"], 1u);
  EXPECT_EQ(r->stats.counters["pages_free"], 15u);
  EXPECT_EQ(r->stats.counters["pfns"], 16u);
  EXPECT_EQ(r->stats.input_records, 16u);
  EXPECT_EQ(r->header.source(), "kpageflags");
}

TEST(KpageflagsImporterTest, FreeBlocksStopAtMaxOrderAndMergeIntoOneRun) {
  // 40 free pages from pfn 8 with max_order 3: 8-15, 16-23, 24-31, 32-39, 40-47 are five
  // order-3 blocks — one run.
  std::vector<uint64_t> flags(48, kBuddy);
  for (int i = 0; i < 8; ++i) flags[i] = kSlab;
  auto r = Import(WriteDump("max_order", Bytes(flags), "start_pfn=0\nmax_order=3\n"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->runs, ElementsAre(Blk(0, 8, trace::OWNER_SLAB, 0, kSlab),
                                   Blk(8, 40, trace::OWNER_FREE, 3, kBuddy)));
  EXPECT_EQ(r->stats.counters["free_blocks_order_3"], 5u);
}

TEST(KpageflagsImporterTest, ThpFolioIsOneOrderNineBlock) {
  // 512 free pages (one order-9 block) then an anonymous THP: head + 511 tails. The volatile
  // bits (ACTIVE, REFERENCED) and the head/tail bits are not kept in the run's flags.
  std::vector<uint64_t> flags(1024, kBuddy);
  flags[512] = kHead | kAnon | kThp | kLru | kMmap | kActive;
  for (int i = 513; i < 1024; ++i) flags[i] = kTail | kAnon | kThp | kLru | kMmap | kReferenced;
  auto r = Import(WriteDump("thp", Bytes(flags), "start_pfn=0\nmax_order=10\n"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->runs,
              ElementsAre(Blk(0, 512, trace::OWNER_FREE, 9, kBuddy),
                          Blk(512, 512, trace::OWNER_ANON, 9, kAnon | kThp | kLru | kMmap)));
  EXPECT_EQ(r->stats.counters["pages_anon"], 512u);
  EXPECT_EQ(r->stats.counters["compound_inconsistent"], 0u);
}

TEST(KpageflagsImporterTest, SlabAndPageTableRuns) {
  // Two order-1 slabs (pfn 0-1, 2-3) merge into one run; an order-0 slab (4) is its own run;
  // three page-table pages (5-7) form one order-0 run; a slab of order 2 at 8-11.
  std::vector<uint64_t> flags = {kHead | kSlab, kTail | kSlab, kHead | kSlab, kTail | kSlab,
                                 kSlab,         kPgtable,      kPgtable,      kPgtable,
                                 kHead | kSlab, kTail | kSlab, kTail | kSlab, kTail | kSlab};
  auto r = Import(WriteDump("slab_pt", Bytes(flags)));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->runs, ElementsAre(Blk(0, 4, trace::OWNER_SLAB, 1, kSlab),
                                   Blk(4, 1, trace::OWNER_SLAB, 0, kSlab),
                                   Blk(5, 3, trace::OWNER_PAGE_TABLE, 0, kPgtable),
                                   Blk(8, 4, trace::OWNER_SLAB, 2, kSlab)));
  EXPECT_EQ(r->stats.counters["pages_slab"], 9u);
  EXPECT_EQ(r->stats.counters["pages_page_table"], 3u);
}

TEST(KpageflagsImporterTest, ReservedRunsAndHolesFromRamRangesAndNopage) {
  // RAM is pfn 1-3 and 8-11. pfn 0 (reserved, outside RAM) and 4-7 (gap) are holes; pfn 10
  // reads NOPAGE (older kernels' hole marker) and is a hole too.
  std::vector<uint64_t> flags = {kReserved, kReserved, kReserved, kReserved,         0,    0, 0,
                                 0,         kReserved, kReserved, Bit(kpf::kNopage), kAnon};
  auto r = Import(
      WriteDump("reserved", Bytes(flags), "start_pfn=0\npfn_count=12\nram_pfn_ranges=1-4,8-12\n"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->runs, ElementsAre(Blk(1, 3, trace::OWNER_RESERVED, 0, kReserved),
                                   Blk(8, 2, trace::OWNER_RESERVED, 0, kReserved),
                                   Blk(11, 1, trace::OWNER_ANON, 0, kAnon)));
  EXPECT_EQ(r->stats.counters["pfns_hole"], 6u);
  EXPECT_EQ(r->stats.counters["pages_reserved"], 5u);
}

TEST(KpageflagsImporterTest, OwnersFromFlags) {
  EXPECT_EQ(KpageflagsOwner(0), trace::OWNER_UNKNOWN);
  EXPECT_EQ(KpageflagsOwner(kAnon | kLru), trace::OWNER_ANON);
  EXPECT_EQ(KpageflagsOwner(kAnon | Bit(kpf::kKsm) | kMmap), trace::OWNER_KSM);
  EXPECT_EQ(KpageflagsOwner(kLru | kUptodate), trace::OWNER_FILE);
  EXPECT_EQ(KpageflagsOwner(kUptodate), trace::OWNER_FILE);
  EXPECT_EQ(KpageflagsOwner(Bit(kpf::kSwapbacked) | kMmap), trace::OWNER_FILE);  // shmem
  EXPECT_EQ(KpageflagsOwner(kHead | kThp | kLru), trace::OWNER_FILE);            // large file folio
  EXPECT_EQ(KpageflagsOwner(kHead | Bit(kpf::kHuge)), trace::OWNER_HUGETLB);
  EXPECT_EQ(KpageflagsOwner(kSlab), trace::OWNER_SLAB);
  EXPECT_EQ(KpageflagsOwner(kPgtable), trace::OWNER_PAGE_TABLE);
  EXPECT_EQ(KpageflagsOwner(kReserved), trace::OWNER_RESERVED);
  EXPECT_EQ(KpageflagsOwner(kReserved | Bit(kpf::kZeroPage)), trace::OWNER_RESERVED);
  EXPECT_EQ(KpageflagsOwner(kHead | Bit(kpf::kZeroPage) | kThp), trace::OWNER_KERNEL);
  EXPECT_EQ(KpageflagsOwner(kHead), trace::OWNER_KERNEL);  // e.g. kmalloc_large, __GFP_COMP
  EXPECT_EQ(KpageflagsOwner(Bit(kpf::kOffline)), trace::OWNER_OFFLINE);
  EXPECT_EQ(KpageflagsOwner(Bit(kpf::kHwpoison) | kAnon), trace::OWNER_HWPOISON);
  EXPECT_EQ(KpageflagsOwner(kBuddy), trace::OWNER_FREE);
}

TEST(KpageflagsImporterTest, HugetlbKsmAndKernelCompoundBlocks) {
  std::vector<uint64_t> flags(16, 0);
  flags[0] = kHead | Bit(kpf::kHuge);  // hugetlb folio of order 3 at 0-7
  for (int i = 1; i < 8; ++i) flags[i] = kTail | Bit(kpf::kHuge);
  flags[8] = kAnon | Bit(kpf::kKsm) | kMmap;  // KSM page
  flags[10] = kHead;                          // kernel compound page of order 1 at 10-11
  flags[11] = kTail;
  auto r = Import(WriteDump("owners", Bytes(flags)));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->runs, ElementsAre(Blk(0, 8, trace::OWNER_HUGETLB, 3, Bit(kpf::kHuge)),
                                   Blk(8, 1, trace::OWNER_KSM, 0, kAnon | Bit(kpf::kKsm) | kMmap),
                                   Blk(9, 1, trace::OWNER_UNKNOWN, 0, 0),
                                   Blk(10, 2, trace::OWNER_KERNEL, 1, 0),
                                   Blk(12, 4, trace::OWNER_UNKNOWN, 0, 0)));
}

TEST(KpageflagsImporterTest, InconsistentCompoundAndOrphanTailsAreKeptAndCounted) {
  // pfn 0: a tail without its head (the dump starts inside a folio); 4-6: a head with two
  // tails (3 pages: no folio shape, it was being split) becomes 4-5 (order 1) and 6 (order 0).
  std::vector<uint64_t> flags = {kTail | kAnon, 0, 0, 0, kHead | kAnon, kTail | kAnon,
                                 kTail | kAnon, 0};
  auto r = Import(WriteDump("inconsistent", Bytes(flags)));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(
      r->runs,
      ElementsAre(Blk(0, 1, trace::OWNER_ANON, 0, kAnon), Blk(1, 3, trace::OWNER_UNKNOWN, 0, 0),
                  Blk(4, 2, trace::OWNER_ANON, 1, kAnon), Blk(6, 1, trace::OWNER_ANON, 0, kAnon),
                  Blk(7, 1, trace::OWNER_UNKNOWN, 0, 0)));
  EXPECT_EQ(r->stats.counters["compound_orphan_tail"], 1u);
  EXPECT_EQ(r->stats.counters["compound_inconsistent"], 1u);
}

TEST(KpageflagsImporterTest, HeadOnlyBuddyMarkingOfOldKernels) {
  // Linux < 4.5: only a free block's first page reads BUDDY. pfn 0: block of order 2 (1-3
  // flagless); 4: BUDDY with one flagless page after it before an anon page: order 1;
  // 9: BUDDY at an odd pfn: order 0, and the flagless 10-11 after it are not free.
  std::vector<uint64_t> flags = {kBuddy, 0, 0, 0, kBuddy, 0, kAnon, 0, kAnon, kBuddy, 0, 0};
  auto r = Import(WriteDump("head_only", Bytes(flags), "kernel=4.4.0-21-generic\n"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(
      r->runs,
      ElementsAre(Blk(0, 4, trace::OWNER_FREE, 2, kBuddy), Blk(4, 2, trace::OWNER_FREE, 1, kBuddy),
                  Blk(6, 1, trace::OWNER_ANON, 0, kAnon), Blk(7, 1, trace::OWNER_UNKNOWN, 0, 0),
                  Blk(8, 1, trace::OWNER_ANON, 0, kAnon), Blk(9, 1, trace::OWNER_FREE, 0, kBuddy),
                  Blk(10, 2, trace::OWNER_UNKNOWN, 0, 0)));
  EXPECT_EQ(r->stats.counters["free_run_leftover_pages"], 2u);
  // The same bytes read by the current rule: every BUDDY page is one free page.
  auto modern = Import(WriteDump("head_only_modern", Bytes(flags), "buddy_tails=1\n"));
  ASSERT_TRUE(modern.ok()) << modern.status();
  EXPECT_EQ(modern->stats.counters["pages_free"], 3u);
}

TEST(KpageflagsImporterTest, KernelReleaseDecidesBuddyMarking) {
  EXPECT_FALSE(KernelMarksBuddyTails("4.4.0-21-generic"));
  EXPECT_FALSE(KernelMarksBuddyTails("3.10.0-1160.el7.x86_64"));
  EXPECT_TRUE(KernelMarksBuddyTails("4.5.0"));
  EXPECT_TRUE(KernelMarksBuddyTails("5.10.13"));
  EXPECT_TRUE(KernelMarksBuddyTails("6.18.44-fc-v595"));
  EXPECT_TRUE(KernelMarksBuddyTails("not-a-release"));
}

TEST(KpageflagsImporterTest, SubrangeDumpStartsAtMetaStartPfn) {
  auto r = Import(WriteDump("subrange", Bytes({kBuddy, kBuddy, kBuddy, kBuddy, kSlab}),
                            "# a dump of pfn 1024..1028\nstart_pfn=0x400\npfn_count=5\n"
                            "kernel=6.18.44-fc-v595\nhostname=vm\npage_size=4096\n"
                            "node0_pfn_range=1-6553600\n"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->runs, ElementsAre(Blk(1024, 4, trace::OWNER_FREE, 2, kBuddy),
                                   Blk(1028, 1, trace::OWNER_SLAB, 0, kSlab)));
  EXPECT_EQ(r->header.kernel_version(), "6.18.44-fc-v595");
  EXPECT_EQ(r->header.hostname(), "vm");
  EXPECT_EQ(r->header.page_size_bytes(), 4096u);
  ASSERT_EQ(r->header.nodes_size(), 1);
  EXPECT_EQ(r->header.nodes(0).start_pfn(), 1u);
  EXPECT_EQ(r->header.nodes(0).end_pfn(), 6553600u);
  EXPECT_EQ(r->header.attributes().at("kpageflags_start_pfn"), "1024");
  EXPECT_EQ(r->header.attributes().at("kpageflags_pfns"), "5");
}

TEST(KpageflagsImporterTest, TruncatedDumpNamesTheByteOffset) {
  std::string bytes = Bytes({kBuddy, kBuddy, kSlab});
  bytes += std::string(5, '\0');
  auto r = Import(WriteDump("truncated", bytes));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(r.status().message(), HasSubstr("5 trailing byte(s) at byte offset 24"));
  EXPECT_THAT(r.status().message(), HasSubstr("truncated"));
}

TEST(KpageflagsImporterTest, DumpShorterThanMetaPfnCountIsAnError) {
  auto r = Import(WriteDump("short", Bytes({kBuddy, kBuddy}), "start_pfn=0\npfn_count=4\n"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(r.status().message(), HasSubstr("holds 2 pfns (16 bytes)"));
  EXPECT_THAT(r.status().message(), HasSubstr("pfn_count=4"));
}

TEST(KpageflagsImporterTest, MalformedMetaNamesFileAndLine) {
  auto r = Import(WriteDump("bad_meta", Bytes({kBuddy}), "start_pfn=0\nstart_pfn=zero\n"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("bad_meta.meta:2: 'zero' is not a number"));
  auto no_equals = Import(WriteDump("bad_meta2", Bytes({kBuddy}), "start_pfn 0\n"));
  ASSERT_FALSE(no_equals.ok());
  EXPECT_THAT(no_equals.status().message(), HasSubstr("bad_meta2.meta:1: expected key=value"));
  auto bad_range = Import(WriteDump("bad_meta3", Bytes({kBuddy}), "ram_pfn_ranges=8-4\n"));
  ASSERT_FALSE(bad_range.ok());
  EXPECT_THAT(bad_range.status().message(), HasSubstr("range '8-4' is empty"));
}

TEST(KpageflagsImporterTest, ZstdInputGivesTheSameRunsAsPlain) {
  // testdata/kpageflags_small.zst is `zstd -19` of kpageflags_small (same .meta beside
  // both): 2048 pfns from pfn 0x1000 — a THP, free blocks, slab, page tables, file pages.
  std::string dir = std::string(MEMSIM_SOURCE_DIR) + "/tests/trace/import/testdata/";
  auto plain = Import(dir + "kpageflags_small");
  auto packed = Import(dir + "kpageflags_small.zst");
  ASSERT_TRUE(plain.ok()) << plain.status();
  ASSERT_TRUE(packed.ok()) << packed.status();
  EXPECT_EQ(plain->runs, packed->runs);
  EXPECT_THAT(packed->runs,
              ElementsAre(Blk(0x1000, 1, trace::OWNER_UNKNOWN, 0, 0),
                          Blk(0x1001, 1, trace::OWNER_FREE, 0, kBuddy),
                          Blk(0x1002, 2, trace::OWNER_FREE, 1, kBuddy),
                          Blk(0x1004, 4, trace::OWNER_FREE, 2, kBuddy),
                          Blk(0x1008, 8, trace::OWNER_SLAB, 3, kSlab),
                          Blk(0x1010, 16, trace::OWNER_PAGE_TABLE, 0, kPgtable),
                          Blk(0x1020, 32, trace::OWNER_FILE, 0, kLru),
                          Blk(0x1040, 64, trace::OWNER_FREE, 6, kBuddy),
                          Blk(0x1080, 128, trace::OWNER_FREE, 7, kBuddy),
                          Blk(0x1100, 256, trace::OWNER_FREE, 8, kBuddy),
                          Blk(0x1200, 512, trace::OWNER_ANON, 9, kAnon | kThp | kLru | kMmap),
                          Blk(0x1400, 1024, trace::OWNER_FREE, 10, kBuddy)));
  EXPECT_EQ(packed->stats.counters["pfns"], 2048u);
}

// The shipped real snapshot (traces/README.md): every pfn is accounted for, and the totals
// match an independent count (tools/kpageflags-summary.py, a separate implementation of the
// rules in docs/kpageflags.md).
TEST(KpageflagsImporterTest, ShippedSnapshotOfARealMachine) {
  auto r =
      Import(std::string(MEMSIM_SOURCE_DIR) + "/traces/mixed-compaction.kpageflags-before.zst");
  ASSERT_TRUE(r.ok()) << r.status();
  std::map<std::string, uint64_t>& c = r->stats.counters;
  EXPECT_EQ(c["pfns"], 6553599u);
  uint64_t pages = 0;
  for (const SnapshotRun& run : r->runs) {
    pages += run.count;
    EXPECT_EQ(run.start_pfn % (uint64_t{1} << run.order), 0u) << run.start_pfn;
    EXPECT_EQ(run.count % (uint64_t{1} << run.order), 0u) << run.start_pfn;
  }
  EXPECT_EQ(pages + c["pfns_hole"], 6553599u);
  EXPECT_EQ(r->header.kernel_version(), "6.18.44-fc-v595");
  ASSERT_EQ(r->header.nodes_size(), 1);
  EXPECT_EQ(r->header.nodes(0).end_pfn(), 6553600u);
  // Counted independently by tools/kpageflags-summary.py.
  EXPECT_EQ(c["pfns_hole"], 262241u);
  EXPECT_EQ(c["pages_free"], 1207424u);
  EXPECT_EQ(c["pages_unknown"], 4999435u);
  EXPECT_EQ(c["pages_file"], 57049u);
  EXPECT_EQ(c["pages_reserved"], 9576u);
  EXPECT_EQ(c["pages_slab"], 7953u);
  EXPECT_EQ(c["pages_anon"], 7587u);
  EXPECT_EQ(c["pages_kernel"], 1924u);
  EXPECT_EQ(c["pages_page_table"], 410u);
  EXPECT_EQ(c["compound_inconsistent"], 0u);
  EXPECT_EQ(c["compound_orphan_tail"], 0u);
  // Inferred free blocks per order against /proc/buddyinfo read just before the dump
  // (614 1475 1012 637 561 546 304 111 71 38 1074): orders 4-10 agree exactly; the small
  // orders moved while the 0.5 s dump ran on a busy machine.
  const uint64_t kInferred[] = {336, 958, 703, 605, 561, 546, 304, 111, 71, 38, 1074};
  for (int order = 0; order <= 10; ++order) {
    EXPECT_EQ(c["free_blocks_order_" + std::to_string(order)], kInferred[order]) << order;
  }
  EXPECT_EQ(c["buddyinfo_order_10"], 1074u);
  EXPECT_EQ(r->runs.size(), 19654u);
}

}  // namespace
}  // namespace memsim
