#include "sim/trace/import/perf_script_line_parser.h"

#include <charconv>
#include <optional>

#include "absl/strings/str_cat.h"
#include "sim/trace/trace_format.h"

namespace memsim {

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

std::optional<uint64_t> ParseDec(std::string_view s) {
  if (!AllDigits(s)) return std::nullopt;
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 10);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// "<secs>.<fraction>:" or "<integer>:" (the time column, with its colon).
bool IsTimeToken(std::string_view t) {
  if (t.size() < 2 || t.back() != ':') return false;
  t.remove_suffix(1);
  size_t dot = t.find('.');
  if (dot == std::string_view::npos) return AllDigits(t);
  return AllDigits(t.substr(0, dot)) && AllDigits(t.substr(dot + 1));
}

// "<system>:<event>:" as evsel__name() prints a tracepoint.
bool IsTracepointToken(std::string_view t) {
  if (t.size() < 4 || t.back() != ':') return false;
  t.remove_suffix(1);
  size_t colon = t.find(':');
  return colon != std::string_view::npos && colon > 0 && colon + 1 < t.size() &&
         t.find(':', colon + 1) == std::string_view::npos;
}

// The -F misc column: PERF_RECORD_MISC_* letters (perf_sample__fprintf_start()).
bool IsMiscToken(std::string_view t) {
  if (t.empty()) return false;
  for (char c : t) {
    if (std::string_view("KUHGgMESp").find(c) == std::string_view::npos) return false;
  }
  return true;
}

struct Token {
  size_t begin;
  std::string_view text;
};

}  // namespace

PerfScriptLineParser::LineKind PerfScriptLineParser::Malformed(std::string message) {
  error_ = std::move(message);
  return LineKind::kMalformed;
}

PerfScriptLineParser::LineKind PerfScriptLineParser::Parse(std::string_view line,
                                                           TraceRecord* record) {
  size_t i = 0;
  const size_t n = line.size();
  while (i < n && IsSpace(line[i])) ++i;
  if (i == n || line[i] == '#') return LineKind::kIgnored;

  // Split into tokens until the event name: the header is a few short columns, so at most
  // kMaxHeaderTokens before it (a comm of 16 characters has at most 8 words).
  constexpr int kMaxHeaderTokens = 16;
  Token tokens[kMaxHeaderTokens + 2];
  int num_tokens = 0;
  int event_index = -1;
  size_t p = i;
  while (p < n && num_tokens < kMaxHeaderTokens + 2) {
    while (p < n && IsSpace(line[p])) ++p;
    if (p >= n) break;
    size_t start = p;
    while (p < n && !IsSpace(line[p])) ++p;
    std::string_view text = line.substr(start, p - start);
    if (text.rfind("PERF_RECORD_", 0) == 0) {
      // --show-lost-events / --show-task-events lines: "... PERF_RECORD_LOST lost 12".
      if (text == "PERF_RECORD_LOST" || text == "PERF_RECORD_LOST_SAMPLES") {
        size_t lost = line.find(" lost ", p);
        if (lost != std::string_view::npos) {
          size_t d = lost + 6;
          size_t e = d;
          while (e < n && IsDigit(line[e])) ++e;
          lost_events_ = ParseDec(line.substr(d, e - d)).value_or(0);
          return LineKind::kLostEvents;
        }
      }
      return LineKind::kIgnored;
    }
    tokens[num_tokens++] = {start, text};
    if (num_tokens >= 2 && IsTracepointToken(text)) {
      const std::string_view prev = tokens[num_tokens - 2].text;
      // The time column, or the period column (-F period) between time and event.
      if (IsTimeToken(prev) ||
          (num_tokens >= 3 && AllDigits(prev) && IsTimeToken(tokens[num_tokens - 3].text))) {
        event_index = num_tokens - 1;
        break;
      }
    }
  }
  if (event_index < 0) return LineKind::kNonEvent;

  const std::string_view event_token = tokens[event_index].text;
  std::string_view name = event_token.substr(0, event_token.size() - 1);
  name.remove_prefix(name.find(':') + 1);
  event_name_ = name;
  const Tracepoint tp = TracepointFromName(name);
  if (tp == Tracepoint::kUnknown) return LineKind::kUnknownEvent;

  int time_index = event_index - 1;
  if (!IsTimeToken(tokens[time_index].text)) --time_index;
  std::string_view time_text = tokens[time_index].text;
  time_text.remove_suffix(1);
  std::optional<uint64_t> ts = FtraceLineParser::ParseTimestampNs(time_text);
  if (!ts) {
    return Malformed(absl::StrCat("bad timestamp '", AbslView(time_text),
                                  "' (expected <secs>.<fraction> or ns, below 2^63 ns)"));
  }

  // The columns before the time, from the right: misc, [cpu], pid/tid, comm (all optional;
  // comm is whatever is left, spaces included).
  int h = time_index - 1;
  if (h >= 1 && IsMiscToken(tokens[h].text)) --h;
  uint64_t cpu = 0;
  bool has_cpu = false;
  if (h >= 0) {
    std::string_view t = tokens[h].text;
    if (t.size() >= 3 && t.front() == '[' && t.back() == ']') {
      std::optional<uint64_t> c = ParseDec(t.substr(1, t.size() - 2));
      if (!c) return Malformed(absl::StrCat("bad cpu '", AbslView(t), "'"));
      cpu = *c;
      has_cpu = true;
      --h;
    }
  }
  int32_t pid = -1;
  if (h >= 0) {
    std::string_view t = tokens[h].text;
    size_t slash = t.find('/');
    // "<pid>/<tid>" (-F pid,tid): the tid is the task, as ftrace's "<comm>-<pid>" is.
    std::string_view tid_text = slash == std::string_view::npos ? t : t.substr(slash + 1);
    std::optional<uint64_t> tid = ParseDec(tid_text);
    if (tid && (slash == std::string_view::npos || ParseDec(t.substr(0, slash)))) {
      if (*tid > static_cast<uint64_t>(INT32_MAX)) {
        return Malformed(absl::StrCat("bad tid '", AbslView(t), "'"));
      }
      pid = static_cast<int32_t>(*tid);
    }
  }
  if (cpu >= trace_format::kMaxCpus) {
    return Malformed(absl::StrCat("cpu ", cpu, " is not below ", trace_format::kMaxCpus));
  }
  if (!has_cpu) ++lines_without_cpu_;
  if (pid < 0) ++lines_without_tid_;

  record->Clear();
  record->tracepoint = tp;
  record->time_ns = *ts;
  record->cpu = static_cast<uint32_t>(cpu);
  record->pid = pid;
  const size_t fields_start = tokens[event_index].begin + event_token.size();
  std::string_view fields = fields_start < n ? line.substr(fields_start) : std::string_view();
  if (!fields_.ParseFields(fields, record)) return Malformed(fields_.error());
  return LineKind::kEvent;
}

}  // namespace memsim
