// What the kernel's own timestamps say about its memory work, read from an ftrace text
// capture by KernelTimingReader (kernel_timing_reader.h): the time the compaction migrate
// scanner spends per pageblock, and the time of each migrate_pages() call. Plain data, so
// tests and the validation report build one by hand.
#ifndef MEMSIM_SIM_VALIDATE_KERNEL_TIMINGS_H_
#define MEMSIM_SIM_VALIDATE_KERNEL_TIMINGS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace memsim::validate {

// One pageblock the migrate scanner examined without isolating anything: the time from the
// previous mm_compaction_isolate_migratepages on the same CPU (same task, also nr_taken=0,
// inside one compaction run) to this one.
struct PageblockScan {
  uint64_t line = 0;  // 1-based line of the later event
  uint32_t cpu = 0;
  int32_t pid = -1;
  uint64_t start_pfn = 0;  // range=(start ~ end) of the later event
  uint64_t end_pfn = 0;
  uint64_t nr_scanned = 0;
  uint64_t ns = 0;

  uint64_t pfns() const { return end_pfn - start_pfn; }
  double ns_per_pfn() const { return static_cast<double>(ns) / static_cast<double>(pfns()); }
};

// One migrate_pages() call: mm_migrate_pages_start to mm_migrate_pages of the same task.
struct MigrationBatch {
  uint64_t line = 0;  // 1-based line of mm_migrate_pages
  int32_t pid = -1;
  uint32_t start_cpu = 0;
  uint32_t end_cpu = 0;    // the call may sleep and resume on another CPU
  uint64_t succeeded = 0;  // nr_succeeded: base pages migrated (a THP counts 512)
  uint64_t failed = 0;
  std::string reason;  // "compaction", ...
  uint64_t ns = 0;

  double ns_per_page() const { return static_cast<double>(ns) / static_cast<double>(succeeded); }
};

struct KernelTimings {
  std::string path;
  uint64_t lines = 0;
  uint64_t event_lines = 0;      // lines of any tracepoint
  uint64_t compaction_runs = 0;  // mm_compaction_begin
  uint64_t isolate_migratepages = 0;
  // Timestamps all whole microseconds (trace_pipe's mono clock prints usecs): a pageblock
  // takes a few of them, so per-pfn figures are coarse. `trace-cmd report -t` prints ns.
  bool microsecond_timestamps = true;
  uint64_t lost_events = 0;            // reported by [LOST n EVENTS] markers (chains are cut there)
  uint64_t backwards_timestamps = 0;   // pairs skipped because time went back on a CPU
  uint64_t batches_without_start = 0;  // mm_migrate_pages with no start of its task
  std::vector<PageblockScan> scans;    // in file order
  std::vector<MigrationBatch> batches;  // in file order, every batch with succeeded > 0
  uint64_t batches_without_pages = 0;   // batches with nr_succeeded = 0 (not in `batches`)
};

}  // namespace memsim::validate

#endif  // MEMSIM_SIM_VALIDATE_KERNEL_TIMINGS_H_
