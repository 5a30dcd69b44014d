#include "sim/sweep/sweep_spec.h"

#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/text_format.h"
#include "sim/hw/machine_loader.h"
#include "sim/hw/machine_validator.h"
#include "sim/memmap/model_spec.h"
#include "sim/replay/trace_mapping.h"
#include "sim/sweep/field_path.h"
#include "sim/util/status_macros.h"
#include "sim/util/text_proto.h"

namespace memsim::sweep {
namespace {

constexpr size_t kMaxAxisValues = 100'000;
constexpr size_t kMaxPoints = 1'000'000;

bool IsName(const std::string& s, bool allow_upper_and_punct) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                    (allow_upper_and_punct && ((c >= 'A' && c <= 'Z') || c == '-' || c == '.'));
    if (!ok) return false;
  }
  return true;
}

absl::Status AxisError(int i, const config::SweepAxis& axis, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(
      "axis ", i, axis.name().empty() ? "" : absl::StrCat(" '", axis.name(), "'"), ": ", what));
}

// What part of a point a path changes.
enum class Target { kTrace, kMachineFile, kModelSpec, kGen, kReplay, kMachine, kModel };

struct ParsedPath {
  Target target;
  std::string rest;  // the field path inside the target ("" for file-level targets)
};

absl::StatusOr<ParsedPath> SplitPath(const std::string& path) {
  if (path == "trace") return ParsedPath{Target::kTrace, ""};
  if (path == "machine") return ParsedPath{Target::kMachineFile, ""};
  if (path == "model") return ParsedPath{Target::kModelSpec, ""};
  const size_t dot = path.find('.');
  if (dot != std::string::npos && dot + 1 < path.size()) {
    const std::string head = path.substr(0, dot), rest = path.substr(dot + 1);
    if (head == "gen") return ParsedPath{Target::kGen, rest};
    if (head == "replay") return ParsedPath{Target::kReplay, rest};
    if (head == "machine") return ParsedPath{Target::kMachine, rest};
    if (head == "model") return ParsedPath{Target::kModel, rest};
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "path '", path,
      "' is none of trace, machine, model, gen.<flag>, replay.<field>, machine.<field path>, "
      "model.<field path>"));
}

std::string Absolute(const std::string& path) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(path, ec);
  return ec ? path : p.lexically_normal().string();
}

// The number of a trace recipe (gen or capture spec) among the distinct ones seen so far.
int SpecIndex(const google::protobuf::Message& recipe, std::map<std::string, int>& seen) {
  std::string key;
  google::protobuf::TextFormat::Printer printer;
  printer.SetSingleLineMode(true);
  printer.PrintToString(recipe, &key);  // maps print sorted by key: a canonical form
  return seen.emplace(key, static_cast<int>(seen.size())).first->second;
}

}  // namespace

absl::StatusOr<config::SweepSpec> LoadSweepSpec(const std::string& path) {
  config::SweepSpec spec;
  RETURN_IF_ERROR(ReadTextProto(path, spec));
  return spec;
}

absl::StatusOr<std::vector<std::string>> AxisValues(const config::SweepAxis& axis) {
  std::vector<std::string> out;
  const bool has_range = axis.has_range();
  if (has_range == (axis.values_size() > 0)) {
    return absl::InvalidArgumentError("give exactly one of values and range");
  }
  if (!has_range) {
    out.assign(axis.values().begin(), axis.values().end());
    if (out.size() > kMaxAxisValues) {
      return absl::InvalidArgumentError(absl::StrCat("more than ", kMaxAxisValues, " values"));
    }
    return out;
  }
  const config::Range& r = axis.range();
  if (!std::isfinite(r.start()) || !std::isfinite(r.stop()) || r.stop() < r.start()) {
    return absl::InvalidArgumentError(
        absl::StrCat("range: stop (", r.stop(), ") must be a number >= start (", r.start(), ")"));
  }
  const bool step = r.step() != 0, factor = r.factor() != 0;
  if (step == factor)
    return absl::InvalidArgumentError("range: give exactly one of step and factor");
  if (step) {
    if (!(r.step() > 0)) return absl::InvalidArgumentError("range: step must be > 0");
    const double n = std::floor((r.stop() - r.start()) / r.step() + 1e-9) + 1;
    if (n > kMaxAxisValues) {
      return absl::InvalidArgumentError(
          absl::StrCat("range: more than ", kMaxAxisValues, " values"));
    }
    for (int64_t i = 0; i < static_cast<int64_t>(n); ++i) {
      out.push_back(absl::StrFormat("%.10g", r.start() + i * r.step()));
    }
  } else {
    if (!(r.factor() > 1) || !(r.start() > 0)) {
      return absl::InvalidArgumentError("range: factor needs factor > 1 and start > 0");
    }
    for (double v = r.start(); v <= r.stop() * (1 + 1e-9); v *= r.factor()) {
      if (out.size() == kMaxAxisValues) {
        return absl::InvalidArgumentError(
            absl::StrCat("range: more than ", kMaxAxisValues, " values"));
      }
      out.push_back(absl::StrFormat("%.10g", v));
    }
  }
  return out;
}

