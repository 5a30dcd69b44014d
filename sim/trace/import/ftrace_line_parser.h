// Parses one line of ftrace text into a TraceRecord, without allocating. Accepts both
// layouts the kernel and trace-cmd print:
//   trace_pipe / trace:   "<task>-<pid> [<cpu>] <flags> <secs>.<usecs>: <event>: <fields>"
//   trace-cmd report:     "<task>-<pid> [<cpu>] <secs>.<usecs|nsecs>: <event>: <fields>"
// (task names may contain spaces and dashes; an event may be written "system:event"), with
// pfns in hex ("pfn=0x1a2b", Linux >= 5.x) or decimal ("pfn=6699", older kernels).
#ifndef MEMSIM_SIM_TRACE_IMPORT_FTRACE_LINE_PARSER_H_
#define MEMSIM_SIM_TRACE_IMPORT_FTRACE_LINE_PARSER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sim/trace/import/trace_record.h"

namespace memsim {

class FtraceLineParser {
 public:
  enum class LineKind {
    kEvent,         // a known tracepoint, *record filled
    kIgnored,       // blank, "#" comment, trace-cmd header ("cpus=2", "CPU 0 is empty")
    kLostEvents,    // "CPU:1 [LOST 42 EVENTS]": lost_events() says how many
    kUnknownEvent,  // an event line of a tracepoint we do not import: event_name()
    kNonEvent,      // not an event line and not a known header
    kMalformed,     // a known tracepoint whose line does not parse: error()
  };

  // `record` views into `line`; both must stay alive while the record is used.
  LineKind Parse(std::string_view line, TraceRecord* record);

  std::string_view event_name() const { return event_name_; }
  uint64_t lost_events() const { return lost_events_; }
  // What was wrong with the last kMalformed line.
  const std::string& error() const { return error_; }
  // CPU count from a trace-cmd "cpus=N" header, 0 if none seen.
  uint32_t header_cpus() const { return header_cpus_; }

  // Parses the printed fields of one tracepoint ("pfn=0x1a2b order=0 ...", the kernel's
  // TP_printk output, which `perf script` prints too) into `record`, whose tracepoint must
  // be set. False if a known key has a bad value: error() says which. Keys the tracepoint
  // does not use are ignored. Shared with PerfScriptLineParser.
  bool ParseFields(std::string_view fields, TraceRecord* record);

  // "<secs>.<fraction>" (up to 9 digits) -> ns; a plain integer (counter / x86-tsc clocks)
  // is taken as is. nullopt if it does not parse or exceeds trace_format::kMaxTimeNs.
  static std::optional<uint64_t> ParseTimestampNs(std::string_view s);

 private:
  LineKind Malformed(std::string message);

  std::string_view event_name_;
  uint64_t lost_events_ = 0;
  uint32_t header_cpus_ = 0;
  std::string error_;
};

}  // namespace memsim

#endif  // MEMSIM_SIM_TRACE_IMPORT_FTRACE_LINE_PARSER_H_
