// Cache against a list model of each set (front = next victim), on every way count the
// SIMD scans handle differently (one or several 16-byte groups, partial groups, more than
// 64 ways), both policies, sliced or not, with and without tags wider than 32 bits.
#include "sim/hw/cache.h"

#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace memsim::hw {
namespace {

class ListModel {
 public:
  ListModel(uint32_t sets, uint32_t slices, uint32_t ways, bool lru)
      : sets_(sets), slices_(slices), ways_(ways), lru_(lru), lines_(uint64_t{sets} * slices) {}

  bool Lookup(uint64_t line) {
    auto& s = SetOf(line);
    auto it = std::find(s.begin(), s.end(), line);
    if (it == s.end()) return false;
    if (lru_) {
      s.erase(it);
      s.push_back(line);
    }
    return true;
  }
  bool Contains(uint64_t line) {
    auto& s = SetOf(line);
    return std::find(s.begin(), s.end(), line) != s.end();
  }
  uint64_t VictimOf(uint64_t line) {
    auto& s = SetOf(line);
    return s.size() < ways_ ? Cache::kNoLine : s.front();
  }
  uint64_t Insert(uint64_t line) {
    const uint64_t victim = VictimOf(line);
    auto& s = SetOf(line);
    if (victim != Cache::kNoLine) s.erase(s.begin());
    s.push_back(line);
    return victim;
  }
  bool Invalidate(uint64_t line) {
    auto& s = SetOf(line);
    auto it = std::find(s.begin(), s.end(), line);
    if (it == s.end()) return false;
    s.erase(it);
    return true;
  }

 private:
  std::vector<uint64_t>& SetOf(uint64_t line) {
    return lines_[Cache::SliceOf(line, slices_) * uint64_t{sets_} + line % sets_];
  }
  uint32_t sets_, slices_, ways_;
  bool lru_;
  std::vector<std::vector<uint64_t>> lines_;
};

// Random operations on a pool of lines about twice the cache's capacity; `wide` adds lines
// whose tags need more than 32 bits, around 2^32 - 1 (the narrow limit) and far above it.
void Compare(uint32_t ways, uint32_t slices, config::ReplacementPolicy policy, bool wide,
             uint64_t seed) {
  const uint32_t sets = 4;  // 2 set bits
  const std::string name = "ways=" + std::to_string(ways) + " slices=" + std::to_string(slices) +
                           " policy=" + std::to_string(policy) + " wide=" + std::to_string(wide);
  Cache cache(sets, slices, ways, policy);
  ListModel model(sets, slices, ways, policy == config::REPLACEMENT_LRU);
  std::vector<uint64_t> pool;
  const uint64_t n = 2 * uint64_t{sets} * slices * ways + 3;
  for (uint64_t i = 0; i < n; ++i) pool.push_back(i);
  if (wide) {
    for (uint64_t i = 0; i < 8; ++i) {
      pool.push_back((uint64_t{0xFFFFFFFE} << 2) + i);  // tags 2^32 - 2, 2^32 - 1
      pool.push_back((uint64_t{1} << 34) + i);          // tag 2^32
      pool.push_back((uint64_t{1} << 57) + 4 * i);      // tag 2^55, one set
    }
  }
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 20000; ++i) {
    const uint64_t line = pool[rng() % pool.size()];
    const int op = static_cast<int>(rng() % 10);
    if (op < 6) {
      ASSERT_EQ(cache.Lookup(line), model.Lookup(line)) << name << " op " << i;
      if (!model.Contains(line)) {
        ASSERT_EQ(cache.VictimOf(line), model.VictimOf(line)) << name << " op " << i;
        ASSERT_EQ(cache.Insert(line), model.Insert(line)) << name << " op " << i;
      }
    } else if (op < 9) {
      ASSERT_EQ(cache.Invalidate(line), model.Invalidate(line)) << name << " op " << i;
    } else {
      ASSERT_EQ(cache.Contains(line), model.Contains(line)) << name << " op " << i;
    }
  }
  EXPECT_EQ(cache.wide_tags(), wide) << name;
}

TEST(CacheTest, MatchesListModel) {
  for (uint32_t ways :
       {1u, 2u, 3u, 4u, 5u, 8u, 11u, 15u, 16u, 17u, 20u, 33u, 64u, 65u, 100u, 255u}) {
    for (uint32_t slices : {1u, 3u}) {
      for (auto policy : {config::REPLACEMENT_LRU, config::REPLACEMENT_FIFO}) {
        for (bool wide : {false, true}) Compare(ways, slices, policy, wide, ways * 7 + slices);
      }
    }
  }
}

// Hand-checked: a 4-way set under LRU, with an invalidation in the middle of the order.
TEST(CacheTest, LruOrderAfterInvalidation) {
  Cache c(1, 1, 4, config::REPLACEMENT_LRU);
  for (uint64_t line : {10, 11, 12, 13}) EXPECT_EQ(c.Insert(line), Cache::kNoLine);
  EXPECT_TRUE(c.Lookup(10));      // order, oldest first: 11 12 13 10
  EXPECT_TRUE(c.Invalidate(12));  // 11 13 10, one way free
  EXPECT_EQ(c.VictimOf(14), Cache::kNoLine);
  EXPECT_EQ(c.Insert(14), Cache::kNoLine);  // 11 13 10 14
  EXPECT_EQ(c.Insert(15), 11u);             // 13 10 14 15
  EXPECT_TRUE(c.Lookup(13));                // 10 14 15 13
  EXPECT_EQ(c.Insert(16), 10u);
  EXPECT_EQ(c.Insert(17), 14u);
  EXPECT_FALSE(c.wide_tags());
}

// A line whose tag needs 33 bits is found again, evicted in LRU order with narrow lines,
// and reported back whole.
TEST(CacheTest, WideTagLineRoundTrips) {
  Cache c(2, 1, 2, config::REPLACEMENT_LRU);
  const uint64_t wide = (uint64_t{1} << 33) * 2 + 1;  // set 1, tag 2^33
  EXPECT_EQ(c.Insert(3), Cache::kNoLine);             // set 1, tag 1
  EXPECT_FALSE(c.Contains(wide));
  EXPECT_EQ(c.Insert(wide), Cache::kNoLine);
  EXPECT_TRUE(c.wide_tags());
  EXPECT_TRUE(c.Contains(wide));
  EXPECT_TRUE(c.Contains(3));
  EXPECT_EQ(c.Insert(5), 3u);
  EXPECT_EQ(c.Insert(7), wide);
  EXPECT_FALSE(c.Contains(wide));
}

}  // namespace
}  // namespace memsim::hw