absl::Status ValidateSweepSpec(const config::SweepSpec& spec,
                               const std::vector<std::string>& metric_names,
                               const FlagCheck& flag_ok) {
  if (!IsName(spec.name(), true)) {
    return absl::InvalidArgumentError(
        absl::StrCat("name '", spec.name(), "': must be non-empty [A-Za-z0-9_.-]"));
  }
  const config::SweepBase& base = spec.base();
  std::set<Target> axis_targets;
  std::set<std::string> names;
  const std::set<std::string> metrics(metric_names.begin(), metric_names.end());
  size_t points = 1;
  for (int i = 0; i < spec.axis_size(); ++i) {
    const config::SweepAxis& axis = spec.axis(i);
    if (!IsName(axis.name(), false)) {
      return AxisError(i, axis, "name must be non-empty [a-z0-9_]");
    }
    if (axis.name() == "point" || axis.name() == "status" || axis.name() == "error" ||
        metrics.contains(axis.name())) {
      return AxisError(i, axis, "name is a reserved results-table column");
    }
    if (!names.insert(axis.name()).second) return AxisError(i, axis, "name used twice");
    if (axis.path().empty()) return AxisError(i, axis, "no path: say what the axis sets");
    for (const std::string& path : axis.path()) {
      absl::StatusOr<ParsedPath> p = SplitPath(path);
      if (!p.ok()) return AxisError(i, axis, std::string(p.status().message()));
      absl::Status s;
      switch (p->target) {
        case Target::kGen:
          if (!base.has_gen() || base.gen().workload().empty()) {
            s = absl::InvalidArgumentError(absl::StrCat("path '", path, "' needs base.gen"));
          } else if (!flag_ok("gen", p->rest)) {
            s = absl::InvalidArgumentError(
                absl::StrCat("path '", path, "': `memsim gen` has no flag --", p->rest));
          }
          break;
        case Target::kReplay:
          s = ValidateFieldPath(*config::ReplaySettings::descriptor(), p->rest);
          break;
        case Target::kMachine:
          s = ValidateFieldPath(*config::Machine::descriptor(), p->rest);
          break;
        case Target::kModel:
          s = ValidateFieldPath(*config::MemmapModelConfig::descriptor(), p->rest);
          break;
        default:
          break;
      }
      if (!s.ok()) return AxisError(i, axis, std::string(s.message()));
      axis_targets.insert(p->target);
    }
    absl::StatusOr<std::vector<std::string>> values = AxisValues(axis);
    if (!values.ok()) return AxisError(i, axis, std::string(values.status().message()));
    if (values->empty()) return AxisError(i, axis, "no values");
    points *= values->size();
    if (spec.point_size() == 0 && points > kMaxPoints) {
      return absl::InvalidArgumentError(
          absl::StrCat("the grid has more than ", kMaxPoints, " points"));
    }
  }
  for (int k = 0; k < spec.point_size(); ++k) {
    if (spec.point(k).values_size() != spec.axis_size()) {
      return absl::InvalidArgumentError(absl::StrCat("point ", k, ": ", spec.point(k).values_size(),
                                                     " values for ", spec.axis_size(),
                                                     " axes (one value per axis, in axis order)"));
    }
  }
  const bool has_gen = base.has_gen() && !base.gen().workload().empty();
  const bool has_capture = base.has_capture() && !base.capture().input().empty();
  if (int(!base.trace().empty()) + int(has_gen) + int(has_capture) > 1) {
    return absl::InvalidArgumentError("base: give one of trace, capture and gen");
  }
  if (base.trace().empty() && !has_gen && !has_capture && !axis_targets.contains(Target::kTrace)) {
    return absl::InvalidArgumentError(
        "base: no trace (give base.trace, base.capture, base.gen or a trace axis)");
  }
  if (base.has_gen() && !has_gen) {
    return absl::InvalidArgumentError("base.gen: workload is required");
  }
  if (base.has_capture() && (!has_capture || base.capture().from().empty())) {
    return absl::InvalidArgumentError("base.capture: input and from are required");
  }
  for (const auto& [flag, value] : base.gen().flags()) {
    if (flag == "workload" || flag == "o" || !flag_ok("gen", flag)) {
      return absl::InvalidArgumentError(
          absl::StrCat("base.gen.flags: '", flag, "' is not a `memsim gen` flag a sweep may set"));
    }
  }
  for (const auto& [flag, value] : base.capture().flags()) {
    if (flag == "from" || flag == "snapshot" || flag == "o" || !flag_ok("import", flag)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "base.capture.flags: '", flag, "' is not a `memsim import` flag a sweep may set"));
    }
  }
  if (base.machine().empty() && !axis_targets.contains(Target::kMachineFile)) {
    return absl::InvalidArgumentError("base: no machine (give base.machine or a machine axis)");
  }
  if (base.model().empty() && !axis_targets.contains(Target::kModelSpec)) {
    return absl::InvalidArgumentError("base: no model (give base.model or a model axis)");
  }
  std::set<std::string> files;
  for (int k = 0; k < spec.plot_size(); ++k) {
    const config::SweepPlot& plot = spec.plot(k);
    auto bad = [&](const std::string& what) {
      return absl::InvalidArgumentError(absl::StrCat("plot ", k, ": ", what));
    };
    if (!names.contains(plot.x())) return bad(absl::StrCat("x '", plot.x(), "' is not an axis"));
    if (!metrics.contains(plot.metric())) {
      return bad(absl::StrCat("metric '", plot.metric(), "' is not a results-table column"));
    }
    if (plot.kind() == config::SweepPlot::HEATMAP) {
      if (!names.contains(plot.y()) || plot.y() == plot.x()) {
        return bad(absl::StrCat("y '", plot.y(), "' must be an axis other than x"));
      }
    } else if (!plot.lines().empty() && !names.contains(plot.lines())) {
      return bad(absl::StrCat("lines '", plot.lines(), "' is not an axis"));
    }
    if (!plot.file().empty()) {
      if (!IsName(plot.file(), true)) return bad("file must be [A-Za-z0-9_.-]");
      if (!files.insert(plot.file()).second) return bad("file used twice");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<config::SweepManifest> ExpandSweep(const config::SweepSpec& spec,
                                                  const std::string& spec_path,
                                                  const std::string& out_dir,
                                                  const memmap::ModelRegistry& models) {
  config::SweepManifest manifest;
  manifest.set_spec_path(spec_path);
  *manifest.mutable_spec() = spec;

  std::vector<std::vector<std::string>> values;
  std::vector<std::vector<ParsedPath>> paths;
  for (const config::SweepAxis& axis : spec.axis()) {
    ASSIGN_OR_RETURN(std::vector<std::string> v, AxisValues(axis));
    values.push_back(std::move(v));
    std::vector<ParsedPath> ps;
    for (const std::string& path : axis.path()) {
      ASSIGN_OR_RETURN(ParsedPath p, SplitPath(path));
      ps.push_back(std::move(p));
    }
    paths.push_back(std::move(ps));
  }
  std::vector<std::vector<std::string>> combos;
  if (spec.point_size() > 0) {
    for (const auto& p : spec.point()) combos.emplace_back(p.values().begin(), p.values().end());
  } else {
    combos.emplace_back();
    for (const auto& v : values) {
      std::vector<std::vector<std::string>> next;
      for (const auto& c : combos) {
        for (const std::string& x : v) {
          next.push_back(c);
          next.back().push_back(x);
        }
      }
      combos = std::move(next);
    }
  }

  std::map<std::string, absl::StatusOr<config::Machine>> machines;
  std::map<std::string, absl::StatusOr<config::MemmapModelConfig>> model_configs;
  std::map<std::string, int> gen_index, capture_index;  // canonical spec text -> k
  const std::string traces_dir = Absolute(out_dir + "/traces");

  for (size_t i = 0; i < combos.size(); ++i) {
    config::SweepPoint& point = *manifest.add_point();
    point.set_index(static_cast<uint32_t>(i));
    for (const std::string& v : combos[i]) point.add_axis_value(v);
    std::string trace = spec.base().trace(), machine_file = spec.base().machine(),
                model_spec = spec.base().model();
    config::GenSpec gen = spec.base().gen();
    config::ImportSpec capture = spec.base().capture();
    config::ReplaySettings replay = spec.base().replay();
    std::vector<std::pair<std::string, std::string>> machine_sets, model_sets;
    absl::Status error;
    auto fail = [&](const absl::Status& s, int axis) {
      if (error.ok()) {
        error = axis < 0 ? s
                         : absl::Status(s.code(), absl::StrCat("axis '", spec.axis(axis).name(),
                                                               "': ", s.message()));
      }
    };
    for (int a = 0; a < spec.axis_size(); ++a) {
      const std::string& v = combos[i][a];
      for (const ParsedPath& p : paths[a]) {
        switch (p.target) {
          case Target::kTrace:
            trace = v;
            gen.Clear();
            capture.Clear();
            break;
          case Target::kMachineFile:
            machine_file = v;
            break;
          case Target::kModelSpec:
            model_spec = v;
            break;
          case Target::kGen:
            (*gen.mutable_flags())[p.rest] = v;
            break;
          case Target::kReplay: {
            absl::StatusOr<bool> ok = SetFieldByPath(replay, p.rest, v);
            if (!ok.ok()) fail(ok.status(), a);
            break;
          }
          case Target::kMachine:
            machine_sets.emplace_back(p.rest, v);
            break;
          case Target::kModel:
            model_sets.emplace_back(p.rest, v);
            break;
        }
      }
    }
    if (!trace.empty()) {
      point.set_trace(Absolute(trace));
      if (!std::filesystem::exists(point.trace())) {
        fail(absl::NotFoundError(absl::StrCat("trace ", trace, " does not exist")), -1);
      }
    } else if (!capture.input().empty()) {
      capture.set_input(Absolute(capture.input()));
      if (!capture.snapshot().empty()) capture.set_snapshot(Absolute(capture.snapshot()));
      for (const std::string& f : {capture.input(), capture.snapshot()}) {
        if (!f.empty() && !std::filesystem::exists(f)) {
          fail(absl::NotFoundError(absl::StrCat("capture ", f, " does not exist")), -1);
        }
      }
      const int k = SpecIndex(capture, capture_index);
      point.set_trace(absl::StrCat(traces_dir, "/capture-", k, ".mtrace"));
      *point.mutable_capture() = capture;
    } else {
      const int k = SpecIndex(gen, gen_index);
      point.set_trace(absl::StrCat(traces_dir, "/gen-", k, ".mtrace"));
      *point.mutable_gen() = gen;
    }
    point.set_machine_path(Absolute(machine_file));
    auto mit = machines.find(point.machine_path());
    if (mit == machines.end()) {
      mit = machines.emplace(point.machine_path(), hw::LoadMachine(point.machine_path())).first;
    }
    if (!mit->second.ok()) {
      fail(mit->second.status(), -1);
    } else {
      config::Machine m = *mit->second;
      for (const auto& [path, v] : machine_sets) {
        absl::StatusOr<bool> ok = SetFieldByPath(m, path, v);
        if (!ok.ok()) fail(ok.status(), -1);
      }
      absl::Status valid = hw::ValidateMachine(m);
      if (!valid.ok()) {
        fail(absl::InvalidArgumentError(
                 absl::StrCat(machine_file, " with this point's values: ", valid.message())),
             -1);
      }
      *point.mutable_machine() = std::move(m);
    }
    point.set_model_spec(model_spec);
    auto cit = model_configs.find(model_spec);
    if (cit == model_configs.end()) {
      cit = model_configs.emplace(model_spec, memmap::ResolveModelSpec(model_spec, models)).first;
    }
    if (!cit->second.ok()) {
      fail(cit->second.status(), -1);
    } else {
      config::MemmapModelConfig c = *cit->second;
      for (const auto& [path, v] : model_sets) {
        absl::StatusOr<bool> ok = SetFieldByPath(c, path, v);
        if (!ok.ok()) fail(ok.status(), -1);
      }
      absl::Status valid = models.Validate(c);
      if (!valid.ok()) {
        fail(absl::InvalidArgumentError(absl::StrCat(
                 "model ", model_spec, " with this point's values: ", valid.message())),
             -1);
      }
      *point.mutable_model() = std::move(c);
    }
    if (!replay.pfn_mapping().empty()) {
      absl::StatusOr<replay::PfnPlacement> p = replay::ParsePfnPlacement(replay.pfn_mapping());
      if (!p.ok()) fail(p.status(), -1);
    }
    if (!replay.cpu_mapping().empty()) {
      absl::StatusOr<replay::CpuPlacement> p = replay::ParseCpuPlacement(replay.cpu_mapping());
      if (!p.ok()) fail(p.status(), -1);
    }
    *point.mutable_replay() = replay;
    if (!error.ok()) point.set_error(std::string(error.message()));
  }
  return manifest;
}

}  // namespace memsim::sweep
