#include "sim/trace/import/kpageflags_importer.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "sim/trace/event.h"
#include "sim/trace/trace_format.h"
#include "sim/util/input_file.h"
#include "sim/util/output_file.h"
#include "sim/util/status_macros.h"

namespace memsim {

namespace {

using kpf::Bit;

// Largest folio the importer accepts as one block: order 20 is 4 GiB of 4 KiB pages, above
// every hugetlb size Linux supports on 4 KiB-page machines (1 GiB = order 18). A longer run
// of tail pages is cut there and the rest counted as orphan tails.
constexpr uint32_t kMaxFolioOrder = 20;
// Bits that may linger on a page that is not otherwise in use: with CONFIG_PAGE_IDLE_FLAG on
// 32-bit the idle bit lives in page_ext and survives a free (fs/proc/page.c reads it through
// PAGE_SNAPSHOT_PG_IDLE).
constexpr uint64_t kIgnoredOnFreeTail = Bit(kpf::kIdle);

absl::StatusOr<uint64_t> ParseU64(absl::string_view s, const std::string& where) {
  uint64_t v = 0;
  s = absl::StripAsciiWhitespace(s);
  bool ok = absl::ConsumePrefix(&s, "0x") ? absl::SimpleHexAtoi(s, &v) : absl::SimpleAtoi(s, &v);
  if (!ok) return absl::InvalidArgumentError(absl::StrCat(where, ": '", s, "' is not a number"));
  return v;
}

// "S-E" with E > S.
absl::StatusOr<std::pair<uint64_t, uint64_t>> ParseRange(absl::string_view s,
                                                         const std::string& where) {
  std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(s, absl::MaxSplits('-', 1));
  if (parts.second.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": '", s, "' is not a range S-E"));
  }
  ASSIGN_OR_RETURN(uint64_t start, ParseU64(parts.first, where));
  ASSIGN_OR_RETURN(uint64_t end, ParseU64(parts.second, where));
  if (end <= start) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": range '", s, "' is empty (end is exclusive)"));
  }
  if (end > trace_format::kPfnLimit) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": range '", s, "' reaches past pfn 2^52"));
  }
  return std::make_pair(start, end);
}

// Collects naturally aligned blocks into runs of identical (owner, order, flags) and writes
// them. REQUIRES: blocks arrive in increasing pfn order without overlap.
class RunBuilder {
 public:
  RunBuilder(TraceWriter* writer, ImportStats* stats) : writer_(writer), stats_(stats) {}

  absl::Status AddBlock(uint64_t start_pfn, uint32_t order, trace::OwnerType owner,
                        uint64_t flags) {
    uint64_t pages = uint64_t{1} << order;
    // Counted here and named in Flush(): a string-keyed map update per page would cost more
    // than the whole decode.
    if (owner >= 0 && owner < kOwnerSlots) pages_by_owner_[owner] += pages;
    if (have_run_ && run_.start_pfn + run_.count == start_pfn && run_.owner == owner &&
        run_.order == order && run_.flags == flags) {
      run_.count += pages;
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(Flush());
    run_ = SnapshotRun{start_pfn, pages, owner, order, flags};
    have_run_ = true;
    return absl::OkStatus();
  }

  absl::Status Flush() {
    if (!have_run_) return absl::OkStatus();
    have_run_ = false;
    ++stats_->counters["runs"];
    return writer_->AddSnapshotRun(run_);
  }

  // Adds the per-owner page counts to the stats ("pages_anon", …).
  void CountPages() {
    for (int owner = 0; owner < kOwnerSlots; ++owner) {
      if (pages_by_owner_[owner] == 0) continue;
      stats_
          ->counters[absl::StrCat("pages_", OwnerTypeKey(static_cast<trace::OwnerType>(owner)))] +=
          pages_by_owner_[owner];
      pages_by_owner_[owner] = 0;
    }
  }

 private:
  static constexpr int kOwnerSlots = 32;
  TraceWriter* writer_;
  ImportStats* stats_;
  uint64_t pages_by_owner_[kOwnerSlots] = {};
  bool have_run_ = false;
  SnapshotRun run_;
};

// The per-pfn state machine of docs/kpageflags.md. Feed() every pfn in order, then Finish().
class FlagsDecoder {
 public:
  FlagsDecoder(const KpageflagsMeta& meta, RunBuilder* runs, ImportStats* stats)
      : meta_(meta), runs_(runs), stats_(stats) {}

