// Fuzz target: an arbitrary .mtrace through TraceReader and the `inspect` summary. Every
// input must give a Status, never a crash, and the summary must only see in-range values.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/trace/trace_format.h"
#include "sim/trace/trace_reader.h"
#include "sim/trace/trace_summary.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

void ReadAll(const std::string& path) {
  using namespace memsim;
  namespace tf = trace_format;
  {
    auto reader = TraceReader::Open(path);
    if (reader.ok()) {
      std::vector<SnapshotRun> runs;
      for (;;) {
        auto more = (*reader)->NextSnapshotRuns(&runs);
        if (!more.ok() || !*more) break;
        for (const SnapshotRun& r : runs) {
          MEMSIM_FUZZ_CHECK(trace::OwnerType_IsValid(r.owner), "snapshot owner in range");
          MEMSIM_FUZZ_CHECK(r.order <= tf::kMaxOrder, "snapshot order in range");
          MEMSIM_FUZZ_CHECK(r.start_pfn + r.count <= tf::kPfnLimit, "snapshot pfn in range");
        }
      }
      std::vector<Event> events;
      for (;;) {
        auto more = (*reader)->NextEvents(&events);
        if (!more.ok() || !*more) break;
        for (const Event& e : events) {
          MEMSIM_FUZZ_CHECK(trace::OwnerType_IsValid(e.owner), "owner in range");
          MEMSIM_FUZZ_CHECK(e.order <= tf::kMaxOrder, "order in range");
          MEMSIM_FUZZ_CHECK(e.cpu < tf::kMaxCpus, "cpu in range");
          MEMSIM_FUZZ_CHECK(e.time_ns <= tf::kMaxTimeNs, "time in range");
        }
      }
    }
  }
  auto reader = TraceReader::Open(path);
  if (reader.ok()) (void)SummarizeTrace(**reader);
}

}  // namespace

// The input as it is (the checksums' path), then with its CRCs repaired (the decoders').
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  ReadAll(memsim::fuzz::WriteScratch("in.mtrace", bytes));
  memsim::fuzz::RepairCrcs(&bytes);
  ReadAll(memsim::fuzz::WriteScratch("repaired.mtrace", bytes));
  return 0;
}
