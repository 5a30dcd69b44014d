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

TEST(LatencyHistogram, EmptyIsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.Percentile(0.5), 0);
  EXPECT_EQ(h.mean_ns(), 0);
}

}  // namespace
}  // namespace memsim::replay