  absl::Status Feed(uint64_t pfn, uint64_t flags) {
    if (IsHole(pfn, flags)) {
      ++stats_->counters["pfns_hole"];
      return Close(pfn);
    }
    if (open_ == Open::kFolio) {
      bool tail = (flags & Bit(kpf::kCompoundTail)) && !(flags & Bit(kpf::kCompoundHead));
      if (tail && pfn - head_pfn_ < (uint64_t{1} << kMaxFolioOrder)) return absl::OkStatus();
      RETURN_IF_ERROR(Close(pfn));
    } else if (open_ == Open::kFree) {
      if (meta_.buddy_marks_tails) {
        // Every page of a free block reads BUDDY: a run of BUDDY pages is a union of blocks.
        if ((flags & Bit(kpf::kBuddy)) && !(flags & kCompound)) return absl::OkStatus();
      } else if ((flags & ~kIgnoredOnFreeTail) == 0 &&
                 pfn - head_pfn_ < (uint64_t{1} << meta_.max_order)) {
        // Head-only BUDDY (before Linux 4.5): the tails of a free block read as no flags.
        return absl::OkStatus();
      }
      RETURN_IF_ERROR(Close(pfn));
    }
    if ((flags & Bit(kpf::kBuddy)) && !(flags & kCompound)) {
      Start(Open::kFree, pfn, flags);
      return absl::OkStatus();
    }
    if (flags & Bit(kpf::kCompoundHead)) {
      Start(Open::kFolio, pfn, flags);
      return absl::OkStatus();
    }
    // A tail whose head we did not see: the dump began inside the folio, the head is a hole,
    // or the folio changed while the dump was read (kpageflags takes no lock).
    if (flags & Bit(kpf::kCompoundTail)) ++stats_->counters["compound_orphan_tail"];
    return runs_->AddBlock(pfn, 0, KpageflagsOwner(flags), flags & kpf::kInterestMask);
  }

  // Closes whatever is open at the end of the dump (`end_pfn` = one past the last pfn).
  absl::Status Finish(uint64_t end_pfn) {
    RETURN_IF_ERROR(Close(end_pfn));
    for (uint32_t order = 0; order <= kMaxFolioOrder; ++order) {
      if (free_blocks_by_order_[order] == 0) continue;
      stats_->counters[absl::StrCat("free_blocks_order_", order)] += free_blocks_by_order_[order];
    }
    runs_->CountPages();
    return runs_->Flush();
  }

 private:
  enum class Open { kNone, kFree, kFolio };
  static constexpr uint64_t kCompound = Bit(kpf::kCompoundHead) | Bit(kpf::kCompoundTail);

  bool IsHole(uint64_t pfn, uint64_t flags) const {
    // Kernels up to 6.x's kpage_read() rework report KPF_NOPAGE for a pfn without an online
    // struct page; later ones report 0 there, so only the RAM ranges tell those holes apart.
    if (flags & Bit(kpf::kNopage)) return true;
    if (meta_.ram_pfn_ranges.empty()) return false;
    auto it = std::upper_bound(
        meta_.ram_pfn_ranges.begin(), meta_.ram_pfn_ranges.end(), pfn,
        [](uint64_t p, const std::pair<uint64_t, uint64_t>& r) { return p < r.first; });
    if (it == meta_.ram_pfn_ranges.begin()) return true;
    --it;
    return pfn >= it->second;
  }

  void Start(Open kind, uint64_t pfn, uint64_t flags) {
    open_ = kind;
    head_pfn_ = pfn;
    head_flags_ = flags;
  }

  // Covers [start, end) with the largest naturally aligned blocks of at most `max_order`,
  // left to right. For a maximal run of free pages this is exactly the buddy allocator's
  // set of free blocks: two free buddies of the same order below max_order are always
  // merged (mm/page_alloc.c __free_one_page), so a smaller block at an aligned position
  // would have a free buddy it should have merged with.
  absl::Status EmitAligned(uint64_t start, uint64_t end, uint32_t max_order, trace::OwnerType owner,
                           uint64_t flags) {
    for (uint64_t p = start; p < end;) {
      uint32_t order = 0;
      while (order < max_order && p % (uint64_t{2} << order) == 0 &&
             p + (uint64_t{2} << order) <= end) {
        ++order;
      }
      if (owner == trace::OWNER_FREE) ++free_blocks_by_order_[order];
      RETURN_IF_ERROR(runs_->AddBlock(p, order, owner, flags));
      p += uint64_t{1} << order;
    }
    return absl::OkStatus();
  }

