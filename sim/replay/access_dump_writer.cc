#include "sim/replay/access_dump_writer.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "sim/trace/event.h"
#include "sim/util/json_writer.h"
#include "sim/util/status_macros.h"

namespace memsim::replay {

namespace {

constexpr size_t kFlushBytes = size_t{1} << 20;

const char* KindName(hw::AccessKind kind) {
  switch (kind) {
    case hw::AccessKind::kRead:
      return "read";
    case hw::AccessKind::kWrite:
      return "write";
    case hw::AccessKind::kAtomic:
      return "atomic";
  }
  return "read";
}

}  // namespace

absl::StatusOr<DumpFormat> AccessDumpWriter::FormatFor(const std::string& path,
                                                       const std::string& format) {
  const std::string f = absl::AsciiStrToLower(format);
  if (f == "din") return DumpFormat::kDin;
  if (f == "csv") return DumpFormat::kCsv;
  if (!f.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown access dump format '", format, "' (din or csv)"));
  }
  const std::string p = absl::AsciiStrToLower(path);
  if (absl::EndsWith(p, ".din")) return DumpFormat::kDin;
  if (absl::EndsWith(p, ".csv")) return DumpFormat::kCsv;
  return absl::InvalidArgumentError(
      absl::StrCat(path,
                   ": cannot tell the access dump format from the name (end it in .din or "
                   ".csv, or give --dump_format=din|csv)"));
}

absl::StatusOr<std::unique_ptr<AccessDumpWriter>> AccessDumpWriter::Create(
    const std::string& path, DumpFormat format, uint32_t line_bytes, const OutputOptions& options) {
  if (line_bytes == 0 || (line_bytes & (line_bytes - 1)) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("access dump: line size ", line_bytes, " is not a power of two"));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<OutputFile> file, OutputFile::Create(path, options));
  std::unique_ptr<AccessDumpWriter> w(new AccessDumpWriter(std::move(file), format, line_bytes));
  if (format == DumpFormat::kCsv) w->buffer_ = "time_ns,cpu,address,size,kind,event_kind\n";
  return w;
}

void AccessDumpWriter::Write(double time_ns, int core, trace::EventKind event_kind,
                             const hw::MemoryAccess* accesses, size_t n) {
  if (format_ == DumpFormat::kDin) {
    const uint64_t mask = ~uint64_t{line_bytes_ - 1};
    for (size_t i = 0; i < n; ++i) {
      const hw::MemoryAccess& a = accesses[i];
      const char* label = a.kind == hw::AccessKind::kRead ? "0 " : "1 ";
      const uint64_t last = a.address + (a.bytes == 0 ? 0 : a.bytes - 1);
      for (uint64_t addr = a.address;;) {
        absl::StrAppend(&buffer_, label, absl::Hex(addr), "\n");
        ++records_;
        const uint64_t next = (addr & mask) + line_bytes_;
        if (next > last || next == 0) break;
        addr = next;
      }
    }
  } else {
    const std::string prefix = absl::StrCat(ShortestDouble(time_ns), ",", core, ",");
    const std::string suffix = absl::StrCat(",", EventKindKey(event_kind), "\n");
    for (size_t i = 0; i < n; ++i) {
      const hw::MemoryAccess& a = accesses[i];
      absl::StrAppend(&buffer_, prefix, "0x", absl::Hex(a.address), ",",
                      a.bytes == 0 ? 1u : a.bytes, ",", KindName(a.kind), suffix);
      ++records_;
    }
  }
  if (buffer_.size() >= kFlushBytes) Flush();
}

void AccessDumpWriter::Flush() {
  if (status_.ok() && !buffer_.empty()) status_ = file_->Append(buffer_);
  buffer_.clear();
}

absl::Status AccessDumpWriter::Finish() {
  Flush();
  RETURN_IF_ERROR(status_);
  return file_->Commit();
}

}  // namespace memsim::replay
