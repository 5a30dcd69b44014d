// Setting one field of a protobuf message from text, by path: how sweep axes change any
// machine or model config field ("latency_ns[1]", "llc.size_bytes", "node[*].memory_bytes",
// "memdesc.sizes.anon_folio_bytes"). Uses reflection, so every field of every config is reachable
// without a list to maintain.
#ifndef MEMSIM_SIM_SWEEP_FIELD_PATH_H_
#define MEMSIM_SIM_SWEEP_FIELD_PATH_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace memsim::sweep {

// Sets the field(s) named by `path` in `message` to `value`, parsed by the field's type
// (integers, floating point, true/false, enum value names or numbers, strings). Path: field
// names joined by '.'; a repeated field takes [i] (an existing element) or [*] (every
// element); a repeated scalar without an index is replaced by the single value.
// Returns true if the path was applied, false if it runs into a member of a oneof that is
// not the one set in the message (e.g. a memdesc field on a page64 config): such a path
// does not apply, and the message is left unchanged.
// Errors (InvalidArgument) name the path component and what was expected.
absl::StatusOr<bool> SetFieldByPath(google::protobuf::Message& message, absl::string_view path,
                                    absl::string_view value);

// Checks that `path` names a settable field of messages of type `type` (field names, [..]
// on repeated fields only, ending at a non-message field), without a value.
absl::Status ValidateFieldPath(const google::protobuf::Descriptor& type, absl::string_view path);

}  // namespace memsim::sweep

#endif  // MEMSIM_SIM_SWEEP_FIELD_PATH_H_
