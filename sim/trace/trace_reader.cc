#include "sim/trace/trace_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "sim/trace/trace_format.h"
#include "sim/util/status_macros.h"

namespace memsim {

namespace tf = trace_format;

namespace {

// One decompression context per thread, shared by its readers (a context is about 160 KiB:
// too much to make and free for every small trace). ZSTD_decompressDCtx decodes a whole
// frame in one call, so readers that alternate on a thread do not disturb each other.
ZSTD_DCtx* ThreadDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(),
                                                                       ZSTD_freeDCtx);
  return dctx.get();
}

uint32_t GetU32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return uint32_t{u[0]} | uint32_t{u[1]} << 8 | uint32_t{u[2]} << 16 | uint32_t{u[3]} << 24;
}

uint32_t Crc32(uint32_t crc, const char* data, size_t n) {
  return static_cast<uint32_t>(
      crc32(crc, reinterpret_cast<const Bytef*>(data), static_cast<uInt>(n)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<TraceReader>> TraceReader::Open(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    close(fd);
    return absl::NotFoundError(absl::StrCat("cannot stat ", path, ": ", std::strerror(errno)));
  }
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory, not an .mtrace file"));
  }
  std::unique_ptr<TraceReader> r(new TraceReader(path, fd, static_cast<uint64_t>(st.st_size)));
  RETURN_IF_ERROR(r->ReadHeader());
  return r;
}

TraceReader::TraceReader(std::string path, int fd, uint64_t file_size)
    : path_(std::move(path)), fd_(fd), file_size_(file_size) {}

TraceReader::~TraceReader() { close(fd_); }

absl::Status TraceReader::Corrupt(uint64_t at, const std::string& what) const {
  return absl::DataLossError(absl::StrCat(path_, ": corrupt trace at byte ", at, ": ", what));
}

// Reads exactly n bytes at offset into *out, or reports truncation.
static absl::Status ReadAt(int fd, uint64_t offset, size_t n, std::string* out) {
  out->resize(n);
  size_t got = 0;
  while (got < n) {
    ssize_t r = pread(fd, out->data() + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return absl::DataLossError(std::strerror(errno));
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  if (got < n) return absl::OutOfRangeError("short read");
  return absl::OkStatus();
}

absl::Status TraceReader::ReadHeader() {
  constexpr size_t kFixed = 16;
  if (file_size_ < kFixed + 4) {
    return Corrupt(0, absl::StrCat("file of ", file_size_,
                                   " bytes is too short for an .mtrace header (truncated?)"));
  }
  if (!ReadAt(fd_, 0, kFixed, &stored_).ok()) return Corrupt(0, "cannot read the header");
  if (std::memcmp(stored_.data(), tf::kMagic, 8) != 0) {
    return Corrupt(0, "bad magic: not an .mtrace file (expected \"MEMSIMTR\")");
  }
  uint32_t version = GetU32(stored_.data() + 8);
  if (version != tf::kFormatVersion) {
    return Corrupt(8, absl::StrCat("unsupported format version ", version, " (this memsim reads ",
                                   tf::kFormatVersion, ")"));
  }
  uint32_t len = GetU32(stored_.data() + 12);
  if (len > tf::kMaxHeaderBytes || kFixed + len + 4 > file_size_) {
    return Corrupt(12, absl::StrCat("header length ", len, " exceeds the file (", file_size_,
                                    " bytes): truncated or corrupt"));
  }
  std::string all;
  if (!ReadAt(fd_, 0, kFixed + len + 4, &all).ok()) return Corrupt(0, "cannot read the header");
  uint32_t want = GetU32(all.data() + kFixed + len);
  if (Crc32(0, all.data(), kFixed + len) != want) {
    return Corrupt(0, "header checksum mismatch");
  }
  if (!header_.ParseFromArray(all.data() + kFixed, static_cast<int>(len))) {
    return Corrupt(kFixed, "header does not parse as TraceHeader");
  }
  RETURN_IF_ERROR(CheckHeader(kFixed));
  offset_ = kFixed + len + 4;
  return absl::OkStatus();
}

absl::Status TraceReader::CheckHeader(uint64_t at) {
  const trace::TraceHeader& h = header_;
  const uint32_t page = h.page_size_bytes();
  if (page != 0 && (page > tf::kMaxPageSizeBytes || (page & (page - 1)) != 0)) {
    return Corrupt(at, absl::StrCat("header: page_size_bytes ", page,
                                    " is not a power of two up to ", tf::kMaxPageSizeBytes));
  }
  if (h.num_cpus() > tf::kMaxCpus) {
    return Corrupt(at, absl::StrCat("header: num_cpus ", h.num_cpus(), " exceeds ", tf::kMaxCpus));
  }
  std::vector<bool> seen(tf::kMaxNodes, false);
  for (int i = 0; i < h.nodes_size(); ++i) {
    const trace::NodeRange& n = h.nodes(i);
    if (n.node_id() >= tf::kMaxNodes) {
      return Corrupt(at, absl::StrCat("header: node ", i, " has id ", n.node_id(),
                                      " (ids are below ", tf::kMaxNodes, ")"));
    }
    if (seen[n.node_id()]) {
      return Corrupt(at, absl::StrCat("header: node id ", n.node_id(), " appears twice"));
    }
    seen[n.node_id()] = true;
    if (n.start_pfn() > n.end_pfn() || n.end_pfn() > tf::kPfnLimit) {
      return Corrupt(
          at, absl::StrCat("header: node ", n.node_id(), " has pfn range [", n.start_pfn(), ", ",
                           n.end_pfn(), ") (expected start <= end <= 2^52)"));
    }
  }
  if (h.has_extent()) {
    const trace::TraceExtent& x = h.extent();
    if (x.start_pfn() > x.end_pfn() || x.end_pfn() > tf::kPfnLimit ||
        x.event_cpus() > tf::kMaxCpus) {
      return Corrupt(
          at, absl::StrCat("header: extent [", x.start_pfn(), ", ", x.end_pfn(), ") with ",
                           x.event_cpus(),
                           " CPUs (expected start <= end <= 2^52, CPUs <= ", tf::kMaxCpus, ")"));
    }
  }
  cpu_limit_ = h.num_cpus() != 0 ? h.num_cpus() : tf::kMaxCpus;
  return absl::OkStatus();
}

absl::Status TraceReader::BadValue(const char* what, int index, const std::string& detail) const {
  return Corrupt(chunk_offset_, absl::StrCat(what, " ", index, " of the chunk: ", detail));
}

absl::Status TraceReader::ReadChunk() {
  chunk_offset_ = offset_;
  if (offset_ == file_size_) {
    return Corrupt(offset_, "file ends without an END chunk (truncated)");
  }
  if (offset_ + tf::kChunkHeaderBytes > file_size_) {
    return Corrupt(offset_, absl::StrCat("truncated chunk header: file ends at byte ", file_size_));
  }
  std::string h;
  if (!ReadAt(fd_, offset_, tf::kChunkHeaderBytes, &h).ok()) {
    return Corrupt(offset_, "cannot read chunk header");
  }
  if (std::memcmp(h.data(), tf::kChunkMagic, 4) != 0) {
    return Corrupt(offset_, "bad chunk magic (expected \"CHNK\")");
  }
  uint8_t type = static_cast<uint8_t>(h[4]);
  uint8_t compression = static_cast<uint8_t>(h[5]);
  uint32_t stored_len = GetU32(h.data() + 8);
  uint32_t raw_len = GetU32(h.data() + 12);
  uint32_t records = GetU32(h.data() + 16);
  uint32_t crc = GetU32(h.data() + 20);
  if (type < static_cast<uint8_t>(tf::ChunkType::kSnapshot) ||
      type > static_cast<uint8_t>(tf::ChunkType::kEnd)) {
    return Corrupt(offset_, absl::StrCat("unknown chunk type ", type));
  }
  if (compression > static_cast<uint8_t>(tf::Compression::kZstd)) {
    return Corrupt(offset_, absl::StrCat("unknown compression ", compression));
  }
  if (stored_len > tf::kMaxChunkBytes || raw_len > tf::kMaxChunkBytes) {
    return Corrupt(offset_, absl::StrCat("implausible chunk length ", stored_len, "/", raw_len));
  }
  uint64_t payload_at = offset_ + tf::kChunkHeaderBytes;
  if (payload_at + stored_len > file_size_) {
    return Corrupt(offset_, absl::StrCat("truncated chunk: needs ", stored_len,
                                         " payload bytes, file ends at byte ", file_size_));
  }
  if (!ReadAt(fd_, payload_at, stored_len, &stored_).ok()) {
    return Corrupt(offset_, "cannot read chunk payload");
  }
  uint32_t got_crc = Crc32(Crc32(0, h.data(), 20), stored_.data(), stored_.size());
  if (got_crc != crc) return Corrupt(offset_, "chunk checksum mismatch");
  if (compression == static_cast<uint8_t>(tf::Compression::kZstd)) {
    // The writer's frames declare their content size: compare it with raw_len before
    // allocating, so that a few corrupt bytes cannot make the reader zero 256 MiB first.
    const unsigned long long declared = ZSTD_getFrameContentSize(stored_.data(), stored_.size());
    if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != raw_len) {
      return Corrupt(offset_, absl::StrCat("chunk does not decompress to ", raw_len, " bytes: ",
                                           declared == ZSTD_CONTENTSIZE_ERROR
                                               ? std::string("not a zstd frame")
                                               : absl::StrCat("its zstd frame holds ", declared)));
    }
    raw_.resize(raw_len);
    size_t n =
        ZSTD_decompressDCtx(ThreadDCtx(), raw_.data(), raw_.size(), stored_.data(), stored_.size());
    if (ZSTD_isError(n) || n != raw_len) {
      return Corrupt(
          offset_,
          absl::StrCat("chunk does not decompress to ", raw_len, " bytes",
                       ZSTD_isError(n) ? absl::StrCat(": ", ZSTD_getErrorName(n)) : std::string()));
    }
  } else {
    if (raw_len != stored_len) return Corrupt(offset_, "uncompressed chunk with raw != stored");
    raw_.swap(stored_);
  }
  offset_ = payload_at + stored_len;
  chunk_type_ = type;
  chunk_records_ = records;
  have_chunk_ = true;
  ++chunks_read_;
  return absl::OkStatus();
}

absl::StatusOr<bool> TraceReader::NextSnapshotRuns(std::vector<SnapshotRun>* runs) {
  runs->clear();
  if (at_end_ || seen_events_) return false;
  if (!have_chunk_) RETURN_IF_ERROR(ReadChunk());
  if (chunk_type_ != static_cast<uint8_t>(tf::ChunkType::kSnapshot)) return false;
  have_chunk_ = false;
  RETURN_IF_ERROR(DecodeSnapshot(runs));
  return true;
}

absl::StatusOr<bool> TraceReader::NextEvents(std::vector<Event>* events) {
  while (!at_end_) {
    if (!have_chunk_) RETURN_IF_ERROR(ReadChunk());
    have_chunk_ = false;
    switch (static_cast<tf::ChunkType>(chunk_type_)) {
      case tf::ChunkType::kSnapshot:
        if (seen_events_) return Corrupt(chunk_offset_, "snapshot chunk after event chunks");
        runs_read_ += chunk_records_;  // skipped unread
        continue;
      case tf::ChunkType::kEvents:
        seen_events_ = true;
        RETURN_IF_ERROR(DecodeEvents(events));
        return true;
      case tf::ChunkType::kEnd: {
        if (!footer_.ParseFromString(raw_)) {
          return Corrupt(chunk_offset_, "END chunk does not parse as TraceFooter");
        }
        if (footer_.num_events() != events_read_ || footer_.num_snapshot_runs() != runs_read_ ||
            footer_.num_chunks() + 1 != chunks_read_) {
          return Corrupt(chunk_offset_,
                         absl::StrCat("footer totals (", footer_.num_events(), " events, ",
                                      footer_.num_snapshot_runs(), " runs, ", footer_.num_chunks(),
                                      " chunks) do not match what was read (", events_read_, ", ",
                                      runs_read_, ", ", chunks_read_ - 1, ")"));
        }
        if (offset_ != file_size_) {
          return Corrupt(
              offset_, absl::StrCat(file_size_ - offset_, " unexpected bytes after the END chunk"));
        }
        at_end_ = true;
        events->clear();
        return false;
      }
    }
  }
  return false;
}

absl::Status TraceReader::DecodeSnapshot(std::vector<SnapshotRun>* runs) {
  auto& m = snapshot_msg_;
  if (!m.ParseFromString(raw_)) {
    return Corrupt(chunk_offset_, "snapshot chunk does not parse as SnapshotChunk");
  }
  const int n = m.start_pfn_delta_size();
  if (static_cast<uint32_t>(n) != chunk_records_ || m.count_size() != n || m.owner_size() != n ||
      m.order_size() != n || m.flags_size() != n) {
    return Corrupt(chunk_offset_, "snapshot chunk columns disagree with its record count");
  }
  runs->resize(n);
  uint64_t start = 0;
  for (int i = 0; i < n; ++i) {
    SnapshotRun& r = (*runs)[i];
    start += static_cast<uint64_t>(m.start_pfn_delta(i));
    r.start_pfn = start;
    r.count = m.count(i);
    if (!trace::OwnerType_IsValid(m.owner(i))) {
      return BadValue("snapshot run", i, absl::StrCat("unknown owner type ", m.owner(i)));
    }
    r.owner = static_cast<OwnerType>(m.owner(i));
    r.order = m.order(i);
    r.flags = m.flags(i);
    if (r.order > tf::kMaxOrder) {
      return BadValue("snapshot run", i,
                      absl::StrCat("order ", r.order, " exceeds ", tf::kMaxOrder));
    }
    const uint64_t block = uint64_t{1} << r.order;
    if (r.start_pfn >= tf::kPfnLimit || r.count == 0 || r.count > tf::kPfnLimit - r.start_pfn) {
      return BadValue("snapshot run", i,
                      absl::StrCat("pfn range ", r.start_pfn, " + ", r.count,
                                   " pages is empty or reaches past 2^52"));
    }
    if ((r.start_pfn & (block - 1)) != 0 || (r.count & (block - 1)) != 0) {
      return BadValue("snapshot run", i,
                      absl::StrCat("pfn ", r.start_pfn, " + ", r.count,
                                   " pages is not made of aligned order-", r.order, " blocks"));
    }
    if (r.start_pfn < snapshot_end_) {
      return BadValue("snapshot run", i,
                      absl::StrCat("starts at pfn ", r.start_pfn,
                                   ", before the previous run ends (", snapshot_end_, ")"));
    }
    snapshot_end_ = r.start_pfn + r.count;
  }
  runs_read_ += n;
  if (header_.has_extent()) {
    for (const SnapshotRun& r : *runs) seen_.SeeRun(r);
    RETURN_IF_ERROR(CheckExtent());
  }
  return absl::OkStatus();
}

absl::Status TraceReader::CheckExtent() const {
  if (seen_.Within(header_.extent())) return absl::OkStatus();
  const trace::TraceExtent& x = header_.extent();
  return Corrupt(chunk_offset_,
                 absl::StrCat("chunk names pfns [", seen_.start_pfn(), ", ", seen_.end_pfn(),
                              ") or ", seen_.event_cpus(), " CPUs, outside the header's extent [",
                              x.start_pfn(), ", ", x.end_pfn(), ") and ", x.event_cpus(), " CPUs"));
}

absl::Status TraceReader::CheckBlock(int index, const char* what, uint64_t pfn,
                                     uint32_t order) const {
  if (order > tf::kMaxOrder) {
    return BadValue("event", index, absl::StrCat("order ", order, " exceeds ", tf::kMaxOrder));
  }
  if (pfn >= tf::kPfnLimit || (uint64_t{1} << order) > tf::kPfnLimit - pfn) {
    return BadValue("event", index,
                    absl::StrCat(what, " ", pfn, " + 2^", order, " pages reaches past 2^52"));
  }
  return absl::OkStatus();
}

absl::Status TraceReader::DecodeEvents(std::vector<Event>* events) {
  auto& m = events_msg_;
  if (!m.ParseFromString(raw_)) {
    return Corrupt(chunk_offset_, "event chunk does not parse as EventChunk");
  }
  const int n = m.kind_size();
  if (static_cast<uint32_t>(n) != chunk_records_ || m.time_delta_ns_size() != n ||
      m.cpu_size() != n) {
    return Corrupt(chunk_offset_, "event chunk columns disagree with its record count");
  }
  int count[kNumEventKinds] = {};
  for (int i = 0; i < n; ++i) {
    int k = m.kind(i);
    if (k <= trace::EVENT_UNSPECIFIED || k > trace::EVENT_COMPACTION) {
      return Corrupt(chunk_offset_, absl::StrCat("event ", i, " has unknown kind ", k));
    }
    ++count[k];
  }
  const auto& a = m.alloc();
  const auto& f = m.free();
  const auto& fa = m.fault();
  const auto& mi = m.migrate();
  const auto& mb = m.migrate_batch();
  const auto& cs = m.compaction_scan();
  const auto& co = m.compaction();
  auto same = [](int want, std::initializer_list<int> sizes) {
    for (int s : sizes) {
      if (s != want) return false;
    }
    return true;
  };
  if (!same(count[trace::EVENT_ALLOC], {a.pfn_delta_size(), a.order_size(), a.migratetype_size(),
                                        a.gfp_flags_size(), a.owner_size()}) ||
      !same(count[trace::EVENT_FREE], {f.pfn_delta_size(), f.order_size(), f.batched_size()}) ||
      !same(count[trace::EVENT_FAULT],
            {fa.address_size(), fa.ip_size(), fa.error_code_size(), fa.pfn_delta_size()}) ||
      !same(count[trace::EVENT_MIGRATE], {mi.src_pfn_delta_size(), mi.dst_pfn_delta_size(),
                                          mi.order_size(), mi.reason_size()}) ||
      !same(count[trace::EVENT_MIGRATE_BATCH],
            {mb.nr_succeeded_size(), mb.nr_failed_size(), mb.nr_thp_succeeded_size(),
             mb.nr_thp_failed_size(), mb.nr_thp_split_size(), mb.mode_size(), mb.reason_size()}) ||
      !same(count[trace::EVENT_COMPACTION_SCAN],
            {cs.scanner_size(), cs.start_pfn_delta_size(), cs.length_size(), cs.nr_scanned_size(),
             cs.nr_taken_size()}) ||
      !same(count[trace::EVENT_COMPACTION],
            {co.end_size(), co.zone_start_size(), co.zone_end_size(), co.migrate_pfn_size(),
             co.free_pfn_size(), co.sync_size(), co.status_size()})) {
    return Corrupt(chunk_offset_, "event chunk: a per-kind column has the wrong length");
  }

  // Raw column pointers: RepeatedField::Get() is not inlined from the shared library.
  const int* kind = m.kind().data();
  const int64_t* dt = m.time_delta_ns().data();
  const uint32_t* cpu = m.cpu().data();
  const int64_t* a_pfn = a.pfn_delta().data();
  const uint32_t* a_order = a.order().data();
  const int32_t* a_mt = a.migratetype().data();
  const uint64_t* a_gfp = a.gfp_flags().data();
  const int* a_owner = a.owner().data();
  const int64_t* f_pfn = f.pfn_delta().data();
  const uint32_t* f_order = f.order().data();
  const bool* f_batched = f.batched().data();
  const uint64_t* fa_addr = fa.address().data();
  const uint64_t* fa_ip = fa.ip().data();
  const uint32_t* fa_err = fa.error_code().data();
  const int64_t* fa_pfn = fa.pfn_delta().data();

  events->resize(n);  // reuses the previous chunk's storage
  Event* out = events->data();
  int idx[kNumEventKinds] = {};
  uint64_t pfn[kNumEventKinds] = {};
  uint64_t pfn2[kNumEventKinds] = {};
  uint64_t t = m.base_time_ns();
  if (t > tf::kMaxTimeNs) {
    return Corrupt(chunk_offset_, absl::StrCat("event chunk: base time ", t, " ns exceeds 2^63"));
  }
  // Copying a ready-made default is vector moves; `e = Event{}` becomes a slow `rep stos`.
  static const Event kDefault{};
  for (int i = 0; i < n; ++i) {
    Event& e = out[i];
    e = kDefault;
    const int k = kind[i];
    e.kind = static_cast<EventKind>(k);
    // t <= kMaxTimeNs < 2^63, so t + dt cannot wrap in u64 for any int64 dt.
    t += static_cast<uint64_t>(dt[i]);
    if (t > tf::kMaxTimeNs) {
      return BadValue(
          "event", i,
          absl::StrCat("time delta ", dt[i], " ns takes the time below 0 or past 2^63"));
    }
    e.time_ns = t;
    e.cpu = cpu[i];
    if (e.cpu >= cpu_limit_) {
      return BadValue("event", i,
                      absl::StrCat("cpu ", e.cpu, " is not below ", cpu_limit_,
                                   header_.num_cpus() != 0 ? " (the header's num_cpus)" : ""));
    }
    const int j = idx[k]++;
    switch (k) {
      case trace::EVENT_ALLOC:
        e.pfn = pfn[k] += static_cast<uint64_t>(a_pfn[j]);
        e.order = a_order[j];
        e.migratetype = a_mt[j];
        e.gfp_flags = a_gfp[j];
        if (!trace::OwnerType_IsValid(a_owner[j])) {
          return BadValue("event", i, absl::StrCat("unknown owner type ", a_owner[j]));
        }
        e.owner = static_cast<OwnerType>(a_owner[j]);
        RETURN_IF_ERROR(CheckBlock(i, "pfn", e.pfn, e.order));
        break;
      case trace::EVENT_FREE:
        e.pfn = pfn[k] += static_cast<uint64_t>(f_pfn[j]);
        e.order = f_order[j];
        e.batched = f_batched[j];
        RETURN_IF_ERROR(CheckBlock(i, "pfn", e.pfn, e.order));
        break;
      case trace::EVENT_FAULT:
        e.address = fa_addr[j];
        e.ip = fa_ip[j];
        e.error_code = fa_err[j];
        pfn[k] += static_cast<uint64_t>(fa_pfn[j]);
        e.pfn = pfn[k] - 1;
        if (e.pfn != kNoPfn && e.pfn >= tf::kPfnLimit) {
          return BadValue("event", i, absl::StrCat("fault pfn ", e.pfn, " is not below 2^52"));
        }
        break;
      case trace::EVENT_MIGRATE:
        e.pfn = pfn[k] += static_cast<uint64_t>(mi.src_pfn_delta(j));
        e.end_pfn = pfn2[k] += static_cast<uint64_t>(mi.dst_pfn_delta(j));
        e.order = mi.order(j);
        if (!trace::MigrateReason_IsValid(mi.reason(j))) {
          return BadValue("event", i, absl::StrCat("unknown migrate reason ", mi.reason(j)));
        }
        e.reason = static_cast<MigrateReason>(mi.reason(j));
        RETURN_IF_ERROR(CheckBlock(i, "source pfn", e.pfn, e.order));
        RETURN_IF_ERROR(CheckBlock(i, "destination pfn", e.end_pfn, e.order));
        break;
      case trace::EVENT_MIGRATE_BATCH:
        e.nr_succeeded = mb.nr_succeeded(j);
        e.nr_failed = mb.nr_failed(j);
        e.nr_thp_succeeded = mb.nr_thp_succeeded(j);
        e.nr_thp_failed = mb.nr_thp_failed(j);
        e.nr_thp_split = mb.nr_thp_split(j);
        e.mode = mb.mode(j);
        if (!trace::MigrateReason_IsValid(mb.reason(j))) {
          return BadValue("event", i, absl::StrCat("unknown migrate reason ", mb.reason(j)));
        }
        e.reason = static_cast<MigrateReason>(mb.reason(j));
        break;
      case trace::EVENT_COMPACTION_SCAN:
        if (!trace::ScannerKind_IsValid(cs.scanner(j))) {
          return BadValue("event", i, absl::StrCat("unknown scanner ", cs.scanner(j)));
        }
        e.scanner = static_cast<ScannerKind>(cs.scanner(j));
        e.pfn = pfn[k] += static_cast<uint64_t>(cs.start_pfn_delta(j));
        if (e.pfn >= tf::kPfnLimit || cs.length(j) > tf::kPfnLimit - e.pfn) {
          return BadValue("event", i,
                          absl::StrCat("scanned range ", e.pfn, " + ", cs.length(j),
                                       " pages reaches past 2^52"));
        }
        e.end_pfn = e.pfn + cs.length(j);
        e.nr_scanned = cs.nr_scanned(j);
        e.nr_taken = cs.nr_taken(j);
        break;
      case trace::EVENT_COMPACTION:
        e.compaction_end = co.end(j);
        e.zone_start = co.zone_start(j);
        e.zone_end = co.zone_end(j);
        e.migrate_pfn = co.migrate_pfn(j);
        e.free_pfn = co.free_pfn(j);
        e.sync = co.sync(j);
        e.status = co.status(j);
        if (e.zone_start > e.zone_end || e.zone_end > tf::kPfnLimit ||
            e.migrate_pfn > tf::kPfnLimit || e.free_pfn > tf::kPfnLimit) {
          return BadValue("event", i,
                          absl::StrCat("compaction zone [", e.zone_start, ", ", e.zone_end,
                                       ") or scanner pfns (", e.migrate_pfn, ", ", e.free_pfn,
                                       ") out of order or past 2^52"));
        }
        break;
    }
  }
  events_read_ += n;
  if (header_.has_extent()) {
    for (const Event& e : *events) seen_.SeeEvent(e);
    RETURN_IF_ERROR(CheckExtent());
  }
  return absl::OkStatus();
}

}  // namespace memsim