  // Ends the open free run or folio at `end_pfn` (exclusive) and emits it.
  absl::Status Close(uint64_t end_pfn) {
    Open kind = open_;
    open_ = Open::kNone;
    if (kind == Open::kNone) return absl::OkStatus();
    uint64_t length = end_pfn - head_pfn_;
    uint64_t flags = head_flags_ & kpf::kInterestMask;
    if (kind == Open::kFree) {
      if (meta_.buddy_marks_tails) {
        return EmitAligned(head_pfn_, end_pfn, meta_.max_order, trace::OWNER_FREE, flags);
      }
      // Head-only marking: the block is the largest naturally aligned power of two at the
      // head that the following flagless pages cover; flagless pages beyond it are allocated
      // pages without flags.
      uint32_t order = 0;
      while (order < meta_.max_order && head_pfn_ % (uint64_t{2} << order) == 0 &&
             (uint64_t{2} << order) <= length) {
        ++order;
      }
      RETURN_IF_ERROR(EmitAligned(head_pfn_, head_pfn_ + (uint64_t{1} << order), order,
                                  trace::OWNER_FREE, flags));
      uint64_t leftover_start = head_pfn_ + (uint64_t{1} << order);
      if (leftover_start < end_pfn) {
        stats_->counters["free_run_leftover_pages"] += end_pfn - leftover_start;
      }
      for (uint64_t p = leftover_start; p < end_pfn; ++p) {
        RETURN_IF_ERROR(runs_->AddBlock(p, 0, KpageflagsOwner(0), 0));
      }
      return absl::OkStatus();
    }
    trace::OwnerType owner = KpageflagsOwner(head_flags_);
    bool power_of_two = length >= 2 && (length & (length - 1)) == 0;
    if (power_of_two && head_pfn_ % length == 0) {
      uint32_t order = 0;
      while ((uint64_t{1} << order) < length) ++order;
      return runs_->AddBlock(head_pfn_, order, owner, flags);
    }
    // Not a folio shape (a head without tails, or a length that is no aligned power of two):
    // the folio was split or freed while the dump was read. Keep its pages, in the largest
    // aligned pieces, with the head's owner.
    ++stats_->counters["compound_inconsistent"];
    return EmitAligned(head_pfn_, end_pfn, kMaxFolioOrder, owner, flags);
  }

  const KpageflagsMeta& meta_;
  RunBuilder* runs_;
  ImportStats* stats_;
  Open open_ = Open::kNone;
  uint64_t head_pfn_ = 0;
  uint64_t head_flags_ = 0;
  uint64_t free_blocks_by_order_[kMaxFolioOrder + 1] = {};
};

void FillHeader(const KpageflagsMeta& meta, uint64_t pfns, trace::TraceHeader* header) {
  if (header->source().empty()) header->set_source("kpageflags");
  if (header->page_size_bytes() == 0) header->set_page_size_bytes(meta.page_size_bytes);
  if (header->kernel_version().empty()) header->set_kernel_version(meta.kernel);
  if (header->hostname().empty()) header->set_hostname(meta.hostname);
  if (header->nodes_size() == 0) {
    for (const auto& [id, range] : meta.nodes) {
      trace::NodeRange* node = header->add_nodes();
      node->set_node_id(id);
      node->set_start_pfn(range.first);
      node->set_end_pfn(range.second);
    }
  }
  auto& attributes = *header->mutable_attributes();
  attributes["kpageflags_start_pfn"] = absl::StrCat(meta.start_pfn);
  attributes["kpageflags_pfns"] = absl::StrCat(pfns);
  attributes["kpageflags_max_order"] = absl::StrCat(meta.max_order);
}

}  // namespace

bool KernelMarksBuddyTails(absl::string_view release) {
  // "4.4.0-21-generic" -> 4, 4. Unparsable: assume a current kernel.
  std::vector<absl::string_view> parts = absl::StrSplit(release, absl::MaxSplits('.', 2));
  int major = 0, minor = 0;
  if (parts.size() < 2 || !absl::SimpleAtoi(parts[0], &major)) return true;
  absl::string_view minor_text = parts[1];
  size_t digits = 0;
  while (digits < minor_text.size() && absl::ascii_isdigit(minor_text[digits])) ++digits;
  if (!absl::SimpleAtoi(minor_text.substr(0, digits), &minor)) return true;
  return major > 4 || (major == 4 && minor >= 5);
}

