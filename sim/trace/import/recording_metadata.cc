#include "sim/trace/import/recording_metadata.h"

#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "sim/trace/trace_format.h"
#include "sim/util/input_file.h"
#include "sim/util/status_macros.h"

namespace memsim {

namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

absl::StatusOr<uint64_t> Number(absl::string_view value, const std::string& where,
                                absl::string_view what) {
  uint64_t v = 0;
  if (!absl::SimpleAtoi(value, &v)) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": ", what, " '", value, "' is not a non-negative integer"));
  }
  return v;
}

// "node<N>_<rest>" -> N and rest.
bool NodeKey(absl::string_view key, uint32_t* node, absl::string_view* rest) {
  if (!absl::ConsumePrefix(&key, "node")) return false;
  size_t us = key.find('_');
  if (us == absl::string_view::npos) return false;
  if (!absl::SimpleAtoi(key.substr(0, us), node)) return false;
  *rest = key.substr(us + 1);
  return true;
}

// The name of `input` without ".zst" and one more extension.
std::string Stem(const std::string& name) {
  std::string s = name;
  if (absl::EndsWith(s, ".zst")) s.resize(s.size() - 4);
  size_t dot = s.rfind('.');
  if (dot != std::string::npos && dot > 0) s.resize(dot);
  return s;
}

bool NamesInput(const RecordingMetadata& m, const std::string& input_name) {
  const std::string trace_file = m.Get("trace_file");
  if (trace_file.empty()) return true;
  std::string plain = input_name;
  if (absl::EndsWith(plain, ".zst")) plain.resize(plain.size() - 4);
  return trace_file == input_name || trace_file == plain;
}

}  // namespace

absl::StatusOr<RecordingMetadata> RecordingMetadata::Read(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  RecordingMetadata m;
  m.path_ = path;
  std::map<uint32_t, trace::NodeRange> nodes;
  std::map<std::pair<uint32_t, std::string>, trace::ZoneRange> zones;
  std::map<std::pair<uint32_t, std::string>, uint64_t> managed;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    const std::string where = absl::StrCat(path, ":", line_number);
    size_t eq = line.find('=');
    if (eq == absl::string_view::npos || eq == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": expected key=value, got '", line, "'"));
    }
    absl::string_view key = line.substr(0, eq);
    absl::string_view value = line.substr(eq + 1);
    m.entries_.emplace_back(std::string(key), std::string(value));

    uint32_t node = 0;
    absl::string_view rest;
    if (key == "nproc" && !value.empty()) {
      ASSIGN_OR_RETURN(uint64_t v, Number(value, where, key));
      if (v > trace_format::kMaxCpus) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": nproc ", v, " exceeds ", trace_format::kMaxCpus));
      }
      m.nproc_ = static_cast<uint32_t>(v);
    } else if (key == "page_size" && !value.empty()) {
      ASSIGN_OR_RETURN(uint64_t v, Number(value, where, key));
      if (v == 0 || v > trace_format::kMaxPageSizeBytes || (v & (v - 1)) != 0) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": page_size ", v,
                                                       " is not a power of two up to ",
                                                       trace_format::kMaxPageSizeBytes));
      }
      m.page_size_ = static_cast<uint32_t>(v);
    } else if ((key == "truncated" || key == "interrupted") && !value.empty()) {
      ASSIGN_OR_RETURN(uint64_t v, Number(value, where, key));
      if (v != 0) m.truncated_ = true;
    } else if (key == "lost_events" && !value.empty()) {
      ASSIGN_OR_RETURN(m.lost_events_, Number(value, where, key));
    } else if (NodeKey(key, &node, &rest)) {
      if (node >= trace_format::kMaxNodes) {
        // The kpageflags importer's wording for the same .meta line.
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": bad node id in '", key, "' (ids are below ", trace_format::kMaxNodes, ")"));
      }
      if (rest == "pfn_range") {
        // "S-E", end exclusive.
        std::pair<absl::string_view, absl::string_view> se = absl::StrSplit(value, '-');
        uint64_t s = 0, e = 0;
        if (!absl::SimpleAtoi(se.first, &s) || !absl::SimpleAtoi(se.second, &e) || s > e ||
            e > trace_format::kPfnLimit) {
          return absl::InvalidArgumentError(absl::StrCat(
              where, ": ", key, " '", value, "' is not START-END with START <= END <= 2^52"));
        }
        trace::NodeRange& r = nodes[node];
        r.set_node_id(node);
        r.set_start_pfn(s);
        r.set_end_pfn(e);
      } else if (absl::ConsumePrefix(&rest, "zone_")) {
        if (absl::ConsumeSuffix(&rest, "_managed")) {
          ASSIGN_OR_RETURN(uint64_t pages, Number(value, where, key));
          managed[std::make_pair(node, std::string(rest))] = pages;
        } else {
          // "start+spanned/present".
          size_t plus = value.find('+');
          size_t slash = value.find('/');
          uint64_t start = 0, spanned = 0, present = 0;
          if (plus == absl::string_view::npos || slash == absl::string_view::npos || slash < plus ||
              !absl::SimpleAtoi(value.substr(0, plus), &start) ||
              !absl::SimpleAtoi(value.substr(plus + 1, slash - plus - 1), &spanned) ||
              !absl::SimpleAtoi(value.substr(slash + 1), &present) ||
              start > trace_format::kPfnLimit || spanned > trace_format::kPfnLimit - start) {
            return absl::InvalidArgumentError(
                absl::StrCat(where, ": ", key, " '", value, "' is not START_PFN+SPANNED/PRESENT"));
          }
          trace::ZoneRange& z = zones[{node, std::string(rest)}];
          z.set_node_id(node);
          z.set_name(std::string(rest));
          z.set_start_pfn(start);
          z.set_spanned_pages(spanned);
          z.set_present_pages(present);
        }
      }
    }
  }
  for (auto& [id, r] : nodes) m.nodes_.push_back(r);
  for (auto& [key, z] : zones) {
    auto it = managed.find(key);
    if (it != managed.end()) z.set_managed_pages(it->second);
    m.zones_.push_back(z);
  }
  std::sort(m.zones_.begin(), m.zones_.end(),
            [](const trace::ZoneRange& a, const trace::ZoneRange& b) {
              return std::make_pair(a.node_id(), a.start_pfn()) <
                     std::make_pair(b.node_id(), b.start_pfn());
            });
  return m;
}

