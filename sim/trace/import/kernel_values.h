// The numeric values behind the symbolic tracepoint fields (gfp_flags, mode, reason, status),
// for importers whose source records raw numbers instead of the names ftrace text prints:
// Perfetto reads the ring buffer's binary records and stores gfp_flags as the raw gfp_t.
// EventAssembler works on names (kernel_names.h), so those importers render the numbers to
// the names the kernel's __print_flags / __print_symbolic would print.
//
// Values are those of Linux 6.18 x86-64, read from the tracefs `format` files of the
// recorded machine (saved in traces/thp-anon.dat.zst; docs/trace-import.md, "Perfetto"). The
// ___GFP_* bits 0-23 are the same on every 6.x kernel except bit 9 (__GFP_ATOMIC before 6.3,
// unused since); bits from 24 on depend on the kernel config (include/linux/gfp_types.h).
#ifndef MEMSIM_SIM_TRACE_IMPORT_KERNEL_VALUES_H_
#define MEMSIM_SIM_TRACE_IMPORT_KERNEL_VALUES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/types/span.h"
#include "sim/trace/import/trace_record.h"

namespace memsim {

struct KernelGfpBit {
  int bit;
  std::string_view name;  // "__GFP_IO"
};
// The named ___GFP_* bits, lowest first.
absl::Span<const KernelGfpBit> KernelGfpBits();

// Appends to *out what `__print_flags(gfp, "|", ...)` prints, one name per known bit
// ("__GFP_IO|__GFP_FS"), then "0x<hex>" for the bits without a name; "none" for 0 (the
// mm_page_alloc TP_printk). Composite names (GFP_KERNEL) are not used: they stand for exactly
// the same bits, so GfpBitsFromNames() gives the same mask.
void AppendGfpFlagNames(uint64_t gfp, std::string* out);

// The name `__print_symbolic` prints for `value` of a symbolic field (kMode: enum
// migrate_mode, kReason: enum migrate_reason, kStatus: enum compact_result), or nullopt for a
// value without a name (the kernel then prints the number).
// REQUIRES: field is kMode, kReason or kStatus.
std::optional<std::string_view> KernelSymbolName(TraceField field, int64_t value);
// The inverse: the value of `name`, or nullopt.
std::optional<int64_t> KernelSymbolValue(TraceField field, std::string_view name);

}  // namespace memsim

#endif  // MEMSIM_SIM_TRACE_IMPORT_KERNEL_VALUES_H_
