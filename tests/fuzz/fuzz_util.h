// Shared by the libFuzzer targets: a per-process scratch directory for the files the
// parsers under test read (they take paths, not buffers) and a check that traps, so that a
// broken invariant is reported by libFuzzer like a crash.
#ifndef MEMSIM_TESTS_FUZZ_FUZZ_UTIL_H_
#define MEMSIM_TESTS_FUZZ_FUZZ_UTIL_H_

#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

namespace memsim::fuzz {

// "$TMPDIR/memsim-fuzz.XXXXXX": made once per process and removed, with what is in it, when
// the process exits normally (libFuzzer ends a run with exit()). A crash leaves it, next to
// the reproducer.
inline const std::string& ScratchDir() {
  static const std::string* dir = [] {
    const char* base = std::getenv("TMPDIR");
    auto* d = new std::string(std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
                              "/memsim-fuzz.XXXXXX");
    if (mkdtemp(d->data()) == nullptr) abort();
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(ScratchDir(), ec);
    });
    return d;
  }();
  return *dir;
}

// "<ScratchDir()>/<name>".
inline std::string ScratchPath(const std::string& name) { return ScratchDir() + "/" + name; }

inline std::string WriteScratch(const std::string& name, std::string_view bytes) {
  const std::string path = ScratchPath(name);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) abort();
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) abort();
  std::fclose(f);
  return path;
}

// Recomputes the CRCs of an .mtrace's header and of every chunk whose length fits the
// file (framing: sim/trace/trace_format.h), so that mutated payload bytes get past the
// checksums and reach the decoders. Other bytes are left as they are.
inline void RepairCrcs(std::string* b) {
  auto u32 = [&](size_t at) {
    const auto* u = reinterpret_cast<const unsigned char*>(b->data() + at);
    return uint32_t{u[0]} | uint32_t{u[1]} << 8 | uint32_t{u[2]} << 16 | uint32_t{u[3]} << 24;
  };
  auto put = [&](size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) (*b)[at + i] = static_cast<char>(v >> (8 * i));
  };
  auto crc = [&](uint32_t c, size_t at, size_t n) {
    return static_cast<uint32_t>(
        crc32(c, reinterpret_cast<const Bytef*>(b->data() + at), static_cast<uInt>(n)));
  };
  if (b->size() < 20) return;
  const uint64_t hlen = u32(12);
  if (16 + hlen + 4 > b->size()) return;
  put(16 + hlen, crc(0, 0, 16 + hlen));
  for (uint64_t at = 16 + hlen + 4; at + 24 <= b->size();) {
    const uint64_t stored = u32(at + 8);
    if (at + 24 + stored > b->size()) return;
    put(at + 20, crc(crc(0, at, 20), at + 24, stored));
    at += 24 + stored;
  }
}

// An invariant of memsim's own, not a property of the input: violations are findings.
#define MEMSIM_FUZZ_CHECK(cond, what)                              \
  do {                                                             \
    if (!(cond)) {                                                 \
      std::fprintf(stderr, "fuzz invariant failed: %s\n", (what)); \
      __builtin_trap();                                            \
    }                                                              \
  } while (0)

}  // namespace memsim::fuzz

#endif  // MEMSIM_TESTS_FUZZ_FUZZ_UTIL_H_
