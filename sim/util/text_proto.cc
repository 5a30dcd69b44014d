#include "sim/util/text_proto.h"

#include <algorithm>
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
  // protobuf's text parser stores any bytes in a `string` field; memsim's outputs (JSON,
  // .mtrace) need UTF-8, so a config must be UTF-8 throughout.
  if (const size_t bad = FindInvalidUtf8(text); bad != std::string_view::npos) {
    const size_t line_start = text.rfind('\n', bad == 0 ? 0 : bad - 1);
    const size_t line = 1 + std::count(text.begin(), text.begin() + bad, '\n');
    const size_t column =
        line_start == std::string_view::npos || bad == 0 ? bad + 1 : bad - line_start;
    return absl::InvalidArgumentError(
        absl::StrCat(source, ":", line, ":", column, ": byte 0x",
                     absl::Hex(static_cast<unsigned char>(text[bad]), absl::kZeroPad2),
                     " is not UTF-8 (text configs must be UTF-8)"));
  }
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
