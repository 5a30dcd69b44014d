// Machine-wide record of the private copies of each cached line: per socket, how many
// copies its cores' L1d and L2 caches hold, and which socket, if any, holds the line
// modified. An entry exists exactly while some private cache holds the line (open
// addressing, linear probing, backward-shift deletion). What the LLCs hold is not recorded
// here: MemorySystem reads it from the LLC tags, and keeps the modified state of a line only
// an LLC holds in a dirty bit of that LLC way (docs/performance.md, "Third session").
//
// Size: the table starts small and doubles whenever it would be more than 3/4 full, so it
// holds what the replay's private caches actually hold, not what every core of the machine
// could: a trace of two CPUs fills two cores' L1d and L2 (~34 k lines on a Skylake-SP). It
// never grows past the size `max_lines` (the machine's total private-cache capacity) calls
// for, so after warm-up nothing on the per-access path allocates.
//
// A slot is 16 bytes on every machine (up to kMaxSockets = 8 sockets): one 64-bit word with
// the key (line + 1, 0 = empty; lines are below 2^58) in its low 60 bits and the modified
// socket + 1 (0: clean) in its top 4, then one copy count per socket. Four slots share a
// host cache line, and the table is probed at random, so its size is what the simulator's
// own cache misses scale with.
#ifndef MEMSIM_SIM_HW_LINE_DIRECTORY_H_
#define MEMSIM_SIM_HW_LINE_DIRECTORY_H_

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "sim/hw/host_prefetch.h"
#include "sim/hw/huge_alloc.h"
#include "sim/hw/machine_validator.h"

namespace memsim::hw {

class LineDirectory {
 public:
  static constexpr uint32_t kSlotBytes = 16;
  static_assert(kMaxSockets <= kSlotBytes - 8, "a copy count per socket after the key word");
  static_assert(kMaxSockets < 15, "the modified socket + 1 fits in 4 bits");

  // A view of one slot. Valid until the next RemoveCopy() or insertion (FindOrInsert,
  // AddCopies): deletion moves slots, and an insertion may move the whole table.
  class Entry {
   public:
    Entry() = default;
    explicit operator bool() const { return p_ != nullptr; }
    // -1: clean everywhere.
    int modified_socket() const { return static_cast<int>(Word(p_) >> kKeyBits) - 1; }
    void set_modified_socket(int socket) {
      const uint64_t w = (Word(p_) & kKeyMask) | (static_cast<uint64_t>(socket + 1) << kKeyBits);
      std::memcpy(p_, &w, sizeof(w));
    }
    uint32_t copies(int socket) const { return p_[8 + socket]; }
    // No copies anywhere: only a FindOrInsert() that just inserted returns such an entry.
    bool copyless() const {
      uint64_t counts;
      std::memcpy(&counts, p_ + 8, sizeof(counts));
      return counts == 0;
    }
    void AddCopies(int socket, uint32_t n) {
      p_[8 + socket] = static_cast<unsigned char>(p_[8 + socket] + n);
    }
    // Removes `n` copies of `socket` that are known not to be the line's last copies
    // anywhere (the entry survives); a socket left without copies of a line it held
    // modified loses the modified state. REQUIRES: copies(socket) >= n.
    void DropCopies(int socket, uint32_t n) {
      p_[8 + socket] = static_cast<unsigned char>(p_[8 + socket] - n);
      if (p_[8 + socket] == 0 && modified_socket() == socket) set_modified_socket(-1);
    }

   private:
    friend class LineDirectory;
    explicit Entry(unsigned char* p) : p_(p) {}
    unsigned char* p_ = nullptr;
  };

  // REQUIRES: max_lines >= the total line capacity of all private caches;
  // 1 <= sockets <= kMaxSockets.
  LineDirectory(uint64_t max_lines, int sockets);
  LineDirectory(const LineDirectory&) = delete;
  LineDirectory& operator=(const LineDirectory&) = delete;

