// Importer of a /proc/kpageflags dump: one little-endian u64 of flags per pfn, plain or zstd.
// It becomes the trace's initial snapshot: sorted, non-overlapping SnapshotRuns of naturally
// aligned blocks (free buddy blocks, folios) with an inferred owner. Every inference rule and
// the kernel source it rests on is in docs/kpageflags.md.
//
// A dump may cover a pfn subrange. Its first pfn, and optionally the machine facts recorded
// with it, come from a companion file "<input>.meta" (key=value lines, written by
// tools/record):
//   start_pfn=N          pfn of the dump's first u64 (default 0 without a companion file)
//   pfn_count=N          number of u64s; a dump of another length is an error (truncation)
//   ram_pfn_ranges=S-E,… System RAM from /proc/iomem, end exclusive; pfns outside are holes
//   max_order=N          largest buddy order (from /proc/buddyinfo; default 10)
//   buddy_tails=0|1      1: every page of a free block reads BUDDY (Linux >= 4.5, the
//                        default); 0: only its first page does (older kernels)
//   page_size=N, kernel=…, hostname=…, nodeN_pfn_range=S-E (end exclusive)
//   buddyinfo_total=c0,c1,…  free blocks per order summed over zones, for the cross-check
// Unknown keys are ignored; a malformed line is an error naming the file and line.
#ifndef MEMSIM_SIM_TRACE_IMPORT_KPAGEFLAGS_IMPORTER_H_
#define MEMSIM_SIM_TRACE_IMPORT_KPAGEFLAGS_IMPORTER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sim/trace/import/importer.h"

namespace memsim {

// Bit numbers of /proc/kpageflags: include/uapi/linux/kernel-page-flags.h (0-26) and the
// kernel-internal include/linux/kernel-page-flags.h (32-).
namespace kpf {
inline constexpr int kLocked = 0;
inline constexpr int kError = 1;
inline constexpr int kReferenced = 2;
inline constexpr int kUptodate = 3;
inline constexpr int kDirty = 4;
inline constexpr int kLru = 5;
inline constexpr int kActive = 6;
inline constexpr int kSlab = 7;
inline constexpr int kWriteback = 8;
inline constexpr int kReclaim = 9;
inline constexpr int kBuddy = 10;
inline constexpr int kMmap = 11;
inline constexpr int kAnon = 12;
inline constexpr int kSwapcache = 13;
inline constexpr int kSwapbacked = 14;
inline constexpr int kCompoundHead = 15;
inline constexpr int kCompoundTail = 16;
inline constexpr int kHuge = 17;
inline constexpr int kUnevictable = 18;
inline constexpr int kHwpoison = 19;
inline constexpr int kNopage = 20;
inline constexpr int kKsm = 21;
inline constexpr int kThp = 22;
inline constexpr int kOffline = 23;
inline constexpr int kZeroPage = 24;
inline constexpr int kIdle = 25;
inline constexpr int kPgtable = 26;
inline constexpr int kReserved = 32;
inline constexpr int kMlocked = 33;

constexpr uint64_t Bit(int b) { return uint64_t{1} << b; }

// The bits kept in SnapshotRun::flags (of the block's first page). Volatile state (LOCKED,
// REFERENCED, ACTIVE, DIRTY, IDLE, …) and the per-page COMPOUND_HEAD/TAIL bits are dropped so
// that neighbouring blocks of the same kind merge into one run; the order carries the
// compound structure.
inline constexpr uint64_t kInterestMask =
    Bit(kLru) | Bit(kSlab) | Bit(kBuddy) | Bit(kMmap) | Bit(kAnon) | Bit(kSwapcache) |
    Bit(kSwapbacked) | Bit(kHuge) | Bit(kUnevictable) | Bit(kHwpoison) | Bit(kKsm) | Bit(kThp) |
    Bit(kOffline) | Bit(kZeroPage) | Bit(kPgtable) | Bit(kReserved) | Bit(kMlocked);
}  // namespace kpf

// The companion "<dump>.meta" file, parsed.
struct KpageflagsMeta {
  bool present = false;  // false: no companion file; every field keeps its default
  uint64_t start_pfn = 0;
  bool has_pfn_count = false;
  uint64_t pfn_count = 0;
  // System RAM, [start, end) pfn ranges, sorted. Empty: unknown (no pfn is a hole by range).
  std::vector<std::pair<uint64_t, uint64_t>> ram_pfn_ranges;
  uint32_t max_order = 10;
  // Whether every page of a free block reads KPF_BUDDY (Linux >= 4.5) or only the first
  // (older). From "buddy_tails=0|1", else from "kernel=" (KernelMarksBuddyTails), else true.
  bool buddy_marks_tails = true;
  uint32_t page_size_bytes = 4096;
  std::string kernel;
  std::string hostname;
  std::vector<std::pair<uint32_t, std::pair<uint64_t, uint64_t>>> nodes;  // id, [start, end)
  std::vector<uint64_t> buddyinfo_total;  // free blocks per order, all zones
};

// True if kernel release `release` ("6.18.44-…") reports KPF_BUDDY on every page of a free
// block (Linux 4.5 and later); true as well when the release cannot be parsed.
bool KernelMarksBuddyTails(absl::string_view release);

// Reads "<dump_path>.meta" if it exists. Errors name the file and line.
absl::StatusOr<KpageflagsMeta> ReadKpageflagsMeta(const std::string& dump_path);

// The owner of a block whose first page has kpageflags `flags` (a free block is recognised
// before this is called; see docs/kpageflags.md for the order of the tests).
trace::OwnerType KpageflagsOwner(uint64_t flags);

class KpageflagsImporter : public Importer {
 public:
  // Counters added to ImportStats::counters (see docs/kpageflags.md):
  //   pfns, pfns_hole, runs, pages_<owner>, free_blocks_order_<n>, buddyinfo_order_<n>,
  //   compound_inconsistent, compound_orphan_tail, free_run_leftover_pages.
  absl::Status Import(const std::string& input, const ImportOptions& options, TraceWriter* writer,
                      ImportStats* stats) override;
};

std::unique_ptr<Importer> NewKpageflagsImporter();

}  // namespace memsim

#endif  // MEMSIM_SIM_TRACE_IMPORT_KPAGEFLAGS_IMPORTER_H_
