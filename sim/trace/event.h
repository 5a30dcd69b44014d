// One physical-memory event in memory: what importers and generators produce, what the
// trace writer stores and the reader gives back. Plain data; the meaning of each field per
// kind is in proto/trace.proto (EventKind and the *Columns messages).
#ifndef MEMSIM_SIM_TRACE_EVENT_H_
#define MEMSIM_SIM_TRACE_EVENT_H_

#include <cstdint>
#include <string>

#include "proto/trace.pb.h"

namespace memsim {

using trace::EventKind;
using trace::MigrateReason;
using trace::OwnerType;
using trace::ScannerKind;

inline constexpr uint64_t kNoPfn = ~uint64_t{0};
// Arrays indexed by EventKind have this many entries (EVENT_UNSPECIFIED included).
inline constexpr int kNumEventKinds = trace::EventKind_ARRAYSIZE;

struct Event {
  uint64_t time_ns = 0;
  EventKind kind = trace::EVENT_UNSPECIFIED;
  uint32_t cpu = 0;

  // ALLOC, FREE: the block's first pfn. FAULT: the faulting page's pfn, kNoPfn if unknown.
  // MIGRATE: source pfn. COMPACTION_SCAN: first pfn scanned.
  uint64_t pfn = kNoPfn;
  // MIGRATE: destination pfn. COMPACTION_SCAN: one past the last pfn scanned.
  uint64_t end_pfn = kNoPfn;
  // ALLOC, FREE, MIGRATE: log2 of the block size in pages.
  uint32_t order = 0;

  // ALLOC
  int32_t migratetype = -1;  // kernel MIGRATE_*; -1 unknown
  uint64_t gfp_flags = 0;    // trace::GfpBit mask
  OwnerType owner = trace::OWNER_UNKNOWN;
  // FREE
  bool batched = false;  // from mm_page_free_batched

  // FAULT
  uint64_t address = 0;
  uint64_t ip = 0;
  uint32_t error_code = 0;

  // MIGRATE, MIGRATE_BATCH
  MigrateReason reason = trace::MR_UNKNOWN;
  // MIGRATE_BATCH
  uint64_t nr_succeeded = 0;
  uint64_t nr_failed = 0;
  uint64_t nr_thp_succeeded = 0;
  uint64_t nr_thp_failed = 0;
  uint64_t nr_thp_split = 0;
  uint32_t mode = 0;

  // COMPACTION_SCAN
  ScannerKind scanner = trace::SCANNER_MIGRATE;
  uint64_t nr_scanned = 0;
  uint64_t nr_taken = 0;

  // COMPACTION (begin/end)
  bool compaction_end = false;
  uint64_t zone_start = 0;
  uint64_t zone_end = 0;
  uint64_t migrate_pfn = 0;
  uint64_t free_pfn = 0;
  bool sync = false;
  int32_t status = 0;

  bool operator==(const Event&) const = default;
};

// One run of the initial-state snapshot (see trace::SnapshotChunk).
struct SnapshotRun {
  uint64_t start_pfn = 0;
  uint64_t count = 0;  // pages
  OwnerType owner = trace::OWNER_UNKNOWN;
  uint32_t order = 0;
  uint64_t flags = 0;

  bool operator==(const SnapshotRun&) const = default;
};

// "alloc", "free", "fault", "migrate", "migrate_batch", "compaction_scan", "compaction".
std::string EventKindKey(EventKind kind);
// "anon", "file", "slab", ... (OwnerType name without "OWNER_", lower case).
std::string OwnerTypeKey(OwnerType owner);
// Short human-readable form, for error messages and `memsim inspect --events`.
std::string DebugString(const Event& e);

}  // namespace memsim

#endif  // MEMSIM_SIM_TRACE_EVENT_H_
