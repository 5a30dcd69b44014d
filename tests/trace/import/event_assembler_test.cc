// EventAssembler on records built directly (no text): the shared semantic layer.
#include "sim/trace/import/event_assembler.h"

#include <gtest/gtest.h>

#include "import_test_util.h"

namespace memsim {
namespace {

using F = TraceField;

class EventAssemblerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = testing::ImportTempPath("assembler.mtrace");
    auto w = TraceWriter::Create(path_);
    ASSERT_TRUE(w.ok());
    writer_ = std::move(*w);
    assembler_ = std::make_unique<EventAssembler>(writer_.get(), AssemblerOptions{});
  }
  void TearDown() override { std::remove(path_.c_str()); }

  TraceRecord Rec(Tracepoint tp, int32_t pid = 1) {
    TraceRecord r;
    r.tracepoint = tp;
    r.time_ns = ++t_;
    r.cpu = 3;
    r.pid = pid;
    return r;
  }

  std::string path_;
  std::unique_ptr<TraceWriter> writer_;
  std::unique_ptr<EventAssembler> assembler_;
  uint64_t t_ = 0;
};

TEST_F(EventAssemblerTest, MissingFieldNamesTheField) {
  TraceRecord r = Rec(Tracepoint::kMmPageFree);
  r.Set(F::kPfn, 5);
  absl::Status s = assembler_->Add(r);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "mm_page_free: missing field 'order'");
  EXPECT_EQ(assembler_->events_written(), 0u);
}

TEST_F(EventAssemblerTest, FreeDedupeAcrossTasksAndReallocation) {
  auto free = [&](uint64_t pfn, uint32_t order, bool batched, int32_t pid) {
    TraceRecord r = Rec(batched ? Tracepoint::kMmPageFreeBatched : Tracepoint::kMmPageFree, pid);
    r.Set(F::kPfn, pfn);
    if (!batched) r.Set(F::kOrder, order);
    return assembler_->Add(r);
  };
  auto alloc = [&](uint64_t pfn, uint32_t order) {
    TraceRecord r = Rec(Tracepoint::kMmPageAlloc);
    r.Set(F::kPfn, pfn);
    r.Set(F::kOrder, order);
    r.Set(F::kMigratetype, 1);
    r.SetSymbol(F::kGfpFlags, "GFP_HIGHUSER_MOVABLE");
    return assembler_->Add(r);
  };
  ASSERT_TRUE(free(100, 0, false, 1).ok());  // emitted
  ASSERT_TRUE(free(100, 0, true, 1).ok());   // 6.x double report: dropped
  ASSERT_TRUE(alloc(100, 0).ok());
  ASSERT_TRUE(free(100, 0, false, 2).ok());  // freed again after realloc: emitted
  ASSERT_TRUE(free(100, 0, false, 3).ok());  // free of a free page: dropped
  ASSERT_TRUE(free(98, 2, false, 3).ok());   // 98..101 overlaps free 100: kept, counted
  EXPECT_EQ(assembler_->events_written(), 4u);
  EXPECT_EQ(assembler_->counter(EventAssembler::kDuplicateFreeBatched), 1u);
  EXPECT_EQ(assembler_->counter(EventAssembler::kFreeOfFree), 1u);
  EXPECT_EQ(assembler_->counter(EventAssembler::kFreeOverlappingFree), 1u);
}

