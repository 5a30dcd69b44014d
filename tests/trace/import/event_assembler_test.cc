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
  assembler_->Finish();
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

}  // namespace
}  // namespace memsim
