#include "sim/sweep/sweep_spec.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/memmap/builtin_models.h"
#include "sim/util/text_proto.h"

namespace memsim::sweep {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const char kMachine[] = MEMSIM_SOURCE_DIR "/tests/replay/testdata/tiny-2s.textproto";
const char kTrace[] = MEMSIM_SOURCE_DIR "/tests/sweep/sweep_spec_test.cc";  // any existing file

config::SweepSpec Parse(const std::string& text) {
  config::SweepSpec spec;
  absl::Status s = ParseTextProto(text, "test.textproto", spec);
  EXPECT_TRUE(s.ok()) << s;
  return spec;
}

std::vector<std::string> Metrics() { return {"fault_mean_ns", "overhead_final_bytes"}; }
bool GenFlag(const std::string& command, const std::string& f) {
  return command == "gen" && (f == "thp_share" || f == "num_events");
}

absl::Status Check(const std::string& text) {
  return ValidateSweepSpec(Parse(text), Metrics(), GenFlag);
}

std::string Base() {
  return absl::StrCat("name: \"s\" base { trace: \"", kTrace, "\" machine: \"", kMachine,
                      "\" model: \"page64\" } ");
}

TEST(AxisValues, ListsAndRanges) {
  config::SweepAxis a;
  a.add_values("x");
  a.add_values("y");
  EXPECT_THAT(*AxisValues(a), ElementsAre("x", "y"));
  a.Clear();
  a.mutable_range()->set_start(0);
  a.mutable_range()->set_stop(1);
  a.mutable_range()->set_step(0.1);  // 0.1 is inexact in binary: 11 values all the same
  EXPECT_THAT(*AxisValues(a),
              ElementsAre("0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1"));
  a.mutable_range()->set_step(0);
  a.mutable_range()->set_start(64);
  a.mutable_range()->set_stop(1000);
  a.mutable_range()->set_factor(2);
  EXPECT_THAT(*AxisValues(a), ElementsAre("64", "128", "256", "512"));
  a.mutable_range()->set_step(1);
  EXPECT_THAT(AxisValues(a).status().message(), HasSubstr("exactly one of step and factor"));
  a.add_values("1");
  EXPECT_THAT(AxisValues(a).status().message(), HasSubstr("exactly one of values and range"));
}

TEST(ValidateSweepSpec, AcceptsAGoodSpec) {
  EXPECT_TRUE(Check(Base() + R"spec(
    axis { name: "lat" label: "remote latency (ns)" path: "machine.latency_ns[1]"
           path: "machine.latency_ns[2]" range { start: 100 stop: 300 step: 100 } }
    axis { name: "model" path: "model" values: "page64" values: "memdesc" }
    plot { x: "lat" metric: "fault_mean_ns" breakeven: true })spec")
                  .ok());
}

TEST(ValidateSweepSpec, RejectsWithPreciseMessages) {
  EXPECT_THAT(Check(Base() + R"spec(axis { name: "Bad" path: "model" values: "x" })spec").message(),
              HasSubstr("axis 0 'Bad': name must be non-empty [a-z0-9_]"));
  EXPECT_THAT(
      Check(Base() + R"spec(axis { name: "status" path: "model" values: "x" })spec").message(),
      HasSubstr("reserved"));
  EXPECT_THAT(Check(Base() + R"spec(axis { name: "fault_mean_ns" path: "model" values: "x" })spec")
                  .message(),
              HasSubstr("reserved"));
  EXPECT_THAT(Check(Base() + R"spec(axis { name: "a" path: "model" values: "x" }
                                axis { name: "a" path: "model" values: "y" })spec")
                  .message(),
              HasSubstr("axis 1 'a': name used twice"));
  EXPECT_THAT(
      Check(Base() + R"spec(axis { name: "a" path: "machine.llc.sise_bytes" values: "1" })spec")
          .message(),
      HasSubstr("has no field 'sise_bytes'"));
  EXPECT_THAT(Check(Base() + R"spec(axis { name: "a" path: "cache.x" values: "1" })spec").message(),
              HasSubstr("is none of trace, machine, model"));
  EXPECT_THAT(
      Check(Base() + R"spec(axis { name: "a" path: "gen.thp_share" values: "1" })spec").message(),
      HasSubstr("needs base.gen"));
  EXPECT_THAT(Check(Base() + R"spec(axis { name: "a" path: "model" })spec").message(),
              HasSubstr("exactly one of values and range"));
  EXPECT_THAT(Check(Base() + R"spec(axis { name: "a" path: "model" values: "x" }
                                point { values: "x" values: "y" })spec")
                  .message(),
              HasSubstr("point 0: 2 values for 1 axes"));
  EXPECT_THAT(Check(Base() + R"spec(axis { name: "a" path: "model" values: "x" }
                                plot { x: "b" metric: "fault_mean_ns" })spec")
                  .message(),
              HasSubstr("plot 0: x 'b' is not an axis"));
  EXPECT_THAT(Check(Base() + R"spec(axis { name: "a" path: "model" values: "x" }
                                plot { x: "a" metric: "faults" })spec")
                  .message(),
              HasSubstr("metric 'faults' is not a results-table column"));
  EXPECT_THAT(Check(Base() + R"spec(axis { name: "a" path: "model" values: "x" }
                                plot { kind: HEATMAP x: "a" y: "a" metric: "fault_mean_ns" })spec")
                  .message(),
              HasSubstr("y 'a' must be an axis other than x"));
  EXPECT_THAT(Check(R"spec(name: "s" base { machine: "m" model: "page64" })spec").message(),
              HasSubstr("base: no trace"));
  EXPECT_THAT(
      Check(
          R"spec(name: "s" base { trace: "t" gen { workload: "anon" } machine: "m" model: "x" })spec")
          .message(),
      HasSubstr("give one of trace, capture and gen"));
  EXPECT_THAT(
      Check(
          R"spec(name: "s" base { gen { workload: "anon" flags { key: "o" value: "x" } } machine: "m" model: "x" })spec")
          .message(),
      HasSubstr("base.gen.flags: 'o'"));
}

TEST(ExpandSweep, GridOrderOverridesAndPerPointErrors) {
  memmap::ModelRegistry models;
  memmap::RegisterBuiltinModels(models);
  config::SweepSpec spec = Parse(Base() + R"spec(
    axis { name: "model" path: "model" values: "page64" values: "memdesc" }
    axis { name: "folio" path: "model.memdesc.sizes.anon_folio_bytes" values: "96" values: "100000" }
    axis { name: "lat" path: "machine.latency_ns[1]" path: "machine.latency_ns[2]"
           values: "150" })spec");
  ASSERT_TRUE(ValidateSweepSpec(spec, Metrics(), GenFlag).ok());
  absl::StatusOr<config::SweepManifest> m = ExpandSweep(spec, "spec", "/nonexistent/out", models);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->point_size(), 4);
  // The first axis varies slowest.
  EXPECT_THAT(m->point(0).axis_value(), ElementsAre("page64", "96", "150"));
  EXPECT_THAT(m->point(1).axis_value(), ElementsAre("page64", "100000", "150"));
  EXPECT_THAT(m->point(2).axis_value(), ElementsAre("memdesc", "96", "150"));
  EXPECT_THAT(m->point(3).axis_value(), ElementsAre("memdesc", "100000", "150"));
  for (const auto& p : m->point()) {
    EXPECT_THAT(p.machine().latency_ns(), ElementsAre(100, 150, 150, 100));
    EXPECT_EQ(p.trace(), kTrace);
  }
  // A memdesc field does not apply to page64 points: their config stays the default.
  EXPECT_TRUE(m->point(0).model().has_page64());
  EXPECT_EQ(m->point(0).error(), "");
  EXPECT_EQ(m->point(1).error(), "");
  EXPECT_EQ(m->point(2).model().memdesc().sizes().anon_folio_bytes(), 96u);
  EXPECT_EQ(m->point(2).error(), "");
  // A descriptor larger than its slab is an invalid memdesc config: that point fails alone.
  EXPECT_THAT(m->point(3).error(), HasSubstr("model memdesc with this point's values"));
}

