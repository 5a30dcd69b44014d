// A malloc heap backed by transparent huge pages, for short-lived processes that fill
// tens of MiB of heap (an import: its child's libtracecmd buffers, the assembler's maps).
#ifndef MEMSIM_SIM_CLI_HUGE_PAGE_HEAP_H_
#define MEMSIM_SIM_CLI_HUGE_PAGE_HEAP_H_

#include <cstddef>

namespace memsim::cli {

// Extends glibc's heap by `bytes` of address space (nothing is touched), asks the kernel to
// back it with transparent huge pages (madvise MADV_HUGEPAGE: honoured when THP is
// `madvise` or `always`), and keeps it: blocks up to 32 MiB come from the heap instead of
// mmap, and freed memory at the heap's top is not returned. A page fault then fills 2 MiB
// instead of 4 KiB. The default glibc behaviour (large blocks mmapped and unmapped on every
// allocation, trimmed heap top) faults each 4 KiB page anew, which on a virtual machine
// without nested paging costs as much as the import's own work (docs/performance.md,
// "Third session"). Forked children (IsolatedCall) inherit the hint. Does nothing where it
// cannot be done (the heap cannot grow, madvise refused). Process-wide: for a command's
// process, not for library code.
void ReserveHugePageHeap(size_t bytes);

}  // namespace memsim::cli

#endif  // MEMSIM_SIM_CLI_HUGE_PAGE_HEAP_H_
