// TraceExtentBuilder: the span of every pfn a trace names and the CPU count its events use
// (trace::TraceExtent), gathered run by run and event by event. TraceWriter fills the
// header's extent with one; TraceReader checks a file's events against its header's extent;
// the replay builds one in a first pass over traces written before the header carried it.
#ifndef MEMSIM_SIM_TRACE_TRACE_EXTENT_BUILDER_H_
#define MEMSIM_SIM_TRACE_TRACE_EXTENT_BUILDER_H_

#include <algorithm>
#include <cstdint>

#include "proto/trace.pb.h"
#include "sim/trace/event.h"

namespace memsim {

class TraceExtentBuilder {
 public:
  void SeeRun(const SnapshotRun& run) { See(run.start_pfn, run.count); }
  // Every pfn the event names: alloc, free and migrate blocks (both ends of a migration),
  // a fault's pfn (if known) and a compaction scan's range (at least one page).
  void SeeEvent(const Event& e) {
    cpus_ = std::max(cpus_, e.cpu + 1);
    switch (e.kind) {
      case trace::EVENT_ALLOC:
      case trace::EVENT_FREE:
        See(e.pfn, uint64_t{1} << std::min(e.order, 30u));
        break;
      case trace::EVENT_FAULT:
        See(e.pfn, 1);
        break;
      case trace::EVENT_MIGRATE:
        See(e.pfn, uint64_t{1} << std::min(e.order, 30u));
        See(e.end_pfn, uint64_t{1} << std::min(e.order, 30u));
        break;
      case trace::EVENT_COMPACTION_SCAN:
        See(e.pfn, std::max<uint64_t>(1, e.end_pfn - e.pfn));
        break;
      default:
        break;
    }
  }

  // kNoPfn and 0 if no pfn was seen.
  uint64_t start_pfn() const { return start_; }
  uint64_t end_pfn() const { return end_; }
  uint32_t event_cpus() const { return cpus_; }

  trace::TraceExtent ToProto() const;
  // The builder that ToProto() gave `extent`.
  static TraceExtentBuilder FromProto(const trace::TraceExtent& extent);
  // Whether everything seen so far lies within `extent` (its pfn span and CPU count).
  bool Within(const trace::TraceExtent& extent) const;

 private:
  void See(uint64_t pfn, uint64_t pages) {
    if (pfn == kNoPfn) return;
    start_ = std::min(start_, pfn);
    end_ = std::max(end_, pfn + pages);
  }

  uint64_t start_ = kNoPfn;
  uint64_t end_ = 0;
  uint32_t cpus_ = 0;
};

}  // namespace memsim

#endif  // MEMSIM_SIM_TRACE_TRACE_EXTENT_BUILDER_H_
