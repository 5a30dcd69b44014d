#include "sim/trace/import/ftrace_line_parser.h"

#include <charconv>
#include <optional>

#include "absl/strings/str_cat.h"
#include "sim/trace/trace_format.h"

namespace memsim {

namespace {

using F = TraceField;

// How the text of one printed key becomes a field.
enum class Format : uint8_t {
  kHexOrDec,  // "0x1a2b" or "6699" (pfns: hex since Linux 5.x, decimal before)
  kHex,       // "%lx": hex with or without "0x"
  kDec,       // unsigned decimal
  kSigned,    // signed decimal (stored two's complement)
  kSymbol,    // a name or "A|B|C" list, kept as text
  kRange,     // "(0x1 ~ 0x200)" -> kStartPfn, kEndPfn
  kSyncMode,  // "sync" / "async" -> kSync 1 / 0
  kAddress,   // "%ps": a hex address, or a symbol name (then 0)
};

struct KeySpec {
  std::string_view key;
  TraceField field;
  Format format;
};

struct EventSpec {
  const KeySpec* keys;
  int num_keys;
};

// Print formats: include/trace/events/{kmem,exceptions,migrate,compaction}.h, Linux 6.x,
// and the tracefs `format` files of the recorded kernel. Keys not listed ("page=", "nr_split=",
// "cold=") are ignored.
constexpr KeySpec kAlloc[] = {{"pfn", F::kPfn, Format::kHexOrDec},
                              {"order", F::kOrder, Format::kDec},
                              {"migratetype", F::kMigratetype, Format::kSigned},
                              {"gfp_flags", F::kGfpFlags, Format::kSymbol}};
constexpr KeySpec kFree[] = {{"pfn", F::kPfn, Format::kHexOrDec},
                             {"order", F::kOrder, Format::kDec}};
constexpr KeySpec kFreeBatched[] = {{"pfn", F::kPfn, Format::kHexOrDec}};
constexpr KeySpec kFault[] = {{"address", F::kAddress, Format::kAddress},
                              {"ip", F::kIp, Format::kAddress},
                              {"error_code", F::kErrorCode, Format::kHexOrDec}};
constexpr KeySpec kMigrateStart[] = {{"mode", F::kMode, Format::kSymbol},
                                     {"reason", F::kReason, Format::kSymbol}};
constexpr KeySpec kMigratePages[] = {{"nr_succeeded", F::kSucceeded, Format::kDec},
                                     {"nr_failed", F::kFailed, Format::kDec},
                                     {"nr_thp_succeeded", F::kThpSucceeded, Format::kDec},
                                     {"nr_thp_failed", F::kThpFailed, Format::kDec},
                                     {"nr_thp_split", F::kThpSplit, Format::kDec},
                                     {"mode", F::kMode, Format::kSymbol},
                                     {"reason", F::kReason, Format::kSymbol}};
constexpr KeySpec kMigrationPte[] = {{"addr", F::kAddr, Format::kHex},
                                     {"pte", F::kPte, Format::kHex},
                                     {"order", F::kOrder, Format::kSigned}};
constexpr KeySpec kCompaction[] = {{"zone_start", F::kZoneStart, Format::kHexOrDec},
                                   {"migrate_pfn", F::kMigratePfn, Format::kHexOrDec},
                                   {"free_pfn", F::kFreePfn, Format::kHexOrDec},
                                   {"zone_end", F::kZoneEnd, Format::kHexOrDec},
                                   {"mode", F::kSync, Format::kSyncMode},
                                   {"status", F::kStatus, Format::kSymbol}};
constexpr KeySpec kIsolate[] = {{"range", F::kStartPfn, Format::kRange},
                                {"nr_scanned", F::kNrScanned, Format::kDec},
                                {"nr_taken", F::kNrTaken, Format::kDec}};
constexpr KeySpec kCompactionMigrate[] = {{"nr_migrated", F::kNrMigrated, Format::kDec},
                                          {"nr_failed", F::kNrFailed, Format::kDec}};

template <int N>
constexpr EventSpec Spec(const KeySpec (&keys)[N]) {
  return EventSpec{keys, N};
}

constexpr EventSpec kSpecs[] = {
    {nullptr, 0},              // kUnknown
    Spec(kAlloc),              // kMmPageAlloc
    Spec(kFree),               // kMmPageFree
    Spec(kFreeBatched),        // kMmPageFreeBatched
    Spec(kFault),              // kPageFaultUser
    Spec(kMigrateStart),       // kMmMigratePagesStart
    Spec(kMigratePages),       // kMmMigratePages
    Spec(kMigrationPte),       // kSetMigrationPte
    Spec(kMigrationPte),       // kRemoveMigrationPte
    Spec(kCompaction),         // kMmCompactionBegin
    Spec(kCompaction),         // kMmCompactionEnd
    Spec(kIsolate),            // kIsolateMigratepages
    Spec(kIsolate),            // kIsolateFreepages
    Spec(kCompactionMigrate),  // kCompactionMigratepages
};
static_assert(sizeof(kSpecs) / sizeof(kSpecs[0]) ==
              static_cast<size_t>(Tracepoint::kNumTracepoints));

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The whole of `s` as an unsigned number in base 10 or 16: what std::from_chars accepts (digits
// only: no sign, prefix or space; any number of leading zeros; nothing if the value passes
// 2^64 - 1), without its run-time base dispatch (it was the parser's costliest call).
std::optional<uint64_t> ParseUnsigned(std::string_view s, int base) {
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  if (base == 10) {
    for (const char c : s) {
      const unsigned d = static_cast<unsigned>(static_cast<unsigned char>(c)) - '0';
      if (d > 9) return std::nullopt;
      if (__builtin_mul_overflow(v, uint64_t{10}, &v) || __builtin_add_overflow(v, d, &v)) {
        return std::nullopt;
      }
    }
    return v;
  }
  for (const char c : s) {
    unsigned d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    if ((v >> 60) != 0) return std::nullopt;
    v = v << 4 | d;
  }
  return v;
}

bool HasHexPrefix(std::string_view s) {
  return s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

std::optional<uint64_t> ParseHexOrDec(std::string_view s) {
  if (HasHexPrefix(s)) return ParseUnsigned(s.substr(2), 16);
  return ParseUnsigned(s, 10);
}

std::optional<uint64_t> ParseHex(std::string_view s) {
  if (HasHexPrefix(s)) s.remove_prefix(2);
  return ParseUnsigned(s, 16);
}

std::optional<uint64_t> ParseSigned(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 10);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return static_cast<uint64_t>(v);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<uint64_t> FtraceLineParser::ParseTimestampNs(std::string_view s) {
  size_t dot = s.find('.');
  if (dot == std::string_view::npos) {
    std::optional<uint64_t> v = ParseUnsigned(s, 10);
    if (v && *v > trace_format::kMaxTimeNs) return std::nullopt;
    return v;
  }
  std::optional<uint64_t> secs = ParseUnsigned(s.substr(0, dot), 10);
  std::string_view frac = s.substr(dot + 1);
  if (!secs || frac.empty() || frac.size() > 9) return std::nullopt;
  std::optional<uint64_t> f = ParseUnsigned(frac, 10);
  if (!f) return std::nullopt;
  uint64_t scale = 1;
  for (size_t i = frac.size(); i < 9; ++i) scale *= 10;
  constexpr uint64_t kNsPerSec = 1'000'000'000;
  // *f * scale < 10^9, so the sum stays below kMaxTimeNs + 1 when secs is in range.
  if (*secs > (trace_format::kMaxTimeNs - kNsPerSec) / kNsPerSec) return std::nullopt;
  return *secs * kNsPerSec + *f * scale;
}

FtraceLineParser::LineKind FtraceLineParser::Malformed(std::string message) {
  error_ = std::move(message);
  return LineKind::kMalformed;
}

FtraceLineParser::LineKind FtraceLineParser::Parse(std::string_view line, TraceRecord* record) {
  size_t i = 0;
  const size_t n = line.size();
  while (i < n && (line[i] == ' ' || line[i] == '\t')) ++i;
  if (i == n || line[i] == '#') return LineKind::kIgnored;
  std::string_view rest = line.substr(i);
  if (rest.substr(0, 5) == "cpus=") {
    // A count above kMaxCpus is not believed (the events' own CPU ids still count).
    auto c = ParseUnsigned(Trim(rest.substr(5)), 10);
    if (c && *c <= trace_format::kMaxCpus) header_cpus_ = static_cast<uint32_t>(*c);
    return LineKind::kIgnored;
  }
  if (rest.substr(0, 4) == "CPU:" || rest.substr(0, 4) == "CPU ") {
    size_t lost = rest.find("[LOST ");
    if (lost == std::string_view::npos) return LineKind::kIgnored;  // "CPU 0 is empty"
    std::string_view num = rest.substr(lost + 6);
    size_t sp = num.find(' ');
    lost_events_ = ParseUnsigned(num.substr(0, sp), 10).value_or(0);
    return LineKind::kLostEvents;
  }

  // The CPU field: the first " [digits]" followed by a space.
  size_t open = i;
  size_t close = 0;
  for (;;) {
    open = line.find('[', open);
    if (open == std::string_view::npos) return LineKind::kNonEvent;
    size_t j = open + 1;
    while (j < n && IsDigit(line[j])) ++j;
    if (open > i && line[open - 1] == ' ' && j > open + 1 && j < n && line[j] == ']' &&
        (j + 1 == n || line[j + 1] == ' ')) {
      close = j;
      break;
    }
    ++open;
  }
  // A CPU number too large for u64 reads as kNoCpu and is rejected below.
  constexpr uint64_t kNoCpu = ~uint64_t{0};
  const uint64_t cpu = ParseUnsigned(line.substr(open + 1, close - open - 1), 10).value_or(kNoCpu);
  // "<task>-<pid>" ends just before the spaces preceding '['.
  int32_t pid = -1;
  {
    size_t k = open;
    while (k > i && line[k - 1] == ' ') --k;
    size_t digits_end = k;
    while (k > i && IsDigit(line[k - 1])) --k;
    if (k < digits_end && k > i && line[k - 1] == '-') {
      pid = static_cast<int32_t>(ParseUnsigned(line.substr(k, digits_end - k), 10).value_or(0));
    }
  }

  // Optional flags ("d..1."), then the timestamp token ending in ':'.
  size_t p = close + 1;
  std::string_view ts_token;
  for (int tokens = 0; tokens < 2; ++tokens) {
    while (p < n && line[p] == ' ') ++p;
    size_t start = p;
    while (p < n && line[p] != ' ') ++p;
    std::string_view tok = line.substr(start, p - start);
    if (!tok.empty() && tok.back() == ':') {
      ts_token = tok.substr(0, tok.size() - 1);
      break;
    }
  }
  if (ts_token.empty()) return LineKind::kNonEvent;

  // The event name up to ": " (or ':' at the end); "system:event" is accepted.
  while (p < n && line[p] == ' ') ++p;
  size_t name_start = p;
  size_t colon = std::string_view::npos;
  for (size_t q = p; q < n; ++q) {
    if (line[q] == ' ') break;
    if (line[q] == ':' && (q + 1 == n || line[q + 1] == ' ')) {
      colon = q;
      break;
    }
  }
  if (colon == std::string_view::npos || colon == name_start) return LineKind::kNonEvent;
  std::string_view name = line.substr(name_start, colon - name_start);
  if (size_t sys = name.rfind(':'); sys != std::string_view::npos) name.remove_prefix(sys + 1);
  event_name_ = name;

  const Tracepoint tp = TracepointFromName(name);
  if (tp == Tracepoint::kUnknown) return LineKind::kUnknownEvent;

  std::optional<uint64_t> ts = ParseTimestampNs(ts_token);
  if (!ts) {
    return Malformed(absl::StrCat("bad timestamp '", AbslView(ts_token),
                                  "' (expected <secs>.<fraction> or ns, below 2^63 ns)"));
  }
  if (cpu >= trace_format::kMaxCpus) {
    return Malformed(absl::StrCat("cpu ", cpu, " is not below ", trace_format::kMaxCpus));
  }
  record->Clear();
  record->tracepoint = tp;
  record->time_ns = *ts;
  record->cpu = static_cast<uint32_t>(cpu);
  record->pid = pid;
  std::string_view fields = colon + 1 < n ? line.substr(colon + 1) : std::string_view();
  if (!ParseFields(fields, record)) return LineKind::kMalformed;
  return LineKind::kEvent;
}

bool FtraceLineParser::ParseFields(std::string_view s, TraceRecord* record) {
  const EventSpec& spec = kSpecs[static_cast<int>(record->tracepoint)];
  size_t p = 0;
  const size_t n = s.size();
  while (p < n) {
    while (p < n && s[p] == ' ') ++p;
    if (p >= n) break;
    size_t key_start = p;
    while (p < n && s[p] != '=' && s[p] != ' ') ++p;
    if (p >= n || s[p] != '=') continue;  // a word without '=': not a field
    std::string_view key = s.substr(key_start, p - key_start);
    ++p;
    size_t value_start = p;
    if (p < n && s[p] == '(') {
      size_t close = s.find(')', p);
      if (close == std::string_view::npos) {
        Malformed(absl::StrCat("unterminated '(' in value of '", AbslView(key), "'"));
        return false;
      }
      p = close + 1;
    } else {
      while (p < n && s[p] != ' ') ++p;
    }
    std::string_view value = s.substr(value_start, p - value_start);
    if (!value.empty() && value.back() == ',') value.remove_suffix(1);  // "addr=%lx, pte=..."

    const KeySpec* ks = nullptr;
    for (int k = 0; k < spec.num_keys; ++k) {
      if (spec.keys[k].key == key) {
        ks = &spec.keys[k];
        break;
      }
    }
    if (ks == nullptr) continue;
    std::optional<uint64_t> v;
    switch (ks->format) {
      case Format::kHexOrDec:
        v = ParseHexOrDec(value);
        break;
      case Format::kHex:
        v = ParseHex(value);
        break;
      case Format::kDec:
        v = ParseUnsigned(value, 10);
        break;
      case Format::kSigned:
        v = ParseSigned(value);
        break;
      case Format::kAddress:
        v = ParseHexOrDec(value);
        if (!v && !value.empty()) v = 0;  // %ps printed a symbol name
        break;
      case Format::kSymbol:
        if (value.empty()) break;
        record->SetSymbol(ks->field, value);
        continue;
      case Format::kSyncMode:
        if (value == "sync") v = 1;
        if (value == "async") v = 0;
        break;
      case Format::kRange: {
        if (value.size() < 2 || value.front() != '(' || value.back() != ')') break;
        std::string_view inner = value.substr(1, value.size() - 2);
        size_t tilde = inner.find('~');
        if (tilde == std::string_view::npos) break;
        auto a = ParseHexOrDec(Trim(inner.substr(0, tilde)));
        auto b = ParseHexOrDec(Trim(inner.substr(tilde + 1)));
        if (!a || !b) break;
        record->Set(F::kStartPfn, *a);
        record->Set(F::kEndPfn, *b);
        continue;
      }
    }
    if (!v) {
      Malformed(absl::StrCat("bad value '", AbslView(value), "' for '", AbslView(key), "'"));
      return false;
    }
    record->Set(ks->field, *v);
  }
  return true;
}

}  // namespace memsim
