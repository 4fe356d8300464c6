#include "oversight/policy/request.h"

#include <algorithm>

#include "oversight/common/time_format.h"

namespace oversight::policy {

RequestDoc::RequestDoc() : slots_(FieldTable().size()) {}

StatusOr<SlotValue*> RequestDoc::Writable(std::string_view path, FieldType expect) {
  auto id = FindField(path);
  if (!id) return Status::InvalidArgument("unknown request field \"" + std::string(path) + "\"");
  const FieldInfo& f = FieldTable()[*id];
  if (f.source != FieldSource::kRequest) {
    return Status::InvalidArgument(std::string(path) +
                                   " is supplied by the engine, not the request");
  }
  bool ok = f.type == expect || (expect == FieldType::kString && f.type == FieldType::kEnum);
  if (!ok) {
    return Status::InvalidArgument(std::string(path) + " is a " +
                                   std::string(FieldTypeName(f.type)) + ", not a " +
                                   std::string(FieldTypeName(expect)));
  }
  return &slots_[*id];
}

Status RequestDoc::SetString(std::string_view path, std::string_view value) {
  OVERSIGHT_ASSIGN_OR_RETURN(SlotValue * s, Writable(path, FieldType::kString));
  const FieldInfo& f = FieldTable()[*FindField(path)];
  if (f.type == FieldType::kEnum) {
    auto code = EnumCode(f, value);
    if (!code) {
      std::string m = "\"" + std::string(value) + "\" is not a value of " + std::string(path);
      std::string_view hint = ClosestMatch(value, f.enum_values);
      if (!hint.empty()) m += " (did you mean \"" + std::string(hint) + "\"?)";
      return Status::InvalidArgument(m);
    }
    s->scalar = *code;
  } else {
    s->str = std::string(value);
  }
  s->present = true;
  return Status::Ok();
}

Status RequestDoc::SetNumber(std::string_view path, double value) {
  OVERSIGHT_ASSIGN_OR_RETURN(SlotValue * s, Writable(path, FieldType::kNumber));
  s->number = value;
  s->present = true;
  return Status::Ok();
}

Status RequestDoc::SetBool(std::string_view path, bool value) {
  OVERSIGHT_ASSIGN_OR_RETURN(SlotValue * s, Writable(path, FieldType::kBool));
  s->scalar = value ? 1 : 0;
  s->present = true;
  return Status::Ok();
}

Status RequestDoc::SetTime(std::string_view path, TimePoint value) {
  OVERSIGHT_ASSIGN_OR_RETURN(SlotValue * s, Writable(path, FieldType::kTime));
  s->scalar =
      std::chrono::duration_cast<std::chrono::nanoseconds>(value.time_since_epoch()).count();
  s->present = true;
  return Status::Ok();
}

Status RequestDoc::SetStringSet(std::string_view path, std::vector<std::string> values) {
  OVERSIGHT_ASSIGN_OR_RETURN(SlotValue * s, Writable(path, FieldType::kStringSet));
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  s->set = std::move(values);
  s->present = true;
  return Status::Ok();
}

StatusOr<TimePoint> ParsePolicyTime(std::string_view text) {
  int year = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9') {
      return Status::InvalidArgument("not an RFC 3339 time: \"" + std::string(text) + "\"");
    }
    year = year * 10 + (text[i] - '0');
  }
  if (year < 1970 || year > 2200) {
    return Status::InvalidArgument("time outside the years 1970-2200: \"" + std::string(text) +
                                   "\"");
  }
  return ParseRfc3339(text);
}

namespace {

Status SetFromJson(RequestDoc& doc, const std::string& path, const JsonValue& v,
                   std::string_view source) {
  auto at = [&](const Status& st) {
    return Status::InvalidArgument(FormatPos(source, v.pos) + ": " + st.message());
  };
  auto id = FindField(path);
  if (!id) return at(Status::InvalidArgument("unknown request field \"" + path + "\""));
  if (v.is_null()) return Status::Ok();  // null means "not given"
  FieldType type = FieldTable()[*id].type;
  Status st;
  if ((type == FieldType::kString || type == FieldType::kEnum) && v.is_string()) {
    st = doc.SetString(path, v.text);
  } else if (type == FieldType::kNumber && v.is_number()) {
    st = doc.SetNumber(path, v.number);
  } else if (type == FieldType::kBool && v.is_bool()) {
    st = doc.SetBool(path, v.boolean);
  } else if (type == FieldType::kTime && v.is_string()) {
    auto t = ParsePolicyTime(v.text);
    st = t.ok() ? doc.SetTime(path, *t) : t.status();
  } else if (type == FieldType::kStringSet && v.is_array()) {
    std::vector<std::string> items;
    for (const JsonValue& item : v.items) {
      if (!item.is_string()) return at(Status::InvalidArgument(path + " must hold strings"));
      items.push_back(item.text);
    }
    st = doc.SetStringSet(path, std::move(items));
  } else {
    st = Status::InvalidArgument(path + " must be of type " + std::string(FieldTypeName(type)) +
                                 ", got a JSON " + std::string(JsonKindName(v.kind)));
  }
  return st.ok() ? st : at(st);
}

}  // namespace

StatusOr<RequestDoc> RequestFromJson(const JsonValue& doc, std::string_view source) {
  if (!doc.is_object()) {
    return Status::InvalidArgument(FormatPos(source, doc.pos) + ": request must be an object");
  }
  RequestDoc out;
  for (const JsonMember& top : doc.members) {
    if (top.key == "action") {
      OVERSIGHT_RETURN_IF_ERROR(SetFromJson(out, top.key, top.value, source));
      continue;
    }
    bool group = top.key == "principal" || top.key == "context" || top.key == "request";
    if (!group || !top.value.is_object()) {
      return Status::InvalidArgument(FormatPos(source, top.key_pos) + ": unexpected member \"" +
                                     top.key +
                                     "\" (a request has principal, action, context, request)");
    }
    for (const JsonMember& m : top.value.members) {
      std::string path = top.key + "." + m.key;
      auto id = FindField(path);
      if (!id || FieldTable()[*id].source != FieldSource::kRequest) {
        return Status::InvalidArgument(FormatPos(source, m.key_pos) + ": unknown request field \"" +
                                       path + "\"");
      }
      OVERSIGHT_RETURN_IF_ERROR(SetFromJson(out, path, m.value, source));
    }
  }
  return out;
}

}  // namespace oversight::policy
