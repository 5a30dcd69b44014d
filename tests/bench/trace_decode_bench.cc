// Encode and decode speed of the .mtrace format, and the reader's peak memory.
// Usage: trace_decode_bench [--events=N] [--keep=PATH]   (default 10,000,000 events)
// Prints events/s for writing and for reading, the file size in bytes/event and the peak
// RSS of the process, which stays flat as N grows: the reader holds one chunk at a time.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "sim/trace/trace_reader.h"
#include "sim/trace/trace_writer.h"
#include "tests/bench/bench_util.h"

namespace {

using Clock = std::chrono::steady_clock;

// A mix shaped like a recorded trace: faults followed by order-0 allocs, frees of recent
// pages, some THP allocs, occasional migrations and compaction scans, 8 CPUs.
memsim::Event NextEvent(std::mt19937_64& rng, uint64_t* t) {
  memsim::Event e;
  *t += 200 + rng() % 800;
  e.time_ns = *t;
  e.cpu = rng() % 8;
  const uint64_t pfn = 0x100000 + rng() % (1 << 22);
  const uint32_t r = rng() % 100;
  if (r < 35) {
    e.kind = memsim::trace::EVENT_ALLOC;
    e.pfn = pfn;
    e.order = r < 2 ? 9 : 0;
    e.migratetype = 1;
    e.gfp_flags = 0x1ccd;
    e.owner = memsim::trace::OWNER_ANON;
  } else if (r < 65) {
    e.kind = memsim::trace::EVENT_FREE;
    e.pfn = pfn;
  } else if (r < 95) {
    e.kind = memsim::trace::EVENT_FAULT;
    e.address = 0x7f0000000000 + (rng() % (1 << 28)) * 4096;
    e.ip = 0x401000 + rng() % 4096;
    e.error_code = 6;
  } else if (r < 98) {
    e.kind = memsim::trace::EVENT_MIGRATE;
    e.pfn = pfn;
    e.end_pfn = pfn + 0x200000;
    e.reason = memsim::trace::MR_COMPACTION;
  } else {
    e.kind = memsim::trace::EVENT_COMPACTION_SCAN;
    e.pfn = pfn;
    e.end_pfn = pfn + 512;
    e.nr_scanned = 512;
    e.nr_taken = rng() % 32;
  }
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t n = 10'000'000;
  std::string keep;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--events=", 9) == 0) n = std::stoull(argv[i] + 9);
    if (std::strncmp(argv[i], "--keep=", 7) == 0) keep = argv[i] + 7;
  }
  const std::string path = keep.empty() ? memsim::bench::TmpPath("decode.mtrace") : keep;
  std::mt19937_64 rng(42);
  uint64_t t = 0;
  auto t0 = Clock::now();
  {
    auto w = memsim::TraceWriter::Create(path);
    if (!w.ok()) {
      std::fprintf(stderr, "%s\n", std::string(w.status().message()).c_str());
      return 1;
    }
    for (uint64_t i = 0; i < n; ++i) {
      if (absl::Status s = (*w)->Add(NextEvent(rng, &t)); !s.ok()) return 1;
    }
    if (!(*w)->Finish().ok()) return 1;
  }
  double write_s = std::chrono::duration<double>(Clock::now() - t0).count();
  uint64_t rss_after_write = memsim::bench::PeakRssBytes();

  t0 = Clock::now();
  auto r = memsim::TraceReader::Open(path);
  if (!r.ok()) return 1;
  std::vector<memsim::Event> events;
  uint64_t got = 0, checksum = 0;
  for (;;) {
    auto more = (*r)->NextEvents(&events);
    if (!more.ok()) {
      std::fprintf(stderr, "%s\n", std::string(more.status().message()).c_str());
      return 1;
    }
    if (!*more) break;
    got += events.size();
    for (const auto& e : events) checksum += e.pfn ^ e.time_ns;
  }
  double read_s = std::chrono::duration<double>(Clock::now() - t0).count();
  uint64_t file_bytes = (*r)->file_size();
  std::printf("events            %llu (read back %llu, checksum %llx)\n",
              static_cast<unsigned long long>(n), static_cast<unsigned long long>(got),
              static_cast<unsigned long long>(checksum));
  std::printf("file              %llu bytes, %.2f bytes/event\n",
              static_cast<unsigned long long>(file_bytes), double(file_bytes) / n);
  std::printf("encode            %.2f M events/s (%.2f s)\n", n / write_s / 1e6, write_s);
  std::printf("decode            %.2f M events/s (%.2f s)\n", got / read_s / 1e6, read_s);
  std::printf("peak RSS          %.1f MiB after writing, %.1f MiB after reading\n",
              rss_after_write / 1048576.0, memsim::bench::PeakRssBytes() / 1048576.0);
  if (keep.empty()) unlink(path.c_str());
  return got == n ? 0 : 1;
}
