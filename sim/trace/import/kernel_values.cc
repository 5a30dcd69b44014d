#include "sim/trace/import/kernel_values.h"

#include <array>

#include "absl/strings/str_cat.h"

namespace memsim {

namespace {

// include/linux/gfp_types.h (enum of ___GFP_*_BIT), as printed by the 6.18 x86-64
// mm_page_alloc format: bit 9 is unused (___GFP_UNUSED_BIT, __GFP_ATOMIC before 6.3), bit 24
// is __GFP_NO_OBJ_EXT on that machine's config (CONFIG_SLAB_OBJ_EXT=y, no CONFIG_LOCKDEP, no
// CONFIG_KASAN_HW_TAGS; the enum numbers the config-dependent bits consecutively).
constexpr std::array<KernelGfpBit, 24> kGfpBits = {{
    {0, "__GFP_DMA"},
    {1, "__GFP_HIGHMEM"},
    {2, "__GFP_DMA32"},
    {3, "__GFP_MOVABLE"},
    {4, "__GFP_RECLAIMABLE"},
    {5, "__GFP_HIGH"},
    {6, "__GFP_IO"},
    {7, "__GFP_FS"},
    {8, "__GFP_ZERO"},
    {10, "__GFP_DIRECT_RECLAIM"},
    {11, "__GFP_KSWAPD_RECLAIM"},
    {12, "__GFP_WRITE"},
    {13, "__GFP_NOWARN"},
    {14, "__GFP_RETRY_MAYFAIL"},
    {15, "__GFP_NOFAIL"},
    {16, "__GFP_NORETRY"},
    {17, "__GFP_MEMALLOC"},
    {18, "__GFP_COMP"},
    {19, "__GFP_NOMEMALLOC"},
    {20, "__GFP_HARDWALL"},
    {21, "__GFP_THISNODE"},
    {22, "__GFP_ACCOUNT"},
    {23, "__GFP_ZEROTAGS"},
    {24, "__GFP_NO_OBJ_EXT"},
}};

struct Symbol {
  int64_t value;
  std::string_view name;
};

// include/linux/migrate_mode.h enum migrate_mode; the names of MIGRATE_MODE in
// include/trace/events/migrate.h.
constexpr std::array<Symbol, 3> kModes = {{
    {0, "MIGRATE_ASYNC"},
    {1, "MIGRATE_SYNC_LIGHT"},
    {2, "MIGRATE_SYNC"},
}};
// include/linux/migrate_mode.h enum migrate_reason; MIGRATE_REASON names of
// include/trace/events/migrate.h.
constexpr std::array<Symbol, 10> kReasons = {{
    {0, "compaction"},
    {1, "memory_failure"},
    {2, "memory_hotplug"},
    {3, "syscall_or_cpuset"},
    {4, "mempolicy_mbind"},
    {5, "numa_misplaced"},
    {6, "contig_range"},
    {7, "longterm_pin"},
    {8, "demotion"},
    {9, "damon"},
}};
// include/linux/compaction.h enum compact_result; COMPACTION_STATUS names of
// include/trace/events/mmflags.h.
constexpr std::array<Symbol, 9> kStatuses = {{
    {0, "not_suitable_zone"},
    {1, "skipped"},
    {2, "deferred"},
    {3, "no_suitable_page"},
    {4, "continue"},
    {5, "complete"},
    {6, "partial_skipped"},
    {7, "contended"},
    {8, "success"},
}};

absl::Span<const Symbol> SymbolsOf(TraceField field) {
  switch (field) {
    case TraceField::kMode:
      return kModes;
    case TraceField::kReason:
      return kReasons;
    case TraceField::kStatus:
      return kStatuses;
    default:
      return {};
  }
}

}  // namespace

absl::Span<const KernelGfpBit> KernelGfpBits() { return kGfpBits; }

void AppendGfpFlagNames(uint64_t gfp, std::string* out) {
  if (gfp == 0) {
    out->append("none");
    return;
  }
  bool first = true;
  for (const KernelGfpBit& b : kGfpBits) {
    const uint64_t mask = uint64_t{1} << b.bit;
    if ((gfp & mask) == 0) continue;
    if (!first) out->push_back('|');
    out->append(b.name);
    first = false;
    gfp &= ~mask;
  }
  if (gfp != 0) absl::StrAppend(out, first ? "" : "|", "0x", absl::Hex(gfp));
}

std::optional<std::string_view> KernelSymbolName(TraceField field, int64_t value) {
  for (const Symbol& s : SymbolsOf(field)) {
    if (s.value == value) return s.name;
  }
  return std::nullopt;
}

std::optional<int64_t> KernelSymbolValue(TraceField field, std::string_view name) {
  for (const Symbol& s : SymbolsOf(field)) {
    if (s.name == name) return s.value;
  }
  return std::nullopt;
}

}  // namespace memsim
