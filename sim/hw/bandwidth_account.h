// BandwidthAccount: the bandwidth of one resource every core shares — a node's DRAM or an
// interconnect link — in the timing model (docs/machine-model.md, "Shared bandwidth").
// Each core's own limit is CoreTiming's; this one spaces the line transfers of all cores
// together, so two cores streaming from one node each get half of it.
//
// Time is cut into bins of 16 lines' worth of transfer time; a bin carries bandwidth x bin
// bytes. Reserve() puts a transfer into the first bin at or after the time it is ready that
// has room, so cores whose clocks are not in step (each core runs on its own timing clock,
// which the replay keeps near the trace's time) still share it by simulated time rather than
// by call order. The bins are a ring over the latest kBins bins: a transfer older than that
// window is not accounted (it starts when ready). Plain arithmetic; nothing allocates after
// construction. The ring is fresh zeroed memory (an unused bin is all zero bytes), so the
// accounts of nodes and links a replay never uses cost no host page (a sweep point of a
// small trace paid 16 page faults per account writing "unused" into every bin).
#ifndef MEMSIM_SIM_HW_BANDWIDTH_ACCOUNT_H_
#define MEMSIM_SIM_HW_BANDWIDTH_ACCOUNT_H_

#include <cstdint>
#include <memory>

#include "sim/hw/huge_alloc.h"

namespace memsim::hw {

class BandwidthAccount {
 public:
  static constexpr uint32_t kBins = 4096;
  static constexpr uint32_t kLinesPerBin = 16;

  // REQUIRES: bytes_per_s > 0, line_bytes > 0.
  BandwidthAccount(double bytes_per_s, uint32_t line_bytes);

  // A transfer of one line ready at `ready_ns` (>= 0): returns when it starts (>= ready_ns)
  // and books its share of the bandwidth from then.
  double Reserve(double ready_ns);

  double bin_ns() const { return bin_ns_; }

 private:
  struct Bin {
    int64_t id;      // 1 + absolute bin number (time / bin_ns_); 0: never used
    uint32_t lines;  // lines booked in it
  };
  double line_ns_;  // transfer time of one line at the full bandwidth
  double bin_ns_;   // kLinesPerBin x line_ns_
  int64_t latest_ = -1;
  std::unique_ptr<unsigned char[], HugeDeleter> storage_;  // kBins zeroed Bins
  Bin* bins_;
};

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_BANDWIDTH_ACCOUNT_H_
