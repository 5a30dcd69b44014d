#include "sim/trace/import/tracecmd_importer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "event-parse.h"
#include "sim/trace/import/event_assembler.h"
#include "sim/trace/import/import_stats_util.h"
#include "sim/trace/import/trace_record.h"
#include "sim/util/input_file.h"
#include "sim/util/status_macros.h"

// libtracecmd 1.3 API. trace-cmd.h pulls in tracefs.h, which does not compile as C++
// (an int converted to enum tracefs_hist_command), so the functions used here are declared
// directly; the last three are exported but declared only in trace-cmd's private header.
extern "C" {
struct tracecmd_input;
constexpr int TRACECMD_FL_LOAD_NO_PLUGINS = 1 << 0;
struct tracecmd_input* tracecmd_open(const char* file, int flags);
void tracecmd_close(struct tracecmd_input* handle);
struct tep_handle* tracecmd_get_tep(struct tracecmd_input* handle);
int tracecmd_buffer_instances(struct tracecmd_input* handle);
struct tracecmd_input* tracecmd_buffer_instance_handle(struct tracecmd_input* handle, int indx);
int tracecmd_iterate_events_multi(struct tracecmd_input** handles, int nr_handles,
                                  int (*callback)(struct tracecmd_input* handle, struct tep_record*,
                                                  int, void*),
                                  void* callback_data);
void tracecmd_set_loglevel(enum tep_loglevel level);
const char* tracecmd_get_uname(struct tracecmd_input* handle);
const char* tracecmd_get_trace_clock(struct tracecmd_input* handle);
int tracecmd_cpus(struct tracecmd_input* handle);
}

