#include "sim/util/text_proto.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "sim/util/input_file.h"
#include "sim/util/status_macros.h"

namespace memsim {
namespace {

// TextFormat reports 0-based lines and columns.
class PositionedErrors : public google::protobuf::io::ErrorCollector {
 public:
  explicit PositionedErrors(const std::string& source) : source_(source) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    errors_.push_back(absl::StrCat(source_, ":", line + 1, ":", column + 1, ": ", message));
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  const std::string& source_;
  std::vector<std::string> errors_;
};

}  // namespace

absl::Status ParseTextProto(std::string_view text, const std::string& source,
                            google::protobuf::Message& message) {
  message.Clear();
  PositionedErrors errors(source);
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  const bool ok = parser.ParseFromString(std::string(text), &message);
  if (ok && errors.errors().empty()) return absl::OkStatus();
  if (errors.errors().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": not a valid ", message.GetDescriptor()->name()));
  }
  return absl::InvalidArgumentError(absl::StrJoin(errors.errors(), "\n"));
}

absl::Status ReadTextProto(const std::string& path, google::protobuf::Message& message) {
  ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  return ParseTextProto(text, path, message);
}

}  // namespace memsim
