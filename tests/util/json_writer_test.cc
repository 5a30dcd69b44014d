#include "sim/util/json_writer.h"

#include "gtest/gtest.h"

namespace memsim {
namespace {

TEST(JsonWriter, NestedDocument) {
  JsonWriter j;
  j.BeginObject();
  j.Key("a").Uint(18446744073709551615ull);
  j.Key("b").BeginArray().Int(-1).String("x\"y\n").EndArray();
  j.Key("c").BeginObject().EndObject();
  j.Key("d").Bool(true);
  j.EndObject();
  EXPECT_EQ(j.str(),
            "{\n  \"a\": 18446744073709551615,\n  \"b\": [\n    -1,\n    \"x\\\"y\\n\"\n  ],\n"
            "  \"c\": {},\n  \"d\": true\n}\n");
}

}  // namespace
}  // namespace memsim
