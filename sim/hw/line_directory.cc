#include "sim/hw/line_directory.h"

#include <cstring>

#include "sim/hw/huge_alloc.h"
#include "sim/util/status_macros.h"

namespace memsim::hw {

LineDirectory::LineDirectory(uint64_t max_lines, int sockets) : sockets_(sockets) {
  MEMSIM_CHECK(sockets >= 1 && sockets <= kMaxSockets, "socket count out of range");
  // Key, modified socket, one count per socket; rounded to 8 bytes (16 up to 7 sockets).
  slot_bytes_ = static_cast<uint32_t>((8 + 1 + sockets + 7) / 8 * 8);
  // Load factor <= 3/4 at the worst case keeps probe sequences short.
  uint64_t capacity = 16;
  int bits = 4;
  while (capacity * 3 < max_lines * 4) {
    capacity <<= 1;
    ++bits;
  }
  mask_ = capacity - 1;
  shift_ = 64 - (bits - kRunShift);
  const size_t bytes = capacity * slot_bytes_;
  slots_ = std::unique_ptr<unsigned char[], HugeDeleter>(
      static_cast<unsigned char*>(AllocateHuge(bytes)), HugeDeleter{bytes});
  MEMSIM_CHECK(slots_ != nullptr, "out of memory for the line directory");
  std::memset(slots_.get(), 0, bytes);
}

void LineDirectory::RemoveCopy(uint64_t line, int socket) {
  const uint64_t key = line + 1;
  uint64_t i = Hash(key);
  for (;; i = (i + 1) & mask_) {
    const uint64_t k = Key(Slot(i));
    if (k == key) break;
    MEMSIM_CHECK(k != 0, "RemoveCopy of a line no cache holds");
  }
  unsigned char* p = Slot(i);
  MEMSIM_CHECK(p[9 + socket] > 0, "RemoveCopy below zero copies");
  if (--p[9 + socket] > 0) return;
  if (static_cast<int8_t>(p[8]) == socket) p[8] = 0xFF;
  for (int s = 0; s < sockets_; ++s) {
    if (p[9 + s] != 0) return;
  }
  // Backward-shift deletion: pull later members of the probe chain into the hole.
  --size_;
  uint64_t hole = i;
  for (uint64_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
    const uint64_t k = Key(Slot(j));
    if (k == 0) break;
    const uint64_t home = Hash(k);
    // Move j into the hole unless its home lies cyclically in (hole, j].
    const bool home_in_range = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!home_in_range) {
      std::memcpy(Slot(hole), Slot(j), slot_bytes_);
      hole = j;
    }
  }
  std::memset(Slot(hole), 0, slot_bytes_);
}

}  // namespace memsim::hw
