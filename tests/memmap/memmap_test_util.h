// Shared fixture pieces of the memmap model tests: a one-node machine whose memory is all
// free, and a model built through a test-local registry.
#ifndef MEMSIM_TESTS_MEMMAP_MEMMAP_TEST_UTIL_H_
#define MEMSIM_TESTS_MEMMAP_MEMMAP_TEST_UTIL_H_

#include <memory>
#include <set>
#include <vector>

#include "gtest/gtest.h"
#include "sim/memmap/builtin_models.h"
#include "sim/memmap/memmap_model_config.h"
#include "sim/mm/phys_mem.h"

namespace memsim::memmap::testing {

inline mm::PhysMem FreeMemory(const std::vector<mm::NodeLayout>& nodes) {
  absl::StatusOr<mm::PhysMem> mem = mm::PhysMem::Create(nodes);
  EXPECT_TRUE(mem.ok()) << mem.status();
  for (const mm::NodeLayout& n : nodes) mem->MarkUnknownFree(n.start_pfn, n.start_pfn + n.pages);
  return std::move(*mem);
}

inline std::unique_ptr<MemmapModel> MakeModel(const std::string& textproto,
                                              const std::vector<mm::NodeLayout>& nodes) {
  ModelRegistry registry;
  RegisterBuiltinModels(registry);
  absl::StatusOr<config::MemmapModelConfig> config = ParseMemmapModelConfig(textproto, "test");
  EXPECT_TRUE(config.ok()) << config.status();
  absl::StatusOr<std::unique_ptr<MemmapModel>> model = registry.Create(*config, nodes);
  EXPECT_TRUE(model.ok()) << model.status();
  return std::move(*model);
}

// Distinct 64-byte lines touched by accesses [from, to) of a buffer.
inline size_t DistinctLines(const AccessBuffer& out, size_t from = 0, size_t to = SIZE_MAX) {
  std::set<uint64_t> lines;
  for (size_t i = from; i < out.size() && i < to; ++i) {
    const MetadataAccess& a = out[i];
    for (uint64_t l = a.address / 64; l <= (a.address + a.bytes - 1) / 64; ++l) lines.insert(l);
  }
  return lines.size();
}

inline MetadataAccess W(uint64_t addr, uint32_t bytes) { return {addr, bytes, AccessKind::kWrite}; }
inline MetadataAccess R(uint64_t addr, uint32_t bytes) { return {addr, bytes, AccessKind::kRead}; }
inline MetadataAccess A(uint64_t addr, uint32_t bytes) {
  return {addr, bytes, AccessKind::kAtomic};
}
// `a` marked independent of the access before it (MemoryAccess::depends_on_previous false).
inline MetadataAccess Ind(MetadataAccess a) {
  a.depends_on_previous = false;
  return a;
}

}  // namespace memsim::memmap::testing

#endif  // MEMSIM_TESTS_MEMMAP_MEMMAP_TEST_UTIL_H_
