// A minimal streaming JSON writer with deterministic key order (the caller's), for
// hand-shaped outputs such as `memsim inspect --json`. Integers are written as JSON numbers
// (protobuf's JSON mapping writes 64-bit integers as strings, which consumers of counts
// do not expect).
#ifndef MEMSIM_SIM_UTIL_JSON_WRITER_H_
#define MEMSIM_SIM_UTIL_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace memsim {

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // Inside an object: the next value's key.
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Uint(uint64_t value);
  JsonWriter& Double(double value);  // ShortestDouble; null when not finite
  JsonWriter& Bool(bool value);

  // The document, pretty-printed with two-space indentation and a final newline.
  std::string str() const { return out_ + "\n"; }

 private:
  void BeforeValue();
  void Newline();
  void Close(char bracket);
  std::string out_;
  // Per open container: number of values written so far.
  std::vector<int> counts_;
  bool after_key_ = false;
};

// `s` as a quoted JSON string: quote, backslash and control characters escaped; a byte that is
// not part of valid UTF-8 (RFC 3629) becomes U+FFFD, so the output is always valid JSON.
std::string JsonEscape(std::string_view s);

// The shortest decimal text that reads back (strtod) as exactly `value`: printf's "%.15g",
// else "%.16g", else "%.17g" (17 significant digits always suffice for a double), so fixed
// notation below 1e15 and an exponent above, and "0.1" rather than "0.10000000000000001".
// Negative zero is "-0.0" (a bare "-0" reads as the integer 0 in protobuf's JSON parser and
// others). Non-finite values give "nan", "inf", "-inf". Used for every double memsim writes as text
// (CSV cells, JSON numbers) so that a reader gets the in-memory value back bit for bit.
std::string ShortestDouble(double value);

}  // namespace memsim

#endif  // MEMSIM_SIM_UTIL_JSON_WRITER_H_
