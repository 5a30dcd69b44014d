#include "sim/validate/kernel_timing_reader.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sim/trace/import/ftrace_line_parser.h"
#include "sim/trace/import/trace_record.h"
#include "sim/util/input_file.h"
#include "sim/util/status_macros.h"

namespace memsim::validate {
namespace {

// The last event seen on one CPU.
struct CpuState {
  bool valid = false;
  bool idle_scan = false;  // an isolate_migratepages with nr_taken=0
  int32_t pid = -1;
  uint64_t time_ns = 0;
};

struct PendingBatch {
  uint64_t time_ns = 0;
  uint32_t cpu = 0;
};

uint64_t ValueOr(const TraceRecord& r, TraceField f, uint64_t fallback) {
  return r.Has(f) ? r.value(f) : fallback;
}

}  // namespace

absl::StatusOr<KernelTimings> KernelTimingReader::ReadFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<InputFile> file, InputFile::Open(path));
  LineReader reader(std::move(file));
  FtraceLineParser parser;
  TraceRecord record;
  KernelTimings t;
  t.path = path;
  std::vector<CpuState> cpus;
  absl::flat_hash_map<int32_t, bool> in_run;  // pid -> inside begin..end
  absl::flat_hash_map<int32_t, PendingBatch> pending;
  std::string_view line;
  for (;;) {
    ASSIGN_OR_RETURN(bool more, reader.Next(&line));
    if (!more) break;
    ++t.lines;
    const FtraceLineParser::LineKind kind = parser.Parse(line, &record);
    switch (kind) {
      case FtraceLineParser::LineKind::kIgnored:
      case FtraceLineParser::LineKind::kNonEvent:
        continue;
      case FtraceLineParser::LineKind::kLostEvents:
        t.lost_events += parser.lost_events();
        for (CpuState& c : cpus) c.valid = false;
        continue;
      case FtraceLineParser::LineKind::kMalformed:
        return absl::InvalidArgumentError(
            absl::StrCat(reader.path(), ":", reader.line_number(), ": malformed ",
                         AbslView(parser.event_name()), ": ", parser.error()));
      case FtraceLineParser::LineKind::kUnknownEvent:
      case FtraceLineParser::LineKind::kEvent:
        break;
    }
    ++t.event_lines;
    // kUnknownEvent leaves `record` as it was: only its CPU and time matter, and those the
    // parser does not report, so an unknown event cannot break a chain. It is rare in a
    // capture of memsim's events (tools/record enables only those).
    if (kind == FtraceLineParser::LineKind::kUnknownEvent) continue;
    if (record.time_ns % 1000 != 0) t.microsecond_timestamps = false;
    if (record.cpu >= cpus.size()) cpus.resize(record.cpu + 1);
    CpuState& cpu = cpus[record.cpu];
    const CpuState prev = cpu;
    cpu.valid = true;
    cpu.idle_scan = false;
    cpu.pid = record.pid;
    cpu.time_ns = record.time_ns;
    switch (record.tracepoint) {
      case Tracepoint::kMmCompactionBegin:
        ++t.compaction_runs;
        in_run[record.pid] = true;
        break;
      case Tracepoint::kMmCompactionEnd:
        in_run[record.pid] = false;
        break;
      case Tracepoint::kIsolateMigratepages: {
        ++t.isolate_migratepages;
        const uint64_t start = ValueOr(record, TraceField::kStartPfn, 0);
        const uint64_t end = ValueOr(record, TraceField::kEndPfn, 0);
        cpu.idle_scan = ValueOr(record, TraceField::kNrTaken, 1) == 0 && end > start;
        auto run = in_run.find(record.pid);
        if (!cpu.idle_scan || run == in_run.end() || !run->second) break;
        if (!prev.valid || !prev.idle_scan || prev.pid != record.pid) break;
        if (record.time_ns < prev.time_ns) {
          ++t.backwards_timestamps;
          break;
        }
        PageblockScan s;
        s.line = reader.line_number();
        s.cpu = record.cpu;
        s.pid = record.pid;
        s.start_pfn = start;
        s.end_pfn = end;
        s.nr_scanned = ValueOr(record, TraceField::kNrScanned, 0);
        s.ns = record.time_ns - prev.time_ns;
        t.scans.push_back(s);
        break;
      }
      case Tracepoint::kMmMigratePagesStart:
        pending[record.pid] = PendingBatch{record.time_ns, record.cpu};
        break;
      case Tracepoint::kMmMigratePages: {
        auto it = pending.find(record.pid);
        if (it == pending.end()) {
          ++t.batches_without_start;
          break;
        }
        const PendingBatch start = it->second;
        pending.erase(it);
        if (record.time_ns < start.time_ns) {
          ++t.backwards_timestamps;
          break;
        }
        MigrationBatch b;
        b.line = reader.line_number();
        b.pid = record.pid;
        b.start_cpu = start.cpu;
        b.end_cpu = record.cpu;
        b.succeeded = ValueOr(record, TraceField::kSucceeded, 0);
        b.failed = ValueOr(record, TraceField::kFailed, 0);
        if (record.Has(TraceField::kReason))
          b.reason = std::string(record.symbol(TraceField::kReason));
        b.ns = record.time_ns - start.time_ns;
        if (b.succeeded == 0) {
          ++t.batches_without_pages;
        } else {
          t.batches.push_back(std::move(b));
        }
        break;
      }
      default:
        break;
    }
  }
  if (t.lines == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(reader.path(), ": empty file: no ftrace event lines"));
  }
  if (t.event_lines == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(reader.path(), ": no ftrace event lines in ", t.lines,
                     " lines (expected '<task>-<pid> [<cpu>] <timestamp>: <event>: ...')"));
  }
  return t;
}

}  // namespace memsim::validate