absl::StatusOr<KpageflagsMeta> ReadKpageflagsMeta(const std::string& dump_path) {
  KpageflagsMeta meta;
  if (dump_path == "-") return meta;
  std::string meta_path = dump_path + ".meta";
  struct stat st;
  if (stat(meta_path.c_str(), &st) != 0) return meta;
  ASSIGN_OR_RETURN(std::string text, ReadTextFile(meta_path));
  meta.present = true;
  bool explicit_buddy_tails = false;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    std::string where = absl::StrCat(meta_path, ":", line_number);
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(line, absl::MaxSplits('=', 1));
    if (line.find('=') == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": expected key=value, got '", line, "'"));
    }
    absl::string_view key = kv.first, value = kv.second;
    if (key == "start_pfn") {
      ASSIGN_OR_RETURN(meta.start_pfn, ParseU64(value, where));
      if (meta.start_pfn >= trace_format::kPfnLimit) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": start_pfn ", meta.start_pfn, " is not below 2^52"));
      }
    } else if (key == "pfn_count") {
      ASSIGN_OR_RETURN(meta.pfn_count, ParseU64(value, where));
      meta.has_pfn_count = true;
    } else if (key == "max_order") {
      ASSIGN_OR_RETURN(uint64_t order, ParseU64(value, where));
      if (order > kMaxFolioOrder) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": max_order ", order, " is above ", kMaxFolioOrder));
      }
      meta.max_order = static_cast<uint32_t>(order);
    } else if (key == "page_size") {
      ASSIGN_OR_RETURN(uint64_t size, ParseU64(value, where));
      if (size == 0 || (size & (size - 1)) != 0 || size > trace_format::kMaxPageSizeBytes) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": page_size ", size, " is not a power of two up to 1048576"));
      }
      meta.page_size_bytes = static_cast<uint32_t>(size);
    } else if (key == "kernel") {
      meta.kernel = std::string(value);
      if (!explicit_buddy_tails) meta.buddy_marks_tails = KernelMarksBuddyTails(meta.kernel);
    } else if (key == "buddy_tails") {
      if (value != "0" && value != "1") {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": buddy_tails must be 0 or 1, got '", value, "'"));
      }
      meta.buddy_marks_tails = value == "1";
      explicit_buddy_tails = true;
    } else if (key == "hostname") {
      meta.hostname = std::string(value);
    } else if (key == "ram_pfn_ranges") {
      for (absl::string_view r : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
        ASSIGN_OR_RETURN(auto range, ParseRange(r, where));
        meta.ram_pfn_ranges.push_back(range);
      }
      std::sort(meta.ram_pfn_ranges.begin(), meta.ram_pfn_ranges.end());
    } else if (key == "buddyinfo_total") {
      for (absl::string_view c : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
        ASSIGN_OR_RETURN(uint64_t count, ParseU64(c, where));
        meta.buddyinfo_total.push_back(count);
      }
    } else if (absl::StartsWith(key, "node") && absl::EndsWith(key, "_pfn_range")) {
      absl::string_view id_text = key.substr(4, key.size() - 4 - std::strlen("_pfn_range"));
      uint32_t id = 0;
      if (!absl::SimpleAtoi(id_text, &id) || id >= trace_format::kMaxNodes) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": bad node id in '", key, "' (ids are below ", trace_format::kMaxNodes, ")"));
      }
      for (const auto& node : meta.nodes) {
        if (node.first == id) {
          return absl::InvalidArgumentError(absl::StrCat(where, ": node ", id, " is given twice"));
        }
      }
      ASSIGN_OR_RETURN(auto range, ParseRange(value, where));
      meta.nodes.push_back({id, range});
    }
  }
  std::sort(meta.nodes.begin(), meta.nodes.end());
  if (meta.has_pfn_count && meta.pfn_count > trace_format::kPfnLimit - meta.start_pfn) {
    return absl::InvalidArgumentError(absl::StrCat(meta_path, ": start_pfn ", meta.start_pfn,
                                                   " + pfn_count ", meta.pfn_count,
                                                   " reaches past pfn 2^52"));
  }
  return meta;
}

