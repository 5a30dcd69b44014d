// Decoding the `pte=` value of migrate:set_migration_pte / remove_migration_pte on x86-64.
// The encodings (docs/trace-import.md, "Migration pairing"):
//  - set_migration_pte prints a non-present pte holding a migration swap entry
//    (arch/x86/include/asm/pgtable_64.h): type in bits 59..63, the offset stored INVERTED
//    in bits 9..58 (L1TF mitigation). The offset's low SWP_PFN_BITS = MAX_PHYSMEM_BITS -
//    PAGE_SHIFT bits are the pfn; the two bits above may hold the young/dirty flags
//    (include/linux/swapops.h SWP_MIG_YOUNG_BIT, SWP_MIG_DIRTY_BIT).
//  - remove_migration_pte prints the new present pte: pfn in bits 12..51 (PTE_PFN_MASK);
//    a PROT_NONE pte (not present, non-zero) stores its pfn inverted
//    (arch/x86/include/asm/pgtable-invert.h).
#ifndef MEMSIM_SIM_TRACE_IMPORT_X86_PTE_H_
#define MEMSIM_SIM_TRACE_IMPORT_X86_PTE_H_

#include <cstdint>
#include <optional>

namespace memsim {

// MAX_PHYSMEM_BITS of x86-64 with 4-level paging (46); 52 with 5-level paging (LA57).
inline constexpr int kDefaultMaxPhysmemBits = 46;

// The source pfn named by a migration entry, or nullopt if `pte` is present or not a swap
// entry of one of the special (non-swapfile) types.
std::optional<uint64_t> MigrationEntryPfn(uint64_t pte, int max_physmem_bits);
// The pfn a pte maps (present or PROT_NONE), or nullopt for an empty or swap pte.
std::optional<uint64_t> PtePfn(uint64_t pte);

}  // namespace memsim

#endif  // MEMSIM_SIM_TRACE_IMPORT_X86_PTE_H_
