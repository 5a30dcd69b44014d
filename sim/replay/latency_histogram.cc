#include "sim/replay/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace memsim::replay {

int LatencyHistogram::BucketOf(uint64_t units) {
  if (units < (uint64_t{1} << kSubBits)) return static_cast<int>(units);
  // Range r >= 1 holds [2^(kSubBits + r - 1), 2^(kSubBits + r)), 256 sub-buckets wide.
  const int msb = 63 - std::countl_zero(units);
  const int range = msb - kSubBits + 1;
  const uint64_t sub = (units >> (range - 1)) & ((uint64_t{1} << kSubBits) - 1);
  return (range << kSubBits) + static_cast<int>(sub);
}

double LatencyHistogram::BucketMidNs(int bucket) {
  const int range = bucket >> kSubBits;
  const uint64_t sub = bucket & ((1 << kSubBits) - 1);
  if (range == 0) return static_cast<double>(sub) / kUnitsPerNs;
  const double lo = std::ldexp(static_cast<double>(sub + (uint64_t{1} << kSubBits)), range - 1);
  const double width = std::ldexp(1.0, range - 1);
  return (lo + (width - 1) / 2.0) / kUnitsPerNs;
}

uint64_t& LatencyHistogram::Counter(int bucket) {
  if (ranges_.empty()) ranges_.resize(kRanges);
  std::vector<uint64_t>& range = ranges_[bucket >> kSubBits];
  if (range.empty()) range.assign(kSubBuckets, 0);
  return range[bucket & (kSubBuckets - 1)];
}

void LatencyHistogram::Add(double latency_ns) {
  if (!(latency_ns >= 0)) latency_ns = 0;  // also maps NaN to 0
  const double units = std::min(latency_ns * kUnitsPerNs, 1.8e19);
  ++Counter(BucketOf(static_cast<uint64_t>(std::llround(units))));
  ++count_;
  total_ns_ += latency_ns;
  max_ns_ = std::max(max_ns_, latency_ns);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t r = 0; r < other.ranges_.size(); ++r) {
    const std::vector<uint64_t>& from = other.ranges_[r];
    if (from.empty()) continue;
    const int first = static_cast<int>(r) << kSubBits;
    for (int i = 0; i < kSubBuckets; ++i) Counter(first + i) += from[i];
  }
  count_ += other.count_;
  total_ns_ += other.total_ns_;
  max_ns_ = std::max(max_ns_, other.max_ns_);
}

double LatencyHistogram::Percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // Rank of the sample: ceil(q * n), at least 1.
  const uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * count_)));
  uint64_t seen = 0;
  for (size_t r = 0; r < ranges_.size(); ++r) {
    const std::vector<uint64_t>& range = ranges_[r];
    if (range.empty()) continue;
    for (int i = 0; i < kSubBuckets; ++i) {
      seen += range[i];
      if (seen >= rank)
        return std::min(BucketMidNs((static_cast<int>(r) << kSubBits) + i), max_ns_);
    }
  }
  return max_ns_;
}

}  // namespace memsim::replay
