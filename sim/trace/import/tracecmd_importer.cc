#include "sim/trace/import/tracecmd_importer.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "event-parse.h"
#include "sim/trace/import/event_assembler.h"
#include "sim/trace/import/import_stats_util.h"
#include "sim/trace/import/trace_record.h"
#include "sim/util/input_file.h"
#include "sim/util/isolated_call.h"
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
// Set in the libtracecmd child before it opens the file (see tep_parse_kallsyms below).
bool skip_kallsyms = false;
}  // namespace
}  // namespace memsim

// libtracecmd parses the capture's copy of /proc/kallsyms when it opens a file
// (read_proc_kallsyms in trace-input.c calls libtraceevent's tep_parse_kallsyms: one sscanf
// and two allocations per kernel symbol, over 100 k of them, ~8 % of the CPU of an import of
// a 560 k-record capture) and has no open flag to skip it. The importer never resolves a kernel
// address to a symbol (it reads numeric fields and the print formats' flag tables), so the
// child skips the parse: this definition in the executable interposes on libtraceevent's for
// libtracecmd's call. Anywhere else, and before the child sets the flag, it forwards to
// libtraceevent's. Imports are byte-identical with and without the parse (docs/trace-import.md).
extern "C" __attribute__((visibility("default"))) int tep_parse_kallsyms(struct tep_handle* tep,
                                                                         const char* kallsyms) {
  if (memsim::skip_kallsyms) return 0;
  using Parse = int (*)(struct tep_handle*, const char*);
  static const Parse next = reinterpret_cast<Parse>(dlsym(RTLD_NEXT, "tep_parse_kallsyms"));
  return next != nullptr ? next(tep, kallsyms) : -1;
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
          if (errno == EINTR) continue;
          const int err = errno;
          ::close(fd);
          return absl::InternalError(absl::StrCat("write ", path_, ": ", strerror(err)));
        }
        off += static_cast<size_t>(w);
      }
    }
    if (::close(fd) != 0) {
      return absl::InternalError(absl::StrCat("close ", path_, ": ", strerror(errno)));
    }
    return absl::OkStatus();
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// ---- The cheap checks made before libtracecmd sees the file ----

// The fixed start of every trace-cmd file (trace-cmd.dat.v6(5), trace-cmd.dat.v7(5)).
constexpr char kDatMagic[] = "\x17\x08\x44tracing";
constexpr size_t kDatMagicBytes = 10;
constexpr uint64_t kMinPageBytes = 512, kMaxPageBytes = 1 << 20;

uint64_t ReadUint(const unsigned char* p, int bytes, bool big_endian) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) {
    v |= uint64_t{p[big_endian ? bytes - 1 - i : i]} << (8 * i);
  }
  return v;
}

