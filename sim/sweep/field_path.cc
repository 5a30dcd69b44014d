#include "sim/sweep/field_path.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "sim/util/status_macros.h"

namespace memsim::sweep {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr int kAll = -1;   // [*]
constexpr int kNone = -2;  // no index

struct Step {
  std::string name;
  int index = kNone;
};

absl::StatusOr<std::vector<Step>> ParsePath(absl::string_view path) {
  if (path.empty()) return absl::InvalidArgumentError("empty field path");
  std::vector<Step> steps;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    Step s;
    const size_t bracket = part.find('[');
    if (bracket == absl::string_view::npos) {
      s.name = std::string(part);
    } else {
      if (part.back() != ']') {
        return absl::InvalidArgumentError(
            absl::StrCat("field path '", path, "': '", part, "' has no closing ']'"));
      }
      s.name = std::string(part.substr(0, bracket));
      absl::string_view idx = part.substr(bracket + 1, part.size() - bracket - 2);
      uint32_t i = 0;
      if (idx == "*") {
        s.index = kAll;
      } else if (absl::SimpleAtoi(idx, &i) && i < (1u << 30)) {
        s.index = static_cast<int>(i);
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("field path '", path, "': index '", idx, "' is neither a number nor *"));
      }
    }
    if (s.name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("field path '", path, "' has an empty name"));
    }
    steps.push_back(std::move(s));
  }
  return steps;
}

absl::Status BadValue(const FieldDescriptor* f, absl::string_view value, absl::string_view want) {
  return absl::InvalidArgumentError(
      absl::StrCat("value '", value, "' for ", f->full_name(), ": expected ", want));
}

// Integers also accept an integral floating-point spelling ("1e6", "4096.0"), which is what
// numeric ranges produce.
template <typename T>
absl::StatusOr<T> ParseInteger(const FieldDescriptor* f, absl::string_view value) {
  T v{};
  if (absl::SimpleAtoi(value, &v)) return v;
  double d = 0;
  if (absl::SimpleAtod(value, &d) && std::isfinite(d) && d == std::floor(d) &&
      d >= static_cast<double>(std::numeric_limits<T>::min()) &&
      d <= static_cast<double>(std::numeric_limits<T>::max())) {
    return static_cast<T>(d);
  }
  return BadValue(f, value, std::is_signed_v<T> ? "an integer" : "a non-negative integer");
}