TEST(ExpandSweep, ExplicitPointsGenTracesAndMissingFiles) {
  memmap::ModelRegistry models;
  memmap::RegisterBuiltinModels(models);
  config::SweepSpec spec = Parse(absl::StrCat(
      "name: \"g\" base { gen { workload: \"anon\" flags { key: \"num_events\" value: \"10\" } }"
      " machine: \"",
      kMachine, "\" model: \"memdesc\" }",
      R"spec(axis { name: "thp" path: "gen.thp_share" values: "0" values: "1" }
         axis { name: "m" path: "machine" values: "x" values: "y" }
         point { values: "1" values: ")spec",
      kMachine, R"spec(" }
         point { values: "0" values: ")spec",
      kMachine, R"spec(" }
         point { values: "1" values: "/nonexistent/machine.textproto" })spec"));
  ASSERT_TRUE(ValidateSweepSpec(spec, Metrics(), GenFlag).ok());
  absl::StatusOr<config::SweepManifest> m = ExpandSweep(spec, "spec", "/nonexistent/out", models);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->point_size(), 3);
  // Traces are numbered by distinct gen spec in point order; equal specs share a file.
  EXPECT_EQ(m->point(0).trace(), "/nonexistent/out/traces/gen-0.mtrace");
  EXPECT_EQ(m->point(1).trace(), "/nonexistent/out/traces/gen-1.mtrace");
  EXPECT_EQ(m->point(2).trace(), "/nonexistent/out/traces/gen-0.mtrace");
  EXPECT_EQ(m->point(1).gen().flags().at("thp_share"), "0");
  EXPECT_EQ(m->point(1).gen().flags().at("num_events"), "10");
  EXPECT_EQ(m->point(0).error(), "");
  EXPECT_THAT(m->point(2).error(), HasSubstr("/nonexistent/machine.textproto"));
}

}  // namespace
}  // namespace memsim::sweep
