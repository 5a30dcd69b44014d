#include "sim/replay/latency_histogram.h"

#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace memsim::replay {
namespace {

TEST(LatencyHistogram, ExactBelowSixteenNs) {
  LatencyHistogram h;
  for (double v : {1.0, 4.0, 4.0, 10.0, 15.5}) h.Add(v);
  EXPECT_EQ(h.count(), 5u);
  EXPECT_DOUBLE_EQ(h.Percentile(0.2), 1.0);
  EXPECT_DOUBLE_EQ(h.Percentile(0.5), 4.0);
  EXPECT_DOUBLE_EQ(h.Percentile(0.8), 10.0);
  EXPECT_DOUBLE_EQ(h.Percentile(1.0), 15.5);
  EXPECT_DOUBLE_EQ(h.mean_ns(), 34.5 / 5);
  EXPECT_DOUBLE_EQ(h.max_ns(), 15.5);
}

TEST(LatencyHistogram, PercentilesWithinHalfAPercentOfSorted) {
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> dist(5.0, 1.5);
  std::vector<double> v;
  LatencyHistogram h;
  for (int i = 0; i < 100000; ++i) {
    v.push_back(dist(rng));
    h.Add(v.back());
  }
  std::sort(v.begin(), v.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const double exact = v[static_cast<size_t>(std::ceil(q * v.size())) - 1];
    EXPECT_NEAR(h.Percentile(q), exact, exact * 0.004 + 1.0 / 16) << q;
  }
  EXPECT_DOUBLE_EQ(h.max_ns(), v.back());
}

TEST(LatencyHistogram, MergeEqualsAddingEverything) {
  LatencyHistogram a, b, all;
  for (int i = 0; i < 1000; ++i) {
    (i % 2 ? a : b).Add(i * 1.5);
    all.Add(i * 1.5);
  }
  a.Merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_DOUBLE_EQ(a.total_ns(), all.total_ns());
  EXPECT_DOUBLE_EQ(a.Percentile(0.9), all.Percentile(0.9));
}

TEST(LatencyHistogram, SamplesFarApartInHistogramsMergedFromDifferentRanges) {
  // Buckets: 1 ns -> 16 (exact); 1000 ns -> range 6, mid 1000.96875; 1e6 ns -> range 16,
  // mid 1000447.96875; 5e6 ns -> range 19, mid 5005311.96875 (clamped to the max).
  LatencyHistogram a, b;
  a.Add(1.0);
  a.Add(1e6);
  b.Add(5e6);
  b.Add(1000.0);
  EXPECT_DOUBLE_EQ(a.Percentile(0.5), 1.0);
  EXPECT_DOUBLE_EQ(a.Percentile(1.0), 1e6);
  EXPECT_DOUBLE_EQ(b.Percentile(0.5), 1000.96875);
  a.Merge(b);
  EXPECT_EQ(a.count(), 4u);
  EXPECT_DOUBLE_EQ(a.Percentile(0.25), 1.0);
  EXPECT_DOUBLE_EQ(a.Percentile(0.5), 1000.96875);
  EXPECT_DOUBLE_EQ(a.Percentile(0.75), 1000447.96875);
  EXPECT_DOUBLE_EQ(a.Percentile(1.0), 5e6);
  EXPECT_DOUBLE_EQ(a.max_ns(), 5e6);
  // Merging into an empty histogram, and an empty one into it, keeps the figures.
  LatencyHistogram c, empty;
  c.Merge(a);
  c.Merge(empty);
  EXPECT_DOUBLE_EQ(c.Percentile(0.75), 1000447.96875);
  EXPECT_DOUBLE_EQ(c.total_ns(), 1.0 + 1000.0 + 1e6 + 5e6);
}

TEST(LatencyHistogram, EmptyIsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.Percentile(0.5), 0);
  EXPECT_EQ(h.mean_ns(), 0);
}

}  // namespace
}  // namespace memsim::replay
