#include "tests/trace/import/perfetto_trace_builder.h"

#include <zlib.h>
#include <zstd.h>

#include <charconv>
#include <optional>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/unknown_field_set.h"
#include "sim/trace/import/ftrace_line_parser.h"
#include "sim/trace/import/kernel_names.h"
#include "sim/trace/import/kernel_values.h"
#include "sim/trace/import/trace_record.h"

namespace memsim::testing {

namespace pf = ::memsim::perfetto;

namespace {

void AppendVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

std::string Deflate(const std::string& in) {
  uLongf size = compressBound(in.size());
  std::string out(size, '\0');
  compress2(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(in.data()),
            in.size(), 6);
  out.resize(size);
  return out;
}

std::string Zstd(const std::string& in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3));
  return out;
}

}  // namespace

std::string FramePacket(const pf::TracePacket& packet) {
  std::string bytes = packet.SerializeAsString();
  std::string out("\x0a");
  AppendVarint(bytes.size(), &out);
  return out + bytes;
}

pf::FtraceEventBundle& PerfettoTraceBuilder::Bundle(uint32_t cpu) {
  pf::FtraceEventBundle& b = open_[cpu];
  b.set_cpu(cpu);
  return b;
}

pf::FtraceEvent* PerfettoTraceBuilder::AddEvent(uint32_t cpu, uint64_t time_ns, int32_t pid) {
  pf::FtraceEvent* e = Bundle(cpu).add_event();
  e->set_timestamp(time_ns);
  e->set_pid(static_cast<uint32_t>(pid));
  return e;
}

void PerfettoTraceBuilder::AddUntypedEvent(uint32_t cpu, uint64_t time_ns, int32_t pid,
                                           const UntypedFtraceEvent& event) {
  pf::FtraceEventBundle& bundle = Bundle(cpu);
  pf::FtraceEvent* e = AddEvent(cpu, time_ns, pid);
  if (!options_.self_describing) {
    pf::GenericFtraceEvent* g = e->mutable_generic();
    g->set_event_name(event.name);
    for (const auto& f : event.fields) {
      auto* gf = g->add_field();
      gf->set_name(f.name);
      if (f.is_signed) {
        gf->set_int_value(static_cast<int64_t>(f.value));
      } else {
        gf->set_uint_value(f.value);
      }
    }
    return;
  }
  const std::string key = absl::StrCat(event.group, ":", event.name);
  auto it = schemas_.find(key);
  if (it == schemas_.end()) {
    google::protobuf::DescriptorProto desc;
    desc.set_name(event.name);
    for (size_t i = 0; i < event.fields.size(); ++i) {
      auto* f = desc.add_field();
      f->set_name(event.fields[i].name);
      f->set_number(static_cast<int>(i + 1));
      f->set_type(event.fields[i].is_signed ? google::protobuf::FieldDescriptorProto::TYPE_INT64
                                            : google::protobuf::FieldDescriptorProto::TYPE_UINT64);
    }
    const int id = 65536 + static_cast<int>(schemas_.size());
    it = schemas_.emplace(key, std::make_pair(id, desc.SerializeAsString())).first;
  }
  const int id = it->second.first;
  bool described = false;
  for (const auto& d : bundle.generic_event_descriptors()) described |= d.field_id() == id;
  if (!described) {
    auto* d = bundle.add_generic_event_descriptors();
    d->set_field_id(id);
    d->set_group_name(event.group);
    d->set_event_descriptor(it->second.second);
  }
  google::protobuf::UnknownFieldSet values;
  for (size_t i = 0; i < event.fields.size(); ++i) {
    values.AddVarint(static_cast<int>(i + 1), event.fields[i].value);
  }
  std::string bytes;
  values.SerializeToString(&bytes);
  e->GetReflection()->MutableUnknownFields(e)->AddLengthDelimited(id, bytes);
}

void PerfettoTraceBuilder::FlushBundles() {
  for (auto& [cpu, bundle] : open_) {
    if (bundle.event_size() == 0) continue;
    pf::TracePacket packet;
    *packet.mutable_ftrace_events() = std::move(bundle);
    packet.set_trusted_packet_sequence_id(cpu + 1);
    AddPacket(packet);
  }
  open_.clear();
}

void PerfettoTraceBuilder::AddPacket(const pf::TracePacket& packet) {
  if (options_.compression == PerfettoBuildOptions::Compression::kNone) {
    out_ += FramePacket(packet);
    return;
  }
  group_ += FramePacket(packet);
  if (++group_packets_ >= options_.packets_per_compressed) FlushCompressed();
}

