#include "sim/trace/import/x86_pte.h"

namespace memsim {

namespace {
constexpr uint64_t kPresent = 1;                       // _PAGE_BIT_PRESENT 0
constexpr uint64_t kProtNone = uint64_t{1} << 8;       // _PAGE_BIT_PROTNONE = _PAGE_BIT_GLOBAL 8
constexpr int kSwpTypeBits = 5;                        // SWP_TYPE_BITS
constexpr int kSwpOffsetShift = 8 + 1 + kSwpTypeBits;  // SWP_OFFSET_SHIFT = 14
constexpr uint64_t kPtePfnMask = ((uint64_t{1} << 52) - 1) & ~uint64_t{0xfff};  // bits 12..51
constexpr int kPageShift = 12;
// Swap types at or above this are not swap files: MAX_SWAPFILES = 32 minus the device,
// migration, hwpoison and pte-marker types, which is at least 23 on every 5.x/6.x kernel.
constexpr uint64_t kFirstSpecialSwapType = 23;
}  // namespace

std::optional<uint64_t> MigrationEntryPfn(uint64_t pte, int max_physmem_bits) {
  if (pte == 0 || (pte & kPresent) != 0) return std::nullopt;
  const uint64_t type = pte >> (64 - kSwpTypeBits);
  if (type < kFirstSpecialSwapType) return std::nullopt;
  // __swp_offset(): shift the type out, then bring the inverted offset down.
  const uint64_t offset = (~pte << kSwpTypeBits) >> kSwpOffsetShift;
  const int pfn_bits = max_physmem_bits - kPageShift;
  return offset & ((uint64_t{1} << pfn_bits) - 1);
}

std::optional<uint64_t> PtePfn(uint64_t pte) {
  if (pte == 0) return std::nullopt;
  if ((pte & kPresent) != 0) return (pte & kPtePfnMask) >> kPageShift;
  if ((pte & kProtNone) != 0) return (~pte & kPtePfnMask) >> kPageShift;
  return std::nullopt;
}

}  // namespace memsim
