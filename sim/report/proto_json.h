// Protobuf messages as JSON the way memsim writes results: protobuf's JSON mapping with the
// proto field names, every field present (zeros and empty lists included; a message field only
// when set), in the layout of protobuf's JsonPrintOptions::add_whitespace (one space per level),
// with two deliberate differences (docs/results.md, "Numbers"):
// - integers of every width are JSON numbers, exact in decimal: protobuf's mapping writes
//   int64/uint64 as strings, which pandas and most JSON consumers then treat as text;
// - doubles are ShortestDouble (sim/util/json_writer.h): the fewest digits that read back as
//   the same double. Non-finite doubles are the mapping's "NaN", "Infinity", "-Infinity".
// protobuf's own parser (JsonStringToMessage) reads both forms, so memsim reads its results
// back exactly whichever memsim version wrote them.
#ifndef MEMSIM_SIM_REPORT_PROTO_JSON_H_
#define MEMSIM_SIM_REPORT_PROTO_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"

namespace memsim::report {

// The JSON text, ending in a newline. Strings are written as UTF-8; a byte that is not part of
// valid UTF-8 becomes U+FFFD. Messages of protobuf's well-known types (google.protobuf.*, which
// the mapping writes specially) are not supported: Unimplemented.
absl::StatusOr<std::string> ProtoToJson(const google::protobuf::Message& message);

}  // namespace memsim::report

#endif  // MEMSIM_SIM_REPORT_PROTO_JSON_H_
