#include "sim/trace/trace_writer.h"

#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "sim/trace/trace_format.h"
#include "sim/util/input_file.h"
#include "sim/util/output_file.h"
#include "sim/util/status_macros.h"

namespace memsim {

namespace tf = trace_format;

namespace {

// One compression context per thread, shared by its writers: a context holds hundreds of KiB
// of tables, too much to make and free for every small trace. ZSTD_compressCCtx resets it
// on every call and compresses at the given level whatever came before, so sharing changes
// no output byte.
ZSTD_CCtx* ThreadCCtx() {
  thread_local std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> cctx(ZSTD_createCCtx(),
                                                                       ZSTD_freeCCtx);
  return cctx.get();
}

void PutU32(std::string* s, uint32_t v) {
  char b[4] = {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
               static_cast<char>(v >> 24)};
  s->append(b, 4);
}

uint32_t Crc32(uint32_t crc, std::string_view bytes) {
  return static_cast<uint32_t>(
      crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

// Serialises with map entries in key order, so that the same trace is the same bytes in
// every process (plain SerializeToString orders maps by a per-process hash seed).
void SerializeDeterministic(const google::protobuf::MessageLite& m, std::string* out) {
  out->clear();
  google::protobuf::io::StringOutputStream stream(out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  m.SerializeToCodedStream(&coded);
}

// protobuf `string` fields must hold UTF-8, or the reader's parse fails. Every byte that is
// not part of a valid sequence becomes the four characters "\xHH" (docs/trace-format.md).
std::string ValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const size_t n = Utf8SequenceLength(s, i);  // input_file.h
    if (n == 0) {
      constexpr char kHex[] = "0123456789ABCDEF";
      const auto c = static_cast<unsigned char>(s[i]);
      out += {'\\', 'x', kHex[c >> 4], kHex[c & 15]};
      ++i;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
  }
  return out;
}

void SanitizeStrings(trace::TraceHeader* h) {
  for (std::string* f :
       {h->mutable_source(), h->mutable_kernel_version(), h->mutable_hostname(), h->mutable_clock(),
        h->mutable_produced_by(), h->mutable_memsim_version()}) {
    *f = ValidUtf8(*f);
  }
  google::protobuf::Map<std::string, std::string> attributes;
  for (const auto& [k, v] : h->attributes()) attributes[ValidUtf8(k)] = ValidUtf8(v);
  h->mutable_attributes()->swap(attributes);
}

int64_t Delta(uint64_t value, uint64_t* last) {
  int64_t d = static_cast<int64_t>(value - *last);
  *last = value;
  return d;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TraceWriter>> TraceWriter::Create(
    const std::string& path, const TraceWriterOptions& options) {
  if (options.events_per_chunk == 0 || options.snapshot_runs_per_chunk == 0) {
    return absl::InvalidArgumentError("TraceWriter: chunk sizes must be positive");
  }
  // The output is opened now, so that a bad path fails before any input is read; the body
  // goes to an anonymous scratch file on the output's filesystem, which vanishes however the
  // process ends.
  ASSIGN_OR_RETURN(std::unique_ptr<OutputFile> out, OutputFile::Create(path));
  ASSIGN_OR_RETURN(std::FILE * body, OpenScratchFile(out->scratch_dir()));
  return std::unique_ptr<TraceWriter>(new TraceWriter(path, std::move(out), body, options));
}

TraceWriter::TraceWriter(std::string path, std::unique_ptr<OutputFile> out, std::FILE* body,
                         const TraceWriterOptions& options)
    : path_(std::move(path)), out_(std::move(out)), body_(body), options_(options) {
  header_.set_page_size_bytes(4096);
}

TraceWriter::~TraceWriter() {
  if (body_ != nullptr) std::fclose(body_);
}

uint64_t TraceWriter::bytes_written() const { return body_bytes_; }

absl::Status TraceWriter::AddSnapshotRun(const SnapshotRun& run) {
  if (finished_) return absl::FailedPreconditionError("TraceWriter: already finished");
  if (num_events_ > 0) {
    return absl::FailedPreconditionError("snapshot runs must come before any event");
  }
  if (run.count == 0) return absl::InvalidArgumentError("snapshot run with zero pages");
  if (num_runs_ > 0 && run.start_pfn < snapshot_end_) {
    return absl::InvalidArgumentError(absl::StrCat(
        "snapshot run at pfn 0x", absl::Hex(run.start_pfn),
        " overlaps or precedes the previous run (ends at 0x", absl::Hex(snapshot_end_), ")"));
  }
  snapshot_end_ = run.start_pfn + run.count;
  extent_.SeeRun(run);
  snapshot_.add_start_pfn_delta(Delta(run.start_pfn, &last_run_start_));
  snapshot_.add_count(run.count);
  snapshot_.add_owner(run.owner);
  snapshot_.add_order(run.order);
  snapshot_.add_flags(run.flags);
  ++num_runs_;
  if (++pending_runs_ >= options_.snapshot_runs_per_chunk) return FlushSnapshot();
  return absl::OkStatus();
}

absl::Status TraceWriter::Add(const Event& e) {
  if (finished_) return absl::FailedPreconditionError("TraceWriter: already finished");
  if (num_events_ == 0 && pending_runs_ > 0) RETURN_IF_ERROR(FlushSnapshot());
  if (e.kind <= trace::EVENT_UNSPECIFIED || e.kind > trace::EVENT_COMPACTION) {
    return absl::InvalidArgumentError(absl::StrCat("event of invalid kind ", e.kind));
  }
  if (e.kind == trace::EVENT_COMPACTION_SCAN && e.end_pfn < e.pfn) {
    return absl::InvalidArgumentError(absl::StrCat("compaction scan range ends (0x",
                                                   absl::Hex(e.end_pfn), ") before it starts (0x",
                                                   absl::Hex(e.pfn), ")"));
  }
  extent_.SeeEvent(e);
  if (pending_events_ == 0) {
    events_.set_base_time_ns(e.time_ns);
    last_time_ns_ = e.time_ns;
    std::memset(last_pfn_, 0, sizeof last_pfn_);
    std::memset(last_pfn2_, 0, sizeof last_pfn2_);
  }
  events_.add_kind(e.kind);
  events_.add_time_delta_ns(Delta(e.time_ns, &last_time_ns_));
  events_.add_cpu(e.cpu);
  uint64_t* lp = &last_pfn_[e.kind];
  uint64_t* lp2 = &last_pfn2_[e.kind];
  switch (e.kind) {
    case trace::EVENT_ALLOC: {
      auto* c = events_.mutable_alloc();
      c->add_pfn_delta(Delta(e.pfn, lp));
      c->add_order(e.order);
      c->add_migratetype(e.migratetype);
      c->add_gfp_flags(e.gfp_flags);
      c->add_owner(e.owner);
      break;
    }
    case trace::EVENT_FREE: {
      auto* c = events_.mutable_free();
      c->add_pfn_delta(Delta(e.pfn, lp));
      c->add_order(e.order);
      c->add_batched(e.batched);
      break;
    }
    case trace::EVENT_FAULT: {
      auto* c = events_.mutable_fault();
      c->add_address(e.address);
      c->add_ip(e.ip);
      c->add_error_code(e.error_code);
      c->add_pfn_delta(Delta(e.pfn + 1, lp));  // kNoPfn + 1 == 0: "unknown"
      break;
    }
    case trace::EVENT_MIGRATE: {
      auto* c = events_.mutable_migrate();
      c->add_src_pfn_delta(Delta(e.pfn, lp));
      c->add_dst_pfn_delta(Delta(e.end_pfn, lp2));
      c->add_order(e.order);
      c->add_reason(e.reason);
      break;
    }
    case trace::EVENT_MIGRATE_BATCH: {
      auto* c = events_.mutable_migrate_batch();
      c->add_nr_succeeded(e.nr_succeeded);
      c->add_nr_failed(e.nr_failed);
      c->add_nr_thp_succeeded(e.nr_thp_succeeded);
      c->add_nr_thp_failed(e.nr_thp_failed);
      c->add_nr_thp_split(e.nr_thp_split);
      c->add_mode(e.mode);
      c->add_reason(e.reason);
      break;
    }
    case trace::EVENT_COMPACTION_SCAN: {
      auto* c = events_.mutable_compaction_scan();
      c->add_scanner(e.scanner);
      c->add_start_pfn_delta(Delta(e.pfn, lp));
      c->add_length(e.end_pfn - e.pfn);
      c->add_nr_scanned(e.nr_scanned);
      c->add_nr_taken(e.nr_taken);
      break;
    }
    case trace::EVENT_COMPACTION: {
      auto* c = events_.mutable_compaction();
      c->add_end(e.compaction_end);
      c->add_zone_start(e.zone_start);
      c->add_zone_end(e.zone_end);
      c->add_migrate_pfn(e.migrate_pfn);
      c->add_free_pfn(e.free_pfn);
      c->add_sync(e.sync);
      c->add_status(e.status);
      break;
    }
    default:
      break;
  }
  ++num_events_;
  ++events_by_kind_[e.kind];
  if (++pending_events_ >= options_.events_per_chunk) return FlushEvents();
  return absl::OkStatus();
}

absl::Status TraceWriter::FlushEvents() {
  if (pending_events_ == 0) return absl::OkStatus();
  scratch_raw_.clear();
  events_.SerializeToString(&scratch_raw_);
  RETURN_IF_ERROR(WriteChunk(static_cast<uint8_t>(tf::ChunkType::kEvents), scratch_raw_,
                             pending_events_, true));
  events_.Clear();
  pending_events_ = 0;
  return absl::OkStatus();
}

absl::Status TraceWriter::FlushSnapshot() {
  if (pending_runs_ == 0) return absl::OkStatus();
  scratch_raw_.clear();
  snapshot_.SerializeToString(&scratch_raw_);
  RETURN_IF_ERROR(WriteChunk(static_cast<uint8_t>(tf::ChunkType::kSnapshot), scratch_raw_,
                             pending_runs_, true));
  snapshot_.Clear();
  pending_runs_ = 0;
  last_run_start_ = 0;
  return absl::OkStatus();
}

absl::Status TraceWriter::WriteChunk(uint8_t type, const std::string& raw, uint32_t record_count,
                                     bool compress) {
  if (raw.size() > tf::kMaxChunkBytes) {
    return absl::InvalidArgumentError("chunk too large: lower events_per_chunk");
  }
  const std::string* stored = &raw;
  uint8_t compression = static_cast<uint8_t>(tf::Compression::kNone);
  if (compress) {
    scratch_out_.resize(ZSTD_compressBound(raw.size()));
    size_t n = ZSTD_compressCCtx(ThreadCCtx(), scratch_out_.data(), scratch_out_.size(), raw.data(),
                                 raw.size(), options_.zstd_level);
    if (ZSTD_isError(n)) {
      return absl::InternalError(absl::StrCat("zstd: ", ZSTD_getErrorName(n)));
    }
    scratch_out_.resize(n);
    stored = &scratch_out_;
    compression = static_cast<uint8_t>(tf::Compression::kZstd);
  }
  std::string header(tf::kChunkMagic, 4);
  header.push_back(static_cast<char>(type));
  header.push_back(static_cast<char>(compression));
  header.append(2, '\0');
  PutU32(&header, static_cast<uint32_t>(stored->size()));
  PutU32(&header, static_cast<uint32_t>(raw.size()));
  PutU32(&header, record_count);
  uint32_t crc = Crc32(Crc32(0, header), *stored);
  PutU32(&header, crc);
  if (std::fwrite(header.data(), 1, header.size(), body_) != header.size() ||
      std::fwrite(stored->data(), 1, stored->size(), body_) != stored->size()) {
    return absl::DataLossError(absl::StrCat("cannot write the scratch file for ", path_, " in ",
                                            out_->scratch_dir(), ": ", std::strerror(errno)));
  }
  body_bytes_ += header.size() + stored->size();
  ++num_chunks_;
  return absl::OkStatus();
}

absl::Status TraceWriter::Finish() {
  if (finished_) return absl::FailedPreconditionError("TraceWriter: already finished");
  RETURN_IF_ERROR(FlushSnapshot());
  RETURN_IF_ERROR(FlushEvents());
  trace::TraceFooter footer;
  footer.set_num_events(num_events_);
  footer.set_num_snapshot_runs(num_runs_);
  footer.set_num_chunks(num_chunks_);
  for (int k = 0; k < kNumEventKinds; ++k) {
    if (events_by_kind_[k] > 0) {
      (*footer.mutable_events_by_kind())[EventKindKey(static_cast<EventKind>(k))] =
          events_by_kind_[k];
    }
  }
  for (const auto& [k, v] : import_stats_) (*footer.mutable_import_stats())[ValidUtf8(k)] += v;
  std::string raw;
  SerializeDeterministic(footer, &raw);
  RETURN_IF_ERROR(WriteChunk(static_cast<uint8_t>(tf::ChunkType::kEnd), raw, 0, false));
  finished_ = true;

  // File header, then the body copied behind it.
  std::string head(tf::kMagic, 8);
  PutU32(&head, tf::kFormatVersion);
  std::string header_bytes;
  // Values past the format's limits (trace_format.h) leave the extent out: the reader then
  // reports them where they are, at their chunk and index.
  const trace::TraceExtent extent = extent_.ToProto();
  if (extent.end_pfn() <= tf::kPfnLimit && extent.event_cpus() <= tf::kMaxCpus) {
    *header_.mutable_extent() = extent;
  } else {
    header_.clear_extent();
  }
  SanitizeStrings(&header_);
  SerializeDeterministic(header_, &header_bytes);
  if (header_bytes.size() > tf::kMaxHeaderBytes) {
    return absl::InvalidArgumentError("trace header too large");
  }
  PutU32(&head, static_cast<uint32_t>(header_bytes.size()));
  head += header_bytes;
  PutU32(&head, Crc32(0, head));

  RETURN_IF_ERROR(out_->Append(head));
  if (std::fflush(body_) != 0 || std::fseek(body_, 0, SEEK_SET) != 0) {
    return absl::DataLossError(
        absl::StrCat("cannot reread the scratch file for ", path_, ": ", std::strerror(errno)));
  }
  // At most 1 MiB at a time; no more than the body (a small trace's Finish stays cheap).
  std::string buf(std::clamp<uint64_t>(body_bytes_, 1, uint64_t{1} << 20), '\0');
  for (;;) {
    size_t n = std::fread(buf.data(), 1, buf.size(), body_);
    if (n == 0) break;
    RETURN_IF_ERROR(out_->Append(std::string_view(buf.data(), n)));
  }
  if (std::ferror(body_)) {
    return absl::DataLossError(
        absl::StrCat("cannot reread the scratch file for ", path_, ": ", std::strerror(errno)));
  }
  std::fclose(body_);
  body_ = nullptr;
  return out_->Commit();
}

}  // namespace memsim
