// The symbolic names Linux tracepoints print for gfp flags, migrate reasons and modes, and
// compaction results, mapped to memsim's kernel-version-independent values. Names are the
// stable part of the tracepoint ABI: the numeric ___GFP_* bits and enum values move between
// releases, so both importers go through these tables (docs/trace-import.md cites sources).
#ifndef MEMSIM_SIM_TRACE_IMPORT_KERNEL_NAMES_H_
#define MEMSIM_SIM_TRACE_IMPORT_KERNEL_NAMES_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "sim/trace/event.h"

namespace memsim {

// "GFP_KERNEL|__GFP_ZERO" -> trace::GfpBit mask. "none" and "" are 0. Composite names
// (GFP_KERNEL, GFP_TRANSHUGE, ...) expand to their Linux 6.x definitions
// (include/linux/gfp_types.h). Names we do not know, and the "0x..." remainder
// __print_flags appends for bits without a name, add nothing and count in *unknown.
uint64_t GfpBitsFromNames(std::string_view names, uint32_t* unknown);

// "compaction" -> MR_COMPACTION (include/trace/events/migrate.h MIGRATE_REASON; older
// spellings "syscall" and "cma" accepted). Unknown names -> nullopt.
std::optional<MigrateReason> MigrateReasonFromName(std::string_view name);
// "MIGRATE_SYNC" -> 2 (enum migrate_mode, include/linux/migrate_mode.h).
std::optional<uint32_t> MigrateModeFromName(std::string_view name);
// "success" -> 8 (enum compact_result, include/linux/compaction.h, Linux 6.x values).
std::optional<int32_t> CompactResultFromName(std::string_view name);

}  // namespace memsim

#endif  // MEMSIM_SIM_TRACE_IMPORT_KERNEL_NAMES_H_
