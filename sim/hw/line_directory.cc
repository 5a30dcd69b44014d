#include "sim/hw/line_directory.h"

#include <cstring>

#include "sim/hw/huge_alloc.h"
#include "sim/util/status_macros.h"

namespace memsim::hw {

LineDirectory::LineDirectory(uint64_t max_lines) {
  // Load factor <= 3/4 at the worst case keeps probe sequences short.
  uint64_t capacity = 16;
  int bits = 4;
  while (capacity * 3 < max_lines * 4) {
    capacity <<= 1;
    ++bits;
  }
  mask_ = capacity - 1;
  shift_ = 64 - bits;
  const size_t bytes = capacity * sizeof(Entry);
  slots_.reset(static_cast<Entry*>(AllocateHuge(bytes)));
  MEMSIM_CHECK(slots_ != nullptr, "out of memory for the line directory");
  std::memset(slots_.get(), 0, bytes);
  MEMSIM_CHECK(slots_ != nullptr, "out of memory for the line directory");
}

void LineDirectory::RemoveCopy(uint64_t line, int socket) {
  const uint64_t key = line + 1;
  uint64_t i = Hash(key);
  for (;; i = (i + 1) & mask_) {
    if (slots_[i].key == key) break;
    MEMSIM_CHECK(slots_[i].key != 0, "RemoveCopy of a line no cache holds");
  }
  Entry& e = slots_[i];
  MEMSIM_CHECK(e.copies[socket] > 0, "RemoveCopy below zero copies");
  if (--e.copies[socket] > 0) return;
  if (e.modified_socket == socket) e.modified_socket = -1;
  for (int s = 0; s < kMaxSockets; ++s) {
    if (e.copies[s] != 0) return;
  }
  // Backward-shift deletion: pull later members of the probe chain into the hole.
  --size_;
  uint64_t hole = i;
  for (uint64_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
    if (slots_[j].key == 0) break;
    const uint64_t home = Hash(slots_[j].key);
    // Move j into the hole unless its home lies cyclically in (hole, j].
    const bool home_in_range = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!home_in_range) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  std::memset(&slots_[hole], 0, sizeof(Entry));
}

}  // namespace memsim::hw