absl::StatusOr<std::optional<RecordingMetadata>> RecordingMetadata::FindBeside(
    const std::string& input, std::string* skipped) {
  if (input == "-" || input.empty()) return std::nullopt;
  if (Exists(input + ".meta")) {
    ASSIGN_OR_RETURN(RecordingMetadata m, Read(input + ".meta"));
    return std::optional<RecordingMetadata>(std::move(m));
  }
  const std::filesystem::path p(input);
  const std::string name = p.filename().string();
  const std::filesystem::path dir = p.parent_path();
  for (const std::string& candidate :
       {(dir / (Stem(name) + ".metadata.txt")).string(), (dir / "metadata.txt").string()}) {
    if (!Exists(candidate)) continue;
    ASSIGN_OR_RETURN(RecordingMetadata m, Read(candidate));
    if (!NamesInput(m, name)) {
      if (skipped != nullptr) *skipped = candidate;
      continue;
    }
    return std::optional<RecordingMetadata>(std::move(m));
  }
  return std::nullopt;
}

std::string RecordingMetadata::Get(const std::string& key) const {
  for (const auto& [k, v] : entries_) {
    if (k == key) return v;
  }
  return "";
}

void RecordingMetadata::ApplyTo(trace::TraceHeader* header, bool keep_clock) const {
  const std::string kernel = Get("kernel");
  if (header->kernel_version().empty() && !kernel.empty()) header->set_kernel_version(kernel);
  const std::string hostname = Get("hostname");
  if (header->hostname().empty() && !hostname.empty()) header->set_hostname(hostname);
  if (nproc_ > header->num_cpus()) header->set_num_cpus(nproc_);
  if (header->page_size_bytes() == 0 && page_size_ != 0) header->set_page_size_bytes(page_size_);
  if (header->nodes_size() == 0) {
    for (const trace::NodeRange& r : nodes_) *header->add_nodes() = r;
  }
  if (header->zones_size() == 0) {
    for (const trace::ZoneRange& z : zones_) *header->add_zones() = z;
  }
  auto& attributes = *header->mutable_attributes();
  const std::string clock = Get("trace_clock");
  if (!keep_clock && !clock.empty() &&
      (header->clock().empty() || attributes.contains("clock_assumed"))) {
    header->set_clock(clock);
    attributes.erase("clock_assumed");
  }
  if (truncated_) header->set_truncated(true);
  if (lost_events_ > header->lost_events()) header->set_lost_events(lost_events_);
  attributes["metadata"] = path_;
  for (const auto& [k, v] : entries_) attributes[absl::StrCat("recorded.", k)] = v;
}

}  // namespace memsim
