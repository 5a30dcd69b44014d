// Checks a Machine config before anything is built from it.
#ifndef MEMSIM_SIM_HW_MACHINE_VALIDATOR_H_
#define MEMSIM_SIM_HW_MACHINE_VALIDATOR_H_

#include "absl/status/status.h"
#include "proto/machine.pb.h"

namespace memsim::hw {

// The largest socket count the coherence directory tracks (one byte per socket per line).
inline constexpr int kMaxSockets = 8;
// Page size of the pfn ranges.
inline constexpr uint64_t kPageBytes = 4096;
// Size limits, so that every size and product of sizes fits in 64 bits and the simulator's
// state stays bounded (docs/machine-model.md, "Limits"):
// a cache line is at most 4 KiB;
inline constexpr uint32_t kMaxLineBytes = 4096;
// a cache has at most 1024 slices (Intel's largest LLCs have one per core, < 256);
inline constexpr uint32_t kMaxSlices = 1024;
// one cache holds at most 4 GiB (AMD's Genoa-X: 1152 MiB of L3 per socket);
inline constexpr uint64_t kMaxCacheBytes = uint64_t{4} << 30;
// all caches of the machine together hold at most 2^27 lines: Cache keeps 4 bytes of state
// per line, so 512 MiB at most;
inline constexpr uint64_t kMaxTotalCacheLines = uint64_t{1} << 27;
// node memory lies below pfn 2^40 (52 physical address bits: x86-64 with 5-level paging,
// MAX_PHYSMEM_BITS in arch/x86/include/asm/sparsemem.h);
inline constexpr uint64_t kMaxPfn = uint64_t{1} << 40;
// and adds up to at most 64 TiB (HPE's Superdome Flex, among the largest, has 48 TiB).
inline constexpr uint64_t kMaxMemoryBytes = uint64_t{64} << 40;

// Returns InvalidArgument naming the first offending field ("node[1].start_pfn: ...") if
// the machine cannot exist: zero sizes, non-power-of-two cache sets, a latency matrix of
// the wrong shape, overlapping node memory, a core with no socket or no home node, a
// route through an unknown link, a route whose links alone exceed the matrix latency, sizes
// beyond the limits above, ….
absl::Status ValidateMachine(const config::Machine& machine);

// Where the memmap lives (docs/machine-model.md, "Where the memmap lives").
// memory_block_bytes and vmemmap_alignment_bytes with their defaults applied.
uint64_t MemoryBlockBytes(const config::Machine& machine);
uint64_t VmemmapAlignmentBytes(const config::Machine& machine);
// A node's memmap_placement with the default resolved: MEMMAP_NODE_LOCAL for a node with
// CPUs, MEMMAP_HOTPLUG for a cpu_less one.
config::MemmapPlacement ResolvedMemmapPlacement(const config::NumaNode& node);
// The node that holds node `node`'s memmap when it is hot-added: the zonelist fallback of a
// node with no memory yet picks the nearest node that has memory (build_zonelists() ->
// find_next_best_node(), by node_distance()). Candidates: every node of boot memory, and
// hot-added nodes of lower index (hot-added, and so given memory, before this one). Nearest by
// latency_ns[node][j]; ties go to a node without CPUs, then to a higher-numbered node (the
// penalties find_next_best_node() adds), then to the lower index. -1 if there is none.
int MemmapHostNode(const config::Machine& machine, int node);

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_MACHINE_VALIDATOR_H_