// Checks the file header (magic, version, endianness, long size, page size, and the first
// size or offset it gives) against the file, so that the plainest corruptions get an error
// with a byte offset rather than a trip through libtracecmd. `input` names the file in
// errors; `where` says whose byte offsets they are.
absl::Status ValidateDatHeader(const std::string& path, const std::string& input,
                               const std::string& where) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::NotFoundError(absl::StrCat(input, ": ", strerror(errno)));
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(input, ": not a regular file"));
  }
  const uint64_t file_size = static_cast<uint64_t>(st.st_size);
  unsigned char head[256] = {};
  ssize_t got = 0;
  while (got < static_cast<ssize_t>(sizeof head)) {
    const ssize_t n = ::pread(fd, head + got, sizeof head - got, got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += n;
  }
  ::close(fd);
  const size_t n = static_cast<size_t>(got);
  auto bad = [&](size_t offset, const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat(input, ": byte ", offset, where, ": ", what,
                                                   " (not a valid trace-cmd trace.dat file)"));
  };
  if (n < kDatMagicBytes || std::memcmp(head, kDatMagic, kDatMagicBytes) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        input, ": not a trace-cmd trace.dat file (no \\x17\\x08Dtracing magic at byte 0", where,
        ")"));
  }
  size_t pos = kDatMagicBytes;
  // Version: decimal digits and a NUL.
  uint64_t version = 0;
  const size_t version_at = pos;
  while (pos < n && head[pos] >= '0' && head[pos] <= '9' && pos - version_at < 4) {
    version = version * 10 + (head[pos] - '0');
    ++pos;
  }
  if (pos == version_at || pos >= n || head[pos] != 0) {
    return bad(version_at, "file version is not a number");
  }
  ++pos;
  if (version < 6 || version > 7) {
    return bad(version_at,
               absl::StrCat("file version ", version, "; libtracecmd reads versions 6 and 7"));
  }
  if (pos + 6 > n) return bad(pos, "file ends inside the header");
  const unsigned endian = head[pos];
  if (endian > 1) return bad(pos, absl::StrCat("endianness byte ", endian, " is not 0 or 1"));
  const bool big = endian == 1;
  const unsigned long_size = head[pos + 1];
  if (long_size != 4 && long_size != 8) {
    return bad(pos + 1, absl::StrCat("size of long ", long_size, " is not 4 or 8"));
  }
  const uint64_t page = ReadUint(head + pos + 2, 4, big);
  if (page < kMinPageBytes || page > kMaxPageBytes || (page & (page - 1)) != 0) {
    return bad(pos + 2,
               absl::StrCat("page size ", page, " is not a power of two from 512 bytes to 1 MiB"));
  }
  pos += 6;
  if (version == 6) {
    // "header_page\0", then the 8-byte size of the header page format.
    constexpr char kHeaderPage[] = "header_page";
    if (pos + sizeof kHeaderPage + 8 > n ||
        std::memcmp(head + pos, kHeaderPage, sizeof kHeaderPage) != 0) {
      return bad(pos, "no \"header_page\" section");
    }
    pos += sizeof kHeaderPage;
    const uint64_t size = ReadUint(head + pos, 8, big);
    if (size > file_size - (pos + 8)) {
      return bad(pos, absl::StrCat("header_page size ", size, " runs past the end of the file (",
                                   file_size, " bytes)"));
    }
    return absl::OkStatus();
  }
  // Version 7: compression algorithm and its version (NUL-terminated strings), then the
  // 8-byte offset of the first options section.
  for (const char* what : {"compression algorithm", "compression version"}) {
    const size_t start = pos;
    while (pos < n && head[pos] != 0 && pos - start < 64) ++pos;
    if (pos >= n || head[pos] != 0) return bad(start, absl::StrCat(what, " name is not a string"));
    ++pos;
  }
  if (pos + 8 > n) return bad(pos, "file ends inside the header");
  const uint64_t options_at = ReadUint(head + pos, 8, big);
  if (options_at < pos + 8 || options_at >= file_size) {
    return bad(pos, absl::StrCat("options section offset ", options_at, " is outside the file (",
                                 file_size, " bytes)"));
  }
  return absl::OkStatus();
}

// ---- What the child process sends the parent ----
//
// libtracecmd/libtraceevent run in a child process (IsolatedCall): it decodes records into
// the TraceRecord fields the importer needs and streams them; the parent assembles events
// and writes the trace. A message is a batch of entries (up to kBatchBytes of them, so that
// the pipe's framing and the parent's dispatch are paid per batch, not per record); each
// entry starts with its kind byte, fields in host byte order. A symbolic field's name
// (gfp_flags "GFP_HIGHUSER_MOVABLE|__GFP_COMP", a migrate mode) is sent once, as a symbol
// entry giving it a number, and records carry the number.

constexpr char kEntryRecord = 'R';    // a record of a known tracepoint
constexpr char kEntrySymbol = 'Y';    // the name a symbol number stands for, before its use
constexpr char kEntryBad = 'B';       // a known tracepoint whose fields could not be read
constexpr char kEntryProgress = 'P';  // records read so far (keeps the idle timer quiet)
constexpr char kEntrySummary = 'S';   // once, after the last record

// Records between progress entries.
constexpr uint64_t kProgressEntryEvery = uint64_t{1} << 16;
// A batch is sent once it holds this much.
constexpr size_t kBatchBytes = 32 << 10;
// Symbol numbers at most (a malformed file may have a new value in every record): past
// this the numbering starts again at 0, and a symbol entry redefines its number.
constexpr uint32_t kMaxSymbols = 1 << 16;

// A record entry: kind, tracepoint, present-field bits, time, cpu, pid, byte offset; then a
// value per present field in TraceField order (8 bytes, or a 4-byte symbol number).
constexpr size_t kRecordHeadBytes = 1 + 1 + 4 + 8 + 4 + 4 + 8;
constexpr size_t kMaxRecordBytes =
    kRecordHeadBytes + 8 * static_cast<size_t>(TraceField::kNumFields);

