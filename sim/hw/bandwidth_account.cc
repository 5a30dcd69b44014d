#include "sim/hw/bandwidth_account.h"

#include <algorithm>
#include <cmath>

namespace memsim::hw {

BandwidthAccount::BandwidthAccount(double bytes_per_s, uint32_t line_bytes)
    : line_ns_(line_bytes * 1e9 / bytes_per_s), bin_ns_(kLinesPerBin * line_ns_), bins_(kBins) {}

double BandwidthAccount::Reserve(double ready_ns) {
  int64_t b = static_cast<int64_t>(std::floor(ready_ns / bin_ns_));
  if (b + static_cast<int64_t>(kBins) <= latest_) return ready_ns;  // before the window
  for (;; ++b) {
    Bin& bin = bins_[static_cast<uint64_t>(b) % kBins];
    if (bin.index != b) bin = Bin{b, 0};  // a bin not used since the ring last passed it
    latest_ = std::max(latest_, b);
    if (bin.lines < kLinesPerBin) {
      // Lines of a bin go one after another from its start, or from when this one is ready.
      const double start =
          std::max(ready_ns, static_cast<double>(b) * bin_ns_ + bin.lines * line_ns_);
      ++bin.lines;
      return start;
    }
  }
}

}  // namespace memsim::hw
