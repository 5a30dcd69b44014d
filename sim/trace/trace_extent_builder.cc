#include "sim/trace/trace_extent_builder.h"

namespace memsim {

trace::TraceExtent TraceExtentBuilder::ToProto() const {
  trace::TraceExtent x;
  if (end_ != 0) {
    x.set_start_pfn(start_);
    x.set_end_pfn(end_);
  }
  x.set_event_cpus(cpus_);
  return x;
}

TraceExtentBuilder TraceExtentBuilder::FromProto(const trace::TraceExtent& extent) {
  TraceExtentBuilder b;
  if (extent.end_pfn() != 0) {
    b.start_ = extent.start_pfn();
    b.end_ = extent.end_pfn();
  }
  b.cpus_ = extent.event_cpus();
  return b;
}

bool TraceExtentBuilder::Within(const trace::TraceExtent& extent) const {
  if (cpus_ > extent.event_cpus()) return false;
  if (end_ == 0) return true;
  return extent.end_pfn() != 0 && start_ >= extent.start_pfn() && end_ <= extent.end_pfn();
}

}  // namespace memsim