// Sets scalar field `f` of `m` (element `index` if repeated; kNone on a repeated field
// replaces the whole list by one value).
absl::Status SetScalar(Message& m, const FieldDescriptor* f, int index, absl::string_view value) {
  const Reflection* r = m.GetReflection();
  const bool repeated = f->is_repeated();
  if (repeated && index == kNone) {
    r->ClearField(&m, f);
  }
  const bool add = repeated && index == kNone;
  switch (f->cpp_type()) {
#define MEMSIM_SET_INT(CPPTYPE, T, Name)              \
  case FieldDescriptor::CPPTYPE: {                    \
    ASSIGN_OR_RETURN(T v, ParseInteger<T>(f, value)); \
    if (add)                                          \
      r->Add##Name(&m, f, v);                         \
    else if (repeated)                                \
      r->SetRepeated##Name(&m, f, index, v);          \
    else                                              \
      r->Set##Name(&m, f, v);                         \
    return absl::OkStatus();                          \
  }
    MEMSIM_SET_INT(CPPTYPE_INT32, int32_t, Int32)
    MEMSIM_SET_INT(CPPTYPE_INT64, int64_t, Int64)
    MEMSIM_SET_INT(CPPTYPE_UINT32, uint32_t, UInt32)
    MEMSIM_SET_INT(CPPTYPE_UINT64, uint64_t, UInt64)
#undef MEMSIM_SET_INT
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      double v = 0;
      if (!absl::SimpleAtod(value, &v) || !std::isfinite(v)) return BadValue(f, value, "a number");
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
        if (add)
          r->AddFloat(&m, f, static_cast<float>(v));
        else if (repeated)
          r->SetRepeatedFloat(&m, f, index, static_cast<float>(v));
        else
          r->SetFloat(&m, f, static_cast<float>(v));
      } else {
        if (add)
          r->AddDouble(&m, f, v);
        else if (repeated)
          r->SetRepeatedDouble(&m, f, index, v);
        else
          r->SetDouble(&m, f, v);
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool v = false;
      if (!absl::SimpleAtob(value, &v)) return BadValue(f, value, "true or false");
      if (add)
        r->AddBool(&m, f, v);
      else if (repeated)
        r->SetRepeatedBool(&m, f, index, v);
      else
        r->SetBool(&m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* e = f->enum_type()->FindValueByName(std::string(value));
      int32_t number = 0;
      if (e == nullptr && absl::SimpleAtoi(value, &number)) {
        e = f->enum_type()->FindValueByNumber(number);
      }
      if (e == nullptr) {
        std::vector<std::string> names;
        for (int i = 0; i < f->enum_type()->value_count(); ++i) {
          names.push_back(f->enum_type()->value(i)->name());
        }
        return BadValue(f, value, absl::StrCat("one of ", absl::StrJoin(names, ", ")));
      }
      if (add)
        r->AddEnum(&m, f, e);
      else if (repeated)
        r->SetRepeatedEnum(&m, f, index, e);
      else
        r->SetEnum(&m, f, e);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string v(value);
      if (add)
        r->AddString(&m, f, v);
      else if (repeated)
        r->SetRepeatedString(&m, f, index, v);
      else
        r->SetString(&m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(f->full_name(), " is a message: the path must name one of its fields"));
}

// Whether applying step `s` at `m` would switch a oneof away from its set member.
bool OtherOneofMemberSet(const Message& m, const FieldDescriptor* f) {
  const auto* oneof = f->real_containing_oneof();
  if (oneof == nullptr) return false;
  const FieldDescriptor* set = m.GetReflection()->GetOneofFieldDescriptor(m, oneof);
  return set != nullptr && set != f;
}

absl::StatusOr<bool> Apply(Message& m, const std::vector<Step>& steps, size_t at,
                           absl::string_view path, absl::string_view value) {
  const Step& s = steps[at];
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(s.name);
  if (f == nullptr) {
    std::vector<std::string> names;
    for (int i = 0; i < m.GetDescriptor()->field_count(); ++i) {
      names.push_back(m.GetDescriptor()->field(i)->name());
    }
    return absl::InvalidArgumentError(
        absl::StrCat("field path '", path, "': ", m.GetDescriptor()->full_name(), " has no field '",
                     s.name, "' (fields: ", absl::StrJoin(names, ", "), ")"));
  }
  if (s.index != kNone && !f->is_repeated()) {
    return absl::InvalidArgumentError(
        absl::StrCat("field path '", path, "': '", s.name, "' is not repeated: drop the [..]"));
  }
  if (f->is_map()) {
    return absl::InvalidArgumentError(
        absl::StrCat("field path '", path, "': map fields cannot be set by path"));
  }
  if (OtherOneofMemberSet(m, f)) return false;
  const Reflection* r = m.GetReflection();
  const bool last = at + 1 == steps.size();
  int first = s.index, end = s.index + 1;
  if (f->is_repeated()) {
    const int size = r->FieldSize(m, f);
    if (s.index == kAll) {
      first = 0;
      end = size;
    } else if (s.index >= size) {
      return absl::InvalidArgumentError(absl::StrCat("field path '", path, "': ", s.name, "[",
                                                     s.index, "] does not exist (", s.name, " has ",
                                                     size, " elements)"));
    }
  }
  if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
    if (!last) {
      return absl::InvalidArgumentError(absl::StrCat("field path '", path, "': '", s.name,
                                                     "' is not a message and has no fields"));
    }
    if (f->is_repeated() && s.index == kNone) {
      RETURN_IF_ERROR(SetScalar(m, f, kNone, value));
      return true;
    }
    if (!f->is_repeated()) {
      RETURN_IF_ERROR(SetScalar(m, f, kNone, value));
      return true;
    }
    for (int i = first; i < end; ++i) RETURN_IF_ERROR(SetScalar(m, f, i, value));
    return true;
  }
  if (last) {
    return absl::InvalidArgumentError(absl::StrCat("field path '", path, "': '", s.name,
                                                   "' is a message: name one of its fields"));
  }
  if (f->is_repeated() && s.index == kNone) {
    return absl::InvalidArgumentError(absl::StrCat("field path '", path, "': '", s.name,
                                                   "' is repeated: index it with [i] or [*]"));
  }
  bool applied = true;
  if (!f->is_repeated()) {
    ASSIGN_OR_RETURN(applied, Apply(*r->MutableMessage(&m, f), steps, at + 1, path, value));
    return applied;
  }
  for (int i = first; i < end; ++i) {
    ASSIGN_OR_RETURN(bool a,
                     Apply(*r->MutableRepeatedMessage(&m, f, i), steps, at + 1, path, value));
    applied = applied && a;
  }
  return applied;
}

}  // namespace

absl::Status ValidateFieldPath(const google::protobuf::Descriptor& type, absl::string_view path) {
  ASSIGN_OR_RETURN(std::vector<Step> steps, ParsePath(path));
  const google::protobuf::Descriptor* d = &type;
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    const FieldDescriptor* f = d->FindFieldByName(s.name);
    if (f == nullptr) {
      std::vector<std::string> names;
      for (int k = 0; k < d->field_count(); ++k) names.push_back(d->field(k)->name());
      return absl::InvalidArgumentError(
          absl::StrCat("field path '", path, "': ", d->full_name(), " has no field '", s.name,
                       "' (fields: ", absl::StrJoin(names, ", "), ")"));
    }
    if (f->is_map()) {
      return absl::InvalidArgumentError(
          absl::StrCat("field path '", path, "': map fields cannot be set by path"));
    }
    if (s.index != kNone && !f->is_repeated()) {
      return absl::InvalidArgumentError(
          absl::StrCat("field path '", path, "': '", s.name, "' is not repeated: drop the [..]"));
    }
    const bool last = i + 1 == steps.size();
    const bool is_message = f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
    if (last && is_message) {
      return absl::InvalidArgumentError(absl::StrCat("field path '", path, "': '", s.name,
                                                     "' is a message: name one of its fields"));
    }
    if (!last && !is_message) {
      return absl::InvalidArgumentError(absl::StrCat("field path '", path, "': '", s.name,
                                                     "' is not a message and has no fields"));
    }
    if (!last && f->is_repeated() && s.index == kNone) {
      return absl::InvalidArgumentError(absl::StrCat("field path '", path, "': '", s.name,
                                                     "' is repeated: index it with [i] or [*]"));
    }
    if (is_message) d = f->message_type();
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> SetFieldByPath(google::protobuf::Message& message, absl::string_view path,
                                    absl::string_view value) {
  ASSIGN_OR_RETURN(std::vector<Step> steps, ParsePath(path));
  std::unique_ptr<Message> copy(message.New());
  copy->CopyFrom(message);
  ASSIGN_OR_RETURN(bool applied, Apply(*copy, steps, 0, path, value));
  if (applied) message.CopyFrom(*copy);
  return applied;
}

}  // namespace memsim::sweep