void PerfettoTraceBuilder::FlushCompressed() {
  if (group_packets_ == 0) return;
  pf::TracePacket packet;
  if (options_.compression == PerfettoBuildOptions::Compression::kDeflate) {
    packet.set_compressed_packets(Deflate(group_));
  } else {
    packet.set_zstd_compressed_packets(Zstd(group_));
  }
  out_ += FramePacket(packet);
  group_.clear();
  group_packets_ = 0;
}

void PerfettoTraceBuilder::AddStats(pf::FtraceStats::Phase phase,
                                    const std::map<uint32_t, uint64_t>& overrun) {
  pf::TracePacket packet;
  pf::FtraceStats* stats = packet.mutable_ftrace_stats();
  stats->set_phase(phase);
  for (const auto& [cpu, n] : overrun) {
    auto* c = stats->add_cpu_stats();
    c->set_cpu(cpu);
    c->set_overrun(n);
  }
  AddPacket(packet);
}

std::string PerfettoTraceBuilder::Finish() {
  FlushBundles();
  FlushCompressed();
  return std::move(out_);
}

namespace {

using F = TraceField;

absl::StatusOr<uint64_t> SymbolValue(const TraceRecord& r, F f) {
  const std::string_view name = r.symbol(f);
  if (std::optional<int64_t> v = KernelSymbolValue(f, name)) return static_cast<uint64_t>(*v);
  int64_t v = 0;
  auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), v);
  if (ec != std::errc() || end != name.data() + name.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no kernel value for ", AbslView(TraceFieldName(f)), "=", AbslView(name)));
  }
  return static_cast<uint64_t>(v);
}

absl::StatusOr<uint64_t> KernelGfp(std::string_view names) {
  uint32_t unknown = 0;
  const uint64_t mask = GfpBitsFromNames(names, &unknown);
  if (unknown != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("gfp_flags=", AbslView(names), " has names without a kernel bit"));
  }
  uint64_t gfp = 0;
  for (const KernelGfpBit& b : KernelGfpBits()) {
    uint32_t ignored = 0;
    if (mask & GfpBitsFromNames(b.name, &ignored)) gfp |= uint64_t{1} << b.bit;
  }
  return gfp;
}

UntypedFtraceEvent Untyped(const TraceRecord& r, std::string group,
                           std::vector<std::pair<F, bool>> fields) {
  UntypedFtraceEvent u;
  u.group = std::move(group);
  u.name = std::string(TracepointName(r.tracepoint));
  for (const auto& [f, is_signed] : fields) {
    if (r.Has(f)) u.fields.push_back({std::string(TraceFieldName(f)), is_signed, r.value(f)});
  }
  return u;
}

}  // namespace

