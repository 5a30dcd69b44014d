#include "sim/trace/import/perfetto_importer.h"

#include <algorithm>
#include <array>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/unknown_field_set.h"
#include "proto/perfetto_trace.pb.h"
#include "sim/trace/import/event_assembler.h"
#include "sim/trace/import/import_stats_util.h"
#include "sim/trace/import/kernel_values.h"
#include "sim/trace/import/perfetto_packet_reader.h"
#include "sim/trace/import/trace_record.h"
#include "sim/trace/trace_format.h"
#include "sim/util/input_file.h"
#include "sim/util/status_macros.h"

namespace memsim {

namespace {

namespace pf = ::memsim::perfetto;
using F = TraceField;

constexpr uint64_t kProgressEveryRecords = uint64_t{1} << 20;
// FtraceEvent field numbers reserved for self-describing events (ftrace_event.proto).
constexpr int kFirstSelfDescribingField = 65536;
constexpr int kLastSelfDescribingField = 131072;

// One ftrace event, decoded but not yet assembled: kept until the merge by timestamp
// releases it. Symbolic fields hold the kernel's numbers; they are rendered to names when the
// record is released.
struct PendingEvent {
  uint64_t time_ns;
  uint32_t cpu;
  int32_t pid;
  uint64_t seq;  // arrival order: ties keep each CPU's order
  Tracepoint tracepoint;
  uint8_t num_fields = 0;
  std::array<std::pair<TraceField, uint64_t>, 8> fields;

  void Set(TraceField f, uint64_t v) {
    if (num_fields < fields.size()) fields[num_fields++] = {f, v};
  }
};

struct LaterFirst {
  bool operator()(const PendingEvent& a, const PendingEvent& b) const {
    if (a.time_ns != b.time_ns) return a.time_ns > b.time_ns;
    if (a.cpu != b.cpu) return a.cpu > b.cpu;
    return a.seq > b.seq;
  }
};

// A self-describing event type (FtraceEventBundle.generic_event_descriptors).
struct EventSchema {
  std::string name;  // "set_migration_pte"
  Tracepoint tracepoint = Tracepoint::kUnknown;
  // Sub-message field number -> TraceField (absent: a field memsim does not use).
  absl::flat_hash_map<int, TraceField> fields;
  std::string descriptor;  // the serialized DescriptorProto it was made from
};

// The two isolate messages have the same fields (compaction.proto).
template <typename IsolateMessage>
void SetIsolateFields(const IsolateMessage& m, PendingEvent* e) {
  if (m.has_start_pfn()) e->Set(TraceField::kStartPfn, m.start_pfn());
  if (m.has_end_pfn()) e->Set(TraceField::kEndPfn, m.end_pfn());
  if (m.has_nr_scanned()) e->Set(TraceField::kNrScanned, m.nr_scanned());
  if (m.has_nr_taken()) e->Set(TraceField::kNrTaken, m.nr_taken());
}

std::optional<TraceField> FieldFromName(std::string_view name) {
  for (int i = 0; i < static_cast<int>(F::kNumFields); ++i) {
    if (TraceFieldName(static_cast<F>(i)) == name) return static_cast<F>(i);
  }
  return std::nullopt;
}

std::string_view ClockName(pf::FtraceClock clock) {
  switch (clock) {
    case pf::FTRACE_CLOCK_UNSPECIFIED:
      return "boot";
    case pf::FTRACE_CLOCK_GLOBAL:
      return "global";
    case pf::FTRACE_CLOCK_LOCAL:
      return "local";
    case pf::FTRACE_CLOCK_MONO_RAW:
      return "mono_raw";
    default:
      return "unknown";
  }
}

class PerfettoImport {
 public:
  PerfettoImport(const std::string& path, const ImportOptions& options, TraceWriter* writer,
                 ImportStats* stats)
      : path_(path),
        options_(options),
        writer_(writer),
        stats_(stats),
        assembler_(writer, AssemblerOptions{options.max_physmem_bits}) {}

