#include "sim/hw/machine_loader.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "sim/hw/machine_validator.h"
#include "sim/util/input_file.h"
#include "sim/util/status_macros.h"
#include "sim/util/text_proto.h"

namespace memsim::hw {

absl::StatusOr<config::Machine> ParseMachineText(std::string_view text,
                                                 const std::string& source_name) {
  config::Machine machine;
  RETURN_IF_ERROR(ParseTextProto(text, source_name, machine));
  return machine;
}

bool LooksLikeXml(std::string_view contents) {
  size_t i = 0;
  if (contents.substr(0, 3) == "\xEF\xBB\xBF") i = 3;  // UTF-8 byte order mark
  while (i < contents.size() && (contents[i] == ' ' || contents[i] == '\n' || contents[i] == '\r' ||
                                 contents[i] == '\t')) {
    ++i;
  }
  return i < contents.size() && contents[i] == '<';
}

absl::StatusOr<config::Machine> LoadMachine(const std::string& path,
                                            const HwlocImportOptions& hwloc_options) {
  ASSIGN_OR_RETURN(std::string contents, ReadTextFile(path));
  config::Machine machine;
  if (LooksLikeXml(contents)) {
    ASSIGN_OR_RETURN(machine, ImportHwlocXmlFile(path, hwloc_options));
  } else {
    ASSIGN_OR_RETURN(machine, ParseMachineText(contents, path));
  }
  absl::Status valid = ValidateMachine(machine);
  if (!valid.ok()) {
    return absl::Status(valid.code(), absl::StrCat(path, ": ", valid.message()));
  }
  return machine;
}

absl::StatusOr<config::Machine> LoadMachine(const std::string& path) {
  return LoadMachine(path, HwlocImportOptions());
}

}  // namespace memsim::hw