trace::OwnerType KpageflagsOwner(uint64_t flags) {
  auto has = [flags](int bit) { return (flags & Bit(bit)) != 0; };
  if (has(kpf::kHwpoison)) return trace::OWNER_HWPOISON;
  if (has(kpf::kOffline)) return trace::OWNER_OFFLINE;
  if (has(kpf::kBuddy)) return trace::OWNER_FREE;
  if (has(kpf::kHuge)) return trace::OWNER_HUGETLB;
  if (has(kpf::kSlab)) return trace::OWNER_SLAB;
  if (has(kpf::kPgtable)) return trace::OWNER_PAGE_TABLE;
  if (has(kpf::kReserved)) return trace::OWNER_RESERVED;
  if (has(kpf::kAnon)) return has(kpf::kKsm) ? trace::OWNER_KSM : trace::OWNER_ANON;
  if (has(kpf::kZeroPage)) return trace::OWNER_KERNEL;
  constexpr uint64_t kFileEvidence = Bit(kpf::kLru) | Bit(kpf::kMmap) | Bit(kpf::kThp) |
                                     Bit(kpf::kSwapbacked) | Bit(kpf::kUptodate) |
                                     Bit(kpf::kDirty) | Bit(kpf::kWriteback) |
                                     Bit(kpf::kUnevictable) | Bit(kpf::kMlocked);
  if (flags & kFileEvidence) return trace::OWNER_FILE;
  if (has(kpf::kCompoundHead)) return trace::OWNER_KERNEL;
  return trace::OWNER_UNKNOWN;
}

absl::Status KpageflagsImporter::Import(const std::string& input, const ImportOptions& options,
                                        TraceWriter* writer, ImportStats* stats) {
  (void)options;  // kpageflags has no malformed records to skip: every u64 is a valid value.
  ASSIGN_OR_RETURN(KpageflagsMeta meta, ReadKpageflagsMeta(input));
  ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(input));
  RunBuilder runs(writer, stats);
  FlagsDecoder decoder(meta, &runs, stats);

  // 64 KiB (8192 pfns) per read: larger buys nothing measurable on a real dump, and a
  // small dump (tests, fuzzing) should not pay for zeroing a big buffer.
  constexpr size_t kBufferBytes = 1 << 16;
  std::string buffer(kBufferBytes + 8, '\0');
  size_t carry = 0;     // bytes of an incomplete u64 kept from the previous read
  uint64_t offset = 0;  // decompressed bytes consumed before buffer[0]
  uint64_t pfn = meta.start_pfn;
  for (;;) {
    ASSIGN_OR_RETURN(size_t got, file->Read(buffer.data() + carry, kBufferBytes));
    if (got == 0) break;
    size_t available = carry + got;
    size_t whole = available - available % 8;
    for (size_t i = 0; i < whole; i += 8) {
      if (pfn >= trace_format::kPfnLimit) {
        return absl::InvalidArgumentError(
            absl::StrCat(input, ": byte offset ", offset + i, ": pfn ", pfn, " is not below 2^52"));
      }
      uint64_t flags = 0;
      // kpageflags is in host byte order; the dump is defined as little-endian (x86, arm64).
      for (int b = 7; b >= 0; --b) {
        flags = (flags << 8) | static_cast<unsigned char>(buffer[i + b]);
      }
      RETURN_IF_ERROR(decoder.Feed(pfn, flags));
      ++pfn;
    }
    carry = available - whole;
    std::memmove(buffer.data(), buffer.data() + whole, carry);
    offset += whole;
  }
  if (carry != 0) {
    return absl::DataLossError(absl::StrCat(
        input, ": truncated kpageflags dump: ", carry, " trailing byte(s) at byte offset ", offset,
        " (the length must be a multiple of 8, one u64 per pfn)"));
  }
  uint64_t pfns = offset / 8;
  if (pfns == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(input, ": empty kpageflags dump (0 bytes; one u64 per pfn expected)"));
  }
  if (meta.has_pfn_count && pfns != meta.pfn_count) {
    return absl::DataLossError(absl::StrCat(
        input, ": dump holds ", pfns, " pfns (", offset, " bytes) but ", input,
        ".meta says pfn_count=", meta.pfn_count, "; the dump is truncated or not its own"));
  }
  RETURN_IF_ERROR(decoder.Finish(pfn));
  stats->input_records += pfns;
  stats->counters["pfns"] += pfns;
  for (size_t order = 0; order < meta.buddyinfo_total.size(); ++order) {
    stats->counters[absl::StrCat("buddyinfo_order_", order)] = meta.buddyinfo_total[order];
  }
  FillHeader(meta, pfns, writer->mutable_header());
  for (const auto& [key, value] : stats->counters) writer->SetImportStat(key, value);
  return absl::OkStatus();
}

std::unique_ptr<Importer> NewKpageflagsImporter() { return std::make_unique<KpageflagsImporter>(); }

}  // namespace memsim
