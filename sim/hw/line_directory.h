// Machine-wide record of where each cached line lives: per socket, how many copies the
// socket's caches (all L1d, L2 and its LLC) hold, and which socket, if any, holds it
// modified. An entry exists exactly while some cache holds the line, so the table never
// holds more entries than the caches have lines; it is sized for that at construction and
// never allocates afterwards (open addressing, linear probing, backward-shift deletion).
#ifndef MEMSIM_SIM_HW_LINE_DIRECTORY_H_
#define MEMSIM_SIM_HW_LINE_DIRECTORY_H_

#include <cstdint>
#include <cstdlib>
#include <memory>

#include "sim/hw/machine_validator.h"

namespace memsim::hw {

class LineDirectory {
 public:
  struct Entry {
    uint64_t key;                   // line + 1; 0 = empty slot
    uint8_t copies[kMaxSockets];    // copies per socket
    int8_t modified_socket;         // -1: clean everywhere
  };

  // REQUIRES: max_lines >= the total line capacity of all caches.
  explicit LineDirectory(uint64_t max_lines);
  LineDirectory(const LineDirectory&) = delete;
  LineDirectory& operator=(const LineDirectory&) = delete;

  // The line's entry, or nullptr if no cache holds it. Valid until the next Remove().
  Entry* Find(uint64_t line) {
    const uint64_t key = line + 1;
    for (uint64_t i = Hash(key);; i = (i + 1) & mask_) {
      Entry& e = slots_[i];
      if (e.key == key) return &e;
      if (e.key == 0) return nullptr;
    }
  }

  // One more copy of `line` in `socket`'s caches.
  void AddCopy(uint64_t line, int socket) {
    const uint64_t key = line + 1;
    uint64_t i = Hash(key);
    for (;; i = (i + 1) & mask_) {
      Entry& e = slots_[i];
      if (e.key == key) break;
      if (e.key == 0) {
        e.key = key;
        e.modified_socket = -1;
        ++size_;
        break;
      }
    }
    ++slots_[i].copies[socket];
  }

  // One copy fewer; the entry goes away with the last copy anywhere. A socket losing its
  // last copy of a line it held modified writes it back (the line becomes clean).
  void RemoveCopy(uint64_t line, int socket);

  uint64_t size() const { return size_; }
  uint64_t capacity() const { return mask_ + 1; }

 private:
  struct FreeDeleter {
    void operator()(Entry* p) const { std::free(p); }
  };
  uint64_t Hash(uint64_t key) const { return (key * 0x9E3779B97F4A7C15ull) >> shift_; }

  uint64_t mask_;
  int shift_;
  uint64_t size_ = 0;
  // Transparent huge pages where available: the table is probed at random.
  std::unique_ptr<Entry[], FreeDeleter> slots_;
};

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_LINE_DIRECTORY_H_
