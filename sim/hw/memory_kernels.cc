#include "sim/hw/memory_kernels.h"

#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>
#include <utility>

namespace memsim::hw {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// CPU time of the calling thread, seconds. The single-thread kernels are timed by it, not by
// the wall clock: on a loaded host the thread is descheduled for whole time slices, which
// would otherwise count as memory latency (other work still evicts lines; that remains).
double ThreadSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Forces `v` into a register: the load that produced it must happen, and a loop of such
// loads cannot be vectorised or folded.
template <typename T>
inline void Keep(T& v) {
  asm volatile("" : "+r"(v));
}

bool PinTo(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
}

}  // namespace

std::vector<uint32_t> RandomCyclicPermutation(uint32_t n, uint64_t seed) {
  std::vector<uint32_t> order(n);
  for (uint32_t i = 0; i < n; ++i) order[i] = i;
  // Sattolo: a random cyclic ordering order[0..n-1]; then next[order[k]] = order[k+1].
  std::mt19937_64 rng(seed);
  for (uint32_t i = n - 1; i > 0; --i) {
    std::uniform_int_distribution<uint32_t> pick(0, i - 1);
    std::swap(order[i], order[pick(rng)]);
  }
  std::vector<uint32_t> next(n);
  for (uint32_t k = 0; k < n; ++k) next[order[k]] = order[(k + 1) % n];
  return next;
}

void LinkChase(unsigned char* buffer, const std::vector<uint32_t>& next) {
  for (size_t i = 0; i < next.size(); ++i) {
    unsigned char* target = buffer + size_t{next[i]} * kKernelLineBytes;
    std::memcpy(buffer + i * kKernelLineBytes, &target, sizeof(target));
  }
}

double DependentChaseNs(unsigned char* buffer, uint32_t start, uint64_t steps) {
  void* p = buffer + size_t{start} * kKernelLineBytes;
  const uint64_t blocks = (steps + 7) / 8;
  const double t0 = ThreadSeconds();
  for (uint64_t b = 0; b < blocks; ++b) {
    p = *static_cast<void**>(p);
    p = *static_cast<void**>(p);
    p = *static_cast<void**>(p);
    p = *static_cast<void**>(p);
    p = *static_cast<void**>(p);
    p = *static_cast<void**>(p);
    p = *static_cast<void**>(p);
    p = *static_cast<void**>(p);
    Keep(p);
  }
  const double t1 = ThreadSeconds();
  return (t1 - t0) * 1e9 / static_cast<double>(blocks * 8);
}

double SequentialLineNs(const unsigned char* buffer, size_t lines, int passes) {
  uint64_t sum = 0;
  const double t0 = ThreadSeconds();
  for (int pass = 0; pass < passes; ++pass) {
    for (size_t i = 0; i < lines; ++i) {
      uint64_t v = *reinterpret_cast<const uint64_t*>(buffer + i * kKernelLineBytes);
      Keep(v);
      sum += v;
    }
  }
  const double t1 = ThreadSeconds();
  Keep(sum);
  return (t1 - t0) * 1e9 / (static_cast<double>(lines) * passes);
}

double SequentialWordNs(const unsigned char* buffer, size_t lines, int passes) {
  const size_t words = lines * (kKernelLineBytes / sizeof(uint64_t));
  const uint64_t* w = reinterpret_cast<const uint64_t*>(buffer);
  uint64_t sum = 0;
  const double t0 = ThreadSeconds();
  for (int pass = 0; pass < passes; ++pass) {
    for (size_t i = 0; i < words; ++i) {
      uint64_t v = w[i];
      Keep(v);
      sum += v;
    }
  }
  const double t1 = ThreadSeconds();
  Keep(sum);
  return (t1 - t0) * 1e9 / (static_cast<double>(words) * passes);
}

double IndependentReadNs(const unsigned char* buffer, const std::vector<uint32_t>& order) {
  uint64_t sum = 0;
  const double t0 = ThreadSeconds();
  for (uint32_t line : order) {
    uint64_t v = *reinterpret_cast<const uint64_t*>(buffer + size_t{line} * kKernelLineBytes);
    Keep(v);
    sum += v;
  }
  const double t1 = ThreadSeconds();
  Keep(sum);
  return (t1 - t0) * 1e9 / static_cast<double>(order.size());
}

