// Latency distribution of one event kind: a log-linear histogram over 1/16-ns units.
// Values below 16 ns (256 units) are kept exactly; above, each power-of-two range is cut into
// 256 sub-buckets, so a percentile is within 1/256 (0.4 %) of the true value. Mean, total and
// max are exact. Each power-of-two range's 256 counters (2 KiB) are allocated on its first
// sample: a replay keeps one histogram per event kind, most of them empty or spanning a few
// ranges, and a short replay (a sweep point) would otherwise spend more on faulting in 114 KiB
// of zeros per kind than on its events. O(1) per sample, deterministic.
#ifndef MEMSIM_SIM_REPLAY_LATENCY_HISTOGRAM_H_
#define MEMSIM_SIM_REPLAY_LATENCY_HISTOGRAM_H_

#include <cstdint>
#include <vector>

namespace memsim::replay {

class LatencyHistogram {
 public:
  static constexpr int kSubBits = 8;           // 256 sub-buckets per power of two
  static constexpr double kUnitsPerNs = 16.0;  // resolution of the exact range

  void Add(double latency_ns);
  void Merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  double total_ns() const { return total_ns_; }
  double mean_ns() const { return count_ == 0 ? 0.0 : total_ns_ / count_; }
  double max_ns() const { return max_ns_; }
  // Smallest recorded bucket value v such that at least q of the samples are <= v
  // (q in [0, 1]); reported as the bucket's midpoint, clamped to max. 0 when empty.
  double Percentile(double q) const;

 private:
  static constexpr int kRanges = 64 - kSubBits + 1;
  static constexpr int kSubBuckets = 1 << kSubBits;
  static int BucketOf(uint64_t units);
  static double BucketMidNs(int bucket);
  // The counter of `bucket`, its range allocated if it was not.
  uint64_t& Counter(int bucket);

  // Counters by range (bucket >> kSubBits): kRanges entries once a sample was added, else
  // empty; each empty until a sample falls in that range, then kSubBuckets entries.
  std::vector<std::vector<uint64_t>> ranges_;
  uint64_t count_ = 0;
  double total_ns_ = 0;
  double max_ns_ = 0;
};

}  // namespace memsim::replay

#endif  // MEMSIM_SIM_REPLAY_LATENCY_HISTOGRAM_H_