class Encoder {
 public:
  explicit Encoder(char kind) { buf_.push_back(kind); }
  template <typename T>
  void Put(T v) {
    static_assert(std::is_trivially_copyable_v<T>);
    buf_.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void PutString(std::string_view s) {
    Put(static_cast<uint32_t>(s.size()));
    buf_.append(s.data(), s.size());
  }
  std::string_view view() const { return buf_; }

 private:
  std::string buf_;
};

// Writes fixed-size values at a cursor; the caller has made room.
class RawWriter {
 public:
  explicit RawWriter(char* p) : p_(p) {}
  template <typename T>
  void Put(T v) {
    static_assert(std::is_trivially_copyable_v<T>);
    std::memcpy(p_, &v, sizeof v);
    p_ += sizeof v;
  }
  char* end() const { return p_; }

 private:
  char* p_;
};

class Decoder {
 public:
  explicit Decoder(std::string_view s) : p_(s.data()), end_(s.data() + s.size()) {}
  template <typename T>
  bool Get(T* v) {
    if (static_cast<size_t>(end_ - p_) < sizeof(T)) return false;
    std::memcpy(v, p_, sizeof(T));
    p_ += sizeof(T);
    return true;
  }
  // REQUIRES: left() >= sizeof(T).
  template <typename T>
  T GetUnchecked() {
    T v;
    std::memcpy(&v, p_, sizeof(T));
    p_ += sizeof(T);
    return v;
  }
  bool GetString(std::string_view* out) {
    uint32_t size;
    if (!Get(&size) || left() < size) return false;
    *out = std::string_view(p_, size);
    p_ += size;
    return true;
  }
  size_t left() const { return static_cast<size_t>(end_ - p_); }
  bool done() const { return p_ == end_; }

 private:
  const char* p_;
  const char* end_;
};

// The child's batch of entries, sent through the sink when full and before the end.
class Batch {
 public:
  explicit Batch(IsolatedSink* sink) : sink_(sink), buf_(new char[kBatchBytes + kMaxRecordBytes]) {}
  // Room for one record entry: the returned pointer has kMaxRecordBytes free.
  char* RecordSpace() { return buf_.get() + used_; }
  void RecordWritten(const char* end) {
    used_ = static_cast<size_t>(end - buf_.get());
    if (used_ >= kBatchBytes) Send();
  }
  void Append(std::string_view entry) {
    if (used_ + entry.size() > kBatchBytes + kMaxRecordBytes) {
      Send();
      if (entry.size() > kBatchBytes) {
        sink_->Send(entry);
        return;
      }
    }
    std::memcpy(buf_.get() + used_, entry.data(), entry.size());
    used_ += entry.size();
    if (used_ >= kBatchBytes) Send();
  }
  void Send() {
    if (used_ == 0) return;
    sink_->Send(std::string_view(buf_.get(), used_));
    used_ = 0;
  }