namespace {

// Bits of the stand-in records (their values only need to be consistent with the tests the
// scan loop makes, not the kernel's: the loop's work is what is measured).
constexpr uint64_t kFlagLru = uint64_t{1} << 5;
constexpr uint64_t kFlagHead = uint64_t{1} << 6;
constexpr uint64_t kFlagUnmovable = uint64_t{1} << 9;  // PG_reserved-like: in use, never LRU
constexpr uint32_t kNoPageType = 0xffffffffu;          // _mapcount = -1: no page type
constexpr uint32_t kPageTypeBuddy = 0xf0;              // page_type >> 24 of a buddy page
constexpr uint64_t kMappingMovable = 0x2;              // PAGE_MAPPING_MOVABLE

template <typename T>
inline T Field(const unsigned char* record, size_t offset) {
  T v;
  std::memcpy(&v, record + offset, sizeof(v));
  return v;
}

}  // namespace

void InitScanStructs(unsigned char* buffer, size_t structs) {
  for (size_t i = 0; i < structs; ++i) {
    unsigned char* r = buffer + i * kKernelLineBytes;
    std::memset(r, 0, kKernelLineBytes);
    const uint64_t flags = kFlagUnmovable;
    std::memcpy(r + kScanFlagsOffset, &flags, sizeof(flags));
    const uint32_t type = kNoPageType;
    std::memcpy(r + kScanPageTypeOffset, &type, sizeof(type));
  }
}

double ScanStructsNs(const unsigned char* buffer, size_t structs, int passes) {
  uint64_t examined = 0;
  const double t0 = ThreadSeconds();
  for (int pass = 0; pass < passes; ++pass) {
    for (size_t i = 0; i < structs; ++i) {
      const unsigned char* r = buffer + i * kKernelLineBytes;
      uint32_t type = Field<uint32_t>(r, kScanPageTypeOffset);
      Keep(type);
      if ((type >> 24) == kPageTypeBuddy) {  // PageBuddy: skip the free block
        i += (uint64_t{1} << (type & 0xf)) - 1;
        continue;
      }
      uint64_t head = Field<uint64_t>(r, kScanCompoundHeadOffset);
      uint64_t flags = Field<uint64_t>(r, kScanFlagsOffset);
      Keep(head);
      Keep(flags);
      if ((head & 1) != 0 || (flags & kFlagHead) != 0) continue;  // PageCompound
      if ((flags & kFlagLru) == 0) {                              // !PageLRU
        uint64_t mapping = Field<uint64_t>(r, kScanMappingOffset);
        Keep(mapping);
        if ((mapping & kMappingMovable) != 0) examined += 2;  // __PageMovable
        ++examined;
        continue;  // isolate_fail
      }
      examined += 3;
    }
  }
  const double t1 = ThreadSeconds();
  Keep(examined);
  return (t1 - t0) * 1e9 / (static_cast<double>(structs) * passes);
}

double PageCopyNs(unsigned char* dst, const unsigned char* src, size_t pages) {
  constexpr size_t kPage = 4096;
  const double t0 = ThreadSeconds();
  for (size_t i = 0; i < pages; ++i) {
    std::memcpy(dst + i * kPage, src + i * kPage, kPage);
    asm volatile("" ::: "memory");  // each copy happens, in order
  }
  const double t1 = ThreadSeconds();
  return (t1 - t0) * 1e9 / static_cast<double>(pages);
}

