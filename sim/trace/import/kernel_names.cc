#include "sim/trace/import/kernel_names.h"

namespace memsim {

namespace {

using trace::GfpBit;

constexpr uint64_t B(GfpBit b) { return static_cast<uint64_t>(b); }

constexpr uint64_t kReclaim = B(trace::GFP_BIT_DIRECT_RECLAIM) | B(trace::GFP_BIT_KSWAPD_RECLAIM);
constexpr uint64_t kKernel = kReclaim | B(trace::GFP_BIT_IO) | B(trace::GFP_BIT_FS);
constexpr uint64_t kUser = kKernel | B(trace::GFP_BIT_HARDWALL);
constexpr uint64_t kHighuser = kUser | B(trace::GFP_BIT_HIGHMEM);
constexpr uint64_t kHighuserMovable = kHighuser | B(trace::GFP_BIT_MOVABLE);
constexpr uint64_t kTranshugeLight = (kHighuserMovable | B(trace::GFP_BIT_COMP) |
                                      B(trace::GFP_BIT_NOMEMALLOC) | B(trace::GFP_BIT_NOWARN)) &
                                     ~kReclaim;

struct GfpName {
  std::string_view name;
  uint64_t bits;
};

// Linux 6.x include/linux/gfp_types.h and include/trace/events/mmflags.h (__def_gfpflag_names),
// plus names older kernels print (kept so old captures import; they map to no memsim bit
// when memsim has none).
constexpr GfpName kGfpNames[] = {
    {"GFP_TRANSHUGE", kTranshugeLight | B(trace::GFP_BIT_DIRECT_RECLAIM)},
    {"GFP_TRANSHUGE_LIGHT", kTranshugeLight},
    {"GFP_HIGHUSER_MOVABLE", kHighuserMovable},
    {"GFP_HIGHUSER", kHighuser},
    {"GFP_USER", kUser},
    {"GFP_KERNEL_ACCOUNT", kKernel | B(trace::GFP_BIT_ACCOUNT)},
    {"GFP_KERNEL", kKernel},
    {"GFP_NOFS", kReclaim | B(trace::GFP_BIT_IO)},
    {"GFP_ATOMIC", B(trace::GFP_BIT_HIGH) | B(trace::GFP_BIT_KSWAPD_RECLAIM)},
    {"GFP_NOIO", kReclaim},
    // 6.x: __GFP_KSWAPD_RECLAIM | __GFP_NOWARN (before 6.9 without NOWARN; the kernel's
    // table matched the mask it had, so older captures overstate NOWARN here).
    {"GFP_NOWAIT", B(trace::GFP_BIT_KSWAPD_RECLAIM) | B(trace::GFP_BIT_NOWARN)},
    {"GFP_DMA", B(trace::GFP_BIT_DMA)},
    {"GFP_DMA32", B(trace::GFP_BIT_DMA32)},
    {"GFP_TEMPORARY", kKernel | B(trace::GFP_BIT_RECLAIMABLE)},  // removed in 4.14
    {"GFP_IOFS", B(trace::GFP_BIT_IO) | B(trace::GFP_BIT_FS)},   // removed in 4.4
    {"__GFP_RECLAIM", kReclaim},
    {"__GFP_DMA", B(trace::GFP_BIT_DMA)},
    {"__GFP_HIGHMEM", B(trace::GFP_BIT_HIGHMEM)},
    {"__GFP_DMA32", B(trace::GFP_BIT_DMA32)},
    {"__GFP_MOVABLE", B(trace::GFP_BIT_MOVABLE)},
    {"__GFP_RECLAIMABLE", B(trace::GFP_BIT_RECLAIMABLE)},
    {"__GFP_HIGH", B(trace::GFP_BIT_HIGH)},
    {"__GFP_IO", B(trace::GFP_BIT_IO)},
    {"__GFP_FS", B(trace::GFP_BIT_FS)},
    {"__GFP_ZERO", B(trace::GFP_BIT_ZERO)},
    {"__GFP_DIRECT_RECLAIM", B(trace::GFP_BIT_DIRECT_RECLAIM)},
    {"__GFP_WAIT", B(trace::GFP_BIT_DIRECT_RECLAIM)},  // pre-4.4 name
    {"__GFP_KSWAPD_RECLAIM", B(trace::GFP_BIT_KSWAPD_RECLAIM)},
    {"__GFP_WRITE", B(trace::GFP_BIT_WRITE)},
    {"__GFP_NOWARN", B(trace::GFP_BIT_NOWARN)},
    {"__GFP_RETRY_MAYFAIL", B(trace::GFP_BIT_RETRY_MAYFAIL)},
    {"__GFP_REPEAT", B(trace::GFP_BIT_RETRY_MAYFAIL)},  // pre-4.13 name
    {"__GFP_NOFAIL", B(trace::GFP_BIT_NOFAIL)},
    {"__GFP_NORETRY", B(trace::GFP_BIT_NORETRY)},
    {"__GFP_MEMALLOC", B(trace::GFP_BIT_MEMALLOC)},
    {"__GFP_COMP", B(trace::GFP_BIT_COMP)},
    {"__GFP_NOMEMALLOC", B(trace::GFP_BIT_NOMEMALLOC)},
    {"__GFP_HARDWALL", B(trace::GFP_BIT_HARDWALL)},
    {"__GFP_THISNODE", B(trace::GFP_BIT_THISNODE)},
    {"__GFP_ACCOUNT", B(trace::GFP_BIT_ACCOUNT)},
    {"__GFP_ZEROTAGS", B(trace::GFP_BIT_ZEROTAGS)},
    {"__GFP_SKIP_KASAN", B(trace::GFP_BIT_SKIP_KASAN)},
    {"__GFP_SKIP_KASAN_POISON", B(trace::GFP_BIT_SKIP_KASAN)},
    {"__GFP_SKIP_KASAN_UNPOISON", B(trace::GFP_BIT_SKIP_KASAN)},
    {"__GFP_NOLOCKDEP", B(trace::GFP_BIT_NOLOCKDEP)},
    {"__GFP_NO_OBJ_EXT", B(trace::GFP_BIT_NO_OBJ_EXT)},
    // Old flags with no memsim bit: known, so not counted as unknown.
    {"__GFP_COLD", 0},
    {"__GFP_NOTRACK", 0},
    {"__GFP_ATOMIC", 0},
};

constexpr std::string_view kGfpNamesNoBit[] = {
    "__GFP_OTHER_NODE", "__GFP_NOACCOUNT", "__GFP_NO_KSWAPD", "__GFP_SKIP_ZERO", "__GFP_UNMAPPED"};

uint64_t OneGfpName(std::string_view name, uint32_t* unknown) {
  for (const GfpName& g : kGfpNames) {
    if (g.name == name) return g.bits;
  }
  for (std::string_view n : kGfpNamesNoBit) {
    if (n == name) return 0;
  }
  ++*unknown;  // includes the "0x..." remainder of bits without a name
  return 0;
}

}  // namespace

uint64_t GfpBitsFromNames(std::string_view names, uint32_t* unknown) {
  if (names.empty() || names == "none") return 0;
  uint64_t bits = 0;
  size_t start = 0;
  while (start <= names.size()) {
    size_t bar = names.find('|', start);
    if (bar == std::string_view::npos) bar = names.size();
    if (bar > start) bits |= OneGfpName(names.substr(start, bar - start), unknown);
    start = bar + 1;
  }
  return bits;
}

std::optional<MigrateReason> MigrateReasonFromName(std::string_view name) {
  struct R {
    std::string_view name;
    MigrateReason reason;
  };
  static constexpr R kReasons[] = {
      {"compaction", trace::MR_COMPACTION},
      {"memory_failure", trace::MR_MEMORY_FAILURE},
      {"memory_hotplug", trace::MR_MEMORY_HOTPLUG},
      {"syscall_or_cpuset", trace::MR_SYSCALL},
      {"syscall", trace::MR_SYSCALL},
      {"mempolicy_mbind", trace::MR_MEMPOLICY_MBIND},
      {"numa_misplaced", trace::MR_NUMA_MISPLACED},
      {"contig_range", trace::MR_CONTIG_RANGE},
      {"cma", trace::MR_CONTIG_RANGE},
      {"longterm_pin", trace::MR_LONGTERM_PIN},
      {"demotion", trace::MR_DEMOTION},
      {"damon", trace::MR_DAMON},
  };
  for (const R& r : kReasons) {
    if (r.name == name) return r.reason;
  }
  return std::nullopt;
}

std::optional<uint32_t> MigrateModeFromName(std::string_view name) {
  if (name == "MIGRATE_ASYNC") return 0;
  if (name == "MIGRATE_SYNC_LIGHT") return 1;
  if (name == "MIGRATE_SYNC") return 2;
  if (name == "MIGRATE_SYNC_NO_COPY") return 3;  // removed in 6.10
  return std::nullopt;
}

std::optional<int32_t> CompactResultFromName(std::string_view name) {
  struct S {
    std::string_view name;
    int32_t value;
  };
  static constexpr S kResults[] = {
      {"not_suitable_zone", 0}, {"skipped", 1},   {"deferred", 2},
      {"no_suitable_page", 3},  {"continue", 4},  {"complete", 5},
      {"partial_skipped", 6},   {"contended", 7}, {"success", 8},
  };
  for (const S& s : kResults) {
    if (s.name == name) return s.value;
  }
  return std::nullopt;
}

}  // namespace memsim
