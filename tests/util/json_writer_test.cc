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

TEST(JsonEscape, ControlCharactersAndInvalidUtf8) {
  EXPECT_EQ(JsonEscape("a\"b\\c\b\f\n\r\t\x01\x7f"), R"spec("a\"b\\c\b\f\n\r\t\u0001\u007f")spec");
  // Valid UTF-8 is kept; a Latin-1 byte, a lone continuation byte, an overlong form, a
  // surrogate and a truncated sequence become U+FFFD.
  EXPECT_EQ(JsonEscape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  EXPECT_EQ(JsonEscape("caf\xe9|\x80|\xc0\xaf|\xed\xa0\x80|\xe2\x82"),
            R"spec("caf\ufffd|\ufffd|\ufffd\ufffd|\ufffd\ufffd\ufffd|\ufffd\ufffd")spec");
}

TEST(JsonWriter, DoublesShortestAndExact) {
  JsonWriter j;
  j.BeginArray().Double(0.1).Double(1.0 / 3).Double(-0.0).Double(1.0 / 0.0).EndArray();
  EXPECT_EQ(j.str(), "[\n  0.1,\n  0.3333333333333333,\n  -0.0,\n  null\n]\n");
}

}  // namespace
}  // namespace memsim
