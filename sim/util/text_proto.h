// Parsing protobuf text format (configs, sweep specs) with errors that name the file, line
// and column.
#ifndef MEMSIM_SIM_UTIL_TEXT_PROTO_H_
#define MEMSIM_SIM_UTIL_TEXT_PROTO_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace memsim {

// Parses `text` into `message` (cleared first). On error: InvalidArgument with every
// problem as "<source>:<line>:<column>: <what>", one per line (1-based positions).
absl::Status ParseTextProto(std::string_view text, const std::string& source,
                            google::protobuf::Message& message);

// Reads `path` (ReadTextFile: a directory or a file over 64 MiB is an error naming it) and
// parses it (ParseTextProto with the path as source).
absl::Status ReadTextProto(const std::string& path, google::protobuf::Message& message);

}  // namespace memsim

#endif  // MEMSIM_SIM_UTIL_TEXT_PROTO_H_
