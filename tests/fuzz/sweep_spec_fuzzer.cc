// Fuzz target: a sweep spec textproto through the parser, the validator and axis expansion.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proto/config.pb.h"
#include "sim/sweep/sweep_spec.h"
#include "sim/util/text_proto.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace memsim;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  config::SweepSpec spec;
  if (!ParseTextProto(text, "fuzz.textproto", spec).ok()) return 0;
  const std::vector<std::string> metrics = {"overhead_bytes", "simulated_time_ns"};
  (void)sweep::ValidateSweepSpec(spec, metrics,
                                 [](const std::string&, const std::string&) { return true; });
  for (const auto& axis : spec.axis()) (void)sweep::AxisValues(axis);
  return 0;
}
