#include "sim/hw/line_directory.h"

#include <algorithm>
#include <cstring>

#include "sim/hw/huge_alloc.h"
#include "sim/util/status_macros.h"

namespace memsim::hw {

LineDirectory::LineDirectory(uint64_t max_lines, int sockets) {
  MEMSIM_CHECK(sockets >= 1 && sockets <= kMaxSockets, "socket count out of range");
  // Load factor <= 3/4 at the worst case keeps probe sequences short.
  max_capacity_ = 16;
  while (max_capacity_ * 3 < max_lines * 4) max_capacity_ <<= 1;
  Allocate(std::min(max_capacity_, kInitialCapacity));
}

void LineDirectory::Allocate(uint64_t capacity) {
  const int bits = __builtin_ctzll(capacity);
  mask_ = capacity - 1;
  shift_ = 64 - (bits - kRunShift);
  const size_t bytes = capacity * kSlotBytes;
  slots_ = std::unique_ptr<unsigned char[], HugeDeleter>(
      static_cast<unsigned char*>(AllocateHugeZeroed(bytes)), HugeDeleter{bytes});
  MEMSIM_CHECK(slots_ != nullptr, "out of memory for the line directory");
}

void LineDirectory::Grow() {
  const uint64_t old_capacity = capacity();
  std::unique_ptr<unsigned char[], HugeDeleter> old = std::move(slots_);
  Allocate(old_capacity * 2);
  // Every key is unique and the new table has room: place each at the first free slot of
  // its probe sequence.
  for (uint64_t j = 0; j < old_capacity; ++j) {
    const unsigned char* src = old.get() + j * kSlotBytes;
    const uint64_t k = Key(src);
    if (k == 0) continue;
    uint64_t i = Hash(k);
    while (Key(Slot(i)) != 0) i = (i + 1) & mask_;
    std::memcpy(Slot(i), src, kSlotBytes);
  }
}

bool LineDirectory::RemoveCopy(uint64_t line, int socket, uint32_t n) {
  const uint64_t key = line + 1;
  uint64_t i = Hash(key);
  for (;; i = (i + 1) & mask_) {
    const uint64_t k = Key(Slot(i));
    if (k == key) break;
    MEMSIM_CHECK(k != 0, "RemoveCopy of a line no cache holds");
  }
  unsigned char* p = Slot(i);
  Entry e(p);
  MEMSIM_CHECK(e.copies(socket) >= n, "RemoveCopy below zero copies");
  p[8 + socket] = static_cast<unsigned char>(p[8 + socket] - n);
  if (p[8 + socket] > 0) return false;
  const bool modified = e.modified_socket() == socket;
  // Counts of sockets the machine lacks stay 0, so all eight bytes can be tested at once.
  if (!e.copyless()) {
    if (modified) e.set_modified_socket(-1);
    return false;
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
      std::memcpy(Slot(hole), Slot(j), kSlotBytes);
      hole = j;
    }
  }
  std::memset(Slot(hole), 0, kSlotBytes);
  return modified;
}

}  // namespace memsim::hw
