#include "sim/hw/bandwidth_account.h"

#include <algorithm>
#include <cmath>

#include "sim/util/status_macros.h"

namespace memsim::hw {

BandwidthAccount::BandwidthAccount(double bytes_per_s, uint32_t line_bytes)
    : line_ns_(line_bytes * 1e9 / bytes_per_s),
      bin_ns_(kLinesPerBin * line_ns_),
      storage_(static_cast<unsigned char*>(AllocateHugeZeroed(kBins * sizeof(Bin))),
               HugeDeleter{kBins * sizeof(Bin)}),
      bins_(reinterpret_cast<Bin*>(storage_.get())) {
  MEMSIM_CHECK(storage_ != nullptr, "out of memory for a bandwidth account");
}

double BandwidthAccount::Reserve(double ready_ns) {
  int64_t b = static_cast<int64_t>(std::floor(ready_ns / bin_ns_));
  if (b + static_cast<int64_t>(kBins) <= latest_) return ready_ns;  // before the window
  for (;; ++b) {
    Bin& bin = bins_[static_cast<uint64_t>(b) % kBins];
    if (bin.id != b + 1) bin = Bin{b + 1, 0};  // a bin not used since the ring last passed it
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