  // The line's entry, or a null Entry if no cache holds it.
  Entry Find(uint64_t line) {
    const uint64_t key = line + 1;
    for (uint64_t i = Hash(key);; i = (i + 1) & mask_) {
      unsigned char* p = Slot(i);
      const uint64_t k = Key(p);
      if (k == key) return Entry(p);
      if (k == 0) return Entry();
    }
  }

  // `n` more copies of `line` in `socket`'s caches.
  void AddCopies(uint64_t line, int socket, uint32_t n) { FindOrInsert(line).AddCopies(socket, n); }

  // The line's entry, inserting a clean one without copies if absent. REQUIRES: the caller
  // adds a copy (AddCopies) before the next RemoveCopy(), so no copyless entry persists.
  Entry FindOrInsert(uint64_t line) {
    const uint64_t key = line + 1;
    for (uint64_t i = Hash(key);; i = (i + 1) & mask_) {
      unsigned char* p = Slot(i);
      const uint64_t k = Key(p);
      if (k == key) return Entry(p);
      if (k == 0) {
        if ((size_ + 1) * 4 > capacity() * 3 && capacity() < max_capacity_) [[unlikely]] {
          Grow();
          return FindOrInsert(line);
        }
        std::memcpy(p, &key, sizeof(key));  // clean: modified socket + 1 = 0
        ++size_;
        return Entry(p);
      }
    }
  }

  // `n` (>= 1) copies fewer; the entry goes away with the last copy anywhere. Returns true
  // if it went away while `socket` held the line modified (the caller decides whether the
  // modified state survives elsewhere, e.g. in an LLC); a socket losing its last copy of a
  // line it held modified while other sockets keep copies loses the modified state.
  // REQUIRES: copies(socket) >= n.
  bool RemoveCopy(uint64_t line, int socket, uint32_t n = 1);

  // Hints the host to fetch the slot where `line`'s probe starts (no effect on the model).
  void Prefetch(uint64_t line) const { HostPrefetch(Slot(Hash(line + 1))); }

  uint64_t size() const { return size_; }
  uint64_t capacity() const { return mask_ + 1; }
  // The capacity the table never grows beyond (for max_lines at 3/4 load).
  uint64_t max_capacity() const { return max_capacity_; }

 private:
  static constexpr int kKeyBits = 60;
  static constexpr uint64_t kKeyMask = (uint64_t{1} << kKeyBits) - 1;
  static constexpr uint64_t kInitialCapacity = uint64_t{1} << 12;  // 64 KiB

  // Home slot of a key. Runs of kRunLines consecutive lines hash as one block to
  // consecutive slots (one host cache line): memmap scans and cache victims both walk
  // lines in address order, so most directory probes then hit a host line fetched for a
  // neighbouring line. Across blocks the multiplicative hash spreads them uniformly.
  static constexpr int kRunShift = 2;  // kRunLines = 4 slots of 16 bytes = 64 bytes
  uint64_t Hash(uint64_t key) const {
    const uint64_t block = ((key >> kRunShift) * 0x9E3779B97F4A7C15ull) >> shift_;
    return ((block << kRunShift) | (key & ((uint64_t{1} << kRunShift) - 1))) & mask_;
  }
  unsigned char* Slot(uint64_t i) const { return slots_.get() + i * kSlotBytes; }
  static uint64_t Word(const unsigned char* p) {
    uint64_t w;
    std::memcpy(&w, p, sizeof(w));
    return w;
  }
  static uint64_t Key(const unsigned char* p) { return Word(p) & kKeyMask; }

  // Allocates an empty table of `capacity` slots (a power of two >= 16).
  void Allocate(uint64_t capacity);
  // Doubles the table, reinserting every entry. At max_capacity_ the table stops growing
  // (its load then stays <= 3/4 as long as the caches hold at most max_lines lines).
  void Grow();

  uint64_t mask_ = 0;
  int shift_ = 0;
  uint64_t max_capacity_;
  uint64_t size_ = 0;
  // Transparent huge pages where available: the table is probed at random.
  std::unique_ptr<unsigned char[], HugeDeleter> slots_;
};

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_LINE_DIRECTORY_H_
