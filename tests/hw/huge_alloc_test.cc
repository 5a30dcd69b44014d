// AllocateHuge / FreeHuge, and their reuse of freed mappings in a sweep worker.
#include "sim/hw/huge_alloc.h"

#include <cstdint>
#include <cstring>

#include "gtest/gtest.h"

namespace memsim::hw {
namespace {

// Whether all `bytes` at `p` are zero.
bool AllZero(const void* p, size_t bytes) {
  const auto* b = static_cast<const unsigned char*>(p);
  for (size_t i = 0; i < bytes; ++i) {
    if (b[i] != 0) return false;
  }
  return true;
}

// With recycling on (ctest runs each test in a process of its own, so it stays off in the
// other tests), a freed mapping comes back for the next allocation of its size, zeroed:
// every page written (a whole huge page, a scattered small page, the last byte) and every
// page only read.
TEST(HugeAlloc, RecycledMappingsComeBackZeroed) {
  RecycleHugeMappings();
  for (const size_t bytes : {size_t{64} << 10, size_t{300} << 10, size_t{5} << 20}) {
    auto* p = static_cast<unsigned char*>(AllocateHuge(bytes));
    ASSERT_NE(p, nullptr);
    ASSERT_TRUE(AllZero(p, bytes));
    std::memset(p, 0xab, 4096);
    p[bytes / 2 + 17] = 1;
    p[bytes - 1] = 2;
    volatile unsigned char read = p[bytes / 3];  // maps the zero page there
    (void)read;
    FreeHuge(p, bytes);
    auto* q = static_cast<unsigned char*>(AllocateHuge(bytes));
    EXPECT_EQ(q, p) << bytes;  // the same mapping, reused
    EXPECT_TRUE(AllZero(q, bytes)) << bytes;
    // Another size does not take it.
    void* r = AllocateHuge(bytes + (size_t{4} << 20));
    EXPECT_NE(r, q);
    FreeHuge(r, bytes + (size_t{4} << 20));
    FreeHuge(q, bytes);
  }
}

// Without recycling, memory is fresh and zero as well (the default everywhere but in sweep
// workers).
TEST(HugeAlloc, FreshMappingsAreZero) {
  const size_t bytes = size_t{3} << 20;
  auto* p = static_cast<unsigned char*>(AllocateHugeZeroed(bytes));
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(AllZero(p, bytes));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % (size_t{2} << 20), 0u);  // huge-page aligned
  FreeHuge(p, bytes);
}

}  // namespace
}  // namespace memsim::hw