namespace memsim {

namespace {

using F = TraceField;

constexpr uint64_t kProgressEveryRecords = uint64_t{1} << 20;

// The kernel field names each tracepoint carries (tracefs `format` files, Linux 6.x).
std::vector<TraceField> FieldsOf(Tracepoint tp) {
  switch (tp) {
    case Tracepoint::kMmPageAlloc:
      return {F::kPfn, F::kOrder, F::kMigratetype, F::kGfpFlags};
    case Tracepoint::kMmPageFree:
      return {F::kPfn, F::kOrder};
    case Tracepoint::kMmPageFreeBatched:
      return {F::kPfn};
    case Tracepoint::kPageFaultUser:
      return {F::kAddress, F::kIp, F::kErrorCode};
    case Tracepoint::kMmMigratePagesStart:
      return {F::kMode, F::kReason};
    case Tracepoint::kMmMigratePages:
      return {F::kSucceeded, F::kFailed, F::kThpSucceeded, F::kThpFailed,
              F::kThpSplit,  F::kMode,   F::kReason};
    case Tracepoint::kSetMigrationPte:
    case Tracepoint::kRemoveMigrationPte:
      return {F::kAddr, F::kPte, F::kOrder};
    case Tracepoint::kMmCompactionBegin:
      return {F::kZoneStart, F::kMigratePfn, F::kFreePfn, F::kZoneEnd, F::kSync};
    case Tracepoint::kMmCompactionEnd:
      return {F::kZoneStart, F::kMigratePfn, F::kFreePfn, F::kZoneEnd, F::kSync, F::kStatus};
    case Tracepoint::kIsolateMigratepages:
    case Tracepoint::kIsolateFreepages:
      return {F::kStartPfn, F::kEndPfn, F::kNrScanned, F::kNrTaken};
    case Tracepoint::kCompactionMigratepages:
      return {F::kNrMigrated, F::kNrFailed};
    default:
      return {};
  }
}

// One __print_flags / __print_symbolic table of the event's print format: the names the
// kernel prints for a field's values. Reading it from the file (not hard-coding bit
// values) keeps binary and text imports identical across kernel versions.
struct SymbolTable {
  bool is_flags = false;
  std::string delim = "|";
  std::vector<std::pair<uint64_t, std::string>> entries;
};

bool ArgNamesField(const tep_print_arg* arg, std::string_view field) {
  while (arg != nullptr && arg->type == TEP_PRINT_TYPE) arg = arg->typecast.item;
  return arg != nullptr && arg->type == TEP_PRINT_FIELD && arg->field.name != nullptr &&
         field == arg->field.name;
}

void FillEntries(const tep_print_flag_sym* sym, SymbolTable* table) {
  for (; sym != nullptr; sym = sym->next) {
    if (sym->value == nullptr || sym->str == nullptr) continue;
    char* end = nullptr;
    uint64_t v = std::strtoull(sym->value, &end, 0);
    if (end == sym->value) continue;
    table->entries.emplace_back(v, sym->str);
  }
}

// Depth-first search of the print arguments (the table may sit inside a ?: operator).
bool FindTable(const tep_print_arg* arg, std::string_view field, SymbolTable* table) {
  for (; arg != nullptr; arg = arg->next) {
    switch (arg->type) {
      case TEP_PRINT_FLAGS:
        if (ArgNamesField(arg->flags.field, field)) {
          table->is_flags = true;
          if (arg->flags.delim != nullptr) table->delim = arg->flags.delim;
          FillEntries(arg->flags.flags, table);
          return true;
        }
        break;
      case TEP_PRINT_SYMBOL:
        if (ArgNamesField(arg->symbol.field, field)) {
          FillEntries(arg->symbol.symbols, table);
          return true;
        }
        break;
      case TEP_PRINT_OP:
        if (FindTable(arg->op.left, field, table) || FindTable(arg->op.right, field, table)) {
          return true;
        }
        break;
      case TEP_PRINT_TYPE:
        if (FindTable(arg->typecast.item, field, table)) return true;
        break;
      default:
        break;
    }
  }
  return false;
}

struct EventInfo {
  Tracepoint tracepoint = Tracepoint::kUnknown;
  std::string name;
  struct Field {
    TraceField field;
    tep_format_field* format;
    SymbolTable symbols;  // for symbolic fields
  };
  std::vector<Field> fields;
};

// The kernel's trace_print_flags_seq / trace_print_symbols_seq, into `out`.
void RenderSymbol(const SymbolTable& t, uint64_t value, std::string* out) {
  out->clear();
  if (!t.is_flags) {
    for (const auto& [v, name] : t.entries) {
      if (v == value) {
        *out = name;
        return;
      }
    }
    absl::StrAppend(out, "0x", absl::Hex(value));
    return;
  }
  if (value == 0) {
    *out = "none";  // mm_page_alloc prints "none" for gfp 0
    return;
  }
  for (const auto& [mask, name] : t.entries) {
    if (value == 0) break;
    if (mask == 0 || (value & mask) != mask) continue;
    if (!out->empty()) out->append(t.delim);
    out->append(name);
    value &= ~mask;
  }
  if (value != 0) {
    if (!out->empty()) out->append(t.delim);
    absl::StrAppend(out, "0x", absl::Hex(value));
  }
}

// A zstd-compressed .dat is decompressed to a temporary file: libtracecmd needs to seek.
class TempFile {
 public:
  ~TempFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  absl::Status CopyFrom(InputFile* in) {
    const char* dir = std::getenv("TMPDIR");
    std::string templ = absl::StrCat(dir != nullptr ? dir : "/tmp", "/memsim-dat-XXXXXX");
    int fd = ::mkstemp(templ.data());
    if (fd < 0) return absl::InternalError(absl::StrCat("mkstemp ", templ, ": ", strerror(errno)));
    path_ = templ;
    std::vector<char> buf(1 << 20);
    for (;;) {
      ASSIGN_OR_RETURN(size_t n, in->Read(buf.data(), buf.size()));
      if (n == 0) break;
      for (size_t off = 0; off < n;) {
        ssize_t w = ::write(fd, buf.data() + off, n - off);
        if (w < 0) {
          ::close(fd);
          return absl::InternalError(absl::StrCat("write ", path_, ": ", strerror(errno)));
        }
        off += static_cast<size_t>(w);
      }
    }
    ::close(fd);
    return absl::OkStatus();
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class TracecmdImporter : public Importer {
 public:
  absl::Status Import(const std::string& input, const ImportOptions& options, TraceWriter* writer,
                      ImportStats* stats) override {
    ASSIGN_OR_RETURN(std::unique_ptr<InputFile> in, InputFile::Open(input));
    TempFile temp;
    std::string dat_path = input;
    if (in->compressed()) {
      RETURN_IF_ERROR(temp.CopyFrom(in.get()));
      dat_path = temp.path();
    }
    in.reset();
    tracecmd_set_loglevel(TEP_LOG_NONE);
    tracecmd_input* handle = tracecmd_open(dat_path.c_str(), TRACECMD_FL_LOAD_NO_PLUGINS);
    if (handle == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(input, ": not a trace-cmd trace.dat file (libtracecmd cannot open it)"));
    }
    std::vector<tracecmd_input*> handles = {handle};
    for (int i = 0; i < tracecmd_buffer_instances(handle); ++i) {
      if (tracecmd_input* inst = tracecmd_buffer_instance_handle(handle, i)) {
        handles.push_back(inst);
      }
    }
    absl::Status status = Run(input, options, handles, writer, stats);
    for (size_t i = handles.size(); i-- > 0;) tracecmd_close(handles[i]);
    return status;
  }

 private:
  struct Context {
    TracecmdImporter* self;
    const std::string* input;
    const ImportOptions* options;
    EventAssembler* assembler;
    ImportStats* stats;
    SkipCounts skips;
    absl::Status error;
    TraceRecord record;
    absl::flat_hash_map<const tep_event*, EventInfo> events;
    std::string rendered[static_cast<int>(TraceField::kNumFields)];
  };

  static const EventInfo& Info(Context& ctx, tep_event* event) {
    auto it = ctx.events.find(event);
    if (it != ctx.events.end()) return it->second;
    EventInfo info;
    info.name = event->name != nullptr ? event->name : "";
    info.tracepoint = TracepointFromName(info.name);
    if (info.tracepoint != Tracepoint::kUnknown && event->system != nullptr &&
        TracepointSystem(info.tracepoint) != event->system) {
      info.tracepoint = Tracepoint::kUnknown;  // same name in another system
    }
    for (TraceField f : FieldsOf(info.tracepoint)) {
      std::string name(TraceFieldName(f));
      tep_format_field* format = tep_find_field(event, name.c_str());
      if (format == nullptr) continue;  // not in this kernel: the assembler decides
      EventInfo::Field field{f, format, {}};
      if (IsSymbolicField(f)) FindTable(event->print_fmt.args, name, &field.symbols);
      info.fields.push_back(std::move(field));
    }
    return ctx.events.emplace(event, std::move(info)).first->second;
  }

  static int OnRecord(tracecmd_input* handle, tep_record* rec, int /*cpu*/, void* data) {
    Context& ctx = *static_cast<Context*>(data);
    ++ctx.stats->input_records;
    if (ctx.options->progress && ctx.stats->input_records % kProgressEveryRecords == 0) {
      ctx.options->progress(ctx.stats->input_records);
    }
    if (rec->missed_events != 0)
      ctx.skips.lost_events += rec->missed_events > 0 ? rec->missed_events : 1;
    tep_handle* tep = tracecmd_get_tep(handle);
    tep_event* event = tep_find_event_by_record(tep, rec);
    if (event == nullptr) {
      ++ctx.skips.non_event_line;
      return 0;
    }
    const EventInfo& info = Info(ctx, event);
    if (info.tracepoint == Tracepoint::kUnknown) {
      ctx.skips.CountUnknown(info.name);
      return 0;
    }
    TraceRecord& r = ctx.record;
    r.Clear();
    r.tracepoint = info.tracepoint;
    r.time_ns = rec->ts;
    r.cpu = static_cast<uint32_t>(rec->cpu);
    r.pid = tep_data_pid(tep, rec);
    absl::Status error;
    for (const EventInfo::Field& f : info.fields) {
      unsigned long long val = 0;
      if (tep_read_number_field(f.format, rec->data, &val) != 0) {
        error = absl::InvalidArgumentError(absl::StrCat(info.name, ": cannot read field '",
                                                        AbslView(TraceFieldName(f.field)), "'"));
        break;
      }
      uint64_t v = val;
      const int size = f.format->size;
      if ((f.format->flags & TEP_FIELD_IS_SIGNED) && size > 0 && size < 8) {
        const int shift = 64 - 8 * size;
        v = static_cast<uint64_t>(static_cast<int64_t>(v << shift) >> shift);
      }
      if (IsSymbolicField(f.field)) {
        std::string& out = ctx.rendered[static_cast<int>(f.field)];
        RenderSymbol(f.symbols, v, &out);
        r.SetSymbol(f.field, out);
      } else {
        r.Set(f.field, v);
      }
    }
    if (error.ok()) {
      error = ctx.assembler->Add(r);
      if (!error.ok() && error.code() != absl::StatusCode::kInvalidArgument) {
        ctx.error = error;
        return 1;
      }
    }
    if (!error.ok()) {
      if (!ctx.options->lenient) {
        ctx.error = absl::InvalidArgumentError(absl::StrCat(
            *ctx.input, ": record at byte offset ", rec->offset, " (cpu ", rec->cpu,
            "): malformed ", error.message(), " (use --lenient to skip malformed records)"));
        return 1;
      }
      ++ctx.skips.malformed;
    }
    return 0;
  }

  absl::Status Run(const std::string& input, const ImportOptions& options,
                   std::vector<tracecmd_input*>& handles, TraceWriter* writer, ImportStats* stats) {
    AssemblerOptions aopts;
    aopts.max_physmem_bits = options.max_physmem_bits;
    EventAssembler assembler(writer, aopts);
    Context ctx{this, &input, &options, &assembler, stats, {}, absl::OkStatus(), {}, {}, {}};
    int rc = tracecmd_iterate_events_multi(handles.data(), static_cast<int>(handles.size()),
                                           &TracecmdImporter::OnRecord, &ctx);
    RETURN_IF_ERROR(ctx.error);
    if (rc < 0) {
      return absl::DataLossError(absl::StrCat(input, ": libtracecmd failed reading records"));
    }
    RETURN_IF_ERROR(assembler.Finish());

    trace::TraceHeader* h = writer->mutable_header();
    h->set_source("tracecmd");
    tracecmd_input* handle = handles[0];
    if (const char* uname = tracecmd_get_uname(handle)) {
      // "Linux <hostname> <release> <version...>", as trace-cmd record stores it.
      std::vector<std::string> parts = absl::StrSplit(uname, ' ', absl::SkipEmpty());
      if (parts.size() >= 3) {
        h->set_hostname(parts[1]);
        h->set_kernel_version(parts[2]);
      }
    }
    if (!options.kernel_version.empty()) h->set_kernel_version(options.kernel_version);
    std::string clock = "local";  // trace-cmd's default when the file does not say
    if (const char* c = tracecmd_get_trace_clock(handle)) {
      // The saved trace_clock file: "[local] global counter ...", selected one in brackets.
      std::string_view s = c;
      size_t open = s.find('['), close = s.find(']');
      if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
        clock = std::string(s.substr(open + 1, close - open - 1));
      } else if (!s.empty()) {
        clock = std::string(s.substr(0, s.find_first_of(" \n")));
      }
    }
    h->set_clock(clock);
    if (h->page_size_bytes() == 0) h->set_page_size_bytes(4096);
    uint32_t cpus = static_cast<uint32_t>(std::max(0, tracecmd_cpus(handle)));
    cpus = std::max(cpus, static_cast<uint32_t>(assembler.max_cpu() + 1));
    if (cpus > h->num_cpus()) h->set_num_cpus(cpus);
    PublishImportStats(assembler, ctx.skips, writer, stats);
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<Importer> NewTracecmdImporter() { return std::make_unique<TracecmdImporter>(); }

}  // namespace memsim
