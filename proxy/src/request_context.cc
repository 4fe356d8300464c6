#include "oversight/proxy/request_context.h"

#include <charconv>
#include <cmath>

#include "oversight/common/time_format.h"
#include "oversight/policy/schema.h"

namespace oversight::proxy {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && Lower(s.substr(0, prefix.size())) == prefix;
}

// "Warrant-Id" -> "warrant_id".
std::string FieldName(std::string_view header_suffix) {
  std::string out = Lower(header_suffix);
  for (char& c : out) {
    if (c == '-') c = '_';
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

StatusOr<nlohmann::json> ParseNumber(std::string_view text) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) {
    return Status::InvalidArgument("'" + std::string(text) + "' is not a number");
  }
  return nlohmann::json(v);
}

nlohmann::json ParseSet(std::string_view text) {
  nlohmann::json out = nlohmann::json::array();
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    std::string_view item = Trim(text.substr(0, comma));
    if (!item.empty()) out.push_back(std::string(item));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

StatusOr<nlohmann::json> TypedValue(const policy::FieldInfo& field, std::string_view text) {
  using policy::FieldType;
  switch (field.type) {
    case FieldType::kString:
      return nlohmann::json(std::string(text));
    case FieldType::kEnum:
      if (!policy::EnumCode(field, text)) {
        std::string allowed;
        for (std::string_view v : field.enum_values)
          allowed += (allowed.empty() ? "" : ", ") + std::string(v);
        return Status::InvalidArgument("'" + std::string(text) + "' is not one of " + allowed);
      }
      return nlohmann::json(std::string(text));
    case FieldType::kNumber:
      return ParseNumber(text);
    case FieldType::kBool:
      if (text == "true") return nlohmann::json(true);
      if (text == "false") return nlohmann::json(false);
      return Status::InvalidArgument("'" + std::string(text) + "' is not true or false");
    case FieldType::kTime:
      if (!ParseRfc3339(text).ok()) {
        return Status::InvalidArgument("'" + std::string(text) +
                                       "' is not an RFC 3339 time such as 2026-11-26T08:30:00Z");
      }
      return nlohmann::json(std::string(text));
    case FieldType::kStringSet:
      return ParseSet(text);
    case FieldType::kDuration:
      break;  // no request field is a duration
  }
  return Status::InvalidArgument("this field cannot be given in a request");
}

}  // namespace

StatusOr<nlohmann::json> ContextValueFromText(std::string_view field, std::string_view text) {
  const std::string path = "context." + std::string(field);
  const auto id = policy::FindField(path);
  if (!id || policy::FieldTable()[*id].source != policy::FieldSource::kRequest) {
    return Status::InvalidArgument("there is no context field '" + std::string(field) +
                                   "' (docs/rules.md lists them)");
  }
  return TypedValue(policy::FieldTable()[*id], Trim(text));
}

StatusOr<nlohmann::json> ContextFromHeaders(const HeaderList& headers) {
  nlohmann::json context = nlohmann::json::object();
  for (const auto& [name, value] : headers) {
    if (!StartsWithIgnoreCase(name, kContextHeaderPrefix)) continue;
    if (StartsWithIgnoreCase(name, kRecordHeaderPrefix)) continue;
    const std::string field = FieldName(std::string_view(name).substr(kContextHeaderPrefix.size()));
    if (context.contains(field)) {
      return Status::InvalidArgument("header " + name + " appears more than once");
    }
    auto parsed = ContextValueFromText(field, value);
    if (!parsed.ok()) {
      return Status::InvalidArgument("header " + name + ": " + parsed.status().message());
    }
    context[field] = std::move(parsed).value();
  }
  return context;
}

Status MergeContext(nlohmann::json& bound, const nlohmann::json& extra) {
  for (const auto& [field, value] : extra.items()) {
    if (bound.contains(field)) {
      if (bound[field] != value) {
        return Status::FailedPrecondition("context." + field +
                                          " is bound by the session and cannot be changed");
      }
      continue;
    }
    bound[field] = value;
  }
  return Status::Ok();
}

StatusOr<RecordFields> RecordFieldsFromHeaders(const HeaderList& headers) {
  RecordFields out;
  for (const auto& [name, value] : headers) {
    if (!StartsWithIgnoreCase(name, kRecordHeaderPrefix)) continue;
    const std::string field = FieldName(std::string_view(name).substr(kRecordHeaderPrefix.size()));
    const std::string v(Trim(value));
    if (field == "subject") {
      out.subject = v;
    } else if (field == "booking_number") {
      out.booking_number = v;
    } else if (field == "charge_status") {
      out.charge_status = v;
    } else {
      return Status::InvalidArgument("unknown record header " + name +
                                     " (known: X-Oversight-Record-Subject, "
                                     "X-Oversight-Record-Booking-Number, "
                                     "X-Oversight-Record-Charge-Status)");
    }
  }
  return out;
}

nlohmann::json BuildRequestDocument(const Principal& principal, std::string_view agency_type,
                                    std::string_view action, const nlohmann::json& context,
                                    const nlohmann::json& request) {
  nlohmann::json roles = nlohmann::json::array();
  for (Role r : principal.roles) roles.push_back(std::string(RoleName(r)));
  return {{"principal",
           {{"id", principal.id},
            {"agency", principal.agency},
            {"agency_type", std::string(agency_type)},
            {"roles", std::move(roles)}}},
          {"action", std::string(action)},
          {"context", context},
          {"request", request}};
}

}  // namespace oversight::proxy