TEST_F(EventAssemblerTest, MigrationPairingIsPerTask) {
  // Two tasks migrate concurrently with the same virtual address: pairs stay per task.
  auto pte = [&](Tracepoint tp, int32_t pid, uint64_t addr, uint64_t value) {
    TraceRecord r = Rec(tp, pid);
    r.Set(F::kAddr, addr);
    r.Set(F::kPte, value);
    r.Set(F::kOrder, 0);
    return assembler_->Add(r);
  };
  // Migration entries (type 30): pfn 0x40000 -> f7fffffff7fffe00, 0x5000 -> f7ffffffff5ffe00.
  ASSERT_TRUE(pte(Tracepoint::kSetMigrationPte, 10, 0x1000, 0xf7fffffff7fffe00ull).ok());
  ASSERT_TRUE(pte(Tracepoint::kSetMigrationPte, 20, 0x1000, 0xf7ffffffff5ffe00ull).ok());
  ASSERT_TRUE(pte(Tracepoint::kRemoveMigrationPte, 20, 0x1000, 0x8000000000777067ull).ok());
  ASSERT_TRUE(pte(Tracepoint::kRemoveMigrationPte, 10, 0x1000, 0x8000000000888067ull).ok());
  ASSERT_TRUE(assembler_->Finish().ok());
  ASSERT_TRUE(writer_->Finish().ok());
  auto reader = TraceReader::Open(path_);
  ASSERT_TRUE(reader.ok());
  std::vector<Event> events;
  ASSERT_TRUE((*reader)->NextEvents(&events).ok());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].pfn, 0x5000u);
  EXPECT_EQ(events[0].end_pfn, 0x777u);
  EXPECT_EQ(events[1].pfn, 0x40000u);
  EXPECT_EQ(events[1].end_pfn, 0x888u);
}

class FaultPairingTest : public EventAssemblerTest {
 protected:
  absl::Status Fault(int32_t pid, uint64_t address, uint32_t cpu = 3) {
    TraceRecord r = Rec(Tracepoint::kPageFaultUser, pid);
    r.cpu = cpu;
    r.Set(F::kAddress, address);
    r.Set(F::kIp, 0x401000);
    r.Set(F::kErrorCode, 6);
    return assembler_->Add(r);
  }
  absl::Status Alloc(int32_t pid, uint64_t pfn, uint32_t order, const char* gfp,
                     int migratetype = 1) {
    TraceRecord r = Rec(Tracepoint::kMmPageAlloc, pid);
    r.Set(F::kPfn, pfn);
    r.Set(F::kOrder, order);
    r.Set(F::kMigratetype, migratetype);
    r.SetSymbol(F::kGfpFlags, gfp);
    return assembler_->Add(r);
  }
  std::vector<Event> Finish() {
    EXPECT_TRUE(assembler_->Finish().ok());
    EXPECT_TRUE(writer_->Finish().ok());
    auto reader = TraceReader::Open(path_);
    EXPECT_TRUE(reader.ok());
    std::vector<Event> events;
    EXPECT_TRUE((*reader)->NextEvents(&events).ok());
    return events;
  }
};

// An anonymous fault: a kernel page allocated in the handler (a page table, __pte_alloc) leaves the
// fault waiting; the user page that follows gives it its pfn, and the fault is written
// right after that allocation.
TEST_F(FaultPairingTest, FaultTakesThePfnOfItsTasksNextUserPage) {
  ASSERT_TRUE(Fault(7, 0x7f0000003000).ok());
  ASSERT_TRUE(Alloc(7, 0x9000, 0, "GFP_KERNEL|__GFP_ZERO", /*migratetype=*/0).ok());  // page table
  ASSERT_TRUE(Alloc(7, 0x1234, 0, "GFP_HIGHUSER_MOVABLE|__GFP_ZERO").ok());
  std::vector<Event> ev = Finish();
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].kind, trace::EVENT_ALLOC);
  EXPECT_EQ(ev[0].owner, trace::OWNER_KERNEL);  // gfp alone cannot tell a page table
  EXPECT_EQ(ev[1].kind, trace::EVENT_ALLOC);
  EXPECT_EQ(ev[2].kind, trace::EVENT_FAULT);
  EXPECT_EQ(ev[2].pfn, 0x1234u);
  EXPECT_EQ(ev[2].address, 0x7f0000003000u);
  EXPECT_EQ(ev[2].time_ns, ev[1].time_ns);
  EXPECT_EQ(assembler_->counter(EventAssembler::kFaultPfnFromAlloc), 1u);
  EXPECT_EQ(assembler_->counter(EventAssembler::kFaultPfnUnknown), 0u);
}

// A THP fault: the faulting address's subpage of the order-9 folio.
TEST_F(FaultPairingTest, ThpFaultNamesTheSubpageOfTheAddress) {
  ASSERT_TRUE(Fault(7, 0x7f0000200000 + 5 * 4096 + 17).ok());
  ASSERT_TRUE(Alloc(7, 0x40000, 9, "GFP_TRANSHUGE|__GFP_THISNODE").ok());
  std::vector<Event> ev = Finish();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].pfn, 0x40005u);
}

