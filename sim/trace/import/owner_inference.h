// Guessing who owns a freshly allocated block from what kmem:mm_page_alloc prints: gfp
// flags, migratetype and order. The tracepoint says nothing about the caller, so this is
// a heuristic; docs/trace-import.md lists each rule with the kernel code it relies on and
// what it gets wrong.
#ifndef MEMSIM_SIM_TRACE_IMPORT_OWNER_INFERENCE_H_
#define MEMSIM_SIM_TRACE_IMPORT_OWNER_INFERENCE_H_

#include <cstdint>

#include "sim/trace/event.h"

namespace memsim {

// gfp_bits: trace::GfpBit mask. migratetype: kernel MIGRATE_* (-1 unknown). order: log2 pages.
OwnerType InferOwner(uint64_t gfp_bits, int32_t migratetype, uint32_t order);

}  // namespace memsim

#endif  // MEMSIM_SIM_TRACE_IMPORT_OWNER_INFERENCE_H_
