#include "sim/report/proto_json.h"

#include <cmath>
#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/descriptor.h"
#include "sim/util/json_writer.h"
#include "sim/util/status_macros.h"

namespace memsim::report {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::Reflection;

std::string DoubleValue(double v) {
  if (std::isnan(v)) return "\"NaN\"";
  if (std::isinf(v)) return v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  return ShortestDouble(v);
}

std::string FloatValue(float v) {
  if (!std::isfinite(v)) return DoubleValue(v);
  std::string text;
  for (int digits = 6; digits <= 9; ++digits) {  // 9 significant digits always suffice
    text = absl::StrFormat("%.*g", digits, v);
    if (std::strtof(text.c_str(), nullptr) == v) break;
  }
  return text;
}

class Printer {
 public:
  std::string str() const { return out_; }

  absl::Status Object(const Message& m, int level) {
    const Descriptor* d = m.GetDescriptor();
    if (d->file()->package() == "google.protobuf") {
      return absl::UnimplementedError(
          absl::StrCat("ProtoToJson: well-known type ", d->full_name(), " is not supported"));
    }
    const Reflection* r = m.GetReflection();
    int written = 0;
    out_ += "{";
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      // As protobuf with always_print_primitive_fields: repeated fields and scalars without
      // presence always, message fields and scalars with presence when set.
      if (!f->is_repeated() && f->has_presence() && !r->HasField(m, f)) continue;
      out_ += written++ ? ",\n" : "\n";
      Indent(level + 1);
      absl::StrAppend(&out_, JsonEscape(f->name()), ": ");
      if (f->is_map()) {
        RETURN_IF_ERROR(Map(m, f, level + 1));
      } else if (f->is_repeated()) {
        const int size = r->FieldSize(m, f);
        if (size == 0) {
          out_ += "[]";
          continue;
        }
        out_ += "[";
        for (int k = 0; k < size; ++k) {
          out_ += k ? ",\n" : "\n";
          Indent(level + 2);
          RETURN_IF_ERROR(Value(m, f, k, level + 2));
        }
        out_ += "\n";
        Indent(level + 1);
        out_ += "]";
      } else {
        RETURN_IF_ERROR(Value(m, f, -1, level + 1));
      }
    }
    if (written > 0) {
      out_ += "\n";
      Indent(level);
    }
    out_ += "}";
    return absl::OkStatus();
  }

 private:
  void Indent(int level) { out_.append(level, ' '); }

  // A map field: an object keyed by the entries' keys in text (the mapping's rule).
  absl::Status Map(const Message& m, const FieldDescriptor* f, int level) {
    const Reflection* r = m.GetReflection();
    const int size = r->FieldSize(m, f);
    if (size == 0) {
      out_ += "{}";
      return absl::OkStatus();
    }
    const FieldDescriptor* key = f->message_type()->map_key();
    const FieldDescriptor* value = f->message_type()->map_value();
    out_ += "{";
    for (int k = 0; k < size; ++k) {
      const Message& entry = r->GetRepeatedMessage(m, f, k);
      const Reflection* er = entry.GetReflection();
      std::string name;
      switch (key->cpp_type()) {
        case FieldDescriptor::CPPTYPE_STRING:
          name = er->GetString(entry, key);
          break;
        case FieldDescriptor::CPPTYPE_BOOL:
          name = er->GetBool(entry, key) ? "true" : "false";
          break;
        case FieldDescriptor::CPPTYPE_INT32:
          name = absl::StrCat(er->GetInt32(entry, key));
          break;
        case FieldDescriptor::CPPTYPE_INT64:
          name = absl::StrCat(er->GetInt64(entry, key));
          break;
        case FieldDescriptor::CPPTYPE_UINT32:
          name = absl::StrCat(er->GetUInt32(entry, key));
          break;
        default:
          name = absl::StrCat(er->GetUInt64(entry, key));
      }
      out_ += k ? ",\n" : "\n";
      Indent(level + 1);
      absl::StrAppend(&out_, JsonEscape(name), ": ");
      RETURN_IF_ERROR(Value(entry, value, -1, level + 1));
    }
    out_ += "\n";
    Indent(level);
    out_ += "}";
    return absl::OkStatus();
  }

  // Field f of m (element `index` of a repeated field, or the field itself when index < 0).
  absl::Status Value(const Message& m, const FieldDescriptor* f, int index, int level) {
    const Reflection* r = m.GetReflection();
    const bool rep = index >= 0;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        absl::StrAppend(&out_, rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        absl::StrAppend(&out_, rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f));
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        absl::StrAppend(&out_, rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f));
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        absl::StrAppend(&out_, rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f));
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        out_ += DoubleValue(rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f));
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
        out_ += FloatValue(rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f));
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        out_ += (rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f)) ? "true" : "false";
        break;
      case FieldDescriptor::CPPTYPE_ENUM: {
        const int number = rep ? r->GetRepeatedEnumValue(m, f, index) : r->GetEnumValue(m, f);
        const auto* value = f->enum_type()->FindValueByNumber(number);
        out_ += value != nullptr ? JsonEscape(value->name()) : absl::StrCat(number);
        break;
      }
      case FieldDescriptor::CPPTYPE_STRING: {
        const std::string s = rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f);
        out_ += f->type() == FieldDescriptor::TYPE_BYTES ? JsonEscape(absl::Base64Escape(s))
                                                         : JsonEscape(s);
        break;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return Object(rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f), level);
    }
    return absl::OkStatus();
  }

  std::string out_;
};

}  // namespace

absl::StatusOr<std::string> ProtoToJson(const Message& message) {
  Printer printer;
  RETURN_IF_ERROR(printer.Object(message, 0));
  return printer.str() + "\n";
}

}  // namespace memsim::report