double PteRemapNs(int cpu, int toucher_cpu, size_t pages, uint64_t round_trips,
                  double max_seconds) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t len = pages * page;
  // One guard page each side: the middle's flags always differ from its neighbours'.
  void* map = mmap(nullptr, len + 2 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED || pages == 0) return -1;
  unsigned char* area = static_cast<unsigned char*>(map) + page;
  madvise(area, len, MADV_NOHUGEPAGE);
  if (mprotect(area, len, PROT_READ | PROT_WRITE) != 0) {
    munmap(map, len + 2 * page);
    return -1;
  }
  for (size_t i = 0; i < pages; ++i) area[i * page] = static_cast<unsigned char>(i + 1);

  std::atomic<bool> stop{false};
  std::atomic<bool> started{false};
  std::atomic<bool> failed{false};
  std::thread toucher;
  if (toucher_cpu >= 0) {
    toucher = std::thread([&] {
      if (!PinTo(toucher_cpu)) {
        failed = true;
        started = true;
        return;
      }
      uint64_t sum = 0;
      bool first = true;
      while (!stop.load(std::memory_order_relaxed)) {
        for (size_t i = 0; i < pages; ++i) {
          uint64_t v = *reinterpret_cast<volatile const unsigned char*>(area + i * page);
          sum += v;
        }
        if (first) {
          started = true;
          first = false;
        }
      }
      Keep(sum);
    });
  } else {
    started = true;
  }
  cpu_set_t caller_cpus;
  const bool saved = pthread_getaffinity_np(pthread_self(), sizeof(caller_cpus), &caller_cpus) == 0;
  uint64_t done = 0;
  double seconds = 0;
  if (cpu < 0 || PinTo(cpu)) {
    while (!started) std::this_thread::yield();
    const auto w0 = Clock::now();
    const double t0 = ThreadSeconds();
    for (uint64_t r = 0; r < round_trips && !failed; ++r) {
      if (mprotect(area, len, PROT_READ) != 0 || mprotect(area, len, PROT_READ | PROT_WRITE) != 0) {
        failed = true;
        break;
      }
      done = r + 1;
      if ((r & 63) == 63 && Seconds(w0, Clock::now()) > max_seconds) break;
    }
    seconds = ThreadSeconds() - t0;
  } else {
    failed = true;
  }
  stop = true;
  if (toucher.joinable()) toucher.join();
  if (saved) pthread_setaffinity_np(pthread_self(), sizeof(caller_cpus), &caller_cpus);
  munmap(map, len + 2 * page);
  if (failed || done == 0) return -1;
  return seconds * 1e9 / static_cast<double>(done);
}

double AtomicRmwNs(uint64_t* word, uint64_t ops) {
  const double t0 = ThreadSeconds();
  for (uint64_t i = 0; i < ops; ++i) __atomic_fetch_add(word, 1, __ATOMIC_SEQ_CST);
  const double t1 = ThreadSeconds();
  return (t1 - t0) * 1e9 / static_cast<double>(ops);
}

double CoreToCoreNs(int cpu_a, int cpu_b, uint64_t round_trips, double max_seconds) {
  struct alignas(64) Line {
    std::atomic<uint64_t> value{0};
  };
  Line line;
  alignas(64) std::atomic<bool> stop{false};
  std::atomic<bool> pinned_b{false};
  std::atomic<bool> failed{false};
  std::thread responder([&] {
    if (!PinTo(cpu_b)) {
      failed = true;
      stop = true;
      return;
    }
    pinned_b = true;
    for (uint64_t i = 0;; ++i) {
      while (line.value.load(std::memory_order_acquire) != 2 * i + 1) {
        if (stop.load(std::memory_order_relaxed)) return;
      }
      line.value.store(2 * i + 2, std::memory_order_release);
    }
  });
  uint64_t done = 0;
  double seconds = 0;
  cpu_set_t caller_cpus;
  const bool saved = pthread_getaffinity_np(pthread_self(), sizeof(caller_cpus), &caller_cpus) == 0;
  if (PinTo(cpu_a)) {
    while (!pinned_b && !stop) std::this_thread::yield();
    const auto t0 = Clock::now();
    for (uint64_t i = 0; i < round_trips && !stop; ++i) {
      line.value.store(2 * i + 1, std::memory_order_release);
      while (line.value.load(std::memory_order_acquire) != 2 * i + 2) {
        if (stop.load(std::memory_order_relaxed)) break;
      }
      if (stop) break;
      done = i + 1;
      if ((i & 255) == 255 && Seconds(t0, Clock::now()) > max_seconds) break;
    }
    seconds = Seconds(t0, Clock::now());
  } else {
    failed = true;
  }
  stop = true;
  responder.join();
  if (saved) pthread_setaffinity_np(pthread_self(), sizeof(caller_cpus), &caller_cpus);
  if (failed || done == 0) return -1;
  return seconds * 1e9 / (2.0 * static_cast<double>(done));
}

}  // namespace memsim::hw
