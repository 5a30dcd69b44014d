// Reads an ftrace text capture (trace_pipe or `trace-cmd report` layout, plain or zstd;
// sim/trace/import/ftrace_line_parser.h) and extracts KernelTimings: per-pageblock migrate
// scan times and migrate_pages() durations from the kernel's timestamps.
//
// A scan sample is a pair of consecutive events on one CPU that are both
// mm_compaction_isolate_migratepages of the same task with nr_taken=0, inside a compaction
// run of that task (mm_compaction_begin .. mm_compaction_end). The tracepoint fires at the
// end of isolate_migratepages_block() (mm/compaction.c), so the time between the two is the
// scan of the later block plus the loop in isolate_migratepages() that picks it (and the
// cost of one trace event). An event of another kind in between (a migration, a free-scanner
// pass, a fault) breaks the chain, as does a [LOST n EVENTS] marker.
#ifndef MEMSIM_SIM_VALIDATE_KERNEL_TIMING_READER_H_
#define MEMSIM_SIM_VALIDATE_KERNEL_TIMING_READER_H_

#include <string>

#include "absl/status/statusor.h"
#include "sim/validate/kernel_timings.h"

namespace memsim::validate {

class KernelTimingReader {
 public:
  // Errors (InvalidArgument, naming the file and line): a known tracepoint's line does not
  // parse; the file is empty or has no ftrace event line. NotFound: cannot open `path`.
  static absl::StatusOr<KernelTimings> ReadFile(const std::string& path);
};

}  // namespace memsim::validate

#endif  // MEMSIM_SIM_VALIDATE_KERNEL_TIMING_READER_H_
