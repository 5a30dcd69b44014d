#include "sim/sweep/field_path.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/machine.pb.h"
#include "proto/memmap.pb.h"

namespace memsim::sweep {
namespace {

using ::testing::HasSubstr;

config::Machine TwoNodes() {
  config::Machine m;
  m.set_name("m");
  m.mutable_llc()->set_size_bytes(1 << 20);
  m.add_node()->set_memory_bytes(100);
  m.add_node()->set_memory_bytes(200);
  for (double v : {80.0, 130.0, 130.0, 80.0}) m.add_latency_ns(v);
  return m;
}

TEST(SetFieldByPath, ScalarsNestedAndIndexed) {
  config::Machine m = TwoNodes();
  ASSERT_TRUE(*SetFieldByPath(m, "llc.size_bytes", "2097152"));
  EXPECT_EQ(m.llc().size_bytes(), 2097152u);
  ASSERT_TRUE(*SetFieldByPath(m, "latency_ns[1]", "150.5"));
  ASSERT_TRUE(*SetFieldByPath(m, "latency_ns[2]", "150.5"));
  EXPECT_THAT(m.latency_ns(), ::testing::ElementsAre(80.0, 150.5, 150.5, 80.0));
  ASSERT_TRUE(*SetFieldByPath(m, "node[*].memory_bytes", "4096"));
  EXPECT_EQ(m.node(0).memory_bytes(), 4096u);
  EXPECT_EQ(m.node(1).memory_bytes(), 4096u);
  ASSERT_TRUE(*SetFieldByPath(m, "node[1].memory_bytes", "1e6"));  // integral float spelling
  EXPECT_EQ(m.node(1).memory_bytes(), 1000000u);
  ASSERT_TRUE(*SetFieldByPath(m, "llc.inclusive", "true"));
  EXPECT_TRUE(m.llc().inclusive());
  ASSERT_TRUE(*SetFieldByPath(m, "llc.policy", "REPLACEMENT_FIFO"));
  EXPECT_EQ(m.llc().policy(), config::REPLACEMENT_FIFO);
  ASSERT_TRUE(*SetFieldByPath(m, "name", "other"));
  EXPECT_EQ(m.name(), "other");
  // A repeated scalar without an index becomes the one value.
  ASSERT_TRUE(*SetFieldByPath(m, "latency_ns", "90"));
  EXPECT_THAT(m.latency_ns(), ::testing::ElementsAre(90.0));
}

TEST(SetFieldByPath, OtherOneofMemberDoesNotApply) {
  config::MemmapModelConfig page64;
  page64.mutable_page64();
  absl::StatusOr<bool> applied = SetFieldByPath(page64, "memdesc.sizes.anon_folio_bytes", "96");
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_FALSE(*applied);
  EXPECT_TRUE(page64.has_page64());
  EXPECT_FALSE(page64.has_memdesc());

  config::MemmapModelConfig memdesc;
  memdesc.mutable_memdesc();
  ASSERT_TRUE(*SetFieldByPath(memdesc, "memdesc.sizes.anon_folio_bytes", "96"));
  EXPECT_EQ(memdesc.memdesc().sizes().anon_folio_bytes(), 96u);
}

TEST(SetFieldByPath, ErrorsNameTheProblem) {
  config::Machine m = TwoNodes();
  EXPECT_THAT(SetFieldByPath(m, "llc.size", "1").status().message(),
              HasSubstr("has no field 'size'"));
  EXPECT_THAT(SetFieldByPath(m, "node[2].memory_bytes", "1").status().message(),
              HasSubstr("node[2] does not exist (node has 2 elements)"));
  EXPECT_THAT(SetFieldByPath(m, "llc.size_bytes", "-1").status().message(),
              HasSubstr("expected a non-negative integer"));
  EXPECT_THAT(SetFieldByPath(m, "llc.size_bytes", "1.5").status().message(),
              HasSubstr("value '1.5'"));
  EXPECT_THAT(SetFieldByPath(m, "llc.policy", "MRU").status().message(),
              HasSubstr("one of REPLACEMENT_LRU, REPLACEMENT_FIFO"));
  EXPECT_THAT(SetFieldByPath(m, "llc", "1").status().message(), HasSubstr("is a message"));
  EXPECT_THAT(SetFieldByPath(m, "node.memory_bytes", "1").status().message(),
              HasSubstr("index it with [i] or [*]"));
  EXPECT_THAT(SetFieldByPath(m, "llc[0].ways", "1").status().message(),
              HasSubstr("is not repeated"));
  // A failed set leaves the message unchanged, even when [*] got part way.
  config::Machine before = m;
  EXPECT_FALSE(SetFieldByPath(m, "node[*].memory_bytes", "x").ok());
  EXPECT_EQ(m.SerializeAsString(), before.SerializeAsString());
}

TEST(ValidateFieldPath, ChecksWithoutAValue) {
  EXPECT_TRUE(ValidateFieldPath(*config::Machine::descriptor(), "node[*].memory_bytes").ok());
  EXPECT_TRUE(
      ValidateFieldPath(*config::MemmapModelConfig::descriptor(), "memdesc.sizes.slab_bytes").ok());
  EXPECT_THAT(ValidateFieldPath(*config::Machine::descriptor(), "nodes[0].x").message(),
              HasSubstr("has no field 'nodes'"));
  EXPECT_THAT(ValidateFieldPath(*config::Machine::descriptor(), "llc.size_bytes.x").message(),
              HasSubstr("is not a message"));
  EXPECT_THAT(ValidateFieldPath(*config::Machine::descriptor(), "latency_ns[a]").message(),
              HasSubstr("neither a number nor *"));
}

}  // namespace
}  // namespace memsim::sweep
