// Machine-wide record of where each cached line lives: per socket, how many copies the
// socket's caches (all L1d, L2 and its LLC) hold, and which socket, if any, holds it
// modified. An entry exists exactly while some cache holds the line, so the table never
// holds more entries than the caches have lines; it is sized for that at construction and
// never allocates afterwards (open addressing, linear probing, backward-shift deletion).
//
// A slot is 16 bytes on machines of up to 7 sockets (24 beyond): the key (line + 1, 0 =
// empty), the modified socket, then one copy count per socket. Four slots share a host
// cache line, and the whole table is probed at random, so its size is what the
// simulator's own cache misses scale with.
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
  // A view of one slot. Valid until the next RemoveCopy() (deletion moves slots).
  class Entry {
   public:
    Entry() = default;
    explicit operator bool() const { return p_ != nullptr; }
    // -1: clean everywhere.
    int modified_socket() const { return static_cast<int8_t>(p_[8]); }
    void set_modified_socket(int socket) { p_[8] = static_cast<unsigned char>(socket); }
    uint32_t copies(int socket) const { return p_[9 + socket]; }
    void AddCopies(int socket, uint32_t n) {
      p_[9 + socket] = static_cast<unsigned char>(p_[9 + socket] + n);
    }
    // Removes `n` copies of `socket` that are known not to be the line's last copies
    // anywhere (the entry survives); a socket left without copies of a line it held
    // modified writes it back. REQUIRES: copies(socket) >= n.
    void DropCopies(int socket, uint32_t n) {
      p_[9 + socket] = static_cast<unsigned char>(p_[9 + socket] - n);
      if (p_[9 + socket] == 0 && modified_socket() == socket) set_modified_socket(-1);
    }

   private:
    friend class LineDirectory;
    explicit Entry(unsigned char* p) : p_(p) {}
    unsigned char* p_ = nullptr;
  };

  // REQUIRES: max_lines >= the total line capacity of all caches; 1 <= sockets <= kMaxSockets.
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
        std::memcpy(p, &key, sizeof(key));
        p[8] = 0xFF;  // modified_socket -1
        ++size_;
        return Entry(p);
      }
    }
  }

  // One copy fewer; the entry goes away with the last copy anywhere. A socket losing its
  // last copy of a line it held modified writes it back (the line becomes clean).
  void RemoveCopy(uint64_t line, int socket);

  // Hints the host to fetch the slot where `line`'s probe starts (no effect on the model).
  void Prefetch(uint64_t line) const { HostPrefetch(Slot(Hash(line + 1))); }

  uint64_t size() const { return size_; }
  uint64_t capacity() const { return mask_ + 1; }

 private:
  // Home slot of a key. Runs of kRunLines consecutive lines hash as one block to
  // consecutive slots (one host cache line): memmap scans and cache victims both walk
  // lines in address order, so most directory probes then hit a host line fetched for a
  // neighbouring line. Across blocks the multiplicative hash spreads them uniformly.
  static constexpr int kRunShift = 2;  // kRunLines = 4 slots of 16 bytes = 64 bytes
  uint64_t Hash(uint64_t key) const {
    const uint64_t block = ((key >> kRunShift) * 0x9E3779B97F4A7C15ull) >> shift_;
    return ((block << kRunShift) | (key & ((uint64_t{1} << kRunShift) - 1))) & mask_;
  }
  unsigned char* Slot(uint64_t i) const { return slots_.get() + i * slot_bytes_; }
  static uint64_t Key(const unsigned char* p) {
    uint64_t k;
    std::memcpy(&k, p, sizeof(k));
    return k;
  }

  uint64_t mask_;
  int shift_;
  int sockets_;
  uint32_t slot_bytes_;
  uint64_t size_ = 0;
  // Transparent huge pages where available: the table is probed at random.
  std::unique_ptr<unsigned char[], HugeDeleter> slots_;
};

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_LINE_DIRECTORY_H_