// A minor fault (no allocation before the task's next fault), another task's allocation,
// and a fault left at the end: all written without a pfn; nothing is lost.
TEST_F(FaultPairingTest, MinorFaultsKeepNoPfn) {
  ASSERT_TRUE(Fault(7, 0x1000).ok());
  ASSERT_TRUE(Alloc(8, 0x500, 0, "GFP_HIGHUSER_MOVABLE").ok());  // another task
  ASSERT_TRUE(Fault(7, 0x2000).ok());                            // flushes the first
  ASSERT_TRUE(Fault(9, 0x3000).ok());                            // pending at the end
  std::vector<Event> ev = Finish();
  ASSERT_EQ(ev.size(), 4u);
  int faults = 0;
  for (const Event& e : ev) {
    if (e.kind != trace::EVENT_FAULT) continue;
    ++faults;
    EXPECT_EQ(e.pfn, kNoPfn);
  }
  EXPECT_EQ(faults, 3);
  EXPECT_EQ(assembler_->counter(EventAssembler::kFaultPfnUnknown), 3u);
}

// A task that moved to another CPU, or an allocation after the pairing window, is not the
// fault's page.
TEST_F(FaultPairingTest, OtherCpuOrLateAllocationDoesNotPair) {
  ASSERT_TRUE(Fault(7, 0x1000, /*cpu=*/1).ok());
  ASSERT_TRUE(Alloc(7, 0x500, 0, "GFP_HIGHUSER_MOVABLE").ok());  // Rec() uses cpu 3
  ASSERT_TRUE(Fault(7, 0x2000).ok());
  t_ += EventAssembler::kFaultPairWindowNs + 1;
  ASSERT_TRUE(Alloc(7, 0x600, 0, "GFP_HIGHUSER_MOVABLE").ok());
  std::vector<Event> ev = Finish();
  EXPECT_EQ(assembler_->counter(EventAssembler::kFaultPfnFromAlloc), 0u);
  EXPECT_EQ(assembler_->counter(EventAssembler::kFaultPfnUnknown), 2u);
  EXPECT_EQ(ev.size(), 4u);
}

// A repeat fault: the task faults again at a page whose earlier fault got a pfn (the page
// was unmapped since, or mapped by another path) and no allocation follows: it reaches the
// same folio. Once the page is freed, a fault there has no pfn again.
TEST_F(FaultPairingTest, RepeatFaultReachesThePageItGotBefore) {
  ASSERT_TRUE(Fault(7, 0x7f0000003000).ok());
  ASSERT_TRUE(Alloc(7, 0x1234, 0, "GFP_HIGHUSER_MOVABLE").ok());
  ASSERT_TRUE(Fault(7, 0x7f0000003010).ok());  // same page, no allocation: flushed next
  ASSERT_TRUE(Fault(8, 0x7f0000003000).ok());  // another task: not its page
  TraceRecord free = Rec(Tracepoint::kMmPageFree, 7);
  free.Set(F::kPfn, 0x1234);
  free.Set(F::kOrder, 0);
  ASSERT_TRUE(assembler_->Add(free).ok());
  ASSERT_TRUE(Fault(7, 0x7f0000003000).ok());  // flushes the repeat; this one after the free
  std::vector<Event> ev = Finish();
  std::vector<uint64_t> fault_pfns;
  for (const Event& e : ev) {
    if (e.kind == trace::EVENT_FAULT) fault_pfns.push_back(e.pfn);
  }
  EXPECT_EQ(fault_pfns, (std::vector<uint64_t>{0x1234, 0x1234, kNoPfn, kNoPfn}));
  EXPECT_EQ(assembler_->counter(EventAssembler::kFaultPfnFromAlloc), 1u);
  EXPECT_EQ(assembler_->counter(EventAssembler::kFaultPfnRepeat), 1u);
  EXPECT_EQ(assembler_->counter(EventAssembler::kFaultPfnUnknown), 2u);
}

}  // namespace
}  // namespace memsim