 private:
  IsolatedSink* sink_;
  std::unique_ptr<char[]> buf_;
  size_t used_ = 0;
};

// A number as libtraceevent's tep_read_number reads it, in a file of the host's byte order.
// Whether a record holds `size` bytes at `offset`. The offsets and sizes come from the file's
// event formats, so a corrupt format can place a field past its record: reading it anyway (as
// libtraceevent's own readers do) would read the bytes after the record, or past the mapped
// page.
bool Holds(const tep_record* rec, int offset, int size) {
  return offset >= 0 && size >= 0 && rec->size >= 0 &&
         static_cast<int64_t>(offset) + size <= static_cast<int64_t>(rec->size);
}

uint64_t ReadNumber(const void* p, int size) {
  switch (size) {
    case 1:
      return *static_cast<const uint8_t*>(p);
    case 2: {
      uint16_t v;
      std::memcpy(&v, p, 2);
      return v;
    }
    case 4: {
      uint32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
    case 8: {
      uint64_t v;
      std::memcpy(&v, p, 8);
      return v;
    }
    default:
      return 0;
  }
}

// The child's side: reads the .dat with libtracecmd and sends what it finds.
class DatDecoder {
 public:
  explicit DatDecoder(IsolatedSink* sink) : batch_(sink) {}

  absl::Status Run(const std::string& input, const std::string& dat_path,
                   const IsolationLimits& limits) {
    tracecmd_set_loglevel(TEP_LOG_NONE);
    skip_kallsyms = true;  // this process ends with the import
    errno = 0;
    tracecmd_input* handle = tracecmd_open(dat_path.c_str(), TRACECMD_FL_LOAD_NO_PLUGINS);
    if (handle == nullptr) {
      if (errno == ENOMEM) {
        return absl::ResourceExhaustedError(
            absl::StrCat(input, ": libtracecmd could not allocate memory to open it (limit ",
                         limits.memory_bytes >> 20,
                         " MiB beyond memsim's own): a size in the file is "
                         "probably implausible"));
      }
      return absl::InvalidArgumentError(
          absl::StrCat(input, ": not a trace-cmd trace.dat file (libtracecmd cannot open it)"));
    }
    std::vector<tracecmd_input*> handles = {handle};
    for (int i = 0; i < tracecmd_buffer_instances(handle); ++i) {
      if (tracecmd_input* inst = tracecmd_buffer_instance_handle(handle, i)) {
        handles.push_back(inst);
      }
    }
    const int rc = tracecmd_iterate_events_multi(handles.data(), static_cast<int>(handles.size()),
                                                 &DatDecoder::OnRecord, this);
    if (rc < 0) {
      batch_.Send();
      return absl::DataLossError(absl::StrCat(input, ": libtracecmd failed reading records"));
    }
    Encoder s(kEntrySummary);
    s.Put(records_);
    s.Put(skips_.unknown_event);
    s.Put(skips_.non_event_line);
    s.Put(skips_.lost_events);
    s.Put(static_cast<uint32_t>(skips_.unknown_by_name.size()));
    for (const auto& [name, count] : skips_.unknown_by_name) {
      s.PutString(name);
      s.Put(count);
    }
    const char* uname = tracecmd_get_uname(handle);
    s.Put(static_cast<uint8_t>(uname != nullptr));
    s.PutString(uname != nullptr ? uname : "");
    const char* clock = tracecmd_get_trace_clock(handle);
    s.Put(static_cast<uint8_t>(clock != nullptr));
    s.PutString(clock != nullptr ? clock : "");
    s.Put(static_cast<int32_t>(tracecmd_cpus(handle)));
    batch_.Append(s.view());
    batch_.Send();
    // No tracecmd_close: the process ends now, and a malformed file's state could make
    // even that crash after the work is done.
    return absl::OkStatus();
  }

 private:
  // What the child needs of an event, found once per event.
  struct EventInfo {
    Tracepoint tracepoint = Tracepoint::kUnknown;
    std::string name;
    struct Field {
      TraceField field;
      tep_format_field* format;
      bool is_symbolic;
      SymbolTable symbols;                          // for symbolic fields
      absl::flat_hash_map<uint64_t, uint32_t> ids;  // symbolic value -> symbol number
    };
    std::vector<Field> fields;
    uint32_t present = 0;  // bits of the fields'
  };

  // Where every record of one tep handle keeps its type and pid: libtraceevent takes them
  // from the common fields of the handle's first event (get_common_info in event-parse.c)
  // and reads them with tep_read_number. `direct` when the file's byte order is the host's
  // and the type field exists: records are then read here, as libtraceevent would, without
  // its calls; otherwise through them.
  struct Layout {
    tep_handle* tep = nullptr;
    bool direct = false;
    int type_offset = 0, type_size = 0;
    bool has_pid = false;
    int pid_offset = 0, pid_size = 0;
    // Event type -> its info (nullptr: not looked up yet; &no_event_: no such event).
    std::vector<EventInfo*> by_type;
  };

  static constexpr int kMaxCachedType = 1 << 16;

  Layout& LayoutOf(tep_handle* tep) {
    if (last_layout_ != nullptr && last_layout_->tep == tep) return *last_layout_;
    for (auto& l : layouts_) {
      if (l->tep == tep) return *(last_layout_ = l.get());
    }
    auto l = std::make_unique<Layout>();
    l->tep = tep;
    tep_event* first = tep_get_first_event(tep);
    if (first != nullptr && tep_is_file_bigendian(tep) == tep_is_local_bigendian(tep)) {
      if (tep_format_field* type = tep_find_common_field(first, "common_type")) {
        l->direct = true;
        l->type_offset = type->offset;
        l->type_size = type->size;
        if (tep_format_field* pid = tep_find_common_field(first, "common_pid")) {
          l->has_pid = true;
          l->pid_offset = pid->offset;
          l->pid_size = pid->size;
        }
      }
    }
    layouts_.push_back(std::move(l));
    return *(last_layout_ = layouts_.back().get());
  }

  // tep_find_event_by_record, with the answer kept per type.
  EventInfo* Find(Layout& layout, tep_record* rec) {
    if (!layout.direct) {
      tep_event* event = tep_find_event_by_record(layout.tep, rec);
      return event != nullptr ? &Info(event) : nullptr;
    }
    if (!Holds(rec, layout.type_offset, layout.type_size)) return nullptr;
    const int type = static_cast<int>(
        ReadNumber(static_cast<const char*>(rec->data) + layout.type_offset, layout.type_size));
    if (type < 0 || type >= kMaxCachedType) {
      tep_event* event = tep_find_event(layout.tep, type);
      return event != nullptr ? &Info(event) : nullptr;
    }
    if (static_cast<size_t>(type) >= layout.by_type.size()) layout.by_type.resize(type + 1);
    EventInfo*& cached = layout.by_type[type];
    if (cached == nullptr) {
      tep_event* event = tep_find_event(layout.tep, type);
      cached = event != nullptr ? &Info(event) : &no_event_;
    }
    return cached != &no_event_ ? cached : nullptr;
  }

  int Pid(const Layout& layout, tep_record* rec) const {
    if (!layout.direct) return tep_data_pid(layout.tep, rec);
    if (!layout.has_pid || !Holds(rec, layout.pid_offset, layout.pid_size)) return -1;
    return static_cast<int>(
        ReadNumber(static_cast<const char*>(rec->data) + layout.pid_offset, layout.pid_size));
  }

  EventInfo& Info(tep_event* event) {
    auto it = events_.find(event);
    if (it != events_.end()) return *it->second;
    auto info = std::make_unique<EventInfo>();
    info->name = event->name != nullptr ? event->name : "";
    info->tracepoint = TracepointFromName(info->name);
    if (info->tracepoint != Tracepoint::kUnknown && event->system != nullptr &&
        TracepointSystem(info->tracepoint) != event->system) {
      info->tracepoint = Tracepoint::kUnknown;  // same name in another system
    }
    for (TraceField f : FieldsOf(info->tracepoint)) {
      std::string name(TraceFieldName(f));
      tep_format_field* format = tep_find_field(event, name.c_str());
      if (format == nullptr) continue;  // not in this kernel: the assembler decides
      EventInfo::Field field{f, format, IsSymbolicField(f), {}, {}};
      if (field.is_symbolic) FindTable(event->print_fmt.args, name, &field.symbols);
      info->fields.push_back(std::move(field));
    }
    // Fields in TraceField order: the order the parent decodes them in.
    std::sort(
        info->fields.begin(), info->fields.end(),
        [](const EventInfo::Field& a, const EventInfo::Field& b) { return a.field < b.field; });
    for (const EventInfo::Field& f : info->fields) {
      info->present |= uint32_t{1} << static_cast<int>(f.field);
    }
    return *events_.emplace(event, std::move(info)).first->second;
  }

  static int OnRecord(tracecmd_input* handle, tep_record* rec, int /*cpu*/, void* data) {
    return static_cast<DatDecoder*>(data)->Record(handle, rec);
  }

  // The number standing for a symbolic field's value, sent with its name the first time.
  uint32_t SymbolId(EventInfo::Field& f, uint64_t value) {
    auto it = f.ids.find(value);
    if (it != f.ids.end()) return it->second;
    const uint32_t id = next_symbol_++;
    f.ids.emplace(value, id);
    RenderSymbol(f.symbols, value, &rendered_);
    Encoder y(kEntrySymbol);
    y.Put(id);
    y.PutString(rendered_);
    batch_.Append(y.view());
    return id;
  }

  // Sends a record whose field `f` could not be read as a bad-record entry; returns 0 for the
  // iteration to go on.
  int BadRecord(const EventInfo& info, const EventInfo::Field& f, const tep_record* rec,
                absl::string_view why) {
    Encoder b(kEntryBad);
    b.Put(static_cast<uint64_t>(rec->offset));
    b.Put(static_cast<uint32_t>(rec->cpu));
    b.PutString(
        absl::StrCat(info.name, ": cannot read field '", AbslView(TraceFieldName(f.field)), why));
    batch_.Append(b.view());
    return 0;
  }

  int Record(tracecmd_input* handle, tep_record* rec) {
    if (++records_ % kProgressEntryEvery == 0) {
      Encoder p(kEntryProgress);
      p.Put(records_);
      batch_.Append(p.view());
      batch_.Send();
    }
    if (rec->missed_events != 0)
      skips_.lost_events += rec->missed_events > 0 ? rec->missed_events : 1;
    Layout& layout = LayoutOf(tracecmd_get_tep(handle));
    EventInfo* found = Find(layout, rec);
    if (found == nullptr) {
      ++skips_.non_event_line;
      return 0;
    }
    EventInfo& info = *found;
    if (info.tracepoint == Tracepoint::kUnknown) {
      skips_.CountUnknown(info.name);
      return 0;
    }
    if (next_symbol_ + static_cast<uint32_t>(TraceField::kNumFields) > kMaxSymbols) {
      // Numbers again from 0, between records (a record's symbols keep their numbers).
      for (auto& [event, event_info] : events_) {
        for (EventInfo::Field& field : event_info->fields) field.ids.clear();
      }
      next_symbol_ = 0;
    }
    // Symbol entries go before the record that uses them: read the values first.
    uint64_t values[static_cast<int>(TraceField::kNumFields)];
    const char* data = static_cast<const char*>(rec->data);
    for (size_t i = 0; i < info.fields.size(); ++i) {
      EventInfo::Field& f = info.fields[i];
      const int size = f.format->size;
      uint64_t v;
      unsigned long long val = 0;
      if (layout.direct && !Holds(rec, f.format->offset, size)) {
        return BadRecord(info, f, rec, "' past the end of its record");
      } else if (layout.direct && (size == 1 || size == 2 || size == 4 || size == 8)) {
        v = ReadNumber(data + f.format->offset, size);
      } else if (tep_read_number_field(f.format, rec->data, &val) != 0) {
        return BadRecord(info, f, rec, "'");
      } else {
        v = val;
      }
      if ((f.format->flags & TEP_FIELD_IS_SIGNED) && size > 0 && size < 8) {
        const int shift = 64 - 8 * size;
        v = static_cast<uint64_t>(static_cast<int64_t>(v << shift) >> shift);
      }
      if (f.is_symbolic) v = SymbolId(f, v);
      values[i] = v;
    }
    char* const start = batch_.RecordSpace();
    RawWriter w(start);
    w.Put(kEntryRecord);
    w.Put(static_cast<uint8_t>(info.tracepoint));
    w.Put(info.present);
    w.Put(static_cast<uint64_t>(rec->ts));
    w.Put(static_cast<uint32_t>(rec->cpu));
    w.Put(static_cast<int32_t>(Pid(layout, rec)));
    w.Put(static_cast<uint64_t>(rec->offset));
    for (size_t i = 0; i < info.fields.size(); ++i) {
      if (info.fields[i].is_symbolic) {
        w.Put(static_cast<uint32_t>(values[i]));
      } else {
        w.Put(values[i]);
      }
    }
    batch_.RecordWritten(w.end());
    return 0;
  }

  Batch batch_;
  uint64_t records_ = 0;
  SkipCounts skips_;
  absl::flat_hash_map<const tep_event*, std::unique_ptr<EventInfo>> events_;
  std::vector<std::unique_ptr<Layout>> layouts_;
  Layout* last_layout_ = nullptr;
  EventInfo no_event_;
  uint32_t next_symbol_ = 0;
  std::string rendered_;
};

// The parent's side: turns the child's messages into events.
class RecordSink {
 public:
  RecordSink(const std::string& input, const ImportOptions& options, EventAssembler* assembler,
             ImportStats* stats)
      : input_(input), options_(options), assembler_(assembler), stats_(stats) {}

  absl::Status OnMessage(std::string_view message) {
    Decoder d(message);
    if (d.done()) return Garbled();
    while (!d.done()) {
      const char kind = d.GetUnchecked<char>();
      if (kind == kEntryRecord) {
        RETURN_IF_ERROR(OnRecord(d));
        continue;
      }
      // Every record before another entry is added before it is acted on.
      RETURN_IF_ERROR(AddPending());
      switch (kind) {
        case kEntrySymbol: {
          uint32_t id;
          std::string_view name;
          if (!d.Get(&id) || !d.GetString(&name) || id >= kMaxSymbols || id > symbols_.size()) {
            return Garbled();
          }
          if (id == symbols_.size()) {
            symbols_.emplace_back(name);
          } else {
            symbols_[id].assign(name.data(), name.size());
          }
          break;
        }
        case kEntryBad: {
          uint64_t offset;
          uint32_t cpu;
          std::string_view what;
          if (!d.Get(&offset) || !d.Get(&cpu) || !d.GetString(&what)) return Garbled();
          RETURN_IF_ERROR(Malformed(offset, cpu, what));
          break;
        }
        case kEntryProgress: {
          uint64_t records;
          if (!d.Get(&records)) return Garbled();
          Progress(records);
          break;
        }
        case kEntrySummary:
          RETURN_IF_ERROR(OnSummary(d));
          break;
        default:
          return Garbled();
      }
    }
    return AddPending();
  }

  bool have_summary() const { return have_summary_; }
  const SkipCounts& skips() const { return skips_; }
  const std::optional<std::string>& uname() const { return uname_; }
  const std::optional<std::string>& clock() const { return clock_; }
  int32_t cpus() const { return cpus_; }

 private:
  absl::Status Garbled() const {
    return absl::InternalError(
        absl::StrCat(input_, ": garbled message from the libtracecmd child"));
  }

  void Progress(uint64_t records) {
    if (!options_.progress) return;
    // Called at multiples of kProgressEveryRecords, as the text importers do.
    while (next_progress_ <= records) {
      options_.progress(next_progress_);
      next_progress_ += kProgressEveryRecords;
    }
  }

  absl::Status Malformed(uint64_t offset, uint32_t cpu, std::string_view what) {
    if (!options_.lenient) {
      return absl::InvalidArgumentError(absl::StrCat(input_, ": record at byte offset ", offset,
                                                     " (cpu ", cpu, "): malformed ", AbslView(what),
                                                     " (use --lenient to skip malformed records)"));
    }
    ++skips_.malformed;
    return absl::OkStatus();
  }

  // Decodes a record, lets the assembler start loading what it will need for it, and adds
  // the record before it: the loads of one record overlap the work on the previous one.
  absl::Status OnRecord(Decoder& d) {
    if (d.left() < kRecordHeadBytes - 1) return Garbled();
    Pending& next = pending_[have_pending_ ? 1 - current_ : current_];
    const uint8_t tp = d.GetUnchecked<uint8_t>();
    const uint32_t present = d.GetUnchecked<uint32_t>();
    TraceRecord& r = next.record;
    r.Clear();
    r.time_ns = d.GetUnchecked<uint64_t>();
    r.cpu = d.GetUnchecked<uint32_t>();
    r.pid = d.GetUnchecked<int32_t>();
    next.offset = d.GetUnchecked<uint64_t>();
    if (tp == 0 || tp >= static_cast<uint8_t>(Tracepoint::kNumTracepoints) ||
        present >= (uint64_t{1} << static_cast<int>(TraceField::kNumFields))) {
      return Garbled();
    }
    r.tracepoint = static_cast<Tracepoint>(tp);
    for (uint32_t bits = present; bits != 0; bits &= bits - 1) {
      const TraceField f = static_cast<TraceField>(__builtin_ctz(bits));
      if (IsSymbolicField(f)) {
        uint32_t id;
        if (!d.Get(&id) || id >= symbols_.size()) return Garbled();
        r.SetSymbol(f, symbols_[id]);
      } else {
        uint64_t v;
        if (!d.Get(&v)) return Garbled();
        r.Set(f, v);
      }
    }
    assembler_->Prefetch(r);
    if (have_pending_) {
      RETURN_IF_ERROR(Add(pending_[current_]));
      current_ = 1 - current_;
    }
    have_pending_ = true;
    return absl::OkStatus();
  }

  absl::Status AddPending() {
    if (!have_pending_) return absl::OkStatus();
    have_pending_ = false;
    return Add(pending_[current_]);
  }

  struct Pending {
    TraceRecord record;
    uint64_t offset = 0;  // in the .dat, for errors
  };

  absl::Status Add(const Pending& p) {
    absl::Status error = assembler_->Add(p.record);
    if (error.ok()) return error;
    if (error.code() != absl::StatusCode::kInvalidArgument) return error;
    return Malformed(p.offset, p.record.cpu,
                     std::string_view(error.message().data(), error.message().size()));
  }

  absl::Status OnSummary(Decoder& d) {
    uint64_t records;
    uint32_t names;
    if (!d.Get(&records) || !d.Get(&skips_.unknown_event) || !d.Get(&skips_.non_event_line) ||
        !d.Get(&skips_.lost_events) || !d.Get(&names)) {
      return Garbled();
    }
    for (uint32_t i = 0; i < names; ++i) {
      std::string_view name;
      uint64_t count;
      if (!d.GetString(&name) || !d.Get(&count)) return Garbled();
      skips_.unknown_by_name[AbslView(name)] = count;
    }
    for (std::optional<std::string>* out : {&uname_, &clock_}) {
      uint8_t has;
      std::string_view s;
      if (!d.Get(&has) || !d.GetString(&s)) return Garbled();
      if (has) *out = std::string(s);
    }
    if (!d.Get(&cpus_)) return Garbled();
    Progress(records);
    stats_->input_records = records;
    have_summary_ = true;
    return absl::OkStatus();
  }

  const std::string& input_;
  const ImportOptions& options_;
  EventAssembler* assembler_;
  ImportStats* stats_;
  // The record decoded and not yet added (pending_[current_] if have_pending_), and the
  // slot the next one is decoded into.
  Pending pending_[2];
  int current_ = 0;
  bool have_pending_ = false;
  // Symbol number -> name (a deque: names keep their place while it grows).
  std::deque<std::string> symbols_;
  SkipCounts skips_;
  uint64_t next_progress_ = kProgressEveryRecords;
  bool have_summary_ = false;
  std::optional<std::string> uname_, clock_;
  int32_t cpus_ = 0;
};

class TracecmdImporter : public Importer {
 public:
  explicit TracecmdImporter(std::optional<IsolationLimits> limits) : limits_(limits) {}

  absl::Status Import(const std::string& input, const ImportOptions& options, TraceWriter* writer,
                      ImportStats* stats) override {
    ASSIGN_OR_RETURN(std::unique_ptr<InputFile> in, InputFile::Open(input));
    TempFile temp;
    std::string dat_path = input;
    const bool compressed = in->compressed();
    if (compressed) {
      RETURN_IF_ERROR(temp.CopyFrom(in.get()));
      dat_path = temp.path();
    }
    in.reset();
    RETURN_IF_ERROR(
        ValidateDatHeader(dat_path, input, compressed ? " of the decompressed data" : ""));

    IsolationLimits limits;
    if (limits_.has_value()) {
      limits = *limits_;
    } else {
      // Time grows with the file: 60 s of CPU and 1 s more per MiB (libtracecmd reads a
      // few MiB/s at worst, with a file's own zstd compression); a minute without a message
      // means a loop (the child reports progress every 65536 records).
      struct stat st;
      const uint64_t size = ::stat(dat_path.c_str(), &st) == 0 ? st.st_size : 0;
      limits.cpu_seconds = 60 + (size >> 20);
      limits.idle_timeout_seconds = 60;
    }

    AssemblerOptions aopts;
    aopts.max_physmem_bits = options.max_physmem_bits;
    aopts.infer_migrations = options.infer_migrations;
    EventAssembler assembler(writer, aopts);
    RecordSink records(input, options, &assembler, stats);
    RETURN_IF_ERROR(IsolatedCall(
        input, "libtracecmd", limits,
        [&](IsolatedSink& sink) { return DatDecoder(&sink).Run(input, dat_path, limits); },
        [&](std::string_view message) { return records.OnMessage(message); }));
    if (!records.have_summary()) {
      return absl::InternalError(absl::StrCat(input, ": the libtracecmd child sent no summary"));
    }
    RETURN_IF_ERROR(assembler.Finish());

    trace::TraceHeader* h = writer->mutable_header();
    h->set_source("tracecmd");
    if (records.uname().has_value()) {
      // "Linux <hostname> <release> <version...>", as trace-cmd record stores it.
      std::vector<std::string> parts = absl::StrSplit(*records.uname(), ' ', absl::SkipEmpty());
      if (parts.size() >= 3) {
        h->set_hostname(parts[1]);
        h->set_kernel_version(parts[2]);
      }
    }
    if (!options.kernel_version.empty()) h->set_kernel_version(options.kernel_version);
    std::string clock = "local";  // trace-cmd's default when the file does not say
    if (records.clock().has_value()) {
      // The saved trace_clock file: "[local] global counter ...", selected one in brackets.
      std::string_view s = *records.clock();
      size_t open = s.find('['), close = s.find(']');
      if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
        clock = std::string(s.substr(open + 1, close - open - 1));
      } else if (!s.empty()) {
        clock = std::string(s.substr(0, s.find_first_of(" \n")));
      }
    }
    h->set_clock(clock);
    if (h->page_size_bytes() == 0) h->set_page_size_bytes(4096);
    uint32_t cpus = static_cast<uint32_t>(std::max(0, records.cpus()));
    cpus = std::max(cpus, static_cast<uint32_t>(assembler.max_cpu() + 1));
    if (cpus > h->num_cpus()) h->set_num_cpus(cpus);
    PublishImportStats(assembler, records.skips(), writer, stats);
    return absl::OkStatus();
  }

 private:
  std::optional<IsolationLimits> limits_;
};

}  // namespace

std::unique_ptr<Importer> NewTracecmdImporter() {
  return std::make_unique<TracecmdImporter>(std::nullopt);
}

std::unique_ptr<Importer> NewTracecmdImporterWithLimits(const IsolationLimits& limits) {
  return std::make_unique<TracecmdImporter>(limits);
}

}  // namespace memsim
