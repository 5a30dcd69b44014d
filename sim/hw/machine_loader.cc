#include "sim/hw/machine_loader.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "sim/hw/machine_validator.h"
#include "sim/util/output_file.h"
#include "sim/util/status_macros.h"

namespace memsim::hw {
namespace {

// Collects parser errors with their position; TextFormat reports 0-based lines/columns.
class PositionedErrors : public google::protobuf::io::ErrorCollector {
 public:
  explicit PositionedErrors(std::string source) : source_(std::move(source)) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    errors_.push_back(absl::StrCat(source_, ":", line + 1, ":", column + 1, ": ", message));
  }
  void AddWarning(int line, google::protobuf::io::ColumnNumber column,
                  const std::string& message) override {}
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::string source_;
  std::vector<std::string> errors_;
};

}  // namespace

absl::StatusOr<config::Machine> ParseMachineText(std::string_view text,
                                                 const std::string& source_name) {
  config::Machine machine;
  PositionedErrors errors(source_name);
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  const bool ok = parser.ParseFromString(std::string(text), &machine);
  if (!ok || !errors.errors().empty()) {
    if (errors.errors().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(source_name, ": not a valid Machine"));
    }
    return absl::InvalidArgumentError(absl::StrJoin(errors.errors(), "\n"));
  }
  return machine;
}

bool LooksLikeXml(std::string_view contents) {
  size_t i = 0;
  if (contents.substr(0, 3) == "\xEF\xBB\xBF") i = 3;  // UTF-8 byte order mark
  while (i < contents.size() && (contents[i] == ' ' || contents[i] == '\n' ||
                                 contents[i] == '\r' || contents[i] == '\t')) {
    ++i;
  }
  return i < contents.size() && contents[i] == '<';
}

absl::StatusOr<config::Machine> LoadMachine(const std::string& path,
                                            const HwlocImportOptions& hwloc_options) {
  ASSIGN_OR_RETURN(std::string contents, ReadFileToString(path));
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
