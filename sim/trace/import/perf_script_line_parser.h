// Parses one line of `perf script` text of tracepoint samples into a TraceRecord, without
// allocating. The layout is the one of tools/perf/builtin-script.c
// (perf_sample__fprintf_start(), then the event name and the tracepoint's TP_printk text):
//   default:   "<comm> <tid> [<cpu>] <secs>.<usecs>: <system>:<event>: <fields>"
//   -F variants: any of comm, pid, tid ("<pid>/<tid>" when both), cpu ("[NNN]"), misc, then
//   time ("<secs>.<usecs>", or nanoseconds with --ns) and period, event and trace;
// "comm" is right-aligned in 16 columns and may contain spaces. The fields after the event
// name are the kernel's TP_printk output rendered by libtraceevent, the same text ftrace
// prints, and are parsed by FtraceLineParser::ParseFields.
#ifndef MEMSIM_SIM_TRACE_IMPORT_PERF_SCRIPT_LINE_PARSER_H_
#define MEMSIM_SIM_TRACE_IMPORT_PERF_SCRIPT_LINE_PARSER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "sim/trace/import/ftrace_line_parser.h"
#include "sim/trace/import/trace_record.h"

namespace memsim {

class PerfScriptLineParser {
 public:
  using LineKind = FtraceLineParser::LineKind;

  // `record` views into `line`; both must stay alive while the record is used. kLostEvents
  // for a `--show-lost-events` line ("PERF_RECORD_LOST lost N", "PERF_RECORD_LOST_SAMPLES
  // lost N").
  LineKind Parse(std::string_view line, TraceRecord* record);

  std::string_view event_name() const { return event_name_; }
  uint64_t lost_events() const { return lost_events_; }
  // What was wrong with the last kMalformed line.
  const std::string& error() const { return error_; }
  // Event lines so far without a "[cpu]" field (taken as cpu 0) or without a tid (pid -1:
  // their faults get no pfn).
  uint64_t lines_without_cpu() const { return lines_without_cpu_; }
  uint64_t lines_without_tid() const { return lines_without_tid_; }

 private:
  LineKind Malformed(std::string message);

  FtraceLineParser fields_;
  std::string_view event_name_;
  uint64_t lost_events_ = 0;
  uint64_t lines_without_cpu_ = 0;
  uint64_t lines_without_tid_ = 0;
  std::string error_;
};

}  // namespace memsim

#endif  // MEMSIM_SIM_TRACE_IMPORT_PERF_SCRIPT_LINE_PARSER_H_