  absl::Status Run() {
    ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(path_));
    PerfettoPacketReader stream(file.get(), path_);
    std::string_view packet;
    uint64_t offset = 0;
    uint64_t packets = 0;
    for (;;) {
      ASSIGN_OR_RETURN(bool more, stream.Next(&packet, &offset));
      if (!more) break;
      ++packets;
      RETURN_IF_ERROR(ProcessPacket(packet, absl::StrCat(path_, ": packet at byte ", offset),
                                    /*nested=*/false));
    }
    if (packets == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(path_, ": empty file: no Perfetto trace packets"));
    }
    if (stats_->input_records == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          path_, ": no ftrace events in ", packets_,
          " packets (was the trace recorded with the linux.ftrace data source and the kmem, "
          "migrate, compaction events?)"));
    }
    RETURN_IF_ERROR(Release(/*all=*/true));
    RETURN_IF_ERROR(assembler_.Finish());
    FillHeader();
    skips_.lost_events += LostFromStats();
    PublishImportStats(assembler_, skips_, writer_, stats_);
    auto set = [&](const std::string& key, uint64_t value) {
      stats_->counters[key] = value;
      writer_->SetImportStat(key, value);
    };
    set("perfetto_packets", packets_);
    set("perfetto_compressed_packets", compressed_packets_);
    set("perfetto_compact_sched_bundles", compact_sched_bundles_);
    set("perfetto_lost_event_bundles", lost_event_bundles_);
    set("perfetto_late_events", late_events_);
    return absl::OkStatus();
  }

 private:
  absl::Status ProcessPacket(std::string_view bytes, const std::string& where, bool nested) {
    ++packets_;
    pf::TracePacket packet;
    if (!packet.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": not a valid TracePacket (", bytes.size(), " bytes)"));
    }
    switch (packet.data_case()) {
      case pf::TracePacket::kFtraceEvents:
        return ProcessBundle(packet.ftrace_events(), where);
      case pf::TracePacket::kFtraceStats:
        ProcessStats(packet.ftrace_stats());
        return absl::OkStatus();
      case pf::TracePacket::kSystemInfo: {
        const pf::SystemInfo& info = packet.system_info();
        if (info.utsname().has_release()) kernel_release_ = info.utsname().release();
        if (info.num_cpus() > trace_format::kMaxCpus) {
          return absl::InvalidArgumentError(absl::StrCat(where, ": system_info: num_cpus ",
                                                         info.num_cpus(), " exceeds ",
                                                         trace_format::kMaxCpus));
        }
        const uint32_t page = info.page_size();
        if (page != 0 && (page > trace_format::kMaxPageSizeBytes || (page & (page - 1)) != 0)) {
          return absl::InvalidArgumentError(absl::StrCat(where, ": system_info: page_size ", page,
                                                         " is not a power of two up to ",
                                                         trace_format::kMaxPageSizeBytes));
        }
        num_cpus_ = std::max(num_cpus_, info.num_cpus());
        if (page != 0) page_size_ = page;
        return absl::OkStatus();
      }
      case pf::TracePacket::kCompressedPackets:
      case pf::TracePacket::kZstdCompressedPackets: {
        const bool zstd = packet.data_case() == pf::TracePacket::kZstdCompressedPackets;
        if (nested) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ": compressed packets inside compressed packets"));
        }
        ++compressed_packets_;
        absl::StatusOr<std::string> plain =
            zstd ? UnzstdPerfettoPackets(packet.zstd_compressed_packets())
                 : InflatePerfettoPackets(packet.compressed_packets());
        if (!plain.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ": ", zstd ? "zstd" : "deflate",
                           "-compressed packets: ", plain.status().message()));
        }
        const std::string inner_where =
            absl::StrCat(where, " (", zstd ? "zstd" : "deflate", "-compressed), decompressed");
        PerfettoPacketReader inner(*plain, inner_where);
        std::string_view inner_packet;
        uint64_t inner_offset = 0;
        for (;;) {
          ASSIGN_OR_RETURN(bool more, inner.Next(&inner_packet, &inner_offset));
          if (!more) break;
          RETURN_IF_ERROR(ProcessPacket(inner_packet,
                                        absl::StrCat(inner_where, " packet at byte ", inner_offset),
                                        /*nested=*/true));
        }
        return absl::OkStatus();
      }
      default:
        return absl::OkStatus();
    }
  }

  void ProcessStats(const pf::FtraceStats& stats) {
    for (const pf::FtraceCpuStats& c : stats.cpu_stats()) {
      const uint64_t lost = c.overrun() + c.dropped_events();
      if (stats.phase() == pf::FtraceStats::START_OF_TRACE) {
        if (!start_lost_.contains(c.cpu())) start_lost_[c.cpu()] = lost;
      } else {
        end_lost_[c.cpu()] = lost;
      }
    }
  }

  // Events the kernel dropped from its ring buffers during the trace: per CPU, the last
  // overrun + dropped_events minus those at the start.
  uint64_t LostFromStats() const {
    uint64_t total = 0;
    for (const auto& [cpu, end] : end_lost_) {
      auto it = start_lost_.find(cpu);
      const uint64_t start = it == start_lost_.end() ? 0 : it->second;
      if (end > start) total += end - start;
    }
    return total;
  }

  absl::Status ProcessBundle(const pf::FtraceEventBundle& bundle, const std::string& where) {
    if (bundle.has_compact_sched()) ++compact_sched_bundles_;
    if (bundle.lost_events()) ++lost_event_bundles_;
    if (bundle.has_ftrace_clock()) {
      clock_ = ClockName(bundle.ftrace_clock());
    } else if (clock_.empty()) {
      clock_ = ClockName(pf::FTRACE_CLOCK_UNSPECIFIED);
    }
    for (const auto& d : bundle.generic_event_descriptors()) {
      RETURN_IF_ERROR(AddSchema(d, where));
    }
    const uint32_t cpu = bundle.cpu();
    for (const pf::FtraceEvent& event : bundle.event()) {
      ++stats_->input_records;
      if (options_.progress && stats_->input_records % kProgressEveryRecords == 0) {
        options_.progress(stats_->input_records);
      }
      PendingEvent e;
      e.time_ns = event.timestamp();
      e.cpu = cpu;
      e.pid = event.has_pid() ? static_cast<int32_t>(event.pid()) : -1;
      e.seq = next_seq_++;
      e.tracepoint = Tracepoint::kUnknown;
      RETURN_IF_ERROR(Decode(event, where, &e));
      if (e.tracepoint == Tracepoint::kUnknown) continue;
      if (released_any_ && e.time_ns < last_released_ns_) ++late_events_;
      max_time_ns_ = std::max(max_time_ns_, e.time_ns);
      pending_.push(e);
    }
    return Release(/*all=*/false);
  }

  absl::Status AddSchema(const pf::FtraceEventBundle::GenericEventDescriptor& d,
                         const std::string& where) {
    // A bundle describes the events it holds; the same id keeps its meaning within a trace,
    // so an unchanged descriptor is not parsed again.
    auto known = schemas_.find(d.field_id());
    if (known != schemas_.end() && known->second.descriptor == d.event_descriptor()) {
      return absl::OkStatus();
    }
    google::protobuf::DescriptorProto desc;
    if (d.field_id() < kFirstSelfDescribingField || d.field_id() > kLastSelfDescribingField ||
        !desc.ParseFromString(d.event_descriptor())) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": malformed generic event descriptor (field id ", d.field_id(), ")"));
    }
    EventSchema schema;
    schema.name = desc.name();
    schema.tracepoint = TracepointFromName(desc.name());
    for (const auto& field : desc.field()) {
      if (std::optional<TraceField> f = FieldFromName(field.name())) {
        schema.fields[field.number()] = *f;
      }
    }
    if (d.has_group_name()) schema.name = absl::StrCat(d.group_name(), ":", desc.name());
    schema.descriptor = d.event_descriptor();
    schemas_[d.field_id()] = std::move(schema);
    return absl::OkStatus();
  }

  // Fills `e` from one FtraceEvent; leaves e->tracepoint kUnknown (and counts) for events
  // memsim does not import.
  absl::Status Decode(const pf::FtraceEvent& event, const std::string& where, PendingEvent* e) {
    switch (event.event_case()) {
      case pf::FtraceEvent::kMmPageAlloc: {
        const auto& m = event.mm_page_alloc();
        e->tracepoint = Tracepoint::kMmPageAlloc;
        if (m.has_pfn()) e->Set(F::kPfn, m.pfn());
        if (m.has_order()) e->Set(F::kOrder, m.order());
        if (m.has_migratetype()) e->Set(F::kMigratetype, static_cast<int64_t>(m.migratetype()));
        if (m.has_gfp_flags()) e->Set(F::kGfpFlags, m.gfp_flags());
        return absl::OkStatus();
      }
      case pf::FtraceEvent::kMmPageFree: {
        const auto& m = event.mm_page_free();
        e->tracepoint = Tracepoint::kMmPageFree;
        if (m.has_pfn()) e->Set(F::kPfn, m.pfn());
        if (m.has_order()) e->Set(F::kOrder, m.order());
        return absl::OkStatus();
      }
      case pf::FtraceEvent::kMmPageFreeBatched: {
        const auto& m = event.mm_page_free_batched();
        e->tracepoint = Tracepoint::kMmPageFreeBatched;
        if (m.has_pfn()) e->Set(F::kPfn, m.pfn());
        return absl::OkStatus();
      }
      case pf::FtraceEvent::kMmCompactionBegin: {
        const auto& m = event.mm_compaction_begin();
        e->tracepoint = Tracepoint::kMmCompactionBegin;
        if (m.has_zone_start()) e->Set(F::kZoneStart, m.zone_start());
        if (m.has_migrate_pfn()) e->Set(F::kMigratePfn, m.migrate_pfn());
        if (m.has_free_pfn()) e->Set(F::kFreePfn, m.free_pfn());
        if (m.has_zone_end()) e->Set(F::kZoneEnd, m.zone_end());
        if (m.has_sync()) e->Set(F::kSync, m.sync());
        return absl::OkStatus();
      }
      case pf::FtraceEvent::kMmCompactionEnd: {
        const auto& m = event.mm_compaction_end();
        e->tracepoint = Tracepoint::kMmCompactionEnd;
        if (m.has_zone_start()) e->Set(F::kZoneStart, m.zone_start());
        if (m.has_migrate_pfn()) e->Set(F::kMigratePfn, m.migrate_pfn());
        if (m.has_free_pfn()) e->Set(F::kFreePfn, m.free_pfn());
        if (m.has_zone_end()) e->Set(F::kZoneEnd, m.zone_end());
        if (m.has_sync()) e->Set(F::kSync, m.sync());
        if (m.has_status()) e->Set(F::kStatus, static_cast<int64_t>(m.status()));
        return absl::OkStatus();
      }
      case pf::FtraceEvent::kMmCompactionIsolateFreepages:
        e->tracepoint = Tracepoint::kIsolateFreepages;
        SetIsolateFields(event.mm_compaction_isolate_freepages(), e);
        return absl::OkStatus();
      case pf::FtraceEvent::kMmCompactionIsolateMigratepages:
        e->tracepoint = Tracepoint::kIsolateMigratepages;
        SetIsolateFields(event.mm_compaction_isolate_migratepages(), e);
        return absl::OkStatus();
      case pf::FtraceEvent::kMmCompactionMigratepages: {
        const auto& m = event.mm_compaction_migratepages();
        e->tracepoint = Tracepoint::kCompactionMigratepages;
        if (m.has_nr_migrated()) e->Set(F::kNrMigrated, m.nr_migrated());
        if (m.has_nr_failed()) e->Set(F::kNrFailed, m.nr_failed());
        return absl::OkStatus();
      }
      case pf::FtraceEvent::kGeneric: {
        const pf::GenericFtraceEvent& g = event.generic();
        e->tracepoint = TracepointFromName(g.event_name());
        if (e->tracepoint == Tracepoint::kUnknown) {
          skips_.CountUnknown(g.event_name());
          return absl::OkStatus();
        }
        for (const auto& field : g.field()) {
          const std::optional<TraceField> f = FieldFromName(field.name());
          if (!f) continue;
          switch (field.value_case()) {
            case pf::GenericFtraceEvent::Field::kIntValue:
              e->Set(*f, static_cast<uint64_t>(field.int_value()));
              break;
            case pf::GenericFtraceEvent::Field::kUintValue:
              e->Set(*f, field.uint_value());
              break;
            default:
              // A string where the tracepoint has a number: left out, so the assembler
              // reports the field as missing.
              break;
          }
        }
        return absl::OkStatus();
      }
      default:
        return DecodeUntyped(event, where, e);
    }
  }

  // Events memsim has no typed message for: self-describing events (Perfetto v53+ default)
  // and typed events of other subsystems (sched_switch, print, ...).
  absl::Status DecodeUntyped(const pf::FtraceEvent& event, const std::string& where,
                             PendingEvent* e) {
    const google::protobuf::UnknownFieldSet& unknown =
        event.GetReflection()->GetUnknownFields(event);
    for (int i = 0; i < unknown.field_count(); ++i) {
      const google::protobuf::UnknownField& u = unknown.field(i);
      if (u.type() != google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) continue;
      const int number = u.number();
      if (number < kFirstSelfDescribingField || number > kLastSelfDescribingField) {
        skips_.CountUnknown(absl::StrCat("perfetto_field_", number));
        return absl::OkStatus();
      }
      auto it = schemas_.find(number);
      if (it == schemas_.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": self-describing ftrace event (field ", number,
                         ") without a generic_event_descriptor in its bundle"));
      }
      const EventSchema& schema = it->second;
      if (schema.tracepoint == Tracepoint::kUnknown) {
        skips_.CountUnknown(schema.name);
        return absl::OkStatus();
      }
      google::protobuf::UnknownFieldSet values;
      if (!values.ParseFromString(u.length_delimited())) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": malformed self-describing ", schema.name, " event"));
      }
      e->tracepoint = schema.tracepoint;
      for (int j = 0; j < values.field_count(); ++j) {
        const google::protobuf::UnknownField& v = values.field(j);
        auto f = schema.fields.find(v.number());
        if (f == schema.fields.end()) continue;
        switch (v.type()) {
          case google::protobuf::UnknownField::TYPE_VARINT:
            e->Set(f->second, v.varint());
            break;
          case google::protobuf::UnknownField::TYPE_FIXED64:
            e->Set(f->second, v.fixed64());
            break;
          case google::protobuf::UnknownField::TYPE_FIXED32:
            e->Set(f->second, v.fixed32());
            break;
          default:
            break;  // a string: left out (see kGeneric)
        }
      }
      return absl::OkStatus();
    }
    skips_.CountUnknown("perfetto_empty_event");
    return absl::OkStatus();
  }

  // Hands the merged events to the assembler: those older than the window (all at the end).
  absl::Status Release(bool all) {
    while (!pending_.empty()) {
      const PendingEvent& top = pending_.top();
      if (!all && top.time_ns + kPerfettoReorderWindowNs >= max_time_ns_) break;
      RETURN_IF_ERROR(Assemble(top));
      released_any_ = true;
      last_released_ns_ = std::max(last_released_ns_, top.time_ns);
      pending_.pop();
    }
    return absl::OkStatus();
  }

  absl::Status Assemble(const PendingEvent& e) {
    record_.Clear();
    record_.tracepoint = e.tracepoint;
    record_.time_ns = e.time_ns;
    record_.cpu = e.cpu;
    record_.pid = e.pid;
    for (int i = 0; i < e.num_fields; ++i) {
      const auto [f, v] = e.fields[i];
      if (!IsSymbolicField(f)) {
        record_.Set(f, v);
        continue;
      }
      std::string& text = symbols_[static_cast<int>(f)];
      text.clear();
      if (f == F::kGfpFlags) {
        AppendGfpFlagNames(v, &text);
      } else if (std::optional<std::string_view> name =
                     KernelSymbolName(f, static_cast<int64_t>(v))) {
        text.assign(*name);
      } else {
        absl::StrAppend(&text, static_cast<int64_t>(v));
      }
      record_.SetSymbol(f, text);
    }
    const absl::Status error = assembler_.Add(record_);
    if (error.ok()) return error;
    if (error.code() != absl::StatusCode::kInvalidArgument) return error;
    if (!options_.lenient) {
      return absl::InvalidArgumentError(
          absl::StrCat(path_, ": event at ", e.time_ns, " ns (cpu ", e.cpu, "): malformed ",
                       AbslView(TracepointName(e.tracepoint)), ": ", error.message(),
                       " (use --lenient to skip malformed events)"));
    }
    ++skips_.malformed;
    return absl::OkStatus();
  }

  void FillHeader() {
    trace::TraceHeader* h = writer_->mutable_header();
    h->set_source("perfetto");
    if (!clock_.empty()) {
      h->set_clock(std::string(clock_));
    } else if (h->clock().empty()) {
      h->set_clock(options_.clock.empty() ? "boot" : options_.clock);
    }
    if (!kernel_release_.empty()) {
      h->set_kernel_version(kernel_release_);
    } else if (!options_.kernel_version.empty()) {
      h->set_kernel_version(options_.kernel_version);
    }
    if (page_size_ != 0) {
      h->set_page_size_bytes(page_size_);
    } else if (h->page_size_bytes() == 0) {
      h->set_page_size_bytes(4096);
    }
    const uint32_t cpus =
        std::max<uint32_t>(num_cpus_, static_cast<uint32_t>(assembler_.max_cpu() + 1));
    if (cpus > h->num_cpus()) h->set_num_cpus(cpus);
  }

  const std::string& path_;
  const ImportOptions& options_;
  TraceWriter* writer_;
  ImportStats* stats_;
  EventAssembler assembler_;
  SkipCounts skips_;
  TraceRecord record_;
  std::array<std::string, static_cast<int>(F::kNumFields)> symbols_;

  std::priority_queue<PendingEvent, std::vector<PendingEvent>, LaterFirst> pending_;
  uint64_t next_seq_ = 0;
  uint64_t max_time_ns_ = 0;
  uint64_t last_released_ns_ = 0;
  bool released_any_ = false;

  absl::flat_hash_map<int32_t, EventSchema> schemas_;
  absl::flat_hash_map<uint64_t, uint64_t> start_lost_, end_lost_;  // by cpu
  std::string_view clock_;
  std::string kernel_release_;
  uint32_t num_cpus_ = 0;
  uint32_t page_size_ = 0;
  uint64_t packets_ = 0;
  uint64_t compressed_packets_ = 0;
  uint64_t compact_sched_bundles_ = 0;
  uint64_t lost_event_bundles_ = 0;
  uint64_t late_events_ = 0;
};

class PerfettoImporter : public Importer {
 public:
  absl::Status Import(const std::string& input, const ImportOptions& options, TraceWriter* writer,
                      ImportStats* stats) override {
    PerfettoImport import(input, options, writer, stats);
    return import.Run();
  }
};

}  // namespace

std::unique_ptr<Importer> NewPerfettoImporter() { return std::make_unique<PerfettoImporter>(); }

}  // namespace memsim