absl::StatusOr<std::string> FtraceTextToPerfetto(std::string_view text,
                                                 const PerfettoBuildOptions& options) {
  PerfettoTraceBuilder builder(options);
  FtraceLineParser parser;
  TraceRecord r;
  std::map<uint32_t, uint64_t> start_overrun;
  uint64_t lost = 0;
  size_t line_number = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_number;
    if (line_number % options.lines_per_tick == 0) builder.FlushBundles();
    auto fail = [&](std::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat("line ", line_number, ": ", AbslView(why)));
    };
    switch (parser.Parse(line, &r)) {
      case FtraceLineParser::LineKind::kEvent:
        break;
      case FtraceLineParser::LineKind::kUnknownEvent:
        builder.AddEvent(r.cpu, r.time_ns, r.pid)
            ->mutable_generic()
            ->set_event_name(std::string(parser.event_name()));
        start_overrun[r.cpu] = 0;
        continue;
      case FtraceLineParser::LineKind::kLostEvents:
        lost += parser.lost_events();
        continue;
      case FtraceLineParser::LineKind::kMalformed:
        return fail(parser.error());
      default:
        continue;
    }
    start_overrun[r.cpu] = 0;
    // Symbolic fields: names back to the kernel's numbers.
    for (F f : {F::kMode, F::kReason, F::kStatus}) {
      if (!r.Has(f)) continue;
      absl::StatusOr<uint64_t> v = SymbolValue(r, f);
      if (!v.ok()) return fail(std::string(v.status().message()));
      r.Set(f, *v);
    }
    switch (r.tracepoint) {
      case Tracepoint::kMmPageAlloc: {
        auto* m = builder.AddEvent(r.cpu, r.time_ns, r.pid)->mutable_mm_page_alloc();
        absl::StatusOr<uint64_t> gfp = KernelGfp(r.symbol(F::kGfpFlags));
        if (!gfp.ok()) return fail(std::string(gfp.status().message()));
        m->set_gfp_flags(static_cast<uint32_t>(*gfp));
        m->set_migratetype(static_cast<int32_t>(r.value(F::kMigratetype)));
        m->set_order(static_cast<uint32_t>(r.value(F::kOrder)));
        m->set_pfn(r.value(F::kPfn));
        break;
      }
      case Tracepoint::kMmPageFree: {
        auto* m = builder.AddEvent(r.cpu, r.time_ns, r.pid)->mutable_mm_page_free();
        m->set_order(static_cast<uint32_t>(r.value(F::kOrder)));
        m->set_pfn(r.value(F::kPfn));
        break;
      }
      case Tracepoint::kMmPageFreeBatched:
        builder.AddEvent(r.cpu, r.time_ns, r.pid)
            ->mutable_mm_page_free_batched()
            ->set_pfn(r.value(F::kPfn));
        break;
      case Tracepoint::kMmCompactionBegin: {
        auto* m = builder.AddEvent(r.cpu, r.time_ns, r.pid)->mutable_mm_compaction_begin();
        m->set_zone_start(r.value(F::kZoneStart));
        m->set_migrate_pfn(r.value(F::kMigratePfn));
        m->set_free_pfn(r.value(F::kFreePfn));
        m->set_zone_end(r.value(F::kZoneEnd));
        m->set_sync(static_cast<uint32_t>(r.value(F::kSync)));
        break;
      }
      case Tracepoint::kMmCompactionEnd: {
        auto* m = builder.AddEvent(r.cpu, r.time_ns, r.pid)->mutable_mm_compaction_end();
        m->set_zone_start(r.value(F::kZoneStart));
        m->set_migrate_pfn(r.value(F::kMigratePfn));
        m->set_free_pfn(r.value(F::kFreePfn));
        m->set_zone_end(r.value(F::kZoneEnd));
        m->set_sync(static_cast<uint32_t>(r.value(F::kSync)));
        m->set_status(static_cast<int32_t>(r.value(F::kStatus)));
        break;
      }
      case Tracepoint::kIsolateFreepages:
      case Tracepoint::kIsolateMigratepages: {
        pf::FtraceEvent* e = builder.AddEvent(r.cpu, r.time_ns, r.pid);
        auto set = [&](auto* m) {
          m->set_start_pfn(r.value(F::kStartPfn));
          m->set_end_pfn(r.value(F::kEndPfn));
          m->set_nr_scanned(r.value(F::kNrScanned));
          m->set_nr_taken(r.value(F::kNrTaken));
        };
        if (r.tracepoint == Tracepoint::kIsolateFreepages) {
          set(e->mutable_mm_compaction_isolate_freepages());
        } else {
          set(e->mutable_mm_compaction_isolate_migratepages());
        }
        break;
      }
      case Tracepoint::kCompactionMigratepages: {
        auto* m = builder.AddEvent(r.cpu, r.time_ns, r.pid)->mutable_mm_compaction_migratepages();
        m->set_nr_migrated(r.value(F::kNrMigrated));
        m->set_nr_failed(r.value(F::kNrFailed));
        break;
      }
      case Tracepoint::kPageFaultUser:
        builder.AddUntypedEvent(
            r.cpu, r.time_ns, r.pid,
            Untyped(r, "exceptions",
                    {{F::kAddress, false}, {F::kIp, false}, {F::kErrorCode, false}}));
        break;
      case Tracepoint::kMmMigratePagesStart:
        builder.AddUntypedEvent(r.cpu, r.time_ns, r.pid,
                                Untyped(r, "migrate", {{F::kMode, false}, {F::kReason, true}}));
        break;
      case Tracepoint::kMmMigratePages:
        builder.AddUntypedEvent(r.cpu, r.time_ns, r.pid,
                                Untyped(r, "migrate",
                                        {{F::kSucceeded, false},
                                         {F::kFailed, false},
                                         {F::kThpSucceeded, false},
                                         {F::kThpFailed, false},
                                         {F::kThpSplit, false},
                                         {F::kMode, false},
                                         {F::kReason, true}}));
        break;
      case Tracepoint::kSetMigrationPte:
      case Tracepoint::kRemoveMigrationPte:
        builder.AddUntypedEvent(
            r.cpu, r.time_ns, r.pid,
            Untyped(r, "migrate", {{F::kAddr, false}, {F::kPte, false}, {F::kOrder, true}}));
        break;
      default:
        return fail("unexpected tracepoint");
    }
  }
  builder.FlushBundles();
  std::map<uint32_t, uint64_t> end_overrun = start_overrun;
  end_overrun[0] += lost;
  builder.AddStats(pf::FtraceStats::START_OF_TRACE, start_overrun);
  builder.AddStats(pf::FtraceStats::END_OF_TRACE, end_overrun);
  return builder.Finish();
}

}  // namespace memsim::testing
